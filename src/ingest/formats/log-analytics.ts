/**
 * @module ingest/formats/log-analytics
 * Log Analytics / Sentinel rows (JSON arrays, JSON Lines, query-API results, portal CSV exports) of AuditLogs,
 * SigninLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs,
 * AZKVAuditLogs, AzureDiagnostics (Key Vault) and AzureActivity.
 *
 * The table is decided by the row's shape, never by `Type` alone (a query's `extend Type = …` overwrites it).
 * Within the sign-in tables that share columns, `Type`, then `Category`, then the file name, then the
 * distinguishing fields decide; the last two are reported as guesses.
 */
import type { Origin, SignInType } from '../../model/event.js';
import type { FileContext, NormalizeResult, RawRecord, RecordFormat } from '../types.js';
import { buildActivityEvent, buildKeyVaultEvent } from './azure-resource.js';
import { originOf } from './graph.js';
import {
  buildEvent, inferSignInType, isObject, parseDynamic, reject, setPath, SIGNIN_TYPE_BY_CATEGORY, SIGNIN_TYPE_BY_TABLE,
  statedSignInTypes, toDirectoryAuditFields, toNumber, toSignInFields, type Json,
} from './shared.js';

type Family = 'audit' | 'signin-user' | 'signin-app' | 'keyvault-azkv' | 'keyvault-azurediagnostics' | 'activity';

/** Columns every Log Analytics table has; their presence marks a row. */
const LA_MARKERS = ['timegenerated', 'sourcesystem', '_resourceid', '_billedsize'];

const KNOWN_TABLES = new Set([
  'auditlogs', 'signinlogs', 'aadnoninteractiveusersigninlogs', 'aadserviceprincipalsigninlogs',
  'aadmanagedidentitysigninlogs', 'azkvauditlogs', 'azurediagnostics', 'azureactivity',
]);

function lowerKeyMap(row: Json): Map<string, string> {
  const map = new Map<string, string>();
  for (const key of Object.keys(row)) map.set(key.toLowerCase(), key);
  return map;
}

/** The table family a row's columns say it belongs to, or undefined. */
export function familyOf(keys: Map<string, string>, row: Json): Family | undefined {
  const has = (k: string): boolean => keys.has(k);
  if (has('activitydisplayname') || has('targetresources') || has('initiatedby') || has('aadoperationtype')) return 'audit';
  if (has('operationnamevalue') || has('categoryvalue') || has('activitystatusvalue')) return 'activity';
  const provider = String(row[keys.get('resourceprovider') ?? ''] ?? '');
  if (/keyvault/i.test(provider) || has('requesturi_s') || has('id_s') || [...keys.keys()].some((k) => k.startsWith('identity_claim_'))) {
    return 'keyvault-azurediagnostics';
  }
  if (has('httpstatuscode') || has('requesturi') || has('isrbacauthorized') || has('isaccesspolicymatch')) return 'keyvault-azkv';
  // A union of sign-in tables gives every row every column, empty where it does not apply: decide on values.
  const filled = (k: string): boolean => {
    const v = keys.has(k) ? row[keys.get(k)!] : undefined;
    return v !== undefined && v !== null && v !== '';
  };
  const user = filled('userprincipalname') || filled('userid');
  const app = filled('serviceprincipalid') || filled('serviceprincipalname') || filled('serviceprincipalcredentialkeyid');
  if (user || (!app && (has('userprincipalname') || has('userid') || has('isinteractive')))) return 'signin-user';
  if (app || has('serviceprincipalid') || has('serviceprincipalname') || has('serviceprincipalcredentialkeyid')) return 'signin-app';
  return undefined;
}

/** Envelope columns, never Graph fields (Graph's `resourceId` and `location` mean other things). */
const ENVELOPE_COLUMNS = new Set([
  'tenantid', 'sourcesystem', 'timegenerated', 'resourceid', 'operationname', 'operationversion', 'category',
  'resultsignature', 'durationms', 'identity', 'level', 'location', 'resource', 'resourcegroup', 'resourceprovider',
  'type', '_billedsize', '_isbillable', '_resourceid', '_subscriptionid', 'aadtenantid', 'resulttype',
  'resultdescription',
]);

/** Sign-in columns whose Graph name is not the column name with a lower-case first letter. */
const SIGNIN_RENAMES: Record<string, string> = {
  locationdetails: 'location',
  conditionalaccesspolicies: 'appliedConditionalAccessPolicies',
  resourceidentity: 'resourceId',
  processingtimeinms: 'processingTimeInMilliseconds',
};

