/**
 * @module report/ui/filter
 * What the tables filter on, in one place for the page and the dashboard's server: how a view (search, facet
 * selections, time range) admits a row, and for the alerts table its facets' values and the text its search
 * looks in. The page's table (configs.js, view.js) and the dashboard's export endpoints (src/serve/export.ts) both
 * use these functions, so an export holds exactly the alerts the table shows.
 *
 * Plain TypeScript with no DOM and no Node: Vite bundles it into the page (an alias maps `./filter.js` to this
 * file), tsc compiles it for the server.
 */
import { findingCategory, guideRowLabel, SEVERITY_ORDER, severityRankOf } from '../charts.js';
import type { ReportAlert, ReportApplication } from '../model.js';

// --- Which application and actor an alert is about ---

/** The inventory, indexed: by lower-case appId, and by lower-case service principal id. */
export interface AppIndex {
  appsById: ReadonlyMap<string, ReportApplication>;
  appsBySp: ReadonlyMap<string, ReportApplication>;
}

export function appIndex(applications: readonly ReportApplication[]): { appsById: Map<string, ReportApplication>; appsBySp: Map<string, ReportApplication> } {
  return {
    appsById: new Map(applications.map((a) => [a.appId.toLowerCase(), a])),
    appsBySp: new Map(applications.filter((a) => a.servicePrincipalId).map((a) => [String(a.servicePrincipalId).toLowerCase(), a])),
  };
}

export const appIdOf = (r: ReportAlert): string | undefined => r.alert.entities.application?.appId ?? r.alert.entities.servicePrincipal?.appId;

/** The inventory entry an alert is about, by appId or service principal id. */
export function appOf(index: AppIndex, r: ReportAlert): ReportApplication | undefined {
  const appId = appIdOf(r);
  if (appId) {
    const app = index.appsById.get(appId.toLowerCase());
    if (app) return app;
  }
  for (const id of [r.alert.entities.servicePrincipal?.id, r.alert.entities.application?.id]) {
    const app = id ? index.appsBySp.get(id.toLowerCase()) : undefined;
    if (app) return app;
  }
  return undefined;
}

/**
 * The name of the app an alert is about: from the alert, else from the inventory (grants name only the service
 * principal's id), else its appId or id.
 */
export function appNameOf(r: ReportAlert, index?: AppIndex): string {
  const e = r.alert.entities;
  const named = e.application?.displayName ?? e.servicePrincipal?.displayName;
  if (named) return named;
  const app = index ? appOf(index, r) : undefined;
  return app?.displayName ?? appIdOf(r) ?? e.servicePrincipal?.id ?? e.application?.id ?? '';
}

export function actorOf(r: ReportAlert): string {
  const a = r.alert.entities.actor;
  return a ? a.userPrincipalName ?? a.displayName ?? a.appId ?? a.id ?? '' : '';
}

export const ipOf = (r: ReportAlert): string => r.alert.entities.actor?.ip ?? '';

// --- The dashboard's triage facts, as people read them ---

/** Where an alert stands against the dashboard's baseline (serve/data.ts), as facet values. */
export const SINCE_LABELS = { new: 'new', open: 'still open', fixed: 'fixed' } as const;
/** Elastic's close reasons, as people read them. */
export const CLOSE_REASON_LABELS = {
  false_positive: 'false positive', duplicate: 'duplicate', true_positive: 'true positive', benign_positive: 'benign positive', other: 'other',
} as const;
export const closeReasonLabel = (reason: string | undefined): string => (reason ? (CLOSE_REASON_LABELS as Record<string, string>)[reason] ?? reason : '');

export const STATES = ['new', 'acknowledged', 'resolved', 'suppressed'];

/** What the alerts table knows of an alert beyond the report's data (the dashboard's; absent in the report). */
export interface LiveFacts { assignee?: string; closeReason?: string; since?: keyof typeof SINCE_LABELS }

/** What the alerts table's facets and search read besides the alert: the inventory, the guide's rows, the live facts. */
export interface AlertContext extends AppIndex {
  guide: Record<string, string>;
  live?: { alerts: Record<string, LiveFacts> };
}

// --- Generic: how a view admits a row ---

