/** Test helpers: compile inline Sigma YAML with the real loader and engine, and test events against it. */
import type { CanonicalEvent } from '../../src/model/event.js';
import { Ruleset } from '../../src/detect/ruleset.js';
import { parseRuleText } from '../../src/sigma/load.js';
import type { SigmaDiagnostic } from '../../src/sigma/diagnostics.js';

export function compile(yaml: string, placeholders: Record<string, string[]> = {}): { ruleset: Ruleset; diagnostics: SigmaDiagnostic[] } {
  const parsed = parseRuleText(yaml, 'inline.yml');
  const ruleset = new Ruleset(parsed.documents.map((document) => ({ document, source: 'sigma' as const })), { placeholders });
  return { ruleset, diagnostics: [...parsed.diagnostics, ...ruleset.diagnostics] };
}

/** A plain JSON event (kind `event`): every rule is tested against it whatever its log source. */
export function event(fields: Record<string, unknown>, time = '2026-10-01T10:00:00.000Z'): CanonicalEvent {
  return { ...fields, appwatch: { kind: 'event', time, origin: { source: 'file', format: 'json', file: 'inline.jsonl' } } };
}

/** Whether a one-rule document matches the event. */
export function fires(yaml: string, fields: Record<string, unknown>, placeholders: Record<string, string[]> = {}): boolean {
  const { ruleset, diagnostics } = compile(yaml, placeholders);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`rule did not compile: ${errors.map((e) => e.message).join('; ')}`);
  return ruleset.match(event(fields)).length > 0;
}

/** A rule with one selection, for terse tests. */
export function rule(detection: string, condition = 'selection'): string {
  return `title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: test}\ndetection:\n${detection.replace(/^/gm, '    ')}\n    condition: ${condition}\n`;
}
