/**
 * @module ingest/formats/graph
 * Microsoft Graph `directoryAudit` and `signIn` objects (v1.0 and beta), as the API returns them: pages,
 * single objects, arrays, JSON Lines. Also the reader behind the admin center's JSON downloads.
 */
import type { Origin } from '../../model/event.js';
import type { FileContext, NormalizeResult, RawRecord, RecordFormat } from '../types.js';
import {
  buildEvent, inferSignInType, isObject, reject, statedSignInTypes, toDirectoryAuditFields, toSignInFields, type Json,
} from './shared.js';

type GraphKind = 'audit' | 'signin';

const SIGNIN_MARKERS = ['userprincipalname', 'appid', 'signineventtypes', 'status', 'serviceprincipalid', 'ipaddress', 'clientappused'];
/** Columns that mark a Log Analytics row or diagnostic envelope, which share Graph's names in other casing. */
const NOT_GRAPH_MARKERS = ['timegenerated', 'sourcesystem', 'tenantid', 'properties'];

function lowerKeys(record: Json): Set<string> {
  return new Set(Object.keys(record).map((k) => k.toLowerCase()));
}

/** Which Graph log resource an object is, or why it is none. */
export function graphKind(record: unknown): GraphKind | string {
  if (!isObject(record)) return 'not a JSON object';
  const keys = lowerKeys(record);
  if (NOT_GRAPH_MARKERS.some((k) => keys.has(k))) return 'it has Log Analytics or diagnostic-envelope fields (TimeGenerated, properties), not Graph ones';
  const inventory = describeGraphObject(keys);
  if (inventory) return inventory;
  if (keys.has('activitydatetime') || keys.has('activitydisplayname')) return 'audit';
  if (keys.has('createddatetime') && SIGNIN_MARKERS.some((k) => keys.has(k))) return 'signin';
  return 'no directoryAudit fields (activityDateTime, activityDisplayName) and no signIn fields (createdDateTime with appId or userPrincipalName)';
}

/** Names the Graph directory objects people save next to their logs, so the message says what the file is. */
function describeGraphObject(keys: Set<string>): string | undefined {
  if (keys.has('serviceprincipaltype') || keys.has('serviceprincipalnames') || keys.has('appownerorganizationid')) {
    return 'a Graph servicePrincipal object (inventory, not a log record)';
  }
  if (keys.has('signinaudience') || keys.has('requiredresourceaccess') || keys.has('identifieruris')) {
    return 'a Graph application object (inventory, not a log record)';
  }
  if (keys.has('consenttype') && keys.has('clientid')) return 'a Graph oauth2PermissionGrant (inventory, not a log record)';
  if (keys.has('approleid') && keys.has('principalid')) return 'a Graph appRoleAssignment (inventory, not a log record)';
  if (keys.has('secrettext') || (keys.has('keyid') && keys.has('hint'))) return 'a Graph passwordCredential (not a log record)';
  return undefined;
}

/** Normalises one Graph directoryAudit or signIn object. */
export function normalizeGraphRecord(value: unknown, origin: Origin, context: FileContext): NormalizeResult {
  const kind = graphKind(value);
  if (kind !== 'audit' && kind !== 'signin') {
    return reject(isObject(value) ? 'unknown-shape' : 'not-an-object', `not a Graph audit or sign-in record: ${kind}`);
  }
  const record = value as Json;
  const fields: Json = {};
  const extra: Json = {};
  if (kind === 'audit') {
    toDirectoryAuditFields(record, fields, extra);
    return buildEvent(fields, 'audit', fields.activityDateTime, origin, extra);
  }
  toSignInFields(record, fields, extra);
  const stated = statedSignInTypes(fields.signInEventTypes);
  if (stated) return buildEvent(fields, 'signin', fields.createdDateTime, origin, extra);
  const decision = inferSignInType(fields, context.baseName, false);
  fields.signInEventTypes = [decision.type];
  return buildEvent(fields, 'signin', fields.createdDateTime, origin, extra, decision.guessed ? { guessed: decision.guessed } : undefined);
}

export const graphFormat: RecordFormat = {
  name: 'graph',
  framings: ['json-lines', 'json-document'],
  fits(sample) {
    const kind = graphKind(sample);
    return kind === 'audit' || kind === 'signin' ? null : kind;
  },
  normalizer(context) {
    return (record: RawRecord) => normalizeGraphRecord(record.value, originOf('graph', context, record), context);
  },
};

/** The origin every format stamps on its events. */
export function originOf(format: Origin['format'], context: FileContext, record: RawRecord): Origin {
  const origin: Origin = { source: context.source, format, file: context.file };
  if (record.line !== undefined) origin.line = record.line;
  if (record.index !== undefined) origin.index = record.index;
  if (record.offset !== undefined) origin.offset = record.offset;
  return origin;
}
