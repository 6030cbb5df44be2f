/**
 * What turns a string into HTML or code in a browser (the sinks Trusted Types guards), for tests that keep them
 * out of the report's and the dashboard's code, sources and built bundles alike.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export const SINKS = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|dangerouslySetInnerHTML|srcdoc|createContextualFragment|DOMParser|parseFromString|setAttribute\(\s*['"`]on|\.setHTML|setHTMLUnsafe/g;

/** Each sink found in the files, as `file: sink` (paths relative to `root`). */
export function sinksIn(files: readonly string[], root: string): string[] {
  return files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(SINKS)].map((m) => `${f.slice(root.length)}: ${m[0]}`));
}

/**
 * Checks a built bundle: Preact handles a `dangerouslySetInnerHTML` prop (nothing of ours passes one, and Trusted
 * Types 'none' would make the assignment throw), so exactly that code must be present and is removed; then no
 * sink may be left, nor anything that would end an inline element.
 */
export function expectOnlyPreactSinks(bundle: string): void {
  const preact = [/\w+\.__html==\w+\.innerHTML/g, /\w+\.innerHTML=\w+\.__html/g, /\w+==`dangerouslySetInnerHTML`/g];
  let rest = bundle;
  for (const known of preact) {
    expect(bundle.match(known)?.length ?? 0, String(known)).toBeGreaterThan(0);
    rest = rest.replace(known, '');
  }
  expect([...rest.matchAll(SINKS)].map((m) => rest.slice(Math.max(0, m.index! - 40), m.index! + 40))).toEqual([]);
  expect(bundle).not.toMatch(/<\/script|<!--/i);
}
