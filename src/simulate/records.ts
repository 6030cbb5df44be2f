/**
 * @module simulate/records
 * Builders of single log records in their canonical shapes: Microsoft Graph beta `directoryAudit` and `signIn`
 * objects for Entra, diagnostic-export records for Key Vault and Azure Activity (the names appwatch's model
 * keeps). The renderers turn these into each export format. Shapes follow the real samples and
 * `log-and-graph-schemas.md`: JSON-encoded modified-property values, `KeyDescription` lists, `AppAddress`
 * objects, 7-digit audit time fractions, sign-ins with device, location, CA and authentication details.
 */
import type { SignInType } from '../model/event.js';
import type { Rng } from './random.js';
import type { ClientApp, ResourceApi, SimApp, SimManagedIdentity, SimUser, SimVault, Tenant } from './tenant.js';

export type Json = Record<string, unknown>;
export type SimKind = 'audit' | 'signin' | 'keyvault' | 'activity';

export interface SimRecord {
  kind: SimKind;
  signInType?: SignInType;
  timeMs: number;
  record: Json;
}

/** `2026-10-05T09:15:02.0003172Z`: Entra's audit time with its 7-digit fraction. */
export function auditTime(rng: Rng, ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', `.${rng.digits(7)}Z`);
}
/** Whole seconds, as Graph returns sign-in times. */
export function secondsTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// ----------------------------------------------------------------------------------------------------------
// Audit

export interface AuditActor { user?: SimUser; app?: { displayName: string; appId: string | null; servicePrincipalId: string | null }; ipAddress?: string }
export interface ModifiedProperty { displayName: string; oldValue: string | null; newValue: string | null }
export interface AuditTarget { id: string; displayName: string | null; type: string; userPrincipalName?: string | null; modifiedProperties: ModifiedProperty[] }

/** A modified property with its values JSON-encoded as Entra logs them (`"\"Payroll-Sync\""`, `"[]"`). */
export function changed(displayName: string, oldValue: unknown, newValue: unknown): ModifiedProperty {
  return {
    displayName,
    oldValue: oldValue === undefined || oldValue === null ? null : JSON.stringify(oldValue),
    newValue: newValue === undefined || newValue === null ? null : JSON.stringify(newValue),
  };
}

export function target(type: string, id: string, displayName: string | null, modifiedProperties: ModifiedProperty[] = [], userPrincipalName: string | null = null): AuditTarget {
  return { id, displayName, type, userPrincipalName, modifiedProperties };
}

export interface AuditSpec {
  timeMs: number;
  activity: string;
  category: string;
  operationType: string;
  actor: AuditActor;
  targets: AuditTarget[];
  additionalDetails?: { key: string; value: string }[];
  result?: 'success' | 'failure';
  resultReason?: string;
  loggedByService?: string;
  correlationId?: string;
}

function initiatedBy(actor: AuditActor): Json {
  if (actor.user) {
    const u = actor.user;
    return { app: null, user: { id: u.id, displayName: null, userPrincipalName: u.userPrincipalName, ipAddress: actor.ipAddress ?? u.ipAddress, userType: null, homeTenantId: null, homeTenantName: null, roles: [] } };
  }
  const a = actor.app!;
  return { app: { appId: a.appId, displayName: a.displayName, servicePrincipalId: a.servicePrincipalId, servicePrincipalName: null }, user: null };
}

export function auditRecord(rng: Rng, spec: AuditSpec): SimRecord {
  const correlationId = spec.correlationId ?? rng.guid();
  const record: Json = {
    id: `Directory_${correlationId}_${rng.b64url(5).toUpperCase().replace(/[-_]/g, 'Q')}_${rng.digits(8)}`,
    category: spec.category,
    correlationId,
    result: spec.result ?? 'success',
    resultReason: spec.resultReason ?? '',
    activityDisplayName: spec.activity,
    activityDateTime: auditTime(rng, spec.timeMs),
    loggedByService: spec.loggedByService ?? 'Core Directory',
    operationType: spec.operationType,
    initiatedBy: initiatedBy(spec.actor),
    targetResources: spec.targets.map((t) => ({ ...t, groupType: null })),
    additionalDetails: spec.additionalDetails ?? (spec.actor.user ? [{ key: 'User-Agent', value: spec.actor.user.userAgent }] : []),
  };
  return { kind: 'audit', timeMs: spec.timeMs, record };
}

