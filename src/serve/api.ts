/**
 * @module serve/api
 * The dashboard's JSON API over the alert store: read the data and the audit trail; triage one or many alerts;
 * preview a suppression's impact, then save it (optionally hiding the open alerts it covers). Who made a change is
 * the server's user (the OS account or --user), never a value the page sends. Bodies are checked field by field;
 * what the store refuses comes back as 400 with its reason.
 */
import { Hono, type Context } from 'hono';
import type { Alert } from '../alerts/types.js';
import { guideRowTitles } from '../report/html.js';
import { StoreError } from '../store/sqlite.js';
import { SCOPE_FIELDS, SuppressionError } from '../store/suppression.js';
import { CLOSE_REASONS, type StoredAlert, type SuppressionScope, type TriageChange } from '../store/types.js';
import { AlertQueryError } from '../report/ui/filter.js';
import { dashboardData, type DataSources } from './data.js';
import { EXPORT_FORMATS, exportAlerts, type ExportFormat } from './export.js';
import { MemoryDashboardLog } from './log.js';
import type { Session, Sessions } from './session.js';

type Env = { Variables: { session: Session } };

/** A request the API cannot use; its message says why (shown to the person, as text). */
class BadRequest extends Error {}

const MAX_IDS = 10_000;
const MAX_TEXT = 10_000;
const PREVIEW_ROWS = 50;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function body(c: Context): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    throw new BadRequest('the body is not JSON');
  }
  if (!isRecord(parsed)) throw new BadRequest('the body must be a JSON object');
  return parsed;
}

function optionalString(b: Record<string, unknown>, key: string, max = MAX_TEXT): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`${key} must be a string`);
  if (v.length > max) throw new BadRequest(`${key} is longer than ${max} characters`);
  return v;
}

function isoTime(value: string, what: string): string {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new BadRequest(`${what} is not a time: ${value}`);
  return new Date(t).toISOString();
}

function triageChange(b: Record<string, unknown>): { ids: string[]; change: TriageChange } {
  const ids = b.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS || !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 200)) {
    throw new BadRequest(`ids must be a list of 1 to ${MAX_IDS} alert ids`);
  }
  const state = optionalString(b, 'state', 20);
  if (state !== undefined && !['new', 'acknowledged', 'resolved'].includes(state)) throw new BadRequest('state must be new, acknowledged or resolved');
  const closeReason = optionalString(b, 'closeReason', 40);
  if (closeReason !== undefined && !(CLOSE_REASONS as readonly string[]).includes(closeReason)) throw new BadRequest(`closeReason must be one of ${CLOSE_REASONS.join(', ')}`);
  const note = optionalString(b, 'note');
  const change: TriageChange = {
    ...(state !== undefined ? { state: state as TriageChange['state'] } : {}),
    ...(closeReason !== undefined ? { closeReason: closeReason as TriageChange['closeReason'] } : {}),
    // Present and null (or empty) unassigns; absent leaves the assignee as it is.
    ...('assignee' in b ? { assignee: optionalString(b, 'assignee', 200) ?? null } : {}),
    ...(note !== undefined ? { note } : {}),
  };
  return { ids: ids as string[], change };
}

function scopeOf(b: Record<string, unknown>): SuppressionScope {
  const raw = b.scope;
  if (!isRecord(raw)) throw new BadRequest('scope must be an object');
  const scope: SuppressionScope = {};
  for (const key of Object.keys(raw)) if (!(SCOPE_FIELDS as readonly string[]).includes(key)) throw new BadRequest(`unknown scope field ${key}`);
  for (const f of SCOPE_FIELDS) {
    const v = optionalString(raw, f, 500);
    // The form sends empty fields for "any"; only the tenant has '' as a real value (single-tenant use).
    if (v !== undefined && (v !== '' || f === 'tenant')) scope[f] = v;
  }
  return scope;
}

/** What the preview lists of each matching alert: enough to recognise it, nothing more. */
function previewRow(s: StoredAlert): { id: string; state: string; severity: Alert['severity']; time: string; title: string; app?: string; actor?: string } {
  const e = s.alert.entities;
  const app = e.application?.displayName ?? e.servicePrincipal?.displayName ?? e.application?.appId;
  const actor = e.actor?.userPrincipalName ?? e.actor?.displayName ?? e.actor?.appId;
  return { id: s.alert.id, state: s.state, severity: s.alert.severity, time: s.alert.time, title: s.alert.rule.title, ...(app ? { app } : {}), ...(actor ? { actor } : {}) };
}

