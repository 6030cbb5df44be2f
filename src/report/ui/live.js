// @ts-check
/**
 * The dashboard's state and actions: the session (user, CSRF token), the data read from the store (rebuilt into
 * the report's Model at every load), the baseline for new / still open / fixed, the bulk selection, and the last
 * message. Every change goes to the server, then the data is read again, so the page shows what is stored.
 */
import { createStore } from './store.js';
import { buildModel } from './data.js';
import { getJson, onSignedOut, postJson } from './api.js';

/** @typedef {import('./data.js').Model} Model */
/** @typedef {{ user: string, csrf: string, previousVisit?: string, store: string, version: string, idleMinutes?: number, lifetimeMinutes?: number }} SessionInfo */
/** @typedef {import('../../serve/log.js').DashboardLogEntry} DashboardLogEntry */
/** @typedef {{ text: string, kind: 'ok' | 'error' }} Message */
/** @typedef {import('../../store/types.js').TriageChange} TriageChange */
/** @typedef {import('../../store/types.js').TriageResult} TriageResult */
/** @typedef {import('../../store/types.js').SuppressionScope} SuppressionScope */
/** @typedef {{ total: number, byState: Record<string, number>, alerts: { id: string, state: string, severity: string, time: string, title: string, app?: string, actor?: string }[] }} Preview */

/**
 * @typedef {object} LiveState
 * @property {SessionInfo | null} session
 * @property {Model | null} model
 * @property {string | null} since  the baseline chosen on the page (null: the server's default, the last visit)
 * @property {Set<string>} selected  alert ids ticked for bulk actions
 * @property {Message | null} message
 * @property {number} version  counts loads, so parts that fetch more (audit trails) fetch again
 * @property {string | null} loadedAt
 * @property {boolean} busy
 * @property {string | null} error  why the data could not be loaded
 * @property {{ message: string, expired: boolean } | null} signedOut  the session is over (the server said 401)
 */

/** @param {number} n @param {string} noun */
export const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function createLive() {
  const store = createStore(/** @type {LiveState} */ ({
    session: null, model: null, since: null, selected: new Set(), message: null, version: 0, loadedAt: null, busy: false, error: null, signedOut: null,
  }));
  /** @param {Partial<LiveState>} patch */
  const patch = (patch) => store.set((s) => ({ ...s, ...patch }));
  const csrf = () => store.get().session?.csrf ?? '';
  // Any 401: the session expired (or the server restarted); the page stops showing data and says what to do.
  onSignedOut((why) => {
    // The data goes from the page (and its memory) with the session.
    if (!store.get().signedOut) patch({ signedOut: why, busy: false, model: null, selected: new Set(), message: null });
  });

  async function load() {
    if (store.get().signedOut) return;
    try {
      const session = store.get().session ?? /** @type {SessionInfo} */ (await getJson('/api/session'));
      const since = store.get().since;
      const data = await getJson(`/api/data${since ? `?since=${encodeURIComponent(since)}` : ''}`);
      const model = buildModel(data.report, data.guide && typeof data.guide === 'object' ? data.guide : {}, data.live);
      store.set((s) => {
        // Ticked alerts that are gone (another tenant filter, a different store) drop out of the selection.
        const selected = new Set([...s.selected].filter((id) => model.alertsById.has(id)));
        return { ...s, session, model, selected, version: s.version + 1, loadedAt: new Date().toISOString(), error: null };
      });
    } catch (error) {
      patch({ error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Runs a change, says how it went, and reads the store again.
   * @template T
   * @param {() => Promise<T>} run
   * @param {(result: T) => string} describe
   * @param {boolean} [clearSelection]  a bulk action: its alerts are done with
   * @returns {Promise<T | undefined>}
   */
  async function change(run, describe, clearSelection = false) {
    patch({ busy: true });
    try {
      const result = await run();
      if (clearSelection) patch({ selected: new Set() });
      await load();
      // Said once the page shows the stored result, so what it says and what it shows agree.
      patch({ message: { text: describe(result), kind: 'ok' } });
      return result;
    } catch (error) {
      patch({ message: { text: error instanceof Error ? error.message : String(error), kind: 'error' } });
      return undefined;
    } finally {
      patch({ busy: false });
    }
  }

  return {
    store,
    load,
    /** @param {string | null} since */
    setSince(since) {
      patch({ since });
      return load();
    },
    /** @param {Set<string>} selected */
    select(selected) {
      patch({ selected });
    },
    /** @param {Message | null} message */
    say(message) {
      patch({ message });
    },
    /**
     * @param {string[]} ids
     * @param {TriageChange} what
     * @param {string} verb  what was done, for the message ("acknowledged")
     * @param {boolean} [bulk]  from the bulk bar: the selection is cleared once it is done
     */
    triage(ids, what, verb, bulk = false) {
      return change(() => /** @type {Promise<TriageResult>} */ (postJson('/api/triage', { ids, ...what }, csrf())), (r) => {
        const parts = [`${count(r.changed.length, 'alert')} ${verb}`];
        if (r.unchanged.length > 0) parts.push(`${r.unchanged.length} already were`);
        if (r.unknown.length > 0) parts.push(`${r.unknown.length} not found`);
        return parts.join('; ');
      }, bulk);
    },
    /**
     * @param {SuppressionScope} scope
     * @returns {Promise<Preview>}
     */
    preview(scope) {
      return postJson('/api/suppressions/preview', { scope }, csrf());
    },
    /**
     * @param {{ scope: SuppressionScope, reason: string, expiresAt?: string, apply: boolean }} s
     */
    suppress(s) {
      return change(() => postJson('/api/suppressions', s, csrf()), (r) => `Suppression saved${r.hidden?.length ? `; ${count(r.hidden.length, 'open alert')} it covers now suppressed` : ''}.`);
    },
    /**
     * Removes a suppression (the server logs who and when in its dashboard log).
     * @param {string} id
     */
    removeSuppression(id) {
      return change(() => postJson(`/api/suppressions/${encodeURIComponent(id)}`, {}, csrf(), 'DELETE'),
        (r) => `Suppression removed.${r.stillSuppressed ? ` The ${count(r.stillSuppressed, 'alert')} it suppressed stay${r.stillSuppressed === 1 ? 's' : ''} suppressed.` : ''}`);
    },
    /** @param {number} limit @returns {Promise<{ entries: DashboardLogEntry[], where: string }>} */
    dashboardLog(limit) {
      return getJson(`/api/dashboard-log?limit=${limit}`);
    },
    /** @param {string} alertId @returns {Promise<{ entries: import('../../store/types.js').TriageAuditEntry[] }>} */
    audit(alertId) {
      return getJson(`/api/audit?alert=${encodeURIComponent(alertId)}`);
    },
    /** @param {number} limit @returns {Promise<{ entries: import('../../store/types.js').TriageAuditEntry[] }>} */
    recentAudit(limit) {
      return getJson(`/api/audit?limit=${limit}`);
    },
  };
}

/** @typedef {ReturnType<typeof createLive>} Live */
