/**
 * @module serve/data
 * What the dashboard page shows, read from the alert store at each request: the report's ReportData (so the
 * report's components render it unchanged) plus the live triage facts the report has no place for (assignee,
 * close reason, when recorded, and where each alert stands against the chosen baseline).
 *
 * "Since the previous scan" for a store that `watch` feeds continuously: there is no discrete scan, so the
 * baseline is a point in time T (the analyst's previous visit by default, or a time they choose). Against T:
 * - new: recorded (first seen by the store) after T, whatever its state now;
 * - still open: recorded at or before T and open now (new or acknowledged);
 * - fixed: recorded at or before T and closed (resolved or suppressed) after T.
 * Alerts recorded and closed before T are none of these.
 */
import type { Ruleset } from '../detect/ruleset.js';
import type { InventorySnapshot } from '../posture/snapshot.js';
import { assembleReport } from '../report/assemble.js';
import type { ReportData, ReportGap } from '../report/model.js';
import type { AlertStore, CloseReason, StoredAlert, Suppression } from '../store/types.js';
import type { DashboardLog } from './log.js';

export type SinceClass = 'new' | 'open' | 'fixed';

export interface LiveAlert {
  firstSeen: string;
  updatedAt: string;
  assignee?: string;
  closeReason?: CloseReason;
  suppressionId?: string;
  /** Where the alert stands against the baseline; absent when it is none of the three. */
  since?: SinceClass;
}

export interface DashboardData {
  report: ReportData;
  live: {
    now: string;
    user: string;
    store: string;
    /** The baseline T, and what chose it. */
    baseline: { at: string; kind: 'visit' | 'chosen' | 'default' };
    previousVisit?: string;
    alerts: Record<string, LiveAlert>;
    suppressions: (Suppression & { live: boolean })[];
  };
}

export interface DataSources {
  store: AlertStore;
  storePath: string;
  version: string;
  user: string;
  ruleset?: Ruleset;
  snapshot?: InventorySnapshot;
  snapshotLabel?: string;
  tenant?: string;
  /**
   * The server's own audit log, for what the store's triage audit has no place for (removing a suppression, an
   * export); in memory when not given.
   */
  log?: DashboardLog;
}

const OPEN = new Set(['new', 'acknowledged']);
const DAY = 86_400_000;

/** When the alert was closed (resolved or suppressed), if it is: its last history entry, or its commit when a suppression matched then. */
function closedAt(s: StoredAlert): string | undefined {
  if (OPEN.has(s.state)) return undefined;
  const last = s.history.at(-1);
  if (last && last.state === s.state) return last.at;
  return s.state === 'suppressed' ? s.firstSeen : s.updatedAt;
}

export function sinceClass(s: StoredAlert, baseline: string): SinceClass | undefined {
  if (s.firstSeen > baseline) return 'new';
  if (OPEN.has(s.state)) return 'open';
  const closed = closedAt(s);
  return closed !== undefined && closed > baseline ? 'fixed' : undefined;
}

function gapsOf(health: Awaited<ReturnType<AlertStore['sourceHealth']>>): ReportGap[] {
  const gaps: ReportGap[] = [];
  for (const [source, h] of Object.entries(health)) {
    if (h.gap) gaps.push({ source, kind: /licen[cs]/i.test(h.gap) ? 'not-licensed' : /throttl/i.test(h.gap) ? 'throttled' : /denied|forbidden/i.test(h.gap) ? 'forbidden' : 'other', message: h.gap });
    else if (h.lastError) gaps.push({ source, kind: 'other', message: `last poll: ${h.lastError}` });
    if (!h.lastSuccess) gaps.push({ source, kind: 'no-data', message: 'never polled successfully' });
  }
  return gaps;
}

/** Who or what suppressed an alert, as the report shows it. */
function suppressedBy(s: StoredAlert, suppressions: Map<string, Suppression>): string {
  const by = s.suppressionId ? suppressions.get(s.suppressionId) : undefined;
  return by ? `${by.reason} (${by.author}${by.expiresAt ? `, until ${by.expiresAt}` : ''})` : 'a suppression (since removed)';
}

export interface DataOptions { baseline?: string; previousVisit?: string; now?: Date }

export async function dashboardData(src: DataSources, options: DataOptions = {}): Promise<DashboardData> {
  return (await readDashboard(src, options)).data;
}

/** The page's data, and the stored alerts it was made from (the exports write their triage facts). */
export async function readDashboard(src: DataSources, options: DataOptions = {}): Promise<{ data: DashboardData; stored: StoredAlert[] }> {
  const now = options.now ?? new Date();
  const stored = await src.store.listAlerts({ ...(src.tenant !== undefined ? { tenant: src.tenant } : {}) });
  const all = await src.store.listSuppressions(true);
  const byId = new Map(all.map((s) => [s.id, s]));
  const health = await src.store.sourceHealth();
  const report = assembleReport({
    kind: 'store',
    version: src.version,
    ...(src.ruleset ? { ruleset: src.ruleset } : {}),
    alerts: stored.map((s) => ({ alert: s.alert, state: s.state, ...(s.state === 'suppressed' ? { suppressedBy: suppressedBy(s, byId) } : {}) })),
    sources: Object.keys(health).map((name) => ({ kind: 'store' as const, name })),
    gaps: gapsOf(health),
    ...(src.snapshot ? { snapshot: src.snapshot, snapshotLabel: src.snapshotLabel ?? 'snapshot' } : {}),
    ...(src.tenant !== undefined ? { tenant: { name: src.tenant } } : {}),
    now,
  });
  const baseline = options.baseline !== undefined
    ? { at: options.baseline, kind: 'chosen' as const }
    : options.previousVisit !== undefined
      ? { at: options.previousVisit, kind: 'visit' as const }
      : { at: new Date(now.getTime() - DAY).toISOString(), kind: 'default' as const };
  const alerts: Record<string, LiveAlert> = {};
  for (const s of stored) {
    const since = sinceClass(s, baseline.at);
    alerts[s.alert.id] = {
      firstSeen: s.firstSeen,
      updatedAt: s.updatedAt,
      ...(s.assignee !== undefined ? { assignee: s.assignee } : {}),
      ...(s.closeReason !== undefined ? { closeReason: s.closeReason } : {}),
      ...(s.suppressionId !== undefined ? { suppressionId: s.suppressionId } : {}),
      ...(since ? { since } : {}),
    };
  }
  const nowIso = now.toISOString();
  const data: DashboardData = {
    report,
    live: {
      now: nowIso,
      user: src.user,
      store: src.storePath,
      baseline,
      ...(options.previousVisit !== undefined ? { previousVisit: options.previousVisit } : {}),
      alerts,
      suppressions: all.map((s) => ({ ...s, live: s.expiresAt === undefined || s.expiresAt > nowIso })),
    },
  };
  return { data, stored };
}