const AUDIT_RENAMES: Record<string, string> = {
  aadoperationtype: 'operationType',
};

function splitRow(row: Json, renames: Record<string, string>): { graph: Json; envelope: Json } {
  const graph: Json = {};
  const envelope: Json = {};
  for (const key of Object.keys(row)) {
    const lower = key.toLowerCase();
    const renamed = renames[lower];
    if (renamed) graph[renamed] = parseDynamic(row[key]);
    else if (ENVELOPE_COLUMNS.has(lower)) envelope[key] = row[key];
    else graph[key] = parseDynamic(row[key]);
  }
  return { graph, envelope };
}

function column(envelope: Json, name: string): unknown {
  for (const key of Object.keys(envelope)) if (key.toLowerCase() === name) return envelope[key];
  return undefined;
}

function normalizeAuditRow(row: Json, origin: Origin): NormalizeResult {
  const { graph, envelope } = splitRow(row, AUDIT_RENAMES);
  const fields: Json = {};
  const extra: Json = {};
  toDirectoryAuditFields(graph, fields, extra);
  // AuditLogs' Category is the Graph category (ApplicationManagement…), unlike the diagnostic envelope's;
  // OperationName repeats the activity name.
  for (const key of Object.keys(envelope)) {
    const lower = key.toLowerCase();
    if (lower === 'category' && fields.category === undefined) fields.category = envelope[key];
    else if (lower === 'operationname' && fields.activityDisplayName === undefined) fields.activityDisplayName = envelope[key];
    else extra[key] = envelope[key];
  }
  const time = fields.activityDateTime ?? column(envelope, 'timegenerated');
  return buildEvent(fields, 'audit', time, origin, extra);
}

function signInTypeOf(family: Family, envelope: Json, fields: Json, context: FileContext): { type: SignInType; guessed?: string } {
  const userTypes: SignInType[] = ['interactiveUser', 'nonInteractiveUser'];
  const fitsFamily = (t: SignInType | undefined): t is SignInType =>
    t !== undefined && (family === 'signin-user' ? userTypes.includes(t) : !userTypes.includes(t));
  const fromTable = SIGNIN_TYPE_BY_TABLE[String(column(envelope, 'type') ?? '').toLowerCase()];
  if (fitsFamily(fromTable)) return { type: fromTable };
  const fromCategory = SIGNIN_TYPE_BY_CATEGORY[String(column(envelope, 'category') ?? '').toLowerCase()];
  if (fitsFamily(fromCategory)) return { type: fromCategory };
  const stated = statedSignInTypes(fields.signInEventTypes);
  if (stated && fitsFamily(stated[0])) return { type: stated[0] };
  const inferred = inferSignInType(fields, context.baseName, family === 'signin-app');
  if (fitsFamily(inferred.type)) return inferred;
  return family === 'signin-app'
    ? { type: 'servicePrincipal', guessed: 'sign-in type servicePrincipal: service-principal columns, nothing else says' }
    : { type: 'interactiveUser', guessed: 'sign-in type interactiveUser by default (nothing in the row says)' };
}

function normalizeSignInRow(row: Json, family: Family, origin: Origin, context: FileContext): NormalizeResult {
  const { graph, envelope } = splitRow(row, SIGNIN_RENAMES);
  const fields: Json = {};
  const extra: Json = {};
  toSignInFields(graph, fields, extra);
  const status: Json = isObject(fields.status) ? fields.status : {};
  const resultType = column(envelope, 'resulttype');
  const resultDescription = column(envelope, 'resultdescription');
  if (status.errorCode === undefined && resultType !== undefined && resultType !== '') status.errorCode = toNumber(resultType);
  if (status.failureReason === undefined && typeof resultDescription === 'string' && resultDescription !== '') status.failureReason = resultDescription;
  if (Object.keys(status).length > 0) fields.status = status;
  const timeGenerated = column(envelope, 'timegenerated');
  if (fields.createdDateTime === undefined && timeGenerated !== undefined) fields.createdDateTime = timeGenerated;
  for (const key of Object.keys(envelope)) extra[key] = envelope[key];
  const decision = signInTypeOf(family, envelope, fields, context);
  if (!statedSignInTypes(fields.signInEventTypes)) fields.signInEventTypes = [decision.type];
  return buildEvent(fields, 'signin', fields.createdDateTime, origin, extra, decision.guessed ? { guessed: decision.guessed } : undefined);
}