/** `[KeyIdentifier=…,KeyType=Password,KeyUsage=Verify,DisplayName=…]`, one string per credential. */
export function keyDescription(credentials: readonly { keyId: string; type: string; usage: string; displayName: string }[]): string[] {
  return credentials.map((c) => `[KeyIdentifier=${c.keyId},KeyType=${c.type},KeyUsage=${c.usage},DisplayName=${c.displayName}]`);
}

/** The `AppAddress` value: one object per redirect URI (ReplyAddressClientType 1 = web, 2 = public client). */
export function appAddresses(uris: readonly string[], publicClient: boolean): Json[] {
  return uris.map((address) => ({ AddressType: 0, Address: address, ReplyAddressClientType: publicClient ? 2 : 1, ReplyAddressIndex: null, IsReplyAddressDefault: false }));
}

export function appDetails(app: SimApp, actor: AuditActor): { key: string; value: string }[] {
  return [{ key: 'User-Agent', value: actor.user?.userAgent ?? 'Microsoft Azure Graph Client Library 1.0' }, { key: 'AppId', value: app.appId }];
}

// ----------------------------------------------------------------------------------------------------------
// Sign-ins

export interface SignInSpec {
  timeMs: number;
  type: SignInType;
  user?: SimUser;
  client?: ClientApp;
  workload?: SimApp | SimManagedIdentity;
  resource: ResourceApi;
  ipAddress: string;
  place?: SimUser['place'];
  protocol?: string;
  transferMethod?: string;
  errorCode?: number;
  failureReason?: string;
  userAgent?: string;
  mfa?: boolean;
  caPolicies?: Tenant['caPolicies'];
  credentialKeyId?: string;
}

function location(place: SimUser['place'] | undefined): Json {
  if (!place) return { city: '', state: '', countryOrRegion: '', geoCoordinates: { altitude: null, latitude: null, longitude: null } };
  return { city: place.city, state: place.state, countryOrRegion: place.countryOrRegion, geoCoordinates: { altitude: null, latitude: place.latitude, longitude: place.longitude } };
}

