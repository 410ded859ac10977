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

export function diff(a: unknown, b: unknown, path: Path = [], out: Op[] = []): Op[] {
  if (a === b) return out;
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) if (!(k in b) || b[k] === undefined) {
      if (a[k] !== undefined) out.push([[...path, k]]);
    }
    for (const [k, v] of Object.entries(b)) if (v !== undefined) diff(a[k], v, [...path, k], out);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < b.length; i++) diff(a[i], b[i], [...path, i], out);
    return out;
  }
  // A changed number, string or null, or a changed shape: the new value replaces the old.
  out.push([path, b === undefined ? null : b]);
  return out;
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
