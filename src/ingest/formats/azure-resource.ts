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

/** `{value, localizedValue}` objects of the Azure Monitor REST API → their value. */
function valueOf(field: unknown): unknown {
  return isObject(field) && 'value' in field ? field.value : field;
}

/** REST EventData fields → diagnostic-record paths. */
const REST_ACTIVITY_FIELDS: Record<string, (record: Json) => unknown> = {
  time: (r) => r.eventTimestamp,
  resourceId: (r) => r.resourceId,
  operationName: (r) => valueOf(r.operationName),
  category: (r) => valueOf(r.category),
  resultType: (r) => valueOf(r.status),
  resultSignature: (r) => valueOf(r.subStatus),
  callerIpAddress: (r) => (isObject(r.httpRequest) ? r.httpRequest.clientIpAddress : undefined),
  correlationId: (r) => r.correlationId,
  level: (r) => r.level,
  properties: (r) => r.properties,
};

const REST_CONSUMED = new Set(['eventTimestamp', 'resourceId', 'operationName', 'category', 'status', 'subStatus', 'correlationId', 'level', 'properties', 'authorization', 'claims']);

/** Whether a record is an Activity log event as the Azure Monitor REST API (and `az monitor activity-log list`) returns it. */
export function isRestActivityRecord(record: Json): boolean {
  return 'eventTimestamp' in record && isObject(record.operationName) && 'value' in record.operationName;
}

/** The canonical Activity event from a REST API EventData object. */
export function buildActivityEventFromRest(record: Json, origin: Origin): NormalizeResult {
  const fields: Json = {};
  const extra: Json = {};
  for (const [path, read] of Object.entries(REST_ACTIVITY_FIELDS)) {
    const value = read(record);
    if (value !== undefined) fields[path] = value;
  }
  const identity: Json = {};
  if (record.authorization !== undefined) identity.authorization = record.authorization;
  if (record.claims !== undefined) identity.claims = record.claims;
  if (Object.keys(identity).length > 0) fields.identity = identity;
  for (const key of Object.keys(record)) if (!REST_CONSUMED.has(key)) extra[key] = record[key];
  return buildActivityEvent(fields, origin, extra, record.caller);
}
