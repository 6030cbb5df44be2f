/**
 * @module store/suppression
 * Which alerts a suppression covers, shared by every store implementation so they all agree. Every scope field
 * given must match; an absent field matches anything.
 *
 * Names are compared with ASCII-only case folding, on purpose: full Unicode folding (`toLowerCase`, NFKC) maps
 * look-alikes onto ASCII (KELVIN SIGN → `k`, fullwidth letters → ASCII), so a suppression for `Payroll-Sync`
 * would also silence an attacker's look-alike app. Only A–Z and a–z are equal across case.
 */
import type { Alert, EntityRef } from '../alerts/types.js';
import type { Suppression, SuppressionScope } from './types.js';

export const SCOPE_FIELDS = ['ruleId', 'application', 'actor', 'resource', 'tenant'] as const;

export class SuppressionError extends Error {}

/** Lower-cases A–Z only (see the module comment). */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Throws SuppressionError when a suppression would be unsafe or meaningless to store. */
export function validateSuppression(s: { scope: SuppressionScope; reason: string; author: string; expiresAt?: string }): void {
  const given = SCOPE_FIELDS.filter((f) => s.scope[f] !== undefined);
  if (given.length === 0) throw new SuppressionError('a suppression needs at least one scope field (rule, application, actor, resource or tenant): an empty scope would silence every alert');
  // '' is a real tenant (single-tenant use); elsewhere it would match only nameless entities, never what was meant.
  for (const f of SCOPE_FIELDS) if (f !== 'tenant' && s.scope[f] === '') throw new SuppressionError(`suppression scope ${f} is empty`);
  if (s.reason.trim() === '') throw new SuppressionError('a suppression needs a reason');
  if (s.expiresAt !== undefined && !Number.isFinite(Date.parse(s.expiresAt))) throw new SuppressionError(`suppression expiry is not a time: ${s.expiresAt}`);
}

function entityMatches(entity: EntityRef | undefined, folded: string, keys: readonly (keyof EntityRef)[]): boolean {
  if (!entity) return false;
  for (const key of keys) {
    const value = entity[key];
    if (typeof value === 'string' && foldAscii(value) === folded) return true;
  }
  return false;
}

const APP_KEYS = ['appId', 'id', 'displayName'] as const;
const ACTOR_KEYS = ['id', 'userPrincipalName', 'appId', 'displayName'] as const;
const RESOURCE_KEYS = ['id', 'displayName'] as const;

/** A scope prepared once per batch (folded values), then tested against each alert. */
export interface ScopeMatcher {
  suppression: Suppression;
  matches(alert: Alert, tenant: string): boolean;
}

export function scopeMatcher(suppression: Suppression): ScopeMatcher {
  const { ruleId, application, actor, resource, tenant } = suppression.scope;
  const app = application === undefined ? undefined : foldAscii(application);
  const who = actor === undefined ? undefined : foldAscii(actor);
  const res = resource === undefined ? undefined : foldAscii(resource);
  const ten = tenant === undefined ? undefined : foldAscii(tenant);
  return {
    suppression,
    matches(alert, batchTenant) {
      const e = alert.entities;
      if (ruleId !== undefined && alert.rule.id !== ruleId) return false;
      if (ten !== undefined && foldAscii(batchTenant) !== ten) return false;
      if (app !== undefined && !entityMatches(e.application, app, APP_KEYS) && !entityMatches(e.servicePrincipal, app, APP_KEYS)) return false;
      if (who !== undefined && !entityMatches(e.actor, who, ACTOR_KEYS)) return false;
      if (res !== undefined && !entityMatches(e.resource, res, RESOURCE_KEYS) && !entityMatches(e.keyVault, res, RESOURCE_KEYS) && !entityMatches(e.role, res, RESOURCE_KEYS)) return false;
      return true;
    },
  };
}

/** True when the suppression still applies at `now` (no expiry, or expiry after now). */
export function isLive(suppression: Pick<Suppression, 'expiresAt'>, now: string): boolean {
  return suppression.expiresAt === undefined || Date.parse(suppression.expiresAt) > Date.parse(now);
}

/** The first (oldest) matcher that covers the alert. */
export function firstMatch(matchers: readonly ScopeMatcher[], alert: Alert, tenant: string): Suppression | undefined {
  for (const m of matchers) if (m.matches(alert, tenant)) return m.suppression;
  return undefined;
}
