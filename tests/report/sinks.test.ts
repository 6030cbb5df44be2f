import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The report never builds HTML or code from strings in the browser: no HTML sink, no eval. Trusted Types would
 * make such a sink throw at run time; this test keeps them out of the code in the first place.
 */
const SINKS = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|dangerouslySetInnerHTML|srcdoc|createContextualFragment|DOMParser|parseFromString|setAttribute\(\s*['"`]on|\.setHTML|setHTMLUnsafe/g;

const root = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('report code has no string-to-HTML or string-to-code sink', () => {
  it('in the sources (writer, charts, text, browser code)', () => {
    const sources = files(join(root, 'src/report')).filter((f) => /\.(ts|js|mjs|css)$/.test(f));
    expect(sources.some((f) => f.endsWith('ui/app.js'))).toBe(true);
    const found = sources.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(SINKS)].map((m) => `${f.slice(root.length)}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  it('in the built bundle, but for Preact\'s own dangerouslySetInnerHTML branch, which nothing reaches', () => {
    const bundle = readFileSync(join(root, 'dist/report-assets/report.js'), 'utf8');
    // Preact handles a `dangerouslySetInnerHTML` prop (no source above passes one, and Trusted Types 'none' would
    // make the assignment throw): remove exactly that code, then nothing may be left.
    const preact = [/\w+\.__html==\w+\.innerHTML/g, /\w+\.innerHTML=\w+\.__html/g, /\w+==`dangerouslySetInnerHTML`/g];
    let rest = bundle;
    for (const known of preact) {
      expect(bundle.match(known)?.length ?? 0, String(known)).toBeGreaterThan(0);
      rest = rest.replace(known, '');
    }
    expect([...rest.matchAll(SINKS)].map((m) => rest.slice(Math.max(0, m.index! - 40), m.index! + 40))).toEqual([]);
    expect(bundle).not.toMatch(/<\/script|<!--/i);
  });
});
