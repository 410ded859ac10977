// The minimal config template (config/site-controller.minimal.yaml) and how an installer
// fills it: every `{ FILL: "..." }` replaced by a real value, in the file's order.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TEMPLATE = fileURLToPath(new URL('../../../config/site-controller.minimal.yaml', import.meta.url));

/** A placeholder: a mapping whose only key is FILL and whose value says what goes there. */
export const FILL = /\{ FILL: "[^"]*" \}/g;

/** The values a real installer would give: site id, main fuse, charger id, charger password. */
export const FILLED_VALUES = ['site-042', '63', 'CP-001', '"correct-horse-battery-staple"'];

export function templateText(): string {
  return readFileSync(TEMPLATE, 'utf8');
}

export function fillTemplate(text: string, values: string[] = FILLED_VALUES): string {
  let i = 0;
  const out = text.replace(FILL, () => {
    if (i >= values.length) throw new Error(`the template has more FILL placeholders than the ${values.length} values given`);
    return values[i++];
  });
  if (i !== values.length) throw new Error(`the template has ${i} FILL placeholders, ${values.length} values were given`);
  return out;
}
