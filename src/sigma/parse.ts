/**
 * @module sigma/parse
 * One YAML document → a Sigma rule, correlation or filter, with diagnostics that name the file, line, rule
 * and key. Validation follows the v2.1 specification; what it leaves open is decided here and documented.
 */
import { isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import { parseCondition } from './condition.js';
import { diagnostic, SigmaError, type SigmaDiagnostic } from './diagnostics.js';
import { parseModifierChain } from './modifiers.js';
import {
  CORRELATION_TYPES, SIGMA_LEVELS, type ConditionNode, type CorrelationCondition, type CorrelationType, type SigmaCorrelation,
  type SigmaDocument, type SigmaFieldItem, type SigmaFilter, type SigmaLogsource, type SigmaRule, type SigmaScalar,
  type SigmaSearch, type SourceLocation,
} from './types.js';

const RULE_KEYS = new Set([
  'title', 'id', 'name', 'related', 'taxonomy', 'status', 'description', 'license', 'author', 'references', 'date',
  'modified', 'logsource', 'detection', 'fields', 'falsepositives', 'level', 'tags', 'scope',
]);

export interface ParseContext {
  file: string;
  lines: LineCounter;
  diagnostics: SigmaDiagnostic[];
}

function lineOf(node: Node | null | undefined, ctx: ParseContext): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : ctx.lines.linePos(start).line;
}

function at(ctx: ParseContext, node: Node | null | undefined, path?: string): SourceLocation {
  const loc: SourceLocation = { file: ctx.file };
  const line = lineOf(node, ctx);
  if (line !== undefined) loc.line = line;
  if (path) loc.path = path;
  return loc;
}

function pairNode(map: Node, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Parses one YAML document; returns undefined (with diagnostics) when it is not a usable Sigma document. */
export function parseSigmaDocument(doc: Document, ctx: ParseContext): SigmaDocument | undefined {
  const root = doc.contents as Node | null;
  if (!root || !isMap(root)) {
    ctx.diagnostics.push(diagnostic('APPW-E002', 'the document is not a mapping of Sigma keys', at(ctx, root)));
    return undefined;
  }
  const raw = doc.toJS() as Record<string, unknown>;
  const ruleRef = { ...(typeof raw.id === 'string' ? { id: raw.id } : {}), ...(typeof raw.title === 'string' ? { title: raw.title } : {}) };
  const fail = (code: Parameters<typeof diagnostic>[0], message: string, node: Node | null | undefined, path?: string): undefined => {
    ctx.diagnostics.push(diagnostic(code, message, at(ctx, node, path), ruleRef));
    return undefined;
  };
  if (typeof raw.title !== 'string' || raw.title.trim() === '') {
    return fail('APPW-E003', 'missing "title"', root);
  }
  if ('action' in raw) {
    return fail('APPW-E002', 'Sigma v1 rule collections ("action: global/reset/repeat") are not supported; split them into separate rules', pairNode(root, 'action')?.key as Node);
  }
  const base = {
    title: raw.title,
    references: stringList(raw.references),
    tags: stringList(raw.tags),
    falsepositives: stringList(raw.falsepositives),
    location: at(ctx, root),
    raw,
    ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(raw.author !== undefined ? { author: String(raw.author) } : {}),
    ...(typeof raw.status === 'string' ? { status: raw.status } : {}),
    ...(raw.date !== undefined ? { date: String(raw.date) } : {}),
    ...(raw.modified !== undefined ? { modified: String(raw.modified) } : {}),
  };
  if (raw.level !== undefined) {
    if (!(SIGMA_LEVELS as readonly unknown[]).includes(raw.level)) {
      return fail('APPW-E003', `"level" must be one of ${SIGMA_LEVELS.join(', ')}, not ${JSON.stringify(raw.level)}`, pairNode(root, 'level')?.value as Node, 'level');
    }
    (base as { level?: string }).level = raw.level as string;
  }
  if ('correlation' in raw) return parseCorrelation(root, raw, base, fail);
  if ('filter' in raw) return parseFilter(root, raw, base, ctx, fail);
  if (!('detection' in raw)) return fail('APPW-E002', 'a Sigma document needs "detection" (rule), "correlation" or "filter"', root);

  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!RULE_KEYS.has(key) && key.toLowerCase() === key) continue; // custom keys are allowed (spec §4.1)
    if (!RULE_KEYS.has(key)) ctx.diagnostics.push(diagnostic('APPW-W001', `key "${key}" is not lower case; Sigma keys are lower case (read as a custom key)`, at(ctx, pair.key as Node, key), ruleRef));
  }
  const logsource = parseLogsource(raw.logsource);
  if (!logsource) return fail('APPW-E003', 'missing "logsource" (a mapping of product, service, category)', pairNode(root, 'logsource')?.value as Node ?? root, 'logsource');
  const detectionNode = pairNode(root, 'detection')?.value as Node | undefined;
  const parsed = parseDetection(detectionNode, ctx, ruleRef, 'detection');
  if (!parsed) return undefined;
  return { kind: 'rule', ...base, logsource, ...parsed } satisfies SigmaRule;
}

