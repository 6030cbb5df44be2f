/**
 * @module serve/session
 * Who may use the dashboard: whoever holds the launch token, printed once on stderr in the URL. Opening that URL
 * exchanges the token for a session cookie (HttpOnly: page script cannot read it; SameSite=Strict: no other site's
 * request carries it) and redirects to drop the token from the address bar. Each session has its own CSRF token,
 * which the page reads from /api/session and sends back in a header with every change.
 *
 * A session ends after an idle timeout (default 8 hours without a request the person made) and at the latest after
 * an absolute lifetime (default 24 hours from sign-in), whatever happens in between. An ended session is refused
 * (401, saying it expired) and its CSRF token dies with it; opening the printed address again starts a new one.
 * The page's own timed refresh marks its requests (BACKGROUND_HEADER) so they do not count as activity: a tab left
 * open does not keep a session alive.
 *
 * Sessions live in memory: a restart prints a new token and forgets them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  csrf: string;
  createdAt: string;
  /** The last request the person made (background refreshes do not count). */
  lastSeenAt: string;
  /** The person's previous visit when this session began (the dashboard's default baseline). */
  previousVisit?: string;
}

/** Why a session is over. */
export type SessionEnd = 'idle' | 'lifetime';

export interface SessionLimits {
  /** Ends a session this long after the last request the person made. */
  idleMs: number;
  /** Ends a session this long after it began, active or not. */
  lifetimeMs: number;
}

const HOUR = 3_600_000;
export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 8 * HOUR, lifetimeMs: 24 * HOUR };

/** Sent by the page with requests nobody asked for (its timed refresh): they leave the idle clock alone. */
export const BACKGROUND_HEADER = 'x-appwatch-background';

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

/** A live session, or what is left of an ended one: only why and when it ended (no CSRF token). */
type Entry = { live: Session } | { ended: SessionEnd; at: number };

export type Lookup = { session: Session } | { ended: SessionEnd } | undefined;

/** "8 hours", "90 minutes": a duration as the messages say it. */
export function durationText(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export class Sessions {
  private readonly entries = new Map<string, Entry>();
  readonly limits: SessionLimits;

  constructor(readonly token: string = randomToken(), limits: Partial<SessionLimits> = {}) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    if (!(this.limits.idleMs > 0) || !(this.limits.lifetimeMs > 0)) throw new RangeError('session limits must be positive');
  }

  checkToken(candidate: string | undefined): boolean {
    return sameSecret(candidate, this.token);
  }

  create(previousVisit?: string, now: Date = new Date()): Session {
    this.prune(now.getTime());
    while (this.entries.size >= MAX_SESSIONS) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const at = now.toISOString();
    const session: Session = { id: randomToken(), csrf: randomToken(), createdAt: at, lastSeenAt: at, ...(previousVisit ? { previousVisit } : {}) };
    this.entries.set(session.id, { live: session });
    return session;
  }

  /**
   * The session a cookie names, if it is still live at `now`; a request the person made (`touch`) resets its idle
   * clock. An ended session stays known as ended (so the page can say it expired) until pruned.
   */
  lookup(id: string | undefined, now: Date = new Date(), touch = true): Lookup {
    if (!id) return undefined;
    // The map lookup is by value, but ids are 256-bit random: guessing one is not a timing question.
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if ('ended' in entry) return { ended: entry.ended };
    const s = entry.live;
    const t = now.getTime();
    const end: SessionEnd | undefined = t - Date.parse(s.createdAt) >= this.limits.lifetimeMs ? 'lifetime'
      : t - Date.parse(s.lastSeenAt) >= this.limits.idleMs ? 'idle' : undefined;
    if (end) {
      // The CSRF token goes with it: only the reason is kept.
      this.entries.set(id, { ended: end, at: t });
      return { ended: end };
    }
    if (touch && t > Date.parse(s.lastSeenAt)) s.lastSeenAt = now.toISOString();
    return { session: s };
  }

  /** The live session a cookie names, or undefined (unknown or ended). */
  get(id: string | undefined, now: Date = new Date(), touch = true): Session | undefined {
    const found = this.lookup(id, now, touch);
    return found && 'session' in found ? found.session : undefined;
  }

  /** Forgets sessions that ended (or would have, unused) more than a lifetime ago. */
  private prune(t: number): void {
    for (const [id, entry] of this.entries) {
      const endedAt = 'ended' in entry ? entry.at : Date.parse(entry.live.createdAt) + this.limits.lifetimeMs;
      if (t - endedAt > this.limits.lifetimeMs) this.entries.delete(id);
    }
  }

  /** Why a session is over, as the person reads it. */
  endedText(end: SessionEnd): string {
    return end === 'idle'
      ? `your dashboard session expired after ${durationText(this.limits.idleMs)} without activity`
      : `your dashboard session expired ${durationText(this.limits.lifetimeMs)} after it began`;
  }
}