/** AZKVAuditLogs columns → diagnostic-record paths. */
const AZKV_COLUMNS: Record<string, string> = {
  timegenerated: 'time', _resourceid: 'resourceId', operationname: 'operationName', operationversion: 'operationVersion',
  category: 'category', resulttype: 'resultType', resultsignature: 'resultSignature', resultdescription: 'resultDescription',
  durationms: 'durationMs', calleripaddress: 'callerIpAddress', correlationid: 'correlationId', identity: 'identity',
  clientinfo: 'properties.clientInfo', requesturi: 'properties.requestUri', id: 'properties.id',
  httpstatuscode: 'properties.httpStatusCode', isaccesspolicymatch: 'properties.isAccessPolicyMatch',
  isrbacauthorized: 'properties.isRbacAuthorized', appliedassignmentid: 'properties.appliedAssignmentId',
  isaddressauthorized: 'properties.isAddressAuthorized', addressauthorizationtype: 'properties.addressAuthorizationType',
  trustedservice: 'properties.trustedService', tlsversion: 'properties.tlsVersion', subnetid: 'properties.subnetId',
  secretproperties: 'properties.secretProperties', keyproperties: 'properties.keyProperties',
  certificateproperties: 'properties.certificateProperties', vaultproperties: 'properties.vaultProperties',
  networkacls: 'properties.networkAcls', sku: 'properties.sku',
};

/** AzureDiagnostics (Key Vault, legacy mode) flattened columns → diagnostic-record paths. */
const AZUREDIAGNOSTICS_COLUMNS: Record<string, string> = {
  timegenerated: 'time', resourceid: 'resourceId', _resourceid: 'resourceId', operationname: 'operationName',
  operationversion: 'operationVersion', category: 'category', resulttype: 'resultType', resultsignature: 'resultSignature',
  resultdescription: 'resultDescription', durationms: 'durationMs', calleripaddress: 'callerIpAddress',
  correlationid: 'correlationId', requesturi_s: 'properties.requestUri', id_s: 'properties.id',
  clientinfo_s: 'properties.clientInfo', httpstatuscode_d: 'properties.httpStatusCode',
  isaccesspolicymatch_b: 'properties.isAccessPolicyMatch', isrbacauthorized_b: 'properties.isRbacAuthorized',
  appliedassignmentid_g: 'properties.appliedAssignmentId', tlsversion_s: 'properties.tlsVersion',
  trustedservice_s: 'properties.trustedService', subnetid_s: 'properties.subnetId',
};

/** Flattened claim names whose original is a URI. */
const URI_CLAIMS: Record<string, string> = {
  http_schemas_microsoft_com_identity_claims_objectidentifier: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  http_schemas_microsoft_com_identity_claims_tenantid: 'http://schemas.microsoft.com/identity/claims/tenantid',
};

function normalizeKeyVaultRow(row: Json, family: Family, origin: Origin): NormalizeResult {
  const columns = family === 'keyvault-azkv' ? AZKV_COLUMNS : AZUREDIAGNOSTICS_COLUMNS;
  const fields: Json = {};
  const extra: Json = {};
  for (const key of Object.keys(row)) {
    const lower = key.toLowerCase();
    const value = row[key];
    const path = columns[lower];
    if (path) {
      if (path !== 'resourceId' || fields.resourceId === undefined) setPath(fields, path, path === 'identity' ? parseDynamic(value) : value);
      else extra[key] = value;
    } else if (lower === 'properties') {
      const parsed = parseDynamic(value);
      if (isObject(parsed)) fields.properties = { ...parsed, ...(isObject(fields.properties) ? fields.properties : {}) };
      else extra[key] = value;
    } else if (family === 'keyvault-azurediagnostics' && lower.startsWith('identity_claim_')) {
      const claim = lower.slice('identity_claim_'.length).replace(/_[sgdb]$/, '');
      const claims = getClaim(fields);
      setPath(fields, 'identity.claim', { ...(isObject(claims) ? claims : {}), [URI_CLAIMS[claim] ?? claim]: value });
    } else {
      extra[key] = value;
    }
  }
  // AZKVAuditLogs' Identity may be the claim map itself.
  if (isObject(fields.identity) && fields.identity.claim === undefined) fields.identity = { claim: fields.identity };
  if (fields.category === undefined) fields.category = 'AuditEvent';
  return buildKeyVaultEvent(fields, origin, extra);
}

