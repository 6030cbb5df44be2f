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
    const parts = Object.fromEntries(this.formatter.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    const day = String(parts.weekday).slice(0, 3).toLowerCase();
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    const minute = Number(parts.hour) * 60 + Number(parts.minute);
    return this.days.has(day) && !this.holidays.has(date) && minute >= this.start && minute < this.end && DAYS.includes(day);
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
    const actors = actorIds(event);
    if (change && this.approved && event.appwatch.kind === 'audit') {
      flags.push(actors.some((a) => this.approved!.has(a)) ? 'approved-actor' : 'unapproved-actor');
    }
    if (actors.some((a) => this.highProfile.has(a))) flags.push('high-profile-actor');
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
