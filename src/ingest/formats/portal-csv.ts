/**
 * @module ingest/formats/portal-csv
 * The Entra admin center's CSV downloads: the audit log (86 columns: Target/ModifiedProperty groups) and the
 * sign-in logs (`InteractiveSignIns_`, `NonInteractiveSignIns_`, `ApplicationSignIns_`, `MSISignIns_`).
 *
 * Headers are matched tolerantly (trimmed, case and spacing folded) because downloads drift: trailing spaces
 * (`Application ID `), a double space (`Autonomous system  number`), a duplicated `Incoming token type`, `Date`
 * for `Date (UTC)`. The audit CSV keeps only 3 targets × 5 modified properties and 6 additional details.
 */
import type { FileContext, NormalizeResult, RawRecord, RecordFormat } from '../types.js';
import { originOf } from './graph.js';
import {
  buildEvent, inferSignInType, reject, setPath, signInTypeFromFileName, toBoolean, toEnumMember, toNumber, type Json,
} from './shared.js';

/** Folds a header for matching: trimmed, lower case, runs of white space as one. */
export function foldHeader(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

type Convert = (cell: string) => unknown;

const asNumber: Convert = (c) => toNumber(c);
const asBoolean: Convert = (c) => toBoolean(c);
const asEnum = (members: readonly string[]): Convert => (c) => toEnumMember(c, members);

/** Graph beta enum members, so display strings in the CSV (`Device code`, `Member`) become enum values. */
const PROTOCOLS = ['none', 'oAuth2', 'ropc', 'wsFederation', 'saml20', 'deviceCode', 'authenticationTransfer', 'nativeAuth',
  'implicitAccessTokenAndGetResponseMode', 'implicitIdTokenAndGetResponseMode', 'implicitAccessTokenAndPostResponseMode',
  'implicitIdTokenAndPostResponseMode', 'authorizationCodeWithoutPkce', 'authorizationCodeWithPkce', 'clientCredentials',
  'refreshTokenGrant', 'encryptedAuthorizeResponse', 'directUserGrant', 'kerberos', 'prtGrant', 'seamlessSso',
  'prtBrokerBased', 'prtNonBrokerBased', 'onBehalfOf', 'samlOnBehalfOf'];
const TRANSFER_METHODS = ['none', 'deviceCodeFlow', 'authenticationTransfer'];
const CREDENTIAL_TYPES = ['none', 'clientSecret', 'clientAssertion', 'federatedIdentityCredential', 'managedIdentity', 'certificate'];
const TOKEN_TYPES = ['none', 'primaryRefreshToken', 'saml11', 'saml20', 'remoteDesktopToken', 'refreshToken'];
const ACCESS_TYPES = ['none', 'b2bCollaboration', 'b2bDirectConnect', 'microsoftSupport', 'serviceProvider', 'passthrough'];
const USER_TYPES = ['member', 'guest'];
const ISSUER_TYPES = ['AzureAD', 'ADFederationServices', 'AzureADBackupAuth', 'ADFederationServicesMFAAdapter', 'NPSExtension'];
const CA_STATUS = ['success', 'failure', 'notApplied'];
const REQUIREMENTS = ['singleFactorAuthentication', 'multiFactorAuthentication'];
const MSI_TYPES = ['none', 'userAssigned', 'systemAssigned'];
const TOKEN_PROTECTION = ['none', 'bound', 'unbound'];

/** Sign-in CSV header (folded) → Graph beta path and conversion. */
const SIGNIN_COLUMNS: Record<string, [string, Convert?]> = {
  'date (utc)': ['createdDateTime'],
  date: ['createdDateTime'],
  'request id': ['id'],
  'user agent': ['userAgent'],
  'correlation id': ['correlationId'],
  'user id': ['userId'],
  user: ['userDisplayName'],
  username: ['userPrincipalName'],
  'user type': ['userType', asEnum(USER_TYPES)],
  'cross tenant access type': ['crossTenantAccessType', asEnum(ACCESS_TYPES)],
  'incoming token type': ['incomingTokenType', asEnum(TOKEN_TYPES)],
  'authentication protocol': ['authenticationProtocol', asEnum(PROTOCOLS)],
  'unique token identifier': ['uniqueTokenIdentifier'],
  'original transfer method': ['originalTransferMethod', asEnum(TRANSFER_METHODS)],
  'client credential type': ['clientCredentialType', asEnum(CREDENTIAL_TYPES)],
  'token protection - sign in session': ['signInTokenProtectionStatus', asEnum(TOKEN_PROTECTION)],
  'token protection - sign in session statuscode': ['tokenProtectionStatusDetails.signInSessionStatusCode', asNumber],
  application: ['appDisplayName'],
  'application id': ['appId'],
  'app owner tenant id': ['appOwnerTenantId'],
  resource: ['resourceDisplayName'],
  'resource id': ['resourceId'],
  'resource tenant id': ['resourceTenantId'],
  'resource owner tenant id': ['resourceOwnerTenantId'],
  'home tenant id': ['homeTenantId'],
  'home tenant name': ['homeTenantName'],
  'ip address': ['ipAddress'],
  'sign-in error code': ['status.errorCode', asNumber],
  'failure reason': ['status.failureReason'],
  'client app': ['clientAppUsed'],
  'device id': ['deviceDetail.deviceId'],
  browser: ['deviceDetail.browser'],
  'operating system': ['deviceDetail.operatingSystem'],
  compliant: ['deviceDetail.isCompliant', asBoolean],
  managed: ['deviceDetail.isManaged', asBoolean],
  'join type': ['deviceDetail.trustType'],
  'multifactor authentication auth method': ['mfaDetail.authMethod'],
  'multifactor authentication auth detail': ['mfaDetail.authDetail'],
  'authentication requirement': ['authenticationRequirement', asEnum(REQUIREMENTS)],
  'sign-in identifier': ['signInIdentifier'],
  'session id': ['sessionId'],
  'ip address (seen by resource)': ['ipAddressFromResourceProvider'],
  'through global secure access': ['isThroughGlobalSecureAccess', asBoolean],
  'global secure access ip address': ['globalSecureAccessIpAddress'],
  'autonomous system number': ['autonomousSystemNumber', asNumber],
  'flagged for review': ['flaggedForReview', asBoolean],
  'token issuer type': ['tokenIssuerType', asEnum(ISSUER_TYPES)],
  'token issuer name': ['tokenIssuerName'],
  latency: ['processingTimeInMilliseconds', asNumber],
  'conditional access': ['conditionalAccessStatus', asEnum(CA_STATUS)],
  'managed identity type': ['managedServiceIdentity.msiType', asEnum(MSI_TYPES)],
  'associated resource id': ['managedServiceIdentity.associatedResourceId'],
  'federated token id': ['managedServiceIdentity.federatedTokenId'],
  'federated token issuer': ['managedServiceIdentity.federatedTokenIssuer'],
  'service principal id': ['servicePrincipalId'],
  'service principal name': ['servicePrincipalName'],
  'credential key id': ['servicePrincipalCredentialKeyId'],
  'credential thumbprint': ['servicePrincipalCredentialThumbprint'],
};

/** The portal's `Location` cell: `City, State, CC`. */
function parseLocation(cell: string): Json {
  const parts = cell.split(',').map((p) => p.trim());
  const location: Json = {};
  if (parts.length >= 3) {
    location.city = parts.slice(0, parts.length - 2).join(', ');
    location.state = parts[parts.length - 2];
    location.countryOrRegion = parts[parts.length - 1];
  } else if (parts.length === 2) {
    location.city = parts[0];
    location.countryOrRegion = parts[1];
  } else {
    location.countryOrRegion = parts[0];
  }
  return location;
}

type Kind = 'audit' | 'signin';

function csvKind(folded: string[]): Kind | string {
  const has = (h: string): boolean => folded.includes(h);
  const dated = has('date (utc)') || has('date');
  if (dated && has('activity') && folded.some((h) => /^target\d+type$/.test(h))) return 'audit';
  if (dated && has('request id')) return 'signin';
  return 'the header is neither the admin-center audit download (Date (UTC), Activity, Target1Type…) nor a sign-in download (Date (UTC), Request ID…)';
}

function buildSignInNormalizer(context: FileContext, header: string[]): (record: RawRecord) => NormalizeResult {
  const folded = header.map(foldHeader);
  const plan = folded.map((name) => SIGNIN_COLUMNS[name]);
  const appOnly = !folded.includes('username') && !folded.includes('user id');
  const fileType = signInTypeFromFileName(context.baseName);
  return (record) => {
    const cells = record.value as string[];
    if (cells.length !== header.length) return wrongCount(cells.length, header.length);
    const fields: Json = {};
    const extra: Json = {};
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell === '') continue;
      const name = folded[i]!;
      const step = plan[i];
      if (name === 'location') setPath(fields, 'location', parseLocation(cell));
      else if (step) {
        const value = step[1] ? step[1](cell) : cell;
        // A duplicated column (Incoming token type) keeps its first value; a different second one is kept aside.
        if (getFlat(fields, step[0]) === undefined) setPath(fields, step[0], value);
        else if (getFlat(fields, step[0]) !== value) extra[header[i]!] = cell;
      } else extra[header[i]!] = cell;
    }
    const decision = fileType
      ? { type: fileType, guessed: `sign-in type ${fileType} from the file name` }
      : inferSignInType(fields, context.baseName, appOnly);
    fields.signInEventTypes = [decision.type];
    return buildEvent(fields, 'signin', fields.createdDateTime, originOf('portal-csv', context, record), extra,
      decision.guessed ? { guessed: decision.guessed } : undefined);
  };
}