export interface FacetDef<T> {
  id: string;
  label: string;
  values: (item: T) => string[];
  /** A fixed order of values (severity); otherwise by count. */
  order?: string[];
  /** List every value of `order`, even those no row has. */
  showZero?: boolean;
}

export interface Filterable<T> {
  facets: readonly Pick<FacetDef<T>, 'id' | 'values'>[];
  /** Lower-case text that search looks in. */
  haystack: (item: T) => string;
  /** The item's ISO time, for a time-range filter (alerts). */
  time?: (item: T) => string;
}

export interface FilterView {
  search: string;
  facets: Record<string, string[]>;
  /** Only items whose time is in [from, to), in epoch milliseconds (the dashboard's zoom). */
  range?: { from: number; to: number } | null;
}

/**
 * Whether a view admits an item: in its time range, every search word in its text, and for each facet with a
 * selection, one of the item's values selected. `except` ignores a facet (for that facet's own counts).
 */
export function passes<T>(item: T, config: Filterable<T>, view: FilterView, except?: string): boolean {
  if (view.range && config.time) {
    const t = Date.parse(config.time(item));
    if (!(t >= view.range.from && t < view.range.to)) return false;
  }
  const words = view.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length > 0) {
    const hay = config.haystack(item);
    if (!words.every((w) => hay.includes(w))) return false;
  }
  for (const facet of config.facets) {
    if (facet.id === except) continue;
    const selected = view.facets[facet.id];
    if (!selected || selected.length === 0) continue;
    const values = facet.values(item);
    if (!values.some((v) => selected.includes(v))) return false;
  }
  return true;
}

// --- The alerts (and findings) table ---

const hay = (...parts: (string | undefined | null)[]): string => parts.filter(Boolean).join('\u0000').toLowerCase();

export const bySeverityThenTime = (a: ReportAlert, b: ReportAlert): number => severityRankOf(a.alert.severity) - severityRankOf(b.alert.severity)
  || b.alert.time.localeCompare(a.alert.time) || a.alert.id.localeCompare(b.alert.id);

export const alertTime = (r: ReportAlert): string => r.alert.time;

/** The text the alerts table's search looks in. */
export const alertHaystack = (ctx: AlertContext) => (r: ReportAlert): string => hay(r.alert.summary, r.alert.rule.title, r.alert.rule.id, appNameOf(r, ctx), actorOf(r), r.alert.id,
  r.alert.entities.application?.appId, r.alert.entities.servicePrincipal?.id, r.alert.entities.actor?.ip, r.alert.entities.resource?.displayName,
  r.alert.entities.role?.displayName, ...r.alert.context.flags);

/** The alerts (or findings) table's facets; the dashboard's (since, assignee, close reason) when it has live facts. */
export function alertFacets(ctx: AlertContext, noun: 'alert' | 'finding'): FacetDef<ReportAlert>[] {
  const live = noun === 'alert' && ctx.live !== undefined;
  const facts = (r: ReportAlert): LiveFacts | undefined => ctx.live?.alerts[r.alert.id];
  const rows = (r: ReportAlert): string[] => r.alert.rule.guideRows.map((n) => guideRowLabel(n, ctx.guide));
  const since = (r: ReportAlert): string => {
    const s = facts(r)?.since;
    return s ? SINCE_LABELS[s] ?? '' : '';
  };
  const reason = (r: ReportAlert): string => closeReasonLabel(facts(r)?.closeReason);
  return [
    { id: 'severity', label: 'Severity', values: (r) => [r.alert.severity], order: [...SEVERITY_ORDER], showZero: true },
    { id: 'state', label: 'Status', values: (r) => [r.state], order: STATES },
    ...(noun === 'finding' ? [{ id: 'category', label: 'Category', values: (r: ReportAlert) => [findingCategory(r.alert)] }] : []),
    { id: 'rule', label: noun === 'finding' ? 'Check' : 'Rule', values: (r) => [r.alert.rule.title] },
    { id: 'app', label: 'Application', values: (r) => [appNameOf(r, ctx)] },
    ...(noun === 'alert' ? [
      { id: 'actor', label: 'Actor', values: (r: ReportAlert) => [actorOf(r)] },
      { id: 'ip', label: 'IP address', values: (r: ReportAlert) => (ipOf(r) ? [ipOf(r)] : []) },
    ] : []),
    ...(live ? [
      { id: 'since', label: 'Since the baseline', values: (r: ReportAlert) => (since(r) ? [since(r)] : []), order: Object.values(SINCE_LABELS) as string[] },
      { id: 'assignee', label: 'Assignee', values: (r: ReportAlert) => [facts(r)?.assignee || 'unassigned'] },
      { id: 'reason', label: 'Close reason', values: (r: ReportAlert) => (reason(r) ? [reason(r)] : []) },
    ] : []),
    { id: 'row', label: 'Guide row', values: (r) => (rows(r).length > 0 ? rows(r) : ['none']) },
    { id: 'flag', label: 'Context flags', values: (r) => r.alert.context.flags },
  ];
}

