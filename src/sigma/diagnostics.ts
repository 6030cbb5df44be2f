/**
 * @module sigma/diagnostics
 * Problems found in rule files, with a stable code, the file and line, and the rule they concern. Rendered
 * for people (`file:line: rule 'X': message [CODE]`) and as JSON.
 */
import type { SourceLocation } from './types.js';

export type DiagnosticSeverity = 'error' | 'warning';

/** Stable codes: scripts and tests match on them, never on the message text. */
export const DIAGNOSTIC_CODES = {
  'APPW-E001': 'invalid YAML',
  'APPW-E002': 'not a Sigma document',
  'APPW-E003': 'missing or invalid required key',
  'APPW-E004': 'invalid condition',
  'APPW-E005': 'unknown search identifier',
  'APPW-E006': 'unknown or misplaced modifier',
  'APPW-E007': 'invalid value for modifier',
  'APPW-E008': 'unresolved placeholder',
  'APPW-E009': 'invalid correlation',
  'APPW-E010': 'invalid filter',
  'APPW-E011': 'unsafe regular expression',
  'APPW-E012': 'duplicate rule id',
  'APPW-W001': 'unknown key',
  'APPW-W002': 'log source appwatch cannot read',
  'APPW-W003': 'repair applied',
  'APPW-W004': 'filter condition without not',
} as const;
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface SigmaDiagnostic {
  code: DiagnosticCode;
  severity: DiagnosticSeverity;
  message: string;
  location: SourceLocation;
  rule?: { id?: string; title?: string };
}

export class SigmaError extends Error {
  constructor(readonly code: DiagnosticCode, message: string, readonly location: SourceLocation = {}) {
    super(message);
  }
}

export function diagnostic(
  code: DiagnosticCode, message: string, location: SourceLocation, rule?: { id?: string; title?: string },
): SigmaDiagnostic {
  const d: SigmaDiagnostic = { code, severity: code.startsWith('APPW-E') ? 'error' : 'warning', message, location };
  if (rule) d.rule = rule;
  return d;
}

export function formatDiagnostic(d: SigmaDiagnostic): string {
  const where = `${d.location.file ?? '<rules>'}${d.location.line ? `:${d.location.line}` : ''}`;
  const rule = d.rule?.title ? ` rule '${d.rule.title}'${d.rule.id ? ` (${d.rule.id})` : ''}:` : '';
  const path = d.location.path ? ` at ${d.location.path}:` : '';
  return `${where}:${rule}${path} ${d.message} [${d.code}]`;
}