function getFlat(fields: Json, path: string): unknown {
  let node: unknown = fields;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[part];
  }
  return node;
}

const AUDIT_SIMPLE: Record<string, string> = {
  'date (utc)': 'activityDateTime', date: 'activityDateTime', correlationid: 'correlationId', service: 'loggedByService',
  category: 'category', activity: 'activityDisplayName', result: 'result', resultreason: 'resultReason',
  'user agent': 'userAgent',
};

const ACTOR_COLUMNS: Record<string, [user: string, app: string]> = {
  actordisplayname: ['displayName', 'displayName'],
  actorobjectid: ['id', 'servicePrincipalId'],
  actoruserprincipalname: ['userPrincipalName', 'userPrincipalName'],
  ipaddress: ['ipAddress', 'ipAddress'],
  actorhometenantid: ['homeTenantId', 'homeTenantId'],
  actorhometenantname: ['homeTenantName', 'homeTenantName'],
  actorserviceprincipalid: ['servicePrincipalId', 'servicePrincipalId'],
  actorserviceprincipalname: ['servicePrincipalName', 'servicePrincipalName'],
};

const TARGET_FIELDS: Record<string, string> = { type: 'type', displayname: 'displayName', objectid: 'id', userprincipalname: 'userPrincipalName' };
const PROPERTY_FIELDS: Record<string, string> = { name: 'displayName', oldvalue: 'oldValue', newvalue: 'newValue' };

