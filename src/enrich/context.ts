/**
 * @module enrich/context
 * The tenant's own notion of normal, from `context:` in appwatch.yaml, turned into named flags on each event:
 * outside business hours (in the tenant's time zone, days and holidays), outside every change window, by an
 * approved or unapproved actor, by a high-profile account, redirect URIs outside the verified domains.
 * Flags only: what they do to severity is `alerts/severity.ts`'s job.
 */
import type { ContextConfig } from '../config/config.js';
import type { CanonicalEvent } from '../model/event.js';

type Json = Record<string, unknown>;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const HOUR = 3_600_000;

/** The identities of whoever acted: UPN, object id, appId (lower case). */
export function actorIds(event: CanonicalEvent): string[] {
  const ids: unknown[] = [];
  const by = event.initiatedBy as Json | undefined;
  const user = by?.user as Json | undefined;
  const app = by?.app as Json | undefined;
  if (user) ids.push(user.userPrincipalName, user.id);
  if (app) ids.push(app.appId, app.servicePrincipalId, app.displayName);
  if (event.appwatch.kind === 'signin') ids.push(event.userPrincipalName, event.userId, event.appId, event.servicePrincipalId);
  const caller = event.appwatch.caller;
  if (caller) ids.push(caller.upn, caller.objectId, caller.appId);
  return ids.filter((x): x is string => typeof x === 'string' && x !== '').map((x) => x.toLowerCase());
}

export class ContextFlags {
  private readonly formatter?: Intl.DateTimeFormat;
  private readonly days: Set<string>;
  private readonly start: number;
  private readonly end: number;
  private readonly holidays: Set<string>;
  private readonly windows: { start: number; end: number }[];
  private readonly approved?: Set<string>;
  private readonly highProfile: Set<string>;
  private readonly verified: string[];

  constructor(private readonly config: ContextConfig) {
    const hours = config.businessHours;
    if (hours) {
      this.formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: hours.timeZone ?? 'UTC', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      });
    }
    this.days = new Set((hours?.days ?? ['mon', 'tue', 'wed', 'thu', 'fri']).map((d) => d.toLowerCase()));
    const minutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
    this.start = minutes(hours?.start ?? '08:00');
    this.end = minutes(hours?.end ?? '18:00');
    this.holidays = new Set(hours?.holidays ?? []);
    this.windows = (config.changeWindows ?? []).map((w) => ({ start: Date.parse(w.start), end: Date.parse(w.end) }));
    if (config.approvedActors) this.approved = new Set(config.approvedActors.map((a) => a.toLowerCase()));
    this.highProfile = new Set((config.highProfileAccounts ?? []).map((a) => a.toLowerCase()));
    this.verified = (config.verifiedDomains ?? []).map((d) => d.toLowerCase().replace(/^\./, ''));
  }

  /** Whether a time is inside business hours (true when none are configured). */
  inBusinessHours(iso: string): boolean {
    if (!this.formatter) return true;
    const ms = Date.parse(iso);
    // The zone's offset from UTC, found once per UTC hour (Intl is slow: several microseconds a call); an hour
    // whose two ends disagree holds a transition and is computed exactly, event by event.
    const hour = Math.floor(ms / HOUR);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const atStart = this.offsetAt(hour * HOUR);
      offset = atStart === this.offsetAt(hour * HOUR + HOUR - 1) ? atStart : NaN;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(hour, offset);
    }
    const local = new Date(ms + (Number.isNaN(offset) ? this.offsetAt(ms) : offset));
    const day = DAYS[local.getUTCDay()]!;
    const date = local.toISOString().slice(0, 10);
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    return this.days.has(day) && !this.holidays.has(date) && minute >= this.start && minute < this.end;
  }

  private readonly offsets = new Map<number, number>();

  /** Local time minus UTC, in ms, at an instant (whole minutes). */
  private offsetAt(ms: number): number {
    const parts = Object.fromEntries(this.formatter!.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
    return local - Math.floor(ms / 60_000) * 60_000;
  }

  /** Context flags; change windows and approved actors apply to configuration changes only. */
  flags(event: CanonicalEvent): string[] {
    const flags: string[] = [];
    if (this.config.businessHours && !this.inBusinessHours(event.appwatch.time)) flags.push('outside-business-hours');
    const change = isConfigurationChange(event);
    if (change && this.windows.length > 0) {
      const t = Date.parse(event.appwatch.time);
      flags.push(this.windows.some((w) => t >= w.start && t <= w.end) ? 'in-change-window' : 'outside-change-window');
    }
    const approval = change && this.approved && event.appwatch.kind === 'audit';
    if (approval || this.highProfile.size > 0) {
      const actors = actorIds(event);
      if (approval) flags.push(actors.some((a) => this.approved!.has(a)) ? 'approved-actor' : 'unapproved-actor');
      if (actors.some((a) => this.highProfile.has(a))) flags.push('high-profile-actor');
    }
    if (this.verified.length > 0) {
      const added = ((event.appwatch.uris as { redirect?: { added: { host?: string; flags: string[] }[] } } | undefined)?.redirect?.added) ?? [];
      for (const uri of added) {
        const host = uri.host?.toLowerCase();
        if (!host || uri.flags.includes('localhost') || /^(127\.|\[::1\])/.test(host)) continue;
        if (!this.verified.some((d) => host === d || host.endsWith(`.${d}`))) {
          flags.push('redirect-uri-unverified-domain');
          break;
        }
      }
    }
    return flags;
  }

  /** Whether a match of this rule is allow-listed (dropped). */
  allowListed(ruleId: string | undefined, event: CanonicalEvent): boolean {
    const lists = this.config.allowLists;
    if (!lists) return false;
    const entries = [lists['*'], ruleId ? lists[ruleId] : undefined].filter((e) => e !== undefined);
    if (entries.length === 0) return false;
    const actors = actorIds(event);
    const appIds = [event.appId, (event.additionalDetails as Json[] | undefined)?.find?.((d) => d?.key === 'AppId')?.value]
      .filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
    const resources = [event.resourceId, event.resourceDisplayName, event.resourceId]
      .filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
    const hit = (list: string[] | undefined, values: string[]): boolean => Boolean(list?.some((v) => values.includes(v.toLowerCase())));
    return entries.some((e) => hit(e!.appIds, appIds) || hit(e!.actors, actors) || hit(e!.resources, resources));
  }
}

/**
 * Whether an event changes configuration, the thing change windows and approved actors govern: directory
 * changes (except a person consenting for themselves), Azure writes, and Key Vault management operations.
 * Sign-ins and secret reads are use, not change: a nightly job reading its secret is not "outside a change window".
 */
export function isConfigurationChange(event: CanonicalEvent): boolean {
  switch (event.appwatch.kind) {
    case 'audit':
      return event.appwatch.selfConsent !== true;
    case 'activity':
      return true;
    case 'keyvault':
      return typeof event.operationName === 'string' && /^vault/i.test(event.operationName);
    default:
      return false;
  }
}
