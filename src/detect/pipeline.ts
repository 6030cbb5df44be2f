/**
 * @module detect/pipeline
 * Brings a Sigma rule to appwatch's data without touching the parsed rule: routes its log source to event
 * kinds, applies the repairs that name it, the service's value rewrites and field mapping, and returns new
 * searches plus the list of what was changed. The mapping and repairs are data in `catalogues/sigma/`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { EventKind, SignInType } from '../model/event.js';
import { parseModifierChain } from '../sigma/modifiers.js';
import type { SigmaFieldItem, SigmaLogsource, SigmaRule, SigmaScalar, SigmaSearch } from '../sigma/types.js';

interface ReplacementItem {
  field: string;
  value: SigmaScalar | SigmaScalar[];
  modifiers?: string[];
}

interface Rewrite {
  id?: string;
  rule?: string;
  service?: string;
  field: string;
  value: SigmaScalar;
  reason: string;
  alternatives: ReplacementItem[][];
}

interface PipelineData {
  logsources: { match: Partial<SigmaLogsource>; kinds?: EventKind[]; signInTypes?: SignInType[]; mapping?: string; inactive?: string }[];
  fields: Record<string, Record<string, string>>;
  rewrites: Rewrite[];
}

export interface AppliedRepair {
  id: string;
  reason: string;
}

export interface Routing {
  kinds: EventKind[];
  /** For sign-ins: the sign-in categories the log source means (all four when absent). */
  signInTypes?: SignInType[];
  /** The service whose field mapping and value rewrites apply (the log source's own when absent). */
  mapping?: string;
  inactive?: string;
}

const catalogue = (name: string): URL => new URL(`../../catalogues/sigma/${name}`, import.meta.url);

let cached: { pipeline: PipelineData; repairs: Rewrite[] } | undefined;

function data(): { pipeline: PipelineData; repairs: Rewrite[] } {
  cached ??= {
    pipeline: parseYaml(readFileSync(catalogue('azure-pipeline.yaml'), 'utf8')) as PipelineData,
    repairs: parseYaml(readFileSync(catalogue('repairs.yaml'), 'utf8')) as Rewrite[],
  };
  return cached;
}

/** All repairs, for `rules lint` to report the ones that no longer apply. */
export function allRepairs(): readonly Rewrite[] {
  return data().repairs;
}

export function routeLogsource(logsource: SigmaLogsource): Routing {
  if (logsource.product !== 'azure') {
    return {
      kinds: [],
      inactive: `log source ${[logsource.product, logsource.service, logsource.category].filter(Boolean).join('/') || '(none)'} is not an Entra or Azure log appwatch reads (it still runs on plain JSON input)`,
    };
  }
  for (const entry of data().pipeline.logsources) {
    const fits = Object.entries(entry.match).every(([k, v]) => logsource[k as keyof SigmaLogsource] === v);
    if (!fits) continue;
    if (entry.inactive) return { kinds: [], inactive: entry.inactive };
    return { kinds: entry.kinds ?? [], ...(entry.signInTypes ? { signInTypes: entry.signInTypes } : {}), ...(entry.mapping ? { mapping: entry.mapping } : {}) };
  }
  return { kinds: [], inactive: `service ${logsource.service} of product azure is not one appwatch reads` };
}

const sameValue = (a: SigmaScalar, b: SigmaScalar, caseInsensitive: boolean): boolean =>
  caseInsensitive ? String(a).toLowerCase() === String(b).toLowerCase() : a === b || String(a) === String(b);

/** Replaces `value` of items on `field` by the rewrite's alternatives, distributing over the search's ORs. */
function applyRewrite(alternatives: SigmaFieldItem[][], rewrite: Rewrite, caseInsensitive: boolean): { alternatives: SigmaFieldItem[][]; applied: boolean } {
  let applied = false;
  const out: SigmaFieldItem[][] = [];
  for (const alt of alternatives) {
    const index = alt.findIndex((i) => i.field !== null && i.field.toLowerCase() === rewrite.field.toLowerCase()
      && i.values.some((v) => sameValue(v, rewrite.value, caseInsensitive)));
    if (index === -1) {
      out.push(alt);
      continue;
    }
    applied = true;
    const item = alt[index]!;
    const rest = alt.filter((_, i) => i !== index);
    const remaining = item.values.filter((v) => !sameValue(v, rewrite.value, caseInsensitive));
    const replacements = rewrite.alternatives.map((r) => r.map((x): SigmaFieldItem => ({
      field: x.field,
      modifiers: x.modifiers ?? [],
      values: Array.isArray(x.value) ? x.value : [x.value],
      location: item.location,
    })));
    if (parseModifierChain(item.modifiers).all) {
      const kept = remaining.length > 0 ? [{ ...item, values: remaining }] : [];
      for (const r of replacements) out.push([...rest, ...kept, ...r]);
    } else {
      if (remaining.length > 0) out.push([...rest, { ...item, values: remaining }]);
      for (const r of replacements) out.push([...rest, ...r]);
    }
  }
  return { alternatives: out, applied };
}

export interface MappedRule {
  searches: Map<string, SigmaSearch>;
  repairs: AppliedRepair[];
  routing: Routing;
}

/** The rule as appwatch runs it: repairs, rewrites and field mapping applied to copies of its searches. */
export function mapRule(rule: SigmaRule): MappedRule {
  const { pipeline, repairs } = data();
  const routing = routeLogsource(rule.logsource);
  const service = rule.logsource.product === 'azure' ? routing.mapping ?? rule.logsource.service : undefined;
  const fieldMap = new Map(Object.entries(service ? pipeline.fields[service] ?? {} : {}).map(([k, v]) => [k.toLowerCase(), v]));
  const applied: AppliedRepair[] = [];
  const searches = new Map<string, SigmaSearch>();
  for (const [name, search] of rule.searches) {
    let alternatives = search.alternatives;
    for (const repair of repairs) {
      if (!rule.id || repair.rule !== rule.id) continue;
      const result = applyRewrite(alternatives, repair, false);
      if (result.applied) {
        alternatives = result.alternatives;
        if (!applied.some((a) => a.id === repair.id)) applied.push({ id: repair.id!, reason: repair.reason });
      }
    }
    for (const rewrite of pipeline.rewrites) {
      if (rewrite.service !== service) continue;
      alternatives = applyRewrite(alternatives, rewrite, true).alternatives;
    }
    alternatives = alternatives.map((alt) => alt.map((item) => {
      const target = item.field === null ? undefined : fieldMap.get(item.field.toLowerCase());
      return target ? { ...item, field: target } : item;
    }));
    searches.set(name, { ...search, alternatives });
  }
  return { searches, repairs: applied, routing };
}
