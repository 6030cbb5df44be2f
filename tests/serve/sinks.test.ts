import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectOnlyPreactSinks, sinksIn } from '../helpers/html-sinks.js';

/**
 * The dashboard builds no HTML or code from strings: its server writes one fixed page and JSON, and its browser
 * code (the report's components plus the dashboard's, checked in src/report by tests/report/sinks.test.ts) has no
 * HTML sink. Trusted Types would make such a sink throw at run time; this keeps them out of the code.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('dashboard code has no string-to-HTML or string-to-code sink', () => {
  it('in the server (src/serve)', () => {
    const files = readdirSync(join(root, 'src/serve')).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'src/serve', f));
    expect(files.length).toBeGreaterThan(5);
    expect(sinksIn(files, root)).toEqual([]);
  });

  it('in the built bundle, but for Preact\'s own dangerouslySetInnerHTML branch, which nothing reaches', () => {
    // The server sends it as a file; it still must not carry anything that would end an inline element.
    expectOnlyPreactSinks(readFileSync(join(root, 'dist/dashboard-assets/dashboard.js'), 'utf8'));
    expect(readFileSync(join(root, 'dist/dashboard-assets/dashboard.css'), 'utf8')).not.toMatch(/url\(|@import/);
  });
});