function getClaim(fields: Json): unknown {
  return isObject(fields.identity) ? fields.identity.claim : undefined;
}

/** AzureActivity columns → diagnostic-record paths (the *Value columns; the older ones are empty). */
const ACTIVITY_COLUMNS: Record<string, string> = {
  timegenerated: 'time', _resourceid: 'resourceId', operationnamevalue: 'operationName', categoryvalue: 'category',
  activitystatusvalue: 'resultType', activitysubstatusvalue: 'resultSignature', calleripaddress: 'callerIpAddress',
  correlationid: 'correlationId', level: 'level', authorization_d: 'identity.authorization', claims_d: 'identity.claims',
  properties_d: 'properties',
};

/** String twins of the dynamic columns, used when the dynamic one is absent. */
const ACTIVITY_STRING_TWINS: Record<string, string> = {
  authorization: 'identity.authorization', claims: 'identity.claims', properties: 'properties',
};

function normalizeActivityRow(row: Json, origin: Origin): NormalizeResult {
  const fields: Json = {};
  const extra: Json = {};
  const keys = lowerKeyMap(row);
  for (const key of Object.keys(row)) {
    const lower = key.toLowerCase();
    const path = ACTIVITY_COLUMNS[lower];
    const twin = ACTIVITY_STRING_TWINS[lower];
    if (path) setPath(fields, path, parseDynamic(row[key]));
    else if (twin && !keys.has(`${lower}_d`) && row[key] !== '') setPath(fields, twin, parseDynamic(row[key]));
    else if (lower === 'resourceid' && !keys.has('_resourceid')) fields.resourceId = row[key];
    else extra[key] = row[key];
  }
  return buildActivityEvent(fields, origin, extra, row[keys.get('caller') ?? '']);
}

/** Normalises one Log Analytics row (an object of column → value). */
export function normalizeLogAnalyticsRow(value: unknown, origin: Origin, context: FileContext): NormalizeResult {
  if (!isObject(value)) return reject('not-an-object', 'row is not a JSON object');
  const keys = lowerKeyMap(value);
  const family = familyOf(keys, value);
  if (!family) {
    return reject('unknown-shape', `row has none of the columns of AuditLogs, the sign-in tables, AZKVAuditLogs, AzureDiagnostics (Key Vault) or AzureActivity`);
  }
  switch (family) {
    case 'audit': return normalizeAuditRow(value, origin);
    case 'signin-user':
    case 'signin-app': return normalizeSignInRow(value, family, origin, context);
    case 'keyvault-azkv':
    case 'keyvault-azurediagnostics': return normalizeKeyVaultRow(value, family, origin);
    case 'activity': return normalizeActivityRow(value, origin);
  }
}

/** Log Analytics' portal CSV export writes datetime columns as `TimeGenerated [UTC]`. */
export function cleanColumnName(name: string): string {
  return name.trim().replace(/\s*\[UTC\]$/i, '');
}

function rowFromCells(header: string[], cells: string[]): Json {
  const row: Json = {};
  for (let i = 0; i < header.length; i++) row[header[i]!] = cells[i];
  return row;
}

export const logAnalyticsFormat: RecordFormat = {
  name: 'log-analytics',
  framings: ['json-lines', 'json-document', 'csv'],
  fits(sample, context) {
    if (context.framing === 'csv') sample = rowFromCells((context.header ?? []).map(cleanColumnName), []);
    if (!isObject(sample)) return 'not a JSON object';
    const keys = lowerKeyMap(sample);
    const marked = LA_MARKERS.some((k) => keys.has(k)) || KNOWN_TABLES.has(String(sample[keys.get('type') ?? ''] ?? '').toLowerCase());
    if (!marked) return 'no Log Analytics columns (TimeGenerated, SourceSystem, _ResourceId)';
    return familyOf(keys, sample) ? null : 'Log Analytics columns, but not of a table appwatch reads';
  },
  normalizer(context) {
    if (context.framing === 'csv') {
      const header = (context.header ?? []).map(cleanColumnName);
      return (record: RawRecord) => {
        const cells = record.value as string[];
        if (cells.length !== header.length) {
          return reject('wrong-column-count', `row has ${cells.length} cells where the header has ${header.length}`);
        }
        return normalizeLogAnalyticsRow(rowFromCells(header, cells), originOf('log-analytics', context, record), context);
      };
    }
    return (record: RawRecord) => normalizeLogAnalyticsRow(record.value, originOf('log-analytics', context, record), context);
  },
};
