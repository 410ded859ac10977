// Authorization for a site with a cloud: online, Authorize goes to the cloud (short
// timeout) and the answer fills the cache; offline (or on timeout), the local list
// from SendLocalList decides, then the cache, then the unknown-tag policy.
import type { Db } from '../store/db.js';
import type { KvRepository } from '../store/kv.js';
import type { IdTagInfo, AuthorizationData } from '../ocpp/v16/types.js';
import type { Authorizer } from '../local/authorizer.js';
import type { Logger } from '../log.js';

export class AuthStore {
  private readonly q;
  constructor(private readonly db: Db, private readonly kv: KvRepository, private readonly now: () => number = Date.now) {
    this.q = {
      list: db.prepare('SELECT status, expiry_date AS expiryDate, parent_id_tag AS parentIdTag FROM auth_list WHERE id_tag = ?'),
      cache: db.prepare('SELECT status, expiry_date AS expiryDate, parent_id_tag AS parentIdTag FROM auth_cache WHERE id_tag = ?'),
      putList: db.prepare(`INSERT INTO auth_list (id_tag, status, expiry_date, parent_id_tag) VALUES (?, ?, ?, ?)
        ON CONFLICT (id_tag) DO UPDATE SET status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag`),
      delList: db.prepare('DELETE FROM auth_list WHERE id_tag = ?'),
      clearList: db.prepare('DELETE FROM auth_list'),
      putCache: db.prepare(`INSERT INTO auth_cache (id_tag, status, expiry_date, parent_id_tag, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id_tag) DO UPDATE SET status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag, updated_at = excluded.updated_at`),
      clearCache: db.prepare('DELETE FROM auth_cache'),
      listSize: db.prepare('SELECT count(*) FROM auth_list').pluck(),
    };
  }

  private row(stmt: 'list' | 'cache', idTag: string): IdTagInfo | undefined {
    const r = this.q[stmt].get(idTag) as { status: IdTagInfo['status']; expiryDate: string | null; parentIdTag: string | null } | undefined;
    if (!r) return undefined;
    const info: IdTagInfo = { status: r.status };
    if (r.expiryDate) info.expiryDate = r.expiryDate;
    if (r.parentIdTag) info.parentIdTag = r.parentIdTag;
    return info;
  }

  fromList(idTag: string): IdTagInfo | undefined {
    return this.row('list', idTag);
  }

  fromCache(idTag: string): IdTagInfo | undefined {
    return this.row('cache', idTag);
  }

  cache(idTag: string, info: IdTagInfo): void {
    this.q.putCache.run(idTag, info.status, info.expiryDate ?? null, info.parentIdTag ?? null, this.now());
  }

  clearCache(): void {
    this.q.clearCache.run();
  }

  get listVersion(): number {
    return this.kv.get<number>('auth.listVersion') ?? 0;
  }

  get listSize(): number {
    return this.q.listSize.get() as number;
  }

  /** SendLocalList: Full replaces, Differential updates (an entry without idTagInfo is removed). */
  applyList(version: number, updateType: 'Full' | 'Differential', entries: AuthorizationData[]): void {
    this.db.transaction(() => {
      if (updateType === 'Full') this.q.clearList.run();
      for (const e of entries) {
        if (!e.idTagInfo) this.q.delList.run(e.idTag);
        else this.q.putList.run(e.idTag, e.idTagInfo.status, e.idTagInfo.expiryDate ?? null, e.idTagInfo.parentIdTag ?? null);
      }
      this.kv.set('auth.listVersion', version);
    })();
  }
}

/** An entry that says Accepted but whose expiryDate has passed is Expired. */
export function effective(info: IdTagInfo, now: number): IdTagInfo {
  if (info.status === 'Accepted' && info.expiryDate && Date.parse(info.expiryDate) <= now) return { ...info, status: 'Expired' };
  return info;
}

export interface CloudAuthorize {
  /**
   * Resolves with the cloud's answer, or rejects when offline / on timeout. timeoutMs
   * bounds the whole wait from this call, time queued behind other cloud calls
   * included (one CALL is outstanding at a time), and a request still queued at the
   * deadline is never sent: the charger's wait is what upstream.authorizeTimeoutS promises.
   */
  authorizeOnline(idTag: string, timeoutMs: number, token?: { idToken: string; type: string }): Promise<IdTagInfo>;
  readonly online: boolean;
}

export class UpstreamAuthorizer implements Authorizer {
  constructor(
    private readonly store: AuthStore,
    private readonly cloud: CloudAuthorize,
    private readonly opts: { allowUnknownIdTags: boolean; onlineTimeoutMs: number; log: Logger; now: () => number },
  ) {}

  /** Offline decision: local list first (the operator's explicit word), then the cache, then policy. */
  offline(idTag: string): IdTagInfo {
    const now = this.opts.now();
    const listed = this.store.fromList(idTag);
    if (listed) return effective(listed, now);
    const cached = this.store.fromCache(idTag);
    if (cached) return effective(cached, now);
    return { status: this.opts.allowUnknownIdTags ? 'Accepted' : 'Invalid' };
  }

  async authorize(req: { chargerId: string; idTag: string; idToken?: { idToken: string; type: string }; purpose: 'Authorize' | 'StartTransaction' | 'StopTransaction' }): Promise<IdTagInfo> {
    // Start/Stop are answered from what the site knows when it knows the tag: the cloud
    // gets them through the outbox and, for a Start it refuses, the charger is told to
    // stop. Authorize, and a Start for a tag the site has never seen, ask the cloud first.
    if (!this.cloud.online || req.purpose === 'StopTransaction') return this.offline(req.idTag);
    if (req.purpose === 'StartTransaction' && (this.store.fromList(req.idTag) || this.store.fromCache(req.idTag))) return this.offline(req.idTag);
    try {
      const info = await this.cloud.authorizeOnline(req.idTag, this.opts.onlineTimeoutMs, req.idToken);
      try {
        this.store.cache(req.idTag, info);
      } catch (err) {
        // The cloud's answer stands even when the cache cannot be written (disk full).
        this.opts.log.warn('could not cache the cloud\'s Authorize answer', { idTag: req.idTag, err: (err as Error).message });
      }
      return info;
    } catch (err) {
      this.opts.log.info('cloud Authorize failed; deciding offline', { idTag: req.idTag, err: (err as Error).message });
      return this.offline(req.idTag);
    }
  }
}
