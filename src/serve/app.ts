/**
 * @module serve/app
 * The dashboard as a Hono app, layer by layer (tests drive it with `app.request()`, no socket):
 * 1. security headers on every response (serve/headers);
 * 2. the Host allow-list (serve/hosts): anything else is refused before any routing;
 * 3. `/` exchanges `?token=` for the session cookie, then redirects to drop it; without a session it explains;
 * 4. `/assets/*` and `/api/*` need a live session (serve/session: it ends after an idle timeout and a lifetime; an
 *    ended one gets 401 saying it expired);
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
import { DASHBOARD_PAGE, SIGN_IN_TEXT, expiredText } from './page.js';
import { BACKGROUND_HEADER, cookieName, type Lookup, type Session, type Sessions } from './session.js';

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
  // Any route's context (the path and input types differ per route). Every request the person makes keeps the
  // session alive; the page's timed refresh says it is one (BACKGROUND_HEADER) and does not.
  const lookup = (c: Context<Env, any, any>): Lookup => o.sessions.lookup(getCookie(c, cookieName(o.port())), now(), c.req.header(BACKGROUND_HEADER) === undefined);
  const session = (c: Context<Env, any, any>): Session | undefined => {
    const found = lookup(c);
    return found && 'session' in found ? found.session : undefined;
  };

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
        // The browser drops it at the end of the session's lifetime too; the server ends it sooner when idle.
        setCookie(c, cookieName(o.port()), s.id, { path: '/', httpOnly: true, sameSite: 'Strict', maxAge: Math.floor(o.sessions.limits.lifetimeMs / 1000) });
      }
      // 303 to the bare path: the token leaves the address bar and the history entry.
      return c.redirect('/', 303);
    }
    const found = lookup(c);
    if (found && 'ended' in found) return c.text(expiredText(o.sessions.endedText(found.ended)), 401);
    if (!found) return c.text(SIGN_IN_TEXT, 401);
    return c.html(DASHBOARD_PAGE);
  });

  app.use('/assets/*', async (c, next) => {
    const found = lookup(c);
    if (!found || 'ended' in found) return c.text(found ? expiredText(o.sessions.endedText(found.ended)) : 'No session: open the address appwatch serve printed.\n', 401);
    return next();
  });
  app.get('/assets/dashboard.js', (c) => c.body(o.assets().script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/dashboard.css', (c) => c.body(o.assets().style, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.use('/api/*', async (c, next) => {
    const found = lookup(c);
    if (!found) return c.json({ error: 'no session: open the address appwatch serve printed', session: 'none' }, 401);
    if ('ended' in found) return c.json({ error: `${o.sessions.endedText(found.ended)}: open the address appwatch serve printed again`, session: 'expired' }, 401);
    c.set('session', found.session);
    return next();
  });
  app.use('/api/*', csrfGuard(() => allowedOrigins(o.hosts())));
  app.use('/api/*', bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.json({ error: 'the request body is too large' }, 413) }));
  app.route('/api', dashboardApi(o.sources, now, o.sessions));

  app.notFound((c) => c.text('Not found.\n', 404));
  return app;
}