export function signInRecord(rng: Rng, tenant: Tenant, spec: SignInSpec): SimRecord {
  const id = rng.guid();
  const errorCode = spec.errorCode ?? 0;
  const ok = errorCode === 0;
  const time = secondsTime(spec.timeMs);
  const base: Json = {
    id,
    createdDateTime: time,
    correlationId: rng.guid(),
    ipAddress: spec.ipAddress,
    location: location(spec.place),
    resourceDisplayName: spec.resource.displayName,
    resourceId: spec.resource.appId,
    resourceServicePrincipalId: spec.resource.servicePrincipalId,
    resourceTenantId: tenant.tenantId,
    status: { errorCode, failureReason: ok ? 'Other.' : (spec.failureReason ?? 'Invalid username or password or Invalid on-premise username or password.'), additionalDetails: null },
    signInEventTypes: [spec.type],
    conditionalAccessStatus: 'notApplied',
    uniqueTokenIdentifier: rng.b64url(22),
    processingTimeInMilliseconds: rng.between(40, 400),
    homeTenantId: tenant.tenantId,
  };
  if (spec.type === 'servicePrincipal' || spec.type === 'managedIdentity') {
    const w = spec.workload!;
    const isMi = spec.type === 'managedIdentity';
    Object.assign(base, {
      appId: w.appId, appDisplayName: w.displayName, appOwnerTenantId: tenant.tenantId,
      servicePrincipalId: w.servicePrincipalId, servicePrincipalName: w.displayName,
      servicePrincipalCredentialKeyId: isMi ? '' : (spec.credentialKeyId ?? ''),
      servicePrincipalCredentialThumbprint: '',
      clientCredentialType: isMi ? 'managedIdentity' : (spec.credentialKeyId ? 'clientSecret' : 'clientAssertion'),
      isInteractive: false,
      userDisplayName: null, userPrincipalName: null, userId: '',
      authenticationProtocol: 'none', authenticationRequirement: 'singleFactorAuthentication',
      managedServiceIdentity: isMi
        ? { msiType: (w as SimManagedIdentity).msiType, associatedResourceId: (w as SimManagedIdentity).associatedResourceId, federatedTokenId: null, federatedTokenIssuer: null }
        : { msiType: 'none', associatedResourceId: null, federatedTokenId: null, federatedTokenIssuer: null },
      appliedConditionalAccessPolicies: [],
    });
    return { kind: 'signin', signInType: spec.type, timeMs: spec.timeMs, record: base };
  }
  const u = spec.user!;
  const c = spec.client!;
  const interactive = spec.type === 'interactiveUser';
  const mfa = spec.mfa ?? (interactive && ok);
  const policies = (spec.caPolicies ?? tenant.caPolicies).map((p, i) => ({
    id: p.id, displayName: p.displayName, enforcedGrantControls: i === 0 ? ['Mfa'] : i === 1 ? ['Block'] : ['RequireCompliantDevice'],
    enforcedSessionControls: [], result: i === 0 && ok ? 'success' : 'notApplied',
    conditionsSatisfied: i === 0 ? 'application,users' : 'none', conditionsNotSatisfied: i === 0 ? 'none' : 'application',
  }));
  Object.assign(base, {
    userDisplayName: u.displayName, userPrincipalName: u.userPrincipalName, userId: u.id, userType: 'member',
    appId: c.appId, appDisplayName: c.displayName, appOwnerTenantId: c.ownerTenantId,
    clientAppUsed: c.clientAppUsed, userAgent: spec.userAgent ?? u.userAgent,
    isInteractive: interactive,
    conditionalAccessStatus: ok && interactive ? 'success' : 'notApplied',
    appliedConditionalAccessPolicies: policies,
    authenticationProtocol: spec.protocol ?? 'none',
    originalTransferMethod: spec.transferMethod ?? 'none',
    incomingTokenType: interactive ? 'none' : 'primaryRefreshToken',
    clientCredentialType: 'none',
    crossTenantAccessType: 'none',
    tokenIssuerType: 'AzureAD', tokenIssuerName: '',
    authenticationRequirement: mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    authenticationDetails: interactive
      ? [{ authenticationStepDateTime: time, authenticationMethod: 'Password', authenticationMethodDetail: 'Password in the cloud', succeeded: ok, authenticationStepResultDetail: ok ? 'Correct password' : 'Invalid username or password or Invalid on-premise username or password.', authenticationStepRequirement: 'Primary authentication' },
        ...(mfa ? [{ authenticationStepDateTime: time, authenticationMethod: 'Mobile app notification', authenticationMethodDetail: null, succeeded: true, authenticationStepResultDetail: 'MFA successfully completed', authenticationStepRequirement: 'Multifactor authentication' }] : [])]
      : [{ authenticationStepDateTime: time, authenticationMethod: 'Previously satisfied', authenticationMethodDetail: null, succeeded: true, authenticationStepResultDetail: 'First factor requirement satisfied by claim in the token', authenticationStepRequirement: 'Primary authentication' }],
    deviceDetail: { ...u.device, browserId: '' },
    mfaDetail: mfa ? { authMethod: 'Mobile app notification', authDetail: null } : { authMethod: null, authDetail: null },
    riskDetail: 'none', riskLevelAggregated: 'none', riskLevelDuringSignIn: 'none', riskState: 'none', riskEventTypes: [], riskEventTypes_v2: [],
    originalRequestId: id, servicePrincipalId: '', servicePrincipalName: null,
    authenticationMethodsUsed: [], authenticationRequirementPolicies: [], networkLocationDetails: [],
    authenticationProcessingDetails: [{ key: 'Legacy TLS (TLS 1.0, 1.1, 3DES)', value: 'False' }, { key: 'Is CAE Token', value: 'False' }],
    sessionId: rng.guid(),
    autonomousSystemNumber: spec.ipAddress.startsWith('203.0.113.') ? 64500 : 64501,
    isTenantRestricted: false,
    flaggedForReview: false,
  });
  return { kind: 'signin', signInType: spec.type, timeMs: spec.timeMs, record: base };
}

// ----------------------------------------------------------------------------------------------------------
// Key Vault (AuditEvent) and Azure Activity (Administrative), diagnostic-export shape

export interface VaultCaller { appId: string; objectId: string; idtyp: 'app' | 'user'; upn?: string; associatedResourceId?: string; ipAddress: string }

