import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The dashboard builds no HTML or code from strings: its server writes one fixed page and JSON, and its browser
 * code (the report's components plus the dashboard's, checked in src/report by tests/report/sinks.test.ts) has no
 * HTML sink. Trusted Types would make such a sink throw at run time; this keeps them out of the code.
 */
const SINKS = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|dangerouslySetInnerHTML|srcdoc|createContextualFragment|DOMParser|parseFromString|setAttribute\(\s*['"`]on|\.setHTML|setHTMLUnsafe/g;
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('dashboard code has no string-to-HTML or string-to-code sink', () => {
  it('in the server (src/serve)', () => {
    const files = readdirSync(join(root, 'src/serve')).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'src/serve', f));
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(SINKS)].map((m) => `${f.slice(root.length)}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  it('in the built bundle, but for Preact\'s own dangerouslySetInnerHTML branch, which nothing reaches', () => {
    const bundle = readFileSync(join(root, 'dist/dashboard-assets/dashboard.js'), 'utf8');
    const preact = [/\w+\.__html==\w+\.innerHTML/g, /\w+\.innerHTML=\w+\.__html/g, /\w+==`dangerouslySetInnerHTML`/g];
    let rest = bundle;
    for (const known of preact) {
      expect(bundle.match(known)?.length ?? 0, String(known)).toBeGreaterThan(0);
      rest = rest.replace(known, '');
    }
    expect([...rest.matchAll(SINKS)].map((m) => rest.slice(Math.max(0, m.index! - 40), m.index! + 40))).toEqual([]);
    // The server sends it as a file; it still must not carry anything that would end an inline element.
    expect(bundle).not.toMatch(/<\/script|<!--/i);
    expect(readFileSync(join(root, 'dist/dashboard-assets/dashboard.css'), 'utf8')).not.toMatch(/url\(|@import/);
  });
});
