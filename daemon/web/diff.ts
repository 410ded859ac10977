// What changed between two statuses, as a list of [path, value] operations the page
// applies to its copy: objects are compared key by key and arrays of equal length index
// by index, so a site of 500 chargers where 25 sent MeterValues since the last push
// sends those 25 connectors, not the whole site. Pure, over plain JSON values (the live
// feed diffs JSON round-trips); it keeps the last status it sent and every page starts
// from exactly that one.

export type Path = Array<string | number>;
/** [path, value] sets; [path] deletes the key. */
export type Op = [Path, unknown] | [Path];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function diff(a: unknown, b: unknown): Op[] {
  const out: Op[] = [];
  walk(a, b, [], out);
  return out;
}

/** `path` is one stack shared by the whole walk (copied only into an op): the walk visits every value of a large site. */
function walk(a: unknown, b: unknown, path: Path, out: Op[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const k in a) {
      if (a[k] !== undefined && (!(k in b) || b[k] === undefined)) out.push([[...path, k]]);
    }
    for (const k in b) {
      const v = b[k];
      if (v === undefined) continue;
      path.push(k);
      walk(a[k], v, path, out);
      path.pop();
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < b.length; i++) {
      path.push(i);
      walk(a[i], b[i], path, out);
      path.pop();
    }
    return;
  }
  // A changed number, string or null, or a changed shape: the new value replaces the old.
  out.push([[...path], b === undefined ? null : b]);
}

/** Applies ops to `target` (mutated) and returns it; a root path replaces the whole value. */
export function apply(target: any, ops: Op[]): any {
  for (const op of ops) {
    const [path] = op;
    if (path.length === 0) {
      target = op[1];
      continue;
    }
    let o = target;
    for (const k of path.slice(0, -1)) o = o[k];
    const last = path[path.length - 1]!;
    if (op.length === 1) delete o[last];
    else o[last] = op[1];
  }
  return target;
}