export function vaultRecord(rng: Rng, tenant: Tenant, spec: { timeMs: number; vault: SimVault; operationName: string; caller: VaultCaller; secret?: string; httpStatusCode?: number; properties?: Json }): SimRecord {
  const host = `${spec.vault.name}.vault.azure.net`;
  const status = spec.httpStatusCode ?? 200;
  const item = spec.secret ? `https://${host}/secrets/${spec.secret}/${rng.hex(32)}` : `https://${host}/`;
  const claim: Json = { oid: spec.caller.objectId, appid: spec.caller.appId, appidacr: spec.caller.idtyp === 'app' ? '2' : '0', idtyp: spec.caller.idtyp, 'http://schemas.microsoft.com/identity/claims/tenantid': tenant.tenantId };
  if (spec.caller.upn) claim['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'] = spec.caller.upn;
  if (spec.caller.associatedResourceId) claim.xms_mirid = spec.caller.associatedResourceId;
  const record: Json = {
    time: new Date(spec.timeMs).toISOString().replace('Z', '0000Z'),
    resourceId: spec.vault.resourceId,
    operationName: spec.operationName,
    operationVersion: '7.4',
    category: 'AuditEvent',
    resultType: status < 400 ? 'Success' : 'Unauthorized',
    resultSignature: status === 200 ? 'OK' : status === 403 ? 'Forbidden' : String(status),
    resultDescription: '',
    durationMs: String(rng.between(4, 60)),
    callerIpAddress: spec.caller.ipAddress,
    correlationId: rng.guid(),
    identity: { claim },
    properties: {
      id: item,
      clientInfo: spec.caller.idtyp === 'app' ? 'azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Microsoft Windows 10.0.20348)' : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
      requestUri: spec.secret ? `https://${host}/secrets/${spec.secret}/?api-version=7.4` : `https://management.azure.com${spec.vault.resourceId.toLowerCase()}?api-version=2023-07-01`,
      httpStatusCode: status,
      isRbacAuthorized: true,
      tlsVersion: 'TLS1_2',
      ...spec.properties,
    },
    location: 'westeurope',
  };
  return { kind: 'keyvault', timeMs: spec.timeMs, record };
}

export interface ActivityCaller { user?: SimUser; app?: { appId: string; objectId: string; displayName: string }; ipAddress: string }

export function activityRecord(rng: Rng, tenant: Tenant, spec: { timeMs: number; operationName: string; resourceId: string; caller: ActivityCaller; requestBody?: Json; statusCode?: string }): SimRecord {
  const c = spec.caller;
  const claims: Json = {
    aud: 'https://management.core.windows.net/', iss: `https://sts.windows.net/${tenant.tenantId}/`,
    appid: c.app?.appId ?? 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', appidacr: c.app ? '2' : '0', idtyp: c.app ? 'app' : 'user', ipaddr: c.ipAddress,
    'http://schemas.microsoft.com/identity/claims/objectidentifier': c.user?.id ?? c.app!.objectId,
    'http://schemas.microsoft.com/identity/claims/tenantid': tenant.tenantId,
  };
  if (c.user) {
    claims.name = c.user.displayName;
    claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'] = c.user.userPrincipalName;
    claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'] = c.user.userPrincipalName;
  }
  // The operation as Azure names it (`Microsoft.Authorization/roleAssignments/write`); the record upper-cases it.
  const action = spec.operationName;
  const status = spec.statusCode ?? 'OK';
  const record: Json = {
    time: new Date(spec.timeMs).toISOString().replace('Z', '0000Z'),
    resourceId: spec.resourceId.toUpperCase(),
    operationName: spec.operationName.toUpperCase(),
    category: 'Administrative',
    resultType: 'Success',
    resultSignature: `Succeeded.${status}`,
    durationMs: rng.between(200, 2500),
    callerIpAddress: c.ipAddress,
    correlationId: rng.guid(),
    identity: {
      authorization: { scope: spec.resourceId, action },
      claims,
    },
    level: 'Information',
    location: 'global',
    properties: {
      statusCode: status,
      serviceRequestId: rng.guid(),
      eventCategory: 'Administrative',
      entity: spec.resourceId,
      message: action,
      hierarchy: `${tenant.tenantId}/${tenant.subscriptionId}`,
      ...(spec.requestBody ? { requestbody: JSON.stringify(spec.requestBody) } : {}),
    },
  };
  return { kind: 'activity', timeMs: spec.timeMs, record };
}