function parseLogsource(value: unknown): SigmaLogsource | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const out: SigmaLogsource = {};
  for (const key of ['category', 'product', 'service', 'definition'] as const) {
    if (typeof v[key] === 'string') out[key] = (v[key] as string).toLowerCase();
  }
  return out;
}

type Fail = (code: Parameters<typeof diagnostic>[0], message: string, node: Node | null | undefined, path?: string) => undefined;

/** `detection:` → searches and the condition. */
export function parseDetection(
  node: Node | undefined, ctx: ParseContext, ruleRef: { id?: string; title?: string }, path: string, skipKeys: readonly string[] = [],
): { searches: Map<string, SigmaSearch>; condition: ConditionNode; conditionText: string } | undefined {
  const fail = (message: string, where: Node | null | undefined, p: string, code: Parameters<typeof diagnostic>[0] = 'APPW-E003'): undefined => {
    ctx.diagnostics.push(diagnostic(code, message, at(ctx, where, p), ruleRef));
    return undefined;
  };
  if (!node || !isMap(node)) return fail(`"${path}" must be a mapping of search identifiers and a condition`, node, path);
  const searches = new Map<string, SigmaSearch>();
  let conditionNode: Node | undefined;
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (skipKeys.includes(name)) continue;
    if (name === 'condition') {
      conditionNode = pair.value as Node;
      continue;
    }
    if (name === 'timeframe') return fail('"timeframe" was removed in Sigma v2: use a correlation rule with "timespan"', pair.key as Node, `${path}.timeframe`, 'APPW-E004');
    try {
      searches.set(name, parseSearch(name, pair.value as Node, ctx, `${path}.${name}`));
    } catch (error) {
      if (error instanceof SigmaError) {
        ctx.diagnostics.push(diagnostic(error.code, error.message, { ...at(ctx, pair.value as Node, `${path}.${name}`), ...error.location, file: ctx.file }, ruleRef));
        return undefined;
      }
      throw error;
    }
  }
  if (!conditionNode) return fail(`"${path}" has no "condition"`, node, `${path}.condition`);
  const conditionTexts = isSeq(conditionNode)
    ? conditionNode.items.map((i) => (isScalar(i) ? String(i.value) : ''))
    : [isScalar(conditionNode) ? String(conditionNode.value) : ''];
  let condition: ConditionNode;
  try {
    const parts = conditionTexts.map((t) => parseCondition(t));
    condition = parts.length === 1 ? parts[0]! : { type: 'or', children: parts };
  } catch (error) {
    if (error instanceof SigmaError) return fail(`condition "${conditionTexts.join(' | ')}": ${error.message}`, conditionNode, `${path}.condition`, error.code);
    throw error;
  }
  for (const id of identifiersIn(condition)) {
    if (!searches.has(id)) return fail(`the condition names "${id}", which is not a search identifier here (have: ${[...searches.keys()].join(', ') || 'none'})`, conditionNode, `${path}.condition`, 'APPW-E005');
  }
  return { searches, condition, conditionText: conditionTexts.join(' or ') };
}

function identifiersIn(node: ConditionNode): string[] {
  switch (node.type) {
    case 'id': return [node.name];
    case 'not': return identifiersIn(node.child);
    case 'and': case 'or': return node.children.flatMap(identifiersIn);
    case 'of': return [];
  }
}