function buildAuditNormalizer(context: FileContext, header: string[]): (record: RawRecord) => NormalizeResult {
  const folded = header.map(foldHeader);
  return (record) => {
    const cells = record.value as string[];
    if (cells.length !== header.length) return wrongCount(cells.length, header.length);
    const fields: Json = {};
    const extra: Json = {};
    const actor: Json = {};
    const targets: Json[] = [];
    const details: Json[] = [];
    let actorType = '';
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell === '') continue;
      const name = folded[i]!;
      const simple = AUDIT_SIMPLE[name];
      let m: RegExpExecArray | null;
      if (simple) fields[simple] = cell;
      else if (name === 'actortype') actorType = cell;
      else if (ACTOR_COLUMNS[name]) actor[name] = cell;
      else if ((m = /^target(\d+)modifiedproperty(\d+)(name|oldvalue|newvalue)$/.exec(name))) {
        const target = (targets[Number(m[1]) - 1] ??= {});
        const props = ((target.modifiedProperties as Json[] | undefined) ??= []);
        (props[Number(m[2]) - 1] ??= {})[PROPERTY_FIELDS[m[3]!]!] = cell;
        target.modifiedProperties = props;
      } else if ((m = /^target(\d+)(type|displayname|objectid|userprincipalname)$/.exec(name))) {
        (targets[Number(m[1]) - 1] ??= {})[TARGET_FIELDS[m[2]!]!] = cell;
      } else if ((m = /^additionaldetail(\d+)(key|value)$/.exec(name))) {
        (details[Number(m[1]) - 1] ??= {})[m[2]!] = cell;
      } else extra[header[i]!] = cell;
    }
    if (fields.result !== undefined) fields.result = toEnumMember(fields.result, ['success', 'failure', 'timeout']);
    const isApp = /app|service/i.test(actorType) || (!actor.actoruserprincipalname && !!actor.actorserviceprincipalid);
    const initiator: Json = {};
    for (const [column, value] of Object.entries(actor)) {
      const names = ACTOR_COLUMNS[column]!;
      const key = isApp ? names[1] : names[0];
      if (initiator[key] === undefined) initiator[key] = value;
    }
    if (Object.keys(initiator).length > 0) fields.initiatedBy = { [isApp ? 'app' : 'user']: initiator };
    if (actorType !== '') extra.ActorType = actorType;
    const presentTargets = targets.filter((t) => t !== undefined).map((t) => {
      if (Array.isArray(t.modifiedProperties)) t.modifiedProperties = t.modifiedProperties.filter((p) => p !== undefined);
      return t;
    });
    if (presentTargets.length > 0) fields.targetResources = presentTargets;
    const presentDetails = details.filter((d) => d !== undefined);
    if (presentDetails.length > 0) fields.additionalDetails = presentDetails;
    return buildEvent(fields, 'audit', fields.activityDateTime, originOf('portal-csv', context, record), extra);
  };
}

function wrongCount(got: number, expected: number): NormalizeResult {
  return reject('wrong-column-count', `row has ${got} cells where the header has ${expected}`);
}

export const portalCsvFormat: RecordFormat = {
  name: 'portal-csv',
  framings: ['csv'],
  fits(_sample, context) {
    const kind = csvKind((context.header ?? []).map(foldHeader));
    return kind === 'audit' || kind === 'signin' ? null : kind;
  },
  normalizer(context) {
    const header = context.header ?? [];
    const kind = csvKind(header.map(foldHeader));
    if (kind === 'audit') return buildAuditNormalizer(context, header);
    if (kind === 'signin') return buildSignInNormalizer(context, header);
    return () => reject('unknown-shape', kind);
  },
};

/** Whether a file is the audit download (the summary says it truncates). */
export function isPortalAuditHeader(header: string[]): boolean {
  return csvKind(header.map(foldHeader)) === 'audit';
}
