/**
 * @module serve/csrf
 * Every state-changing request must come from the dashboard's own page, checked four ways (any failure → 403):
 * 1. `Sec-Fetch-Site`, when the browser sends it, is `same-origin`;
 * 2. `Origin` is present and is one of the dashboard's origins (browsers send it with every POST);
 * 3. the body is `application/json`, which a cross-site form cannot send and a cross-site fetch can send only
 *    after a CORS preflight that this server never answers;
 * 4. the `X-CSRF-Token` header equals the session's CSRF token (from /api/session, readable only same-origin).
 * Hono's own `csrf()` middleware checks only form-like content types, so it would let JSON through: not used.
 */
import type { MiddlewareHandler } from 'hono';
import { sameSecret, type Session } from './session.js';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD']);

export function csrfGuard(origins: () => ReadonlySet<string>): MiddlewareHandler<{ Variables: { session: Session } }> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const refuse = (why: string) => c.json({ error: `refused: ${why}` }, 403);
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') return refuse(`a ${site} request cannot change anything`);
    const origin = c.req.header('origin');
    if (!origin || !origins().has(origin.toLowerCase())) return refuse('the request does not come from this dashboard (Origin)');
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) return refuse('changes are JSON only');
    if (!sameSecret(c.req.header(CSRF_HEADER), c.get('session').csrf)) return refuse('missing or wrong CSRF token');
    return next();
  };
}