function scalarOf(node: Node | null | undefined): SigmaScalar {
  if (!node || !isScalar(node)) throw new SigmaError('APPW-E003', 'expected a plain value (string, number, boolean or null), found a nested structure');
  const v = node.value;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function parseSearch(name: string, node: Node, ctx: ParseContext, path: string): SigmaSearch {
  const location = at(ctx, node, path);
  if (isMap(node)) return { name, alternatives: [parseMap(node, ctx, path)], location };
  if (isSeq(node)) {
    if (node.items.length > 0 && node.items.every((i) => isMap(i))) {
      return { name, alternatives: node.items.map((m, i) => parseMap(m as Node, ctx, `${path}[${i}]`)), location };
    }
    if (node.items.every((i) => isScalar(i))) {
      const values = node.items.map((i) => scalarOf(i as Node));
      return { name, alternatives: [[{ field: null, modifiers: [], values, location }]], location };
    }
    throw new SigmaError('APPW-E003', `search "${name}" mixes maps and plain values in one list`);
  }
  throw new SigmaError('APPW-E003', `search "${name}" must be a map of fields or a list (got a plain value)`);
}

function parseMap(node: Node, ctx: ParseContext, path: string): SigmaFieldItem[] {
  if (!isMap(node)) throw new SigmaError('APPW-E003', 'expected a map of fields');
  const items: SigmaFieldItem[] = [];
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const [fieldPart, ...modifiers] = key.split('|');
    const location = at(ctx, pair.key as Node, `${path}.${key}`);
    try {
      parseModifierChain(modifiers);
    } catch (error) {
      if (error instanceof SigmaError) throw new SigmaError(error.code, `${key}: ${error.message}`, location);
      throw error;
    }
    const valueNode = pair.value as Node | null;
    let values: SigmaScalar[];
    if (valueNode && isSeq(valueNode)) {
      values = valueNode.items.map((i) => scalarOf(i as Node));
      if (values.length === 0) throw new SigmaError('APPW-E003', `${key}: an empty list matches nothing; remove the field or give values`, location);
    } else if (valueNode && isMap(valueNode)) {
      throw new SigmaError('APPW-E003', `${key}: a field's value must be a value or a list of values, not a map`, location);
    } else {
      values = [valueNode ? scalarOf(valueNode) : null];
    }
    // A key of only modifiers (`'|all': [...]`) is a keyword search with modifiers.
    items.push({ field: fieldPart === '' ? null : fieldPart!, modifiers, values, location });
  }
  return items;
}

function parseTimespan(text: unknown): number | undefined {
  const m = /^(\d+)\s*([smhdwMy])$/.exec(String(text ?? '').trim());
  if (!m) return undefined;
  const unit: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, M: 30 * 86400e3, y: 365 * 86400e3 };
  return Number(m[1]) * unit[m[2]!]!;
}

