// The admission bookkeeping: which refusals are news, the unknown-identity list,
// and the per-address limiter for failed logins (window, block, growth, bound).
import test from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter, RefusalBook, hostOf } from '../../daemon/local/admission.js';

test('hostOf: the host of a remote, IPv4-mapped addresses as plain IPv4', () => {
  for (const [remote, host] of [
    ['127.0.0.1:5000', '127.0.0.1'],
    ['::ffff:10.0.0.5:443', '10.0.0.5'],
    ['::1:9000', '::1'],
    ['[fe80::1]:80', 'fe80::1'],
    ['10.1.2.3', '10.1.2.3'],
  ]) assert.equal(hostOf(remote), host, remote);
});

test('RefusalBook: a refusal is news when its reason or host changes; repeats count up', () => {
  const book = new RefusalBook();
  const r = (reason: any, remote: string, at: number) => ({ reason, remote, at, message: reason });
  const rows: Array<[string, ReturnType<typeof r>, boolean, number]> = [
    ['CP-1', r('password', '10.0.0.5:1000', 1), true, 1],
    ['CP-1', r('password', '10.0.0.5:1001', 2), false, 2], // same host, new port: a retry
    ['CP-1', r('subprotocol', '10.0.0.5:1002', 3), true, 1],
    ['CP-1', r('subprotocol', '10.0.0.6:1003', 4), true, 1],
    ['CP-2', r('password', '10.0.0.7:1000', 5), true, 1],
  ];
  for (const [id, refusal, news, count] of rows) {
    assert.equal(book.record(id, refusal), news, `${id} ${refusal.reason} at ${refusal.at}`);
    assert.equal(book.lastRefusal(id)?.count, count);
    assert.equal(book.lastRefusal(id)?.at, refusal.at);
  }
  assert.equal(book.lastRefusal('CP-3'), undefined);
});

test('RefusalBook: unknown identities, most recent first, bounded', () => {
  const book = new RefusalBook(3);
  const u = (at: number) => ({ reason: 'unknown-id' as const, remote: '10.0.0.9:1', at, message: '' });
  assert.equal(book.record('TYPO', u(1)), true);
  assert.equal(book.record('TYPO', u(2)), false);
  book.record('A', u(3));
  book.record('B', u(4));
  assert.deepEqual(book.unknown().map((x) => [x.id, x.count, x.firstAt, x.lastAt]), [['B', 1, 4, 4], ['A', 1, 3, 3], ['TYPO', 2, 1, 2]]);
  book.record('C', u(5));
  assert.deepEqual(book.unknown().map((x) => x.id), ['C', 'B', 'A'], 'the least recently seen is forgotten');
  book.record('A', u(6));
  assert.deepEqual(book.unknown().map((x) => x.id), ['A', 'C', 'B']);
  assert.equal(book.lastRefusal('A'), undefined, 'unknown identities are listed, not given a per-charger record');
});

const opts = { maxFailures: 3, windowMs: 1000, blockMs: 10_000, maxBlockMs: 25_000, maxEntries: 4 };

test('FailureLimiter: failures within the window start a block; failures spread out do not', () => {
  const l = new FailureLimiter(opts);
  assert.equal(l.fail('a', 0), undefined);
  assert.equal(l.fail('a', 600), undefined);
  assert.equal(l.fail('a', 1100), undefined, 'the failure at 0 left the window');
  const block = l.fail('a', 1200);
  assert.deepEqual(block, { address: 'a', until: 11_200, failures: 3, refusedWhileBlocked: 0 });
  assert.equal(l.blockedUntil('a', 5000), 11_200);
  assert.equal(l.blockedUntil('a', 6000), 11_200);
  assert.equal(l.blockedUntil('b', 6000), 0, 'another address is unaffected');
  assert.deepEqual(l.blocked(6000), [{ address: 'a', until: 11_200, failures: 3, refusedWhileBlocked: 2 }]);
  assert.equal(l.blockedUntil('a', 11_200), 0, 'the block ends');
  assert.deepEqual(l.blocked(11_200), []);
});

test('FailureLimiter: each further block doubles, up to the maximum; a good login forgets the address', () => {
  const l = new FailureLimiter(opts);
  const burst = (t: number) => {
    l.fail('a', t);
    l.fail('a', t + 1);
    return l.fail('a', t + 2)?.until;
  };
  assert.equal(burst(0), 10_002);
  assert.equal(burst(20_000), 40_002);
  assert.equal(burst(50_000), 75_002, 'capped at maxBlockMs');
  l.succeed('a', 80_000);
  assert.equal(l.size, 0);
  assert.equal(burst(90_000), 100_002, 'after a good login, the first block length again');
  l.succeed('a', 95_000);
  assert.equal(l.blockedUntil('a', 95_000), 100_002, 'a good login does not lift a running block');
});

test('FailureLimiter: the table is bounded; the least recently active address goes first', () => {
  const l = new FailureLimiter(opts);
  for (let i = 0; i < 100; i++) l.fail(`10.0.0.${i}`, i);
  assert.equal(l.size, 4);
  l.fail('x', 200);
  l.fail('x', 201);
  assert.equal(l.fail('x', 202)?.until, 10_202);
  assert.equal(l.blockedUntil('x', 300), 10_202);
});
