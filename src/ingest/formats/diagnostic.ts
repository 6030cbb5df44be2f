/**
 * @module ingest/formats/diagnostic
 * Azure Monitor diagnostic-settings exports: Storage `PT1H.json` (JSON Lines) and Event Hubs bodies
 * (`{"records":[…]}`). Entra records carry the Graph object in `properties`, which moves to the top level; the
 * envelope fills Graph fields the properties lack and keeps the rest under `appwatch.extra`. Key Vault and
 * Activity records keep their diagnostic names. Activity events as the Azure Monitor REST API and
 * `az monitor activity-log list` return them (`eventTimestamp`, `operationName.value`) are read here too.
 */
import type { Origin, SignInType } from '../../model/event.js';
import type { FileContext, NormalizeResult, RawRecord, RecordFormat } from '../types.js';
import {
  ACTIVITY_CATEGORIES, buildActivityEvent, buildActivityEventFromRest, buildKeyVaultEvent, canonicalEnvelope, envelopeName,
  isRestActivityRecord,
} from './azure-resource.js';
import { originOf } from './graph.js';
import {
  buildEvent, graphFieldsOf, isObject, parseDynamic, reject, SIGNIN_TYPE_BY_CATEGORY, statedSignInTypes, toNumber,
  type Json,
} from './shared.js';

const READ_CATEGORIES = 'AuditLogs, SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs, ManagedIdentitySignInLogs, AuditEvent (Key Vault), Administrative (Activity)';

/**
 * Moves envelope fields into Graph fields the properties lack; the others go to `extra` under their own names.
 * Reads the raw record (any key casing) directly, to spare a copy per record.
 */
function fillFromEnvelope(record: Json, fields: Json, extra: Json, fill: Readonly<Record<string, string>>): void {
  for (const key in record) {
    const name = envelopeName(key);
    if (name === 'properties') continue;
    const target = fill[name];
    const value = record[key];
    if (target !== undefined && fields[target] === undefined && value !== undefined && value !== '') fields[target] = value;
    else extra[key] = value;
  }
}

const AUDIT_FILL: Record<string, string> = {
  operationName: 'activityDisplayName',
  correlationId: 'correlationId',
  time: 'activityDateTime',
};

const SIGNIN_FILL: Record<string, string> = {
  correlationId: 'correlationId',
  time: 'createdDateTime',
  callerIpAddress: 'ipAddress',
};

export function normalizeDiagnosticRecord(value: unknown, origin: Origin): NormalizeResult {
  if (!isObject(value)) return reject('not-an-object', 'record is not a JSON object');
  if (isRestActivityRecord(value)) return buildActivityEventFromRest(value, origin);
  const category = String(envelopeField(value, 'category') ?? '');
  const lower = category.toLowerCase();
  const properties = parseDynamic(envelopeField(value, 'properties'));

  if (lower === 'auditlogs' || lower === 'audit') {
    const { fields, extra } = graphFieldsOf('audit', isObject(properties) ? properties : {});
    fillFromEnvelope(value, fields, extra, AUDIT_FILL);
    return buildEvent(fields, 'audit', fields.activityDateTime ?? extra.time, origin, extra);
  }
  const signInType: SignInType | undefined = SIGNIN_TYPE_BY_CATEGORY[lower];
  if (signInType) {
    const { fields, extra } = graphFieldsOf('signin', isObject(properties) ? properties : {});
    fillFromEnvelope(value, fields, extra, SIGNIN_FILL);
    if (fields.ipAddress === '<null>') fields.ipAddress = null;
    // resultType is the error code as a string ("0" = success); resultDescription the failure reason.
    const status: Json = isObject(fields.status) ? fields.status : {};
    if (status.errorCode === undefined && extra.resultType !== undefined) status.errorCode = toNumber(extra.resultType);
    if (status.failureReason === undefined && typeof extra.resultDescription === 'string' && extra.resultDescription !== '') {
      status.failureReason = extra.resultDescription;
    }
    if (Object.keys(status).length > 0) fields.status = status;
    if (!statedSignInTypes(fields.signInEventTypes)) fields.signInEventTypes = [signInType];
    return buildEvent(fields, 'signin', fields.createdDateTime ?? extra.time, origin, extra);
  }
  const envelope = canonicalEnvelope(value);
  if (lower === 'auditevent') {
    return buildKeyVaultEvent({ ...envelope, properties }, origin, {});
  }
  if (ACTIVITY_CATEGORIES.has(lower)) {
    return buildActivityEvent({ ...envelope, properties }, origin, {});
  }
  return reject(
    category === '' ? 'unknown-shape' : 'unsupported-category',
    category === '' ? 'diagnostic record without a category' : `category ${JSON.stringify(category)} is not one appwatch reads (${READ_CATEGORIES})`,
  );
}

/** A top-level field of the raw record by its canonical envelope name, whatever its casing. */
function envelopeField(record: Json, name: string): unknown {
  if (name in record) return record[name];
  for (const key in record) if (envelopeName(key) === name) return record[key];
  return undefined;
}

export const diagnosticFormat: RecordFormat = {
  name: 'diagnostic',
  framings: ['json-lines', 'json-document'],
  fits(sample) {
    if (!isObject(sample)) return 'not a JSON object';
    const keys = new Set(Object.keys(sample).map((k) => k.toLowerCase()));
    if (keys.has('timegenerated')) return 'it has TimeGenerated (a Log Analytics row)';
    if (isRestActivityRecord(sample)) return null; // Azure Monitor REST API / az CLI Activity log event
    const missing = ['time', 'category', 'operationname'].filter((k) => !keys.has(k));
    return missing.length === 0 ? null : `no diagnostic envelope (missing ${missing.join(', ')})`;
  },
  normalizer(context: FileContext) {
    return (record: RawRecord) => normalizeDiagnosticRecord(record.value, originOf('diagnostic', context, record));
  },
};