function parseCorrelation(root: Node, raw: Record<string, unknown>, base: object, fail: Fail): SigmaCorrelation | undefined {
  const node = pairNode(root, 'correlation')?.value as Node | undefined;
  const c = raw.correlation as Record<string, unknown> | null;
  const where = (key: string): Node | undefined => (node ? (pairNode(node, key)?.value as Node | undefined) ?? node : undefined);
  if (!c || typeof c !== 'object') return fail('APPW-E009', '"correlation" must be a mapping', node, 'correlation');
  const type = c.type as CorrelationType;
  if (!(CORRELATION_TYPES as readonly unknown[]).includes(type)) {
    return fail('APPW-E009', `correlation "type" must be one of ${CORRELATION_TYPES.join(', ')}`, where('type'), 'correlation.type');
  }
  const rules = stringList(c.rules);
  if (rules.length === 0) return fail('APPW-E009', 'correlation "rules" must name at least one rule (id or name)', where('rules'), 'correlation.rules');
  const timespanMs = parseTimespan(c.timespan);
  if (timespanMs === undefined) return fail('APPW-E009', 'correlation "timespan" must be a number and a unit: s, m, h, d (e.g. 10m)', where('timespan'), 'correlation.timespan');
  const condition: CorrelationCondition = {};
  const cond = c.condition;
  const needsCondition = type !== 'temporal' && type !== 'temporal_ordered';
  if (typeof cond === 'string' && !needsCondition) {
    try {
      condition.expression = parseCondition(cond);
    } catch (error) {
      if (error instanceof SigmaError) return fail('APPW-E009', `correlation condition "${cond}": ${error.message}`, where('condition'), 'correlation.condition');
      throw error;
    }
  } else if (cond !== undefined) {
    if (typeof cond !== 'object' || cond === null) return fail('APPW-E009', 'correlation "condition" must be a mapping such as {gte: 10}', where('condition'), 'correlation.condition');
    for (const [key, value] of Object.entries(cond as Record<string, unknown>)) {
      if (key === 'field') condition.field = String(value);
      else if (['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].includes(key) && typeof value === 'number') condition[key as 'gt'] = value;
      else return fail('APPW-E009', `correlation condition key "${key}" is not gt, gte, lt, lte, eq, neq or field (with a number)`, where('condition'), `correlation.condition.${key}`);
    }
  }
  if (needsCondition && !['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].some((k) => k in condition)) {
    return fail('APPW-E009', `a ${type} correlation needs a condition such as {gte: 10}`, where('condition'), 'correlation.condition');
  }
  if (type.startsWith('value_') && !condition.field) return fail('APPW-E009', `a ${type} correlation needs condition.field`, where('condition'), 'correlation.condition.field');
  const aliases: Record<string, Record<string, string>> = {};
  if (c.aliases && typeof c.aliases === 'object') {
    for (const [alias, map] of Object.entries(c.aliases as Record<string, unknown>)) {
      if (!map || typeof map !== 'object') return fail('APPW-E009', `alias "${alias}" must map rule names to fields`, where('aliases'), `correlation.aliases.${alias}`);
      aliases[alias] = Object.fromEntries(Object.entries(map as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    }
  }
  // `generate` may sit inside `correlation` (spec v2.1) or at the top (v2.0 drafts).
  const generate = Boolean((c.generate ?? raw.generate) === true);
  return {
    kind: 'correlation',
    ...(base as Omit<SigmaCorrelation, 'kind' | 'type' | 'rules' | 'groupBy' | 'aliases' | 'timespanMs' | 'timespanText' | 'condition' | 'generate'>),
    type,
    rules,
    groupBy: stringList(c['group-by']),
    aliases,
    timespanMs,
    timespanText: String(c.timespan),
    condition,
    generate,
  };
}

function parseFilter(root: Node, raw: Record<string, unknown>, base: object, ctx: ParseContext, fail: Fail): SigmaFilter | undefined {
  const node = pairNode(root, 'filter')?.value as Node | undefined;
  const f = raw.filter as Record<string, unknown> | null;
  if (!f || typeof f !== 'object' || !node) return fail('APPW-E010', '"filter" must be a mapping with rules, a selection and a condition', node, 'filter');
  const logsource = parseLogsource(raw.logsource);
  if (!logsource) return fail('APPW-E010', 'a filter needs "logsource"', root, 'logsource');
  const rulesValue = f.rules;
  const rules: string[] | 'any' = rulesValue === undefined || rulesValue === null || rulesValue === 'any' || rulesValue === 'all'
    || (Array.isArray(rulesValue) && rulesValue.length === 0) ? 'any' : stringList(rulesValue);
  const ruleRef = { title: String(raw.title) };
  const parsed = parseDetection(node, ctx, ruleRef, 'filter', ['rules']);
  if (!parsed) return undefined;
  if (!/\bnot\b/i.test(parsed.conditionText)) {
    ctx.diagnostics.push(diagnostic('APPW-W004', `filter condition "${parsed.conditionText}" has no "not": appwatch (like pySigma) keeps only what the condition matches, so this filter restricts the rules to those events instead of excluding them`, at(ctx, node, 'filter.condition'), ruleRef));
  }
  return { kind: 'filter', ...(base as Omit<SigmaFilter, 'kind' | 'logsource' | 'rules' | 'searches' | 'condition' | 'conditionText'>), logsource, rules, searches: parsed.searches, condition: parsed.condition, conditionText: parsed.conditionText };
}
