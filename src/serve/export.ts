/**
 * @module serve/export
 * The alerts table's rows as a file: CSV (for a spreadsheet) or JSON Lines (for scripts). The filter comes as the
 * query parameters the page builds from its table's view, and is applied by the same functions the table uses
 * (src/report/ui/filter.ts), against the same data (read from the store again), so the file holds exactly the
 * alerts the table shows, in its default order (severity, then newest first).
 *
 * CSV is `appwatch scan --format csv`'s writer (src/sinks/formats.ts): every cell quoted, and a cell a spreadsheet
 * would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe. The triage facts come first: id,
 * state, close reason, assignee, when the store first saw it. JSON Lines: one object a line, the triage facts and
 * the alert as `appwatch scan --format jsonl` writes it.
 */
import { guideRowTitles } from '../report/html.js';
import { alertFacets, alertQueryParams, appIndex, filterAlerts, parseAlertQuery, type AlertContext, type AlertQuery } from '../report/ui/filter.js';
import { alertJson, csvCell, csvHeader, csvRow } from '../sinks/formats.js';
import type { StoredAlert } from '../store/types.js';
import { readDashboard, type DataSources } from './data.js';

export const EXPORT_FORMATS = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  jsonl: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

export interface AlertExport {
  body: string;
  count: number;
  /** The filter as applied, as query parameters (for the log). */
  filter: string;
  filename: string;
}

/** The context the table's facets read, from the dashboard's data. */
function contextOf(data: Awaited<ReturnType<typeof readDashboard>>['data']): AlertContext {
  return { ...appIndex(data.report.applications), guide: guideRowTitles(), live: { alerts: data.live.alerts } };
}

const TRIAGE_COLUMNS = ['id', 'state', 'close_reason', 'assignee', 'first_seen'];

function csvLine(s: StoredAlert): string {
  const facts = [s.alert.id, s.state, s.closeReason ?? '', s.assignee ?? '', s.firstSeen].map(csvCell).join(',');
  return `${facts},${csvRow(s.alert)}`;
}

function jsonLine(s: StoredAlert, since: string | undefined): string {
  const facts = {
    id: s.alert.id, tenant: s.tenant, state: s.state,
    ...(s.closeReason !== undefined ? { closeReason: s.closeReason } : {}),
    ...(s.assignee !== undefined ? { assignee: s.assignee } : {}),
    ...(s.suppressionId !== undefined ? { suppressionId: s.suppressionId } : {}),
    firstSeen: s.firstSeen, updatedAt: s.updatedAt,
    ...(since !== undefined ? { since } : {}),
  };
  return `${JSON.stringify(facts).slice(0, -1)},"alert":${alertJson(s.alert)}}\n`;
}

/** The facet ids an export's query may name (the alerts table's, with the dashboard's live ones). */
export const exportFacetIds = (): string[] => alertFacets({ appsById: new Map(), appsBySp: new Map(), guide: {}, live: { alerts: {} } }, 'alert').map((f) => f.id);

/**
 * Reads the store and writes the alerts a filter admits. `params` are the request's query parameters; throws
 * AlertQueryError for one it does not know or cannot read.
 */
export async function exportAlerts(src: DataSources, format: ExportFormat, params: Iterable<[string, string]>, options: { previousVisit?: string; now: Date }): Promise<AlertExport> {
  const query: AlertQuery = parseAlertQuery(params, exportFacetIds());
  const { data, stored } = await readDashboard(src, {
    ...(query.baseline !== undefined ? { baseline: query.baseline } : {}),
    ...(options.previousVisit !== undefined ? { previousVisit: options.previousVisit } : {}),
    now: options.now,
  });
  const byId = new Map(stored.map((s) => [s.alert.id, s]));
  const rows = filterAlerts(data.report.alerts, contextOf(data), query).map((r) => byId.get(r.alert.id)).filter((s): s is StoredAlert => s !== undefined);
  const body = format === 'csv'
    ? `${TRIAGE_COLUMNS.join(',')},${csvHeader()}${rows.map(csvLine).join('')}`
    : rows.map((s) => jsonLine(s, data.live.alerts[s.alert.id]?.since)).join('');
  const stamp = options.now.toISOString().replace(/[:-]|\.\d+/g, '');
  return {
    body,
    count: rows.length,
    filter: new URLSearchParams(alertQueryParams({ ...query, baseline: data.live.baseline.at })).toString(),
    filename: `appwatch-alerts-${stamp}.${EXPORT_FORMATS[format].extension}`,
  };
}
