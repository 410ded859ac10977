import type { RadioInfo } from '../types.js';

/** `over`'s defined fields win; the vendor answer is more precise than the 3GPP one. */
export function mergeRadio(base: RadioInfo, over: RadioInfo): RadioInfo {
  const out: RadioInfo = { ...base };
  for (const [key, value] of Object.entries(over) as Array<[keyof RadioInfo, RadioInfo[keyof RadioInfo]]>) {
    if (value !== undefined && value !== '') (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
