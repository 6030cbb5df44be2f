/**
 * @module serve/session
 * Who may use the dashboard: whoever holds the launch token, printed once on stderr in the URL. Opening that URL
 * exchanges the token for a session cookie (HttpOnly: page script cannot read it; SameSite=Strict: no other site's
 * request carries it) and redirects to drop the token from the address bar. Each session has its own CSRF token,
 * which the page reads from /api/session and sends back in a header with every change.
 *
 * Sessions live in memory: a restart prints a new token and forgets them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  csrf: string;
  createdAt: string;
  /** The person's previous visit when this session began (the dashboard's default baseline). */
  previousVisit?: string;
}

export const randomToken = (): string => randomBytes(32).toString('base64url');

/** Equal strings in time that does not depend on where they differ (hashes first: equal lengths). */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const h = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

/** Cookies are not kept apart by port: two dashboards on one host must not overwrite each other's. */
export const cookieName = (port: number): string => `appwatch_session_${port}`;

/** Bounds memory if something opens the token URL in a loop. */
const MAX_SESSIONS = 1000;

export class Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(readonly token: string = randomToken()) {}

  checkToken(candidate: string | undefined): boolean {
    return sameSecret(candidate, this.token);
  }

  create(previousVisit?: string, now: Date = new Date()): Session {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: Session = { id: randomToken(), csrf: randomToken(), createdAt: now.toISOString(), ...(previousVisit ? { previousVisit } : {}) };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    // The map lookup is by value, but ids are 256-bit random: guessing one is not a timing question.
    return this.sessions.get(id);
  }
}
