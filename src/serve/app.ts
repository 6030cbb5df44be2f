/**
 * @module serve/app
 * The dashboard as a Hono app, layer by layer (tests drive it with `app.request()`, no socket):
 * 1. security headers on every response (serve/headers);
 * 2. the Host allow-list (serve/hosts): anything else is refused before any routing;
 * 3. `/` exchanges `?token=` for the session cookie, then redirects to drop it; without a session it explains;
 * 4. `/assets/*` and `/api/*` need the session cookie;
 * 5. every state change under `/api` passes the CSRF guard (serve/csrf) and a body size limit.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { DashboardAssets } from './assets.js';
import { dashboardApi } from './api.js';
import { csrfGuard } from './csrf.js';
import type { DataSources } from './data.js';
import { dashboardHeaders } from './headers.js';
import { allowedOrigins, isAllowedHost } from './hosts.js';
import { DASHBOARD_PAGE, SIGN_IN_TEXT } from './page.js';
import { cookieName, type Session, type Sessions } from './session.js';

export interface DashboardOptions {
  sources: DataSources;
  sessions: Sessions;
  /** The allowed Host header values; known once the socket is bound (empty before: everything refused). */
  hosts: () => ReadonlySet<string>;
  /** The port in the cookie's name. */
  port: () => number;
  assets: () => DashboardAssets;
  now?: () => Date;
}

type Env = { Variables: { session: Session } };

const MAX_BODY = 2 * 1024 * 1024;

export function createDashboardApp(o: DashboardOptions): Hono<Env> {
  const app = new Hono<Env>();
  const now = o.now ?? (() => new Date());
  // Any route's context (the path and input types differ per route).
  const session = (c: Context<Env, any, any>): Session | undefined => o.sessions.get(getCookie(c, cookieName(o.port())));

  app.use('*', dashboardHeaders());
  app.use('*', async (c, next) => {
    if (!isAllowedHost(c.req.header('host'), o.hosts())) return c.text('This Host is not allowed (DNS rebinding protection): open the dashboard at the address appwatch serve printed.\n', 403);
    return next();
  });

  app.get('/', async (c) => {
    const token = c.req.query('token');
    if (token !== undefined) {
      if (!o.sessions.checkToken(token)) return c.text('Wrong token: open the address appwatch serve printed.\n', 403);
      if (!session(c)) {
        // The baseline for "new since your last visit" is fixed for the session: reloading the page keeps it.
        const previous = await o.sources.store.recordVisit(o.sources.user, now().toISOString());
        const s = o.sessions.create(previous, now());
        setCookie(c, cookieName(o.port()), s.id, { path: '/', httpOnly: true, sameSite: 'Strict' });
      }
      // 303 to the bare path: the token leaves the address bar and the history entry.
      return c.redirect('/', 303);
    }
    if (!session(c)) return c.text(SIGN_IN_TEXT, 401);
    return c.html(DASHBOARD_PAGE);
  });

  app.use('/assets/*', async (c, next) => {
    if (!session(c)) return c.text('No session: open the address appwatch serve printed.\n', 401);
    return next();
  });
  app.get('/assets/dashboard.js', (c) => c.body(o.assets().script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/dashboard.css', (c) => c.body(o.assets().style, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.use('/api/*', async (c, next) => {
    const s = session(c);
    if (!s) return c.json({ error: 'no session: open the address appwatch serve printed' }, 401);
    c.set('session', s);
    return next();
  });
  app.use('/api/*', csrfGuard(() => allowedOrigins(o.hosts())));
  app.use('/api/*', bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.json({ error: 'the request body is too large' }, 413) }));
  app.route('/api', dashboardApi(o.sources, now));

  app.notFound((c) => c.text('Not found.\n', 404));
  return app;
}