export function dashboardApi(src: DataSources, now: () => Date = () => new Date(), sessions?: Sessions): Hono<Env> {
  const api = new Hono<Env>();
  const user = src.user;
  const log = src.log ?? new MemoryDashboardLog();

  api.onError((error, c) => {
    if (error instanceof BadRequest || error instanceof StoreError || error instanceof SuppressionError || error instanceof AlertQueryError) return c.json({ error: error.message }, 400);
    // Anything else is ours: say so without details (they stay in the server's stderr).
    process.stderr.write(`[!] dashboard request failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return c.json({ error: 'internal error (see the server\'s stderr)' }, 500);
  });

  api.get('/session', (c) => {
    const s = c.get('session');
    const limits = sessions ? { idleMinutes: sessions.limits.idleMs / 60_000, lifetimeMinutes: sessions.limits.lifetimeMs / 60_000 } : {};
    return c.json({ user, csrf: s.csrf, ...(s.previousVisit ? { previousVisit: s.previousVisit } : {}), store: src.storePath, version: src.version, ...limits });
  });

  api.get('/data', async (c) => {
    const since = c.req.query('since');
    const data = await dashboardData(src, {
      ...(since ? { baseline: isoTime(since, 'since') } : {}),
      ...(c.get('session').previousVisit ? { previousVisit: c.get('session').previousVisit! } : {}),
      now: now(),
    });
    return c.json({ ...data, guide: guideRowTitles() });
  });

  api.get('/audit', async (c) => {
    const alertId = c.req.query('alert');
    const limit = Number(c.req.query('limit') ?? 500);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new BadRequest('limit must be a whole number from 1 to 5000');
    return c.json({ entries: await src.store.auditTrail({ ...(alertId ? { alertId } : {}), limit }) });
  });

  api.post('/triage', async (c) => {
    const { ids, change } = triageChange(await body(c));
    const result = await src.store.triage(ids, change, user, now().toISOString());
    return c.json(result, result.changed.length === 0 && result.unchanged.length === 0 ? 404 : 200);
  });

  api.get('/suppressions', async (c) => {
    const at = now().toISOString();
    return c.json({ suppressions: (await src.store.listSuppressions(true)).map((s) => ({ ...s, live: s.expiresAt === undefined || s.expiresAt > at })) });
  });

  api.post('/suppressions/preview', async (c) => {
    const preview = await src.store.previewSuppression(scopeOf(await body(c)), PREVIEW_ROWS);
    return c.json({ total: preview.total, byState: preview.byState, alerts: preview.alerts.map(previewRow) });
  });

  api.post('/suppressions', async (c) => {
    const b = await body(c);
    const scope = scopeOf(b);
    const reason = optionalString(b, 'reason', 2000) ?? '';
    const expires = optionalString(b, 'expiresAt', 40);
    const at = now();
    const expiresAt = expires ? isoTime(expires, 'expiresAt') : undefined;
    if (expiresAt !== undefined && Date.parse(expiresAt) <= at.getTime()) throw new BadRequest('the expiry is in the past');
    if (b.apply !== undefined && typeof b.apply !== 'boolean') throw new BadRequest('apply must be true or false');
    const suppression = await src.store.addSuppression({ scope, reason, author: user, createdAt: at.toISOString(), ...(expiresAt ? { expiresAt } : {}) });
    const hidden = b.apply === true ? await src.store.applySuppression(suppression.id, user, at.toISOString()) : [];
    return c.json({ suppression: { ...suppression, hits: suppression.hits + hidden.length }, hidden }, 201);
  });

  /**
   * Removing a suppression: alerts it already suppressed stay suppressed (and keep its id); alerts recorded from now
   * on are no longer matched by it. The store's triage audit is per alert and this changes none, so the removal
   * (who, when, and the whole suppression as it was) goes to the dashboard's log, before the store is touched.
   */
  api.delete('/suppressions/:id', async (c) => {
    const id = c.req.param('id');
    const at = now();
    const found = (await src.store.listSuppressions(true)).find((s) => s.id === id);
    if (!found) return c.json({ error: `no suppression ${id}` }, 404);
    try {
      await log.append({ at: at.toISOString(), by: user, action: 'remove-suppression', suppression: found, via: 'dashboard' });
    } catch (error) {
      process.stderr.write(`[!] the dashboard log ${log.where} could not be written: ${(error as Error).message}\n`);
      return c.json({ error: 'the dashboard log could not be written, so the suppression was not removed (see the server\'s stderr)' }, 500);
    }
    if (!(await src.store.removeSuppression(id))) return c.json({ error: `no suppression ${id}` }, 404);
    const stillSuppressed = (await src.store.listAlerts({ states: ['suppressed'] })).filter((s) => s.suppressionId === id).length;
    return c.json({ removed: { ...found, live: found.expiresAt === undefined || found.expiresAt > at.toISOString() }, stillSuppressed, log: log.where });
  });

  api.get('/dashboard-log', async (c) => {
    const limit = Number(c.req.query('limit') ?? 200);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new BadRequest('limit must be a whole number from 1 to 5000');
    return c.json({ entries: await log.recent(limit), where: log.where });
  });

  /**
   * The alerts table's rows as a download. A GET (no CSRF token) that must still come from the dashboard's own
   * page or be typed in: another site's link or script (same-site ports included) is refused.
   */
  for (const format of Object.keys(EXPORT_FORMATS) as ExportFormat[]) {
    api.get(`/export/alerts.${format}`, async (c) => {
      // Hono answers HEAD with the GET handler: that would read the store and log an export nobody received.
      if (c.req.method === 'HEAD') return c.body(null, 405, { Allow: 'GET' });
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') return c.json({ error: `refused: a ${site} request cannot export` }, 403);
      const at = now();
      const previousVisit = c.get('session').previousVisit;
      const out = await exportAlerts(src, format, new URL(c.req.url).searchParams.entries(), { ...(previousVisit ? { previousVisit } : {}), now: at });
      try {
        await log.append({ at: at.toISOString(), by: user, action: 'export', format, alerts: out.count, filter: out.filter });
      } catch (error) {
        process.stderr.write(`[!] the dashboard log ${log.where} could not be written: ${(error as Error).message}\n`);
        return c.json({ error: 'the dashboard log could not be written, so nothing was exported (see the server\'s stderr)' }, 500);
      }
      return c.body(out.body, 200, {
        'Content-Type': EXPORT_FORMATS[format].contentType,
        'Content-Disposition': `attachment; filename="${out.filename}"`,
      });
    });
  }

  return api;
}
