import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectOnlyPreactSinks, sinksIn } from '../helpers/html-sinks.js';

/**
 * The report never builds HTML or code from strings in the browser: no HTML sink, no eval. Trusted Types would
 * make such a sink throw at run time; this test keeps them out of the code in the first place.
 */
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
    expect(sinksIn(sources, root)).toEqual([]);
  });

  it('in the built bundle, but for Preact\'s own dangerouslySetInnerHTML branch, which nothing reaches', () => {
    expectOnlyPreactSinks(readFileSync(join(root, 'dist/report-assets/report.js'), 'utf8'));
  });
});
