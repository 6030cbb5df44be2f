/**
 * @module ingest/formats/azure-resource
 * Key Vault `AuditEvent` and Azure Activity events, which keep the diagnostic-record names whatever form they
 * arrived in. The diagnostic and Log Analytics readers bring their fields to these names, then call here.
 */
import type { Origin } from '../../model/event.js';
import type { NormalizeResult } from '../types.js';
import { buildEvent, callerFromClaims, isObject, NameTable, parseDynamic, toNumber, type Json } from './shared.js';

/** The diagnostic record's top-level names, for case-insensitive matching (`Level` vs `level`, `CallerIPAddress`). */
export const DIAGNOSTIC_ENVELOPE_NAMES = [
  'time', 'resourceId', 'tenantId', 'operationName', 'operationVersion', 'category', 'resultType', 'resultSignature',
  'resultDescription', 'durationMs', 'callerIpAddress', 'correlationId', 'identity', 'level', 'location', 'properties',
] as const;

const ENVELOPE_NAMES = new NameTable(new Map<string, string>(DIAGNOSTIC_ENVELOPE_NAMES.map((n) => [n.toLowerCase(), n])));

/** The canonical casing of a diagnostic top-level key (`Level` → `level`); unknown keys as they are. */
export function envelopeName(key: string): string {
  return ENVELOPE_NAMES.get(key) ?? key;
}

/** Brings a diagnostic record's top-level keys to their canonical casing; unknown keys keep theirs. */
export function canonicalEnvelope(record: Json): Json {
  const out: Json = {};
  for (const key of Object.keys(record)) {
    const name = ENVELOPE_NAMES.get(key) ?? key;
    if (!(name in out)) out[name] = record[key];
    else out[key] = record[key];
  }
  return out;
}

/** Categories of the Azure Activity log (the export writes some operations' category as Write/Action/Delete). */
export const ACTIVITY_CATEGORIES = new Set([
  'administrative', 'write', 'action', 'delete', 'security', 'servicehealth', 'alert', 'recommendation', 'policy',
  'autoscale', 'resourcehealth',
]);

/** The canonical Key Vault event from a record already in diagnostic names. */
export function buildKeyVaultEvent(fields: Json, origin: Origin, extra: Json): NormalizeResult {
  if (fields.durationMs !== undefined) fields.durationMs = toNumber(fields.durationMs);
  if (typeof fields.identity === 'string') fields.identity = parseDynamic(fields.identity);
  if (typeof fields.properties === 'string') fields.properties = parseDynamic(fields.properties);
  if (fields.callerIpAddress === '<null>') fields.callerIpAddress = null;
  const identity = fields.identity;
  const caller = isObject(identity) ? callerFromClaims(identity.claim ?? identity.claims) : undefined;
  return buildEvent(fields, 'keyvault', fields.time, origin, extra, caller ? { caller } : undefined);
}

/** The canonical Azure Activity event from a record already in diagnostic names. */
export function buildActivityEvent(fields: Json, origin: Origin, extra: Json, callerFallback?: unknown): NormalizeResult {
  if (fields.durationMs !== undefined) fields.durationMs = toNumber(fields.durationMs);
  if (typeof fields.identity === 'string') fields.identity = parseDynamic(fields.identity);
  if (typeof fields.properties === 'string') fields.properties = parseDynamic(fields.properties);
  const identity = fields.identity;
  let caller = isObject(identity) ? callerFromClaims(identity.claims ?? identity.claim) : undefined;
  // Log Analytics' Caller column: a UPN for users, an object id for service principals and managed identities.
  if (!caller && typeof callerFallback === 'string' && callerFallback !== '') {
    caller = callerFallback.includes('@') ? { upn: callerFallback } : { objectId: callerFallback };
  }
  return buildEvent(fields, 'activity', fields.time, origin, extra, caller ? { caller } : undefined);
}