// --- The alerts table's filter as an address (the dashboard's export) ---

/** The alerts table's filter: a view, whether suppressed alerts are included, and the baseline of the since facet. */
export interface AlertQuery extends FilterView {
  showSuppressed: boolean;
  /** The baseline the since facet was computed against (ISO); absent: the server's default. */
  baseline?: string;
}

/** Names the query uses besides the facets'. */
const QUERY_KEYS = ['q', 'from', 'to', 'suppressed', 'baseline'];

/**
 * The filter as query parameters: `q` the search, each facet by its id (repeated for several values), `from` and
 * `to` the time range (ISO), `suppressed=1` to include suppressed alerts, `baseline` for the since facet.
 */
export function alertQueryParams(q: AlertQuery): [string, string][] {
  const out: [string, string][] = [];
  if (q.search.trim() !== '') out.push(['q', q.search]);
  for (const [facet, values] of Object.entries(q.facets)) for (const v of values) out.push([facet, v]);
  if (q.range) {
    // Alert times are whole milliseconds: t >= x and t >= ceil(x) admit the same ones.
    out.push(['from', new Date(Math.ceil(q.range.from)).toISOString()], ['to', new Date(Math.ceil(q.range.to)).toISOString()]);
  }
  if (q.showSuppressed) out.push(['suppressed', '1']);
  if (q.baseline) out.push(['baseline', q.baseline]);
  return out;
}

export class AlertQueryError extends Error {}

/** Reads the parameters back; anything it does not know is an error (a typo must not export everything). */
export function parseAlertQuery(params: Iterable<[string, string]>, facetIds: readonly string[]): AlertQuery {
  const q: AlertQuery = { search: '', facets: {}, range: null, showSuppressed: false };
  let from: number | undefined;
  let to: number | undefined;
  const time = (value: string, name: string): number => {
    const t = Date.parse(value);
    if (!Number.isFinite(t)) throw new AlertQueryError(`${name} is not a time: ${value}`);
    return t;
  };
  for (const [key, value] of params) {
    if (key === 'q') q.search = q.search ? `${q.search} ${value}` : value;
    else if (key === 'from') from = time(value, 'from');
    else if (key === 'to') to = time(value, 'to');
    else if (key === 'suppressed') {
      if (!['1', '0', 'true', 'false'].includes(value)) throw new AlertQueryError('suppressed must be 1 or 0');
      q.showSuppressed = value === '1' || value === 'true';
    } else if (key === 'baseline') q.baseline = new Date(time(value, 'baseline')).toISOString();
    else if (facetIds.includes(key)) (q.facets[key] ??= []).push(value);
    else throw new AlertQueryError(`unknown filter ${key} (known: ${[...QUERY_KEYS, ...facetIds].join(', ')})`);
  }
  if ((from === undefined) !== (to === undefined)) throw new AlertQueryError('from and to go together');
  if (from !== undefined && to !== undefined) {
    if (to <= from) throw new AlertQueryError('to must be after from');
    q.range = { from, to };
  }
  return q;
}

/** The alerts a filter admits, in the table's default order (severity, then newest first). */
export function filterAlerts(alerts: readonly ReportAlert[], ctx: AlertContext, q: AlertQuery): ReportAlert[] {
  const config: Filterable<ReportAlert> = { facets: alertFacets(ctx, 'alert'), haystack: alertHaystack(ctx), time: alertTime };
  return alerts.filter((r) => (q.showSuppressed || r.state !== 'suppressed') && passes(r, config, q)).sort(bySeverityThenTime);
}
