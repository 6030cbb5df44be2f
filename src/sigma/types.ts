/**
 * @module sigma/types
 * The Sigma language as appwatch reads it (specification v2.1): rules, correlations and filters, with the
 * place in the file each came from. Parsed rules are never mutated: compiling produces new objects.
 */

/** Where something was written: file, 1-based line, and the YAML path inside the document. */
export interface SourceLocation {
  file?: string;
  line?: number;
  path?: string;
}

export type SigmaScalar = string | number | boolean | null;

/** One field test of a search: `field|mod1|mod2: value(s)`; `field` is null for keywords. */
export interface SigmaFieldItem {
  field: string | null;
  modifiers: string[];
  values: SigmaScalar[];
  location: SourceLocation;
}

/** A search identifier: OR of AND-maps (a map is one alternative; a list of maps several). */
export interface SigmaSearch {
  name: string;
  alternatives: SigmaFieldItem[][];
  location: SourceLocation;
}

export type ConditionNode =
  | { type: 'and' | 'or'; children: ConditionNode[] }
  | { type: 'not'; child: ConditionNode }
  | { type: 'id'; name: string }
  | { type: 'of'; quantifier: 'one' | 'all'; pattern: string };

export interface SigmaLogsource {
  category?: string;
  product?: string;
  service?: string;
  definition?: string;
}

interface SigmaDocumentBase {
  id?: string;
  name?: string;
  title: string;
  description?: string;
  author?: string;
  references: string[];
  tags: string[];
  level?: SigmaLevel;
  status?: string;
  date?: string;
  modified?: string;
  falsepositives: string[];
  location: SourceLocation;
  /** The document as written (for `rules explain` and repairs that check the original value). */
  raw: Record<string, unknown>;
}

export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof SIGMA_LEVELS)[number];

export interface SigmaRule extends SigmaDocumentBase {
  kind: 'rule';
  logsource: SigmaLogsource;
  searches: Map<string, SigmaSearch>;
  /** A list of conditions ORs them. */
  condition: ConditionNode;
  conditionText: string;
}

export const CORRELATION_TYPES = [
  'event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export interface CorrelationCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
  field?: string;
  /** temporal types: a boolean expression over the referenced rules (`a and b and c`). */
  expression?: ConditionNode;
}

export interface SigmaCorrelation extends SigmaDocumentBase {
  kind: 'correlation';
  type: CorrelationType;
  rules: string[];
  groupBy: string[];
  /** alias → (rule id or name → field). */
  aliases: Record<string, Record<string, string>>;
  timespanMs: number;
  timespanText: string;
  condition: CorrelationCondition;
  generate: boolean;
}

export interface SigmaFilter extends SigmaDocumentBase {
  kind: 'filter';
  logsource: SigmaLogsource;
  /** Rule ids or names; `any` for every rule whose log source the filter's contains. */
  rules: string[] | 'any';
  searches: Map<string, SigmaSearch>;
  condition: ConditionNode;
  conditionText: string;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation | SigmaFilter;
