// Synthetic log generator for the ingestion benchmark.
//
// Produces Azure Monitor diagnostic-settings export records (the shape Storage / Event Hubs exports have):
// Entra AuditLogs, the four sign-in categories, and Key Vault AuditEvent. Shapes follow
// ../shared/reference/log-and-graph-schemas.md §1.1, §1.2, §2.2; every value here is invented.
//
// Speed matters more than elegance (gigabytes in a couple of minutes), so:
//   * each record type is a JSON template compiled once: JSON.stringify of an object whose variable
//     fields are slot markers, split into constant parts; a record is parts interleaved with slot values;
//   * large sub-objects (CA policies, device, location, auth details) are pre-serialised fragments
//     drawn from pools, so per record we only concatenate strings;
//   * output is buffered to ~1 MB chunks and written with backpressure.
// Everything is driven by a seeded PRNG, so the same seed gives the same bytes.
//
// Usable as a library (generateFile) or as a worker thread (workerData = generateFile's argument).

import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Rng as SimRng } from '../dist/simulate/random.js';

/** Bump when the record shapes change, so cached files are regenerated. */
export const GENERATOR_VERSION = 3;

// ---------------------------------------------------------------------------------------------------------------
// The seeded PRNG is the simulator's (src/simulate/random.ts, built into dist/ by `npm run bench`).

class Rng extends SimRng {
  ipv4() { return `${[20, 40, 52, 13, 104, 185, 81, 91, 176, 213][this.int(10)]}.${this.int(256)}.${this.int(256)}.${1 + this.int(254)}`; }
}

// ---------------------------------------------------------------------------------------------------------------
// Templates. S('k') marks a string slot (the value goes inside the existing quotes, so it must be JSON-safe);
// R('k') marks a raw slot (the value is spliced in as JSON: numbers, booleans, pre-serialised fragments).

const S = (k) => `~~${k}~~`;
const R = (k) => `~~!${k}~~`;

function compile(shape) {
  const json = JSON.stringify(shape).replace(/"~~!(\w+)~~"/g, '~~!$1~~');
  const split = json.split(/~~!?(\w+)~~/);
  const parts = [], keys = [];
  for (let i = 0; i < split.length; i++) (i % 2 ? keys : parts).push(split[i]);
  return { parts, keys };
}

function render(t, ctx) {
  const { parts, keys } = t;
  let s = parts[0];
  for (let i = 0; i < keys.length; i++) s += ctx[keys[i]] + parts[i + 1];
  return s;
}

/** A fragment with `@T@` time markers, pre-split so substitution is a join. */
const timed = (obj) => JSON.stringify(obj).split('@T@');

// ---------------------------------------------------------------------------------------------------------------
// The simulated tenant: users, apps, managed identities, vaults. Built once per file from the seed.

const FIRST = ['Adele', 'Alex', 'Ben', 'Chen', 'Diego', 'Emma', 'Farah', 'Grace', 'Hiro', 'Isla', 'Jonas', 'Kara', 'Liam', 'Maya', 'Nina', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Viktor', 'Wen', 'Yara', 'Zoe', 'Lena', 'Marco', 'Aisha', 'Tomas'];
const LAST = ['Vance', 'Wilber', 'Okafor', 'Nakamura', 'Silva', 'Schmidt', 'Haddad', 'Kowalski', 'Lindqvist', 'Moreau', 'Patel', 'Rossi', 'Novak', 'Ibrahim', 'Jensen', 'Garcia', 'Kim', 'Dubois', 'Byrne', 'Costa'];
const DOMAIN = 'contoso.com';

const LOCATIONS = [
  ['Redmond', 'Washington', 'US', 47.674, -122.1215], ['New York', 'New York', 'US', 40.7128, -74.006],
  ['Dublin', 'Dublin', 'IE', 53.3498, -6.2603], ['Amsterdam', 'Noord-Holland', 'NL', 52.3676, 4.9041],
  ['Paris', 'Paris', 'FR', 48.8566, 2.3522], ['Frankfurt am Main', 'Hessen', 'DE', 50.1109, 8.6821],
  ['London', 'London', 'GB', 51.5072, -0.1276], ['Singapore', 'Singapore', 'SG', 1.3521, 103.8198],
  ['Sydney', 'New South Wales', 'AU', -33.8688, 151.2093], ['Toronto', 'Ontario', 'CA', 43.6532, -79.3832],
  ['Bengaluru', 'Karnataka', 'IN', 12.9716, 77.5946], ['Sao Paulo', 'Sao Paulo', 'BR', -23.5558, -46.6396],
  ['Warsaw', 'Mazowieckie', 'PL', 52.2297, 21.0122], ['Stockholm', 'Stockholms Lan', 'SE', 59.3293, 18.0686],
];

// Well-known first-party client apps (public application IDs) used by interactive / non-interactive sign-ins.
const USER_APPS = [
  ['c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal', 'Browser'],
  ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams', 'Mobile Apps and Desktop clients'],
  ['d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office', 'Mobile Apps and Desktop clients'],
  ['04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Microsoft Azure CLI', 'Mobile Apps and Desktop clients'],
  ['1950a258-227b-4e31-a9cf-717495945fc2', 'Microsoft Azure PowerShell', 'Mobile Apps and Desktop clients'],
  ['de8bc8b5-d9f9-48b1-a8ad-b748da725064', 'Graph Explorer', 'Browser'],
  ['38aa3b87-a06d-4817-b275-7a316988d93b', 'Windows Sign In', 'Mobile Apps and Desktop clients'],
  ['29d9ed98-a469-4536-ade2-f981bc1d605e', 'Microsoft Authentication Broker', 'Mobile Apps and Desktop clients'],
  ['ab9b8c07-8f02-4f72-87fa-80105867a763', 'OneDrive SyncEngine', 'Mobile Apps and Desktop clients'],
];
const RESOURCES = [
  ['00000003-0000-0000-c000-000000000000', 'Microsoft Graph'],
  ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'],
  ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'],
  ['797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API'],
  ['cfa8b339-82a2-471a-a3c9-0fc0be7a4093', 'Azure Key Vault'],
  ['e406a681-f3d4-42a8-90b6-c2b029497af1', 'Azure Storage'],
  ['022907d3-0f1b-48f7-badc-1ba6abab6d66', 'Azure SQL Database'],
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Windows-AzureAD-Authentication-Provider/1.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.1',
];
const DEVICES = [
  ['Windows10', 'Edge 124.0.0', 'Azure AD joined'], ['Windows10', 'Chrome 124.0.0', 'Hybrid Azure AD joined'],
  ['MacOs', 'Safari 17.4', ''], ['Ios 17.4', 'Mobile Safari', ''], ['Windows10', 'Rich Client 5.2.3.0', 'Azure AD joined'],
  ['Android 14', 'Chrome Mobile 124', 'Azure AD registered'], ['Linux', 'Firefox 125.0', ''],
];
const CA_POLICY_NAMES = [
  'Require MFA for administrators', 'Block legacy authentication', 'Require compliant device for Office 365',
  'Require MFA for Azure management', 'Block access from untrusted countries', 'Sign-in risk medium and above: require MFA',
  'Require MFA for guests', 'Session: 12h sign-in frequency for unmanaged devices', 'Require app protection policy on mobile',
  'Workload identities: block outside trusted locations', 'Report-only: require phishing-resistant MFA', 'Terms of use for partners',
];
const CA_RESULTS = ['success', 'success', 'notApplied', 'notApplied', 'notApplied', 'notEnabled', 'reportOnlyNotApplied', 'reportOnlySuccess', 'failure'];

function buildTenant(rng) {
  const tenantId = rng.guid();
  const users = Array.from({ length: 4000 }, (_, i) => {
    const f = rng.pick(FIRST), l = rng.pick(LAST);
    return { id: rng.guid(), name: `${f} ${l}`, upn: `${f}.${l}${i % 97 ? i : ''}@${DOMAIN}`.toLowerCase() };
  });
  const admins = users.slice(0, 25);
  const apps = Array.from({ length: 160 }, (_, i) => {
    const name = `${rng.pick(['payroll', 'crm', 'hr', 'billing', 'backup', 'etl', 'reporting', 'ci', 'monitor', 'sync'])}-${rng.pick(['api', 'daemon', 'connector', 'worker', 'automation'])}-${rng.pick(['prod', 'dev', 'test', 'uat'])}-${i}`;
    return {
      appId: rng.guid(), objectId: rng.guid(), spId: rng.guid(), name,
      keyId: rng.guid(), thumbprint: rng.hex(40).toUpperCase(),
      credType: rng.pick(['clientSecret', 'clientSecret', 'certificate', 'clientAssertion', 'federatedIdentityCredential']),
      fic: rng.guid(),
    };
  });
  const subs = Array.from({ length: 4 }, () => rng.guid());
  const mis = Array.from({ length: 60 }, (_, i) => {
    const sub = rng.pick(subs), rg = `rg-${rng.pick(['web', 'data', 'ops', 'ml'])}-${i % 7}`;
    const userAssigned = rng.chance(0.4);
    const name = userAssigned ? `id-${rng.pick(['func', 'aks', 'vm', 'logic'])}-${i}` : `${rng.pick(['app', 'func', 'vm'])}-${rng.pick(['orders', 'search', 'ingest', 'portal'])}-${i}`;
    const provider = userAssigned ? 'Microsoft.ManagedIdentity/userAssignedIdentities' : rng.pick(['Microsoft.Web/sites', 'Microsoft.Compute/virtualMachines', 'Microsoft.Logic/workflows']);
    return {
      name, spId: rng.guid(), appId: rng.guid(), msiType: userAssigned ? 'userAssigned' : 'systemAssigned',
      resource: `/subscriptions/${sub}/resourcegroups/${rg}/providers/${provider}/${name}`,
    };
  });
  const vaults = Array.from({ length: 12 }, (_, i) => {
    const sub = rng.pick(subs).toUpperCase(), name = `kv-${rng.pick(['prod', 'shared', 'app', 'data'])}-${rng.hex(6)}-${i}`;
    return {
      name, host: `${name}.vault.azure.net`,
      resourceId: `/SUBSCRIPTIONS/${sub}/RESOURCEGROUPS/RG-SECURITY-${i % 3}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/${name.toUpperCase()}`,
      secrets: Array.from({ length: 8 }, (_, j) => `${rng.pick(['db', 'storage', 'api', 'smtp', 'sp'])}-${rng.pick(['password', 'key', 'connstring', 'secret'])}-${j}`),
    };
  });
  const resourceSp = Object.fromEntries(RESOURCES.map(([id]) => [id, rng.guid()]));
  const ips = Array.from({ length: 3000 }, () => rng.ipv4());
  const caPolicies = CA_POLICY_NAMES.map((name) => ({ id: rng.guid(), name }));
  return { tenantId, users, admins, apps, mis, vaults, resourceSp, ips, caPolicies };
}

const round4 = (x) => Math.round(x * 1e4) / 1e4;

/** Pre-serialised JSON fragments that vary between records but are too big to build per record. */
function buildFragments(rng, T) {
  const location = LOCATIONS.map(([city, state, cc, lat, lon]) => ({
    cc,
    json: JSON.stringify({ city, state, countryOrRegion: cc, geoCoordinates: { altitude: null, latitude: round4(lat + rng.int(1000) / 1e4), longitude: round4(lon + rng.int(1000) / 1e4) } }),
  }));
  const device = Array.from({ length: 400 }, () => {
    const [os, browser, trust] = rng.pick(DEVICES);
    const managed = trust !== '';
    return JSON.stringify({
      deviceId: managed ? rng.guid() : '', displayName: managed ? `LAPTOP-${rng.hex(7).toUpperCase()}` : '',
      operatingSystem: os, browser, isCompliant: managed && rng.chance(0.8), isManaged: managed, trustType: trust,
    });
  });
  const caPolicy = (p, result) => ({
    id: p.id, displayName: p.name,
    enforcedGrantControls: result === 'notEnabled' ? [] : rng.pick([['Mfa'], ['RequireCompliantDevice'], ['Block'], ['Mfa', 'RequireCompliantDevice'], []]),
    enforcedSessionControls: rng.chance(0.2) ? ['SignInFrequency'] : [],
    result,
    conditionsSatisfied: result === 'notEnabled' ? 0 : rng.pick([0, 1, 3, 7, 35]),
    conditionsNotSatisfied: result === 'notApplied' ? rng.pick([1, 2, 16, 64]) : 0,
    includeRulesSatisfied: result === 'success' ? [{ conditionalAccessCondition: 'application', ruleSatisfied: 'appId' }, { conditionalAccessCondition: 'users', ruleSatisfied: 'allUsers' }] : [],
    excludeRulesSatisfied: [],
    sessionControlsNotSatisfied: [],
    authenticationStrength: null,
  });
  // User sign-ins list every evaluated policy; 0..4 of them keeps records around 3-5 KB.
  const caUser = Array.from({ length: 64 }, () => {
    const n = rng.int(5);
    return JSON.stringify(T.caPolicies.slice(0, n).map((p) => caPolicy(p, rng.pick(CA_RESULTS))));
  });
  const caWorkload = Array.from({ length: 8 }, () => JSON.stringify(rng.chance(0.5) ? [] : [caPolicy(T.caPolicies[9], rng.pick(['success', 'notApplied', 'reportOnlyNotApplied']))]));
  const authInteractive = [
    [['Password', 'Password in the cloud', 'Primary authentication'], ['Mobile app notification', 'Microsoft Authenticator', 'MFA']],
    [['Password', 'Password Hash Sync', 'Primary authentication'], ['Previously satisfied', '', 'MFA']],
    [['FIDO2 security key', 'YubiKey 5 NFC', 'Primary authentication']],
    [['Windows Hello for Business', '', 'Primary authentication']],
    [['Password', 'Password in the cloud', 'Primary authentication']],
  ].map((steps) => timed(steps.map(([m, d, req], i) => ({
    authenticationStepDateTime: '@T@', authenticationMethod: m, authenticationMethodDetail: d, succeeded: true,
    authenticationStepResultDetail: i ? 'MFA successfully completed' : 'Correct password', authenticationStepRequirement: req
  }))));
  const authNonInteractive = [timed([{
    authenticationStepDateTime: '@T@', authenticationMethod: 'Previously satisfied', succeeded: true,
    authenticationStepResultDetail: 'First factor requirement satisfied by claim in the token', authenticationStepRequirement: 'Primary authentication'
  }])];
  const procUser = Array.from({ length: 6 }, () => JSON.stringify([
    { key: 'Legacy TLS (TLS 1.0, 1.1, 3DES)', value: 'False' },
    { key: 'Oauth Scope Info', value: JSON.stringify(rng.pick([['openid', 'profile', 'email', 'User.Read'], ['Mail.Read', 'Calendars.ReadWrite', 'offline_access'], ['user_impersonation']])) },
    { key: 'Is CAE Token', value: rng.pick(['True', 'False']) },
    { key: 'Root Key Type', value: 'Unknown' },
  ]));
  const procWorkload = [JSON.stringify([{ key: 'Azure AD App Authentication Library', value: 'Family: MSAL Library: MSAL.Python 1.28.0 Platform: Python' }, { key: 'Is CAE Token', value: 'False' }]),
    JSON.stringify([{ key: 'Azure AD App Authentication Library', value: 'Family: MSAL Library: MSAL.NET 4.60.3 Platform: .NET' }, { key: 'IsAsymmetricKeyUsed', value: 'True' }])];
  return { location, device, caUser, caWorkload, authInteractive, authNonInteractive, procUser, procWorkload };
}

const USER_STATUS = [
  [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'], [0, 'Other.'],
  [50126, 'Error validating credentials due to invalid username or password.'],
  [50074, 'Strong Authentication is required.'],
  [50140, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."],
  [53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.'],
  [70044, 'The session has expired or is invalid due to sign-in frequency checks by conditional access.'],
];
const WORKLOAD_STATUS = [
  [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null], [0, null],
  [7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.'],
  [700016, 'Application not found in the directory.'],
  [7000222, 'The provided client secret keys for app are expired.'],
];
const statusJson = (rows) => rows.map(([code, reason]) => ({
  code: String(code), reason: reason && code ? reason : '',
  json: JSON.stringify({ errorCode: code, failureReason: reason, additionalDetails: code === 50140 ? 'MFA requirement satisfied by claim in the token' : null }),
}));

// ---------------------------------------------------------------------------------------------------------------
// Record shapes.

function envelope(category, props, extra = {}) {
  return {
    time: S('time'), resourceId: S('aadResource'), operationName: S('operationName'), operationVersion: '1.0', category,
    tenantId: S('tenantId'), resultType: S('resultType'), resultSignature: 'None', resultDescription: S('resultDescription'),
    durationMs: 0, callerIpAddress: S('ip'), correlationId: S('correlationId'), identity: S('identity'), ...extra, properties: props,
  };
}

function signInShape(kind) {
  const user = kind === 'interactiveUser' || kind === 'nonInteractiveUser';
  const common = {
    id: S('id'), createdDateTime: S('created'),
    userDisplayName: user ? S('userName') : null, userPrincipalName: user ? S('upn') : null, userId: user ? S('userId') : null,
    appId: S('appId'), appDisplayName: S('appName'), ipAddress: S('ip'), status: R('status'),
    clientAppUsed: user ? S('clientApp') : undefined, userAgent: user ? S('userAgent') : '',
    deviceDetail: user ? R('device') : undefined, location: R('location'), correlationId: S('correlationId'),
    conditionalAccessStatus: S('caStatus'), appliedConditionalAccessPolicies: R('ca'),
    authenticationContextClassReferences: [], originalRequestId: S('requestId'), isInteractive: kind === 'interactiveUser',
    tokenIssuerName: '', tokenIssuerType: 'AzureAD', authenticationProcessingDetails: R('proc'), networkLocationDetails: [],
    clientCredentialType: S('credType'), processingTimeInMilliseconds: R('procMs'),
    riskDetail: 'none', riskLevelAggregated: user ? 'none' : undefined, riskLevelDuringSignIn: user ? 'none' : undefined, riskState: 'none',
    riskEventTypes: [], riskEventTypes_v2: [],
    resourceDisplayName: S('resourceName'), resourceId: S('resourceId'), resourceTenantId: S('tenantId'), homeTenantId: S('tenantId'), tenantId: S('tenantId'),
    authenticationDetails: user ? R('authDetails') : [], authenticationRequirementPolicies: [], sessionLifetimePolicies: [],
    authenticationRequirement: user ? S('authReq') : 'singleFactorAuthentication', alternateSignInName: user ? S('upn') : undefined,
    signInIdentifier: user ? S('upn') : undefined, servicePrincipalId: user ? '' : S('spId'),
    servicePrincipalName: user ? undefined : S('appName'),
    servicePrincipalCredentialKeyId: kind === 'servicePrincipal' ? S('keyId') : undefined,
    servicePrincipalCredentialThumbprint: kind === 'servicePrincipal' ? S('thumbprint') : undefined,
    federatedCredentialId: kind === 'servicePrincipal' ? S('ficId') : undefined,
    userType: user ? 'Member' : undefined, flaggedForReview: user ? false : undefined, isTenantRestricted: false,
    autonomousSystemNumber: R('asn'), crossTenantAccessType: 'none', privateLinkDetails: {}, ssoExtensionVersion: '',
    uniqueTokenIdentifier: S('uti'), authenticationStrengths: [], incomingTokenType: S('incomingToken'),
    authenticationProtocol: S('protocol'), appServicePrincipalId: null, resourceServicePrincipalId: S('resourceSpId'),
    rngcStatus: 0, signInTokenProtectionStatus: 'none', tokenProtectionStatusDetails: { signInSessionStatus: 'unbound', signInSessionStatusCode: 1002 },
    originalTransferMethod: 'none', isThroughGlobalSecureAccess: false, globalSecureAccessIpAddress: '',
    conditionalAccessAudiences: R('audiences'), sessionId: user ? S('sessionId') : '', appOwnerTenantId: S('appOwner'),
    resourceOwnerTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', agent: { agentType: 'notAgentic', parentAppId: '' },
    signInEventTypes: [kind],
    managedServiceIdentity: kind === 'managedIdentity'
      ? { msiType: S('msiType'), associatedResourceId: S('miResource'), federatedTokenId: '', federatedTokenIssuer: '' }
      : { msiType: 'none', associatedResourceId: '', federatedTokenId: '', federatedTokenIssuer: '' },
    azureResourceId: kind === 'managedIdentity' ? S('miResource') : undefined,
    mfaDetail: user ? R('mfa') : undefined,
  };
  const category = { interactiveUser: 'SignInLogs', nonInteractiveUser: 'NonInteractiveUserSignInLogs', servicePrincipal: 'ServicePrincipalSignInLogs', managedIdentity: 'ManagedIdentitySignInLogs' }[kind];
  return compile(envelope(category, common, { Level: 4, location: S('cc') }));
}

function auditShape(activity) {
  const p = activity.props;
  return compile(envelope('AuditLogs', {
    id: S('auditId'), category: p.category, correlationId: S('correlationId'), result: S('result'), resultReason: '',
    activityDisplayName: activity.name, activityDateTime: S('time'), loggedByService: 'Core Directory', operationType: p.operationType,
    userAgent: S('userAgent'), initiatedBy: R('initiatedBy'), targetResources: p.targets,
    additionalDetails: p.additionalDetails ?? [{ key: 'User-Agent', value: S('userAgent') }],
  }, { level: 'Informational' }));
}

// modifiedProperty values are JSON text inside JSON strings ("\"True\""), as in real records.
const mp = (displayName, oldValue, newValue) => ({ displayName, oldValue, newValue });
// S() slots sit inside a JSON string, so such values are JSON text escaped once more (inStr / qq).
const q = (v) => JSON.stringify(v);
const inStr = (jsonText) => JSON.stringify(jsonText).slice(1, -1);
const qq = (v) => inStr(JSON.stringify(v));

const AUDIT_ACTIVITIES = [
  { name: 'Add service principal credentials', weight: 3, props: {
    category: 'ApplicationManagement', operationType: 'Update',
    targets: [{ id: S('spId'), displayName: S('appName'), type: 'ServicePrincipal', modifiedProperties: [
      mp('KeyDescription', S('oldKeys'), S('newKeys')),
      mp('Included Updated Properties', null, q('KeyDescription')),
      mp('TargetId.ServicePrincipalNames', null, S('spNames')),
    ], administrativeUnits: [] }],
    additionalDetails: [{ key: 'User-Agent', value: S('userAgent') }, { key: 'AppId', value: S('appId') }],
  } },
  { name: 'Update application – Certificates and secrets management ', weight: 4, props: {
    category: 'ApplicationManagement', operationType: 'Update',
    targets: [{ id: S('objectId'), displayName: S('appName'), type: 'Application', modifiedProperties: [
      mp('KeyDescription', S('oldKeys'), S('newKeys')),
      mp('Included Updated Properties', null, q('KeyDescription')),
    ], administrativeUnits: [] }],
    additionalDetails: [{ key: 'User-Agent', value: S('userAgent') }, { key: 'AppId', value: S('appId') }],
  } },
  { name: 'Consent to application', weight: 2, props: {
    category: 'ApplicationManagement', operationType: 'Assign',
    targets: [{ id: S('spId'), displayName: S('appName'), type: 'ServicePrincipal', modifiedProperties: [
      mp('ConsentContext.IsAdminConsent', null, S('isAdmin')),
      mp('ConsentContext.IsAppOnly', null, q('False')),
      mp('ConsentContext.OnBehalfOfAll', null, S('isAdmin')),
      mp('ConsentContext.Tags', null, q('WindowsAzureActiveDirectoryIntegratedApp')),
      mp('ConsentAction.Permissions', null, S('permissions')),
      mp('ConsentAction.Reason', null, q('Risky application detected')),
      mp('TargetId.ServicePrincipalNames', null, S('spNames')),
    ], administrativeUnits: [] }],
  } },
  { name: 'Add delegated permission grant', weight: 2, props: {
    category: 'ApplicationManagement', operationType: 'Assign',
    targets: [{ id: S('graphSp'), displayName: 'Microsoft Graph', type: 'ServicePrincipal', modifiedProperties: [
      mp('DelegatedPermissionGrant.Scope', '', S('scopeQ')), mp('DelegatedPermissionGrant.ConsentType', '', S('consentTypeQ')),
      mp('ServicePrincipal.ObjectID', '', S('spIdQ')), mp('ServicePrincipal.DisplayName', '', S('appNameQ')),
      mp('ServicePrincipal.AppId', '', S('appIdQ')), mp('ServicePrincipal.Name', '', S('appIdQ')),
    ], administrativeUnits: [] }, { id: S('spId'), displayName: null, type: 'ServicePrincipal', modifiedProperties: [], administrativeUnits: [] }],
  } },
  { name: 'Add member to role', weight: 2, props: {
    category: 'RoleManagement', operationType: 'Assign',
    targets: [{ id: S('memberId'), displayName: null, type: S('memberType'), userPrincipalName: S('memberUpn'), modifiedProperties: [
      mp('Role.ObjectID', null, S('roleObjQ')), mp('Role.DisplayName', null, S('roleNameQ')),
      mp('Role.TemplateId', null, S('roleTplQ')), mp('Role.WellKnownObjectName', null, S('roleWkQ')),
    ], administrativeUnits: [] }, { id: S('roleObj'), displayName: null, type: 'Role', modifiedProperties: [], administrativeUnits: [] }],
  } },
  { name: 'Add owner to application', weight: 2, props: {
    category: 'ApplicationManagement', operationType: 'Add',
    targets: [{ id: S('memberId'), displayName: null, type: 'User', userPrincipalName: S('memberUpn'), modifiedProperties: [
      mp('Application.ObjectID', null, S('objectIdQ')), mp('Application.DisplayName', null, S('appNameQ')),
      mp('Application.AppId', null, S('appIdQ')),
    ], administrativeUnits: [] }, { id: S('objectId'), displayName: S('appName'), type: 'Application', modifiedProperties: [], administrativeUnits: [] }],
  } },
  { name: 'Add app role assignment to service principal', weight: 2, props: {
    category: 'ApplicationManagement', operationType: 'Assign',
    targets: [{ id: S('graphSp'), displayName: 'Microsoft Graph', type: 'ServicePrincipal', modifiedProperties: [
      mp('AppRole.Id', null, S('roleIdQ')), mp('AppRole.Value', null, S('appRoleQ')), mp('AppRole.DisplayName', null, S('appRoleDescQ')),
      mp('AppRoleAssignment.CreatedDateTime', null, S('timeQ')), mp('AppRoleAssignment.LastModifiedDateTime', null, S('timeQ')),
      mp('ServicePrincipal.ObjectID', null, S('spIdQ')), mp('ServicePrincipal.DisplayName', null, S('appNameQ')),
      mp('ServicePrincipal.AppId', null, S('appIdQ')), mp('ServicePrincipal.Name', null, S('appIdQ')),
    ], administrativeUnits: [] }, { id: S('spId'), displayName: S('appName'), type: 'ServicePrincipal', modifiedProperties: [], administrativeUnits: [] }],
  } },
  { name: 'Update user', weight: 3, props: {
    category: 'UserManagement', operationType: 'Update',
    targets: [{ id: S('memberId'), displayName: null, type: 'User', userPrincipalName: S('memberUpn'), modifiedProperties: [
      mp('LastDirSyncTime', S('timeQ'), S('timeQ')), mp('Included Updated Properties', null, q('LastDirSyncTime')),
    ], administrativeUnits: [] }],
  } },
];

const ROLES = [
  ['62e90394-69f5-4237-9190-012177145e10', 'Global Administrator', 'TenantAdmins'],
  ['9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator', ''],
  ['158c047a-c907-4556-b7ef-446551a6b5f7', 'Cloud Application Administrator', ''],
  ['e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator', ''],
];
const APP_ROLES = [['Mail.Read', 'Read mail in all mailboxes'], ['Directory.Read.All', 'Read directory data'], ['Application.ReadWrite.All', 'Read and write all applications'], ['Sites.Read.All', 'Read items in all site collections']];
const SCOPES = ['User.Read', 'openid profile offline_access User.Read', 'User.Read Mail.ReadWrite', 'Files.Read.All Sites.Read.All'];

const KV_OPS = [
  ['SecretGet', 30, 'secrets'], ['SecretList', 6, 'secrets'], ['KeySign', 6, 'keys'], ['KeyUnwrap', 8, 'keys'], ['KeyGet', 4, 'keys'],
  ['CertificateGet', 3, 'certificates'], ['VaultGet', 3, null], ['Authentication', 2, null], ['SecretSet', 1, 'secrets'], ['VaultPut', 0.3, null],
];

function keyVaultShape(identityKind) {
  const claim = identityKind === 'user'
    ? { oid: S('oid'), 'http://schemas.microsoft.com/identity/claims/objectidentifier': S('oid'), appid: S('appId'), 'http://schemas.microsoft.com/identity/claims/identityprovider': S('idp'),
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': S('upn'), unique_name: S('upn'), name: S('userName'), ipaddr: S('ip'), idtyp: 'user', appidacr: '0' }
    : { oid: S('oid'), 'http://schemas.microsoft.com/identity/claims/objectidentifier': S('oid'), appid: S('appId'), 'http://schemas.microsoft.com/identity/claims/identityprovider': S('idp'),
      idtyp: 'app', appidacr: '2', xms_mirid: S('miResource') };
  return compile({
    time: S('time'), category: 'AuditEvent', operationName: S('operationName'), resultType: S('resultType'), correlationId: S('correlationId'),
    callerIpAddress: S('ip'), identity: { claim }, properties: {
      id: S('objectUri'), clientInfo: S('clientInfo'), httpStatusCode: R('httpStatus'), requestUri: S('requestUri'),
      isAccessPolicyMatch: false, isRbacAuthorized: R('rbac'), appliedAssignmentId: S('assignmentId'), tlsVersion: 'TLS1_2',
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny' }, trustedService: '',
    },
    resourceId: S('vaultResource'), operationVersion: '7.4', resultSignature: S('resultSignature'), resultDescription: S('resultDescription'),
    durationMs: S('durationMs'), location: 'westeurope',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The record mix: ~15% audit, ~70% sign-ins (four categories), ~15% Key Vault, by record count.

export const MIX = [
  ['AuditLogs', 15], ['SignInLogs', 18], ['NonInteractiveUserSignInLogs', 30], ['ServicePrincipalSignInLogs', 14],
  ['ManagedIdentitySignInLogs', 8], ['AuditEvent', 15],
];

/** Returns next() → { category, json } producing an endless deterministic record stream. */
export function createRecordStream(seed) {
  const rng = new Rng(seed);
  const T = buildTenant(rng);
  const F = buildFragments(rng, T);
  const aadResource = `/tenants/${T.tenantId}/providers/Microsoft.aadiam`;
  const idp = `https://sts.windows.net/${T.tenantId}/`;
  const userStatus = statusJson(USER_STATUS), workloadStatus = statusJson(WORKLOAD_STATUS);
  const audiences = RESOURCES.map(([id]) => JSON.stringify([id]));
  const mfa = [JSON.stringify({ authMethod: 'PhoneAppNotification', authDetail: null }), JSON.stringify({ authMethod: null, authDetail: null }), 'null'];

  const signInT = {
    SignInLogs: signInShape('interactiveUser'), NonInteractiveUserSignInLogs: signInShape('nonInteractiveUser'),
    ServicePrincipalSignInLogs: signInShape('servicePrincipal'), ManagedIdentitySignInLogs: signInShape('managedIdentity'),
  };
  const auditT = AUDIT_ACTIVITIES.map((a) => ({ ...a, t: auditShape(a) }));
  const auditWeights = cumulative(auditT.map((a) => a.weight));
  const kvT = { user: keyVaultShape('user'), app: keyVaultShape('app') };
  const kvWeights = cumulative(KV_OPS.map((o) => o[1]));
  const mixWeights = cumulative(MIX.map((m) => m[1]));

  let now = Date.UTC(2025, 2, 3, 0, 0, 0);
  const ctx = { tenantId: T.tenantId, aadResource, idp, graphSp: T.resourceSp[RESOURCES[0][0]] };

  function stamp() {
    now += rng.int(80); // ~40 ms apart on average: a busy tenant
    const iso = new Date(now).toISOString();
    ctx.time = `${iso.slice(0, 23)}${String(rng.int(10000)).padStart(4, '0')}Z`;
    ctx.created = `${ctx.time.slice(0, -1)}+00:00`;
    ctx.correlationId = rng.guid();
  }

  function signIn(category) {
    const user = category === 'SignInLogs' || category === 'NonInteractiveUserSignInLogs';
    const loc = rng.chance(0.85) ? F.location[rng.int(4)] : rng.pick(F.location); // mostly home offices
    ctx.id = rng.guid(); ctx.requestId = ctx.id; ctx.uti = rng.b64url(22);
    ctx.ip = rng.pick(T.ips); ctx.location = loc.json; ctx.cc = loc.cc;
    ctx.asn = 8075 + rng.int(4) * 1000; ctx.procMs = 20 + rng.int(400);
    const [resourceId, resourceName] = rng.pick(RESOURCES);
    ctx.resourceId = resourceId; ctx.resourceName = resourceName; ctx.resourceSpId = T.resourceSp[resourceId];
    ctx.audiences = audiences[RESOURCES.findIndex((r) => r[0] === resourceId)];
    const st = rng.pick(user ? userStatus : workloadStatus);
    ctx.status = st.json; ctx.resultType = st.code; ctx.resultDescription = st.reason;
    if (user) {
      const u = rng.pick(T.users), [appId, appName, clientApp] = rng.pick(USER_APPS);
      ctx.userName = u.name; ctx.upn = u.upn; ctx.userId = u.id; ctx.identity = u.name;
      ctx.appId = appId; ctx.appName = appName; ctx.clientApp = clientApp; ctx.appOwner = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
      ctx.userAgent = rng.pick(USER_AGENTS); ctx.device = rng.pick(F.device); ctx.ca = rng.pick(F.caUser);
      ctx.caStatus = st.code === '53003' ? 'failure' : rng.pick(['success', 'success', 'notApplied']);
      ctx.proc = rng.pick(F.procUser); ctx.credType = 'none'; ctx.sessionId = rng.guid();
      const interactive = category === 'SignInLogs';
      ctx.authDetails = (interactive ? rng.pick(F.authInteractive) : F.authNonInteractive[0]).join(ctx.time);
      ctx.authReq = interactive && rng.chance(0.6) ? 'multiFactorAuthentication' : 'singleFactorAuthentication';
      ctx.incomingToken = interactive ? 'none' : rng.pick(['refreshToken', 'primaryRefreshToken']);
      ctx.protocol = interactive ? rng.pick(['none', 'oAuth2', 'saml20']) : 'none';
      ctx.mfa = rng.pick(mfa);
    } else if (category === 'ServicePrincipalSignInLogs') {
      const a = rng.pick(T.apps);
      ctx.appId = a.appId; ctx.appName = a.name; ctx.spId = a.spId; ctx.identity = a.name; ctx.appOwner = T.tenantId;
      ctx.keyId = a.credType === 'federatedIdentityCredential' ? '' : a.keyId;
      ctx.thumbprint = a.credType === 'certificate' || a.credType === 'clientAssertion' ? a.thumbprint : '';
      ctx.ficId = a.credType === 'federatedIdentityCredential' ? a.fic : '';
      ctx.credType = a.credType; ctx.ca = rng.pick(F.caWorkload); ctx.caStatus = 'notApplied';
      ctx.proc = rng.pick(F.procWorkload); ctx.incomingToken = 'none'; ctx.protocol = 'none';
    } else {
      const m = rng.pick(T.mis);
      ctx.appId = m.appId; ctx.appName = m.name; ctx.spId = m.spId; ctx.identity = m.name; ctx.appOwner = T.tenantId;
      ctx.msiType = m.msiType; ctx.miResource = m.resource; ctx.credType = 'managedIdentity';
      ctx.ca = '[]'; ctx.caStatus = 'notApplied'; ctx.proc = F.procWorkload[0]; ctx.incomingToken = 'none'; ctx.protocol = 'none';
      ctx.ip = `10.${rng.int(8)}.${rng.int(256)}.${1 + rng.int(254)}`;
    }
    ctx.operationName = 'Sign-in activity';
    return render(signInT[category], ctx);
  }

  function audit() {
    const a = auditT[weighted(rng, auditWeights)];
    const app = rng.pick(T.apps);
    const byApp = rng.chance(0.25); // automation (an app) rather than an admin did it
    const admin = rng.pick(T.admins);
    ctx.auditId = `Directory_${ctx.correlationId}_${rng.b64url(5).toUpperCase()}_${10000000 + rng.int(89999999)}`;
    ctx.result = rng.chance(0.97) ? 'success' : 'failure';
    ctx.userAgent = rng.pick(USER_AGENTS);
    ctx.identity = byApp ? 'Microsoft Graph Command Line Tools' : admin.upn;
    ctx.ip = byApp ? '<null>' : rng.pick(T.ips);
    ctx.initiatedBy = byApp
      ? JSON.stringify({ app: { appId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', displayName: 'Microsoft Graph Command Line Tools', servicePrincipalId: T.resourceSp[RESOURCES[0][0]], servicePrincipalName: null } })
      : JSON.stringify({ user: { id: admin.id, displayName: null, userPrincipalName: admin.upn, ipAddress: ctx.ip, roles: [] } });
    ctx.appId = app.appId; ctx.appName = app.name; ctx.spId = app.spId; ctx.objectId = app.objectId;
    ctx.appIdQ = qq(app.appId); ctx.appNameQ = qq(app.name); ctx.spIdQ = qq(app.spId); ctx.objectIdQ = qq(app.objectId);
    ctx.spNames = qq(`${app.appId};api://${app.name}`);
    ctx.timeQ = qq(ctx.time.slice(0, 19) + 'Z');
    switch (a.name) {
      case 'Add service principal credentials':
      case 'Update application – Certificates and secrets management ': {
        const key = (id, type) => `[KeyIdentifier=${id},KeyType=${type},KeyUsage=${type === 'Password' ? 'Verify' : 'Sign'},DisplayName=${type === 'Password' ? 'secret-' + rng.hex(4) : 'CN=' + app.name}]`;
        const type = rng.pick(['Password', 'Password', 'AsymmetricX509Cert']);
        const old = rng.chance(0.3) ? [] : [key(app.keyId, app.credType === 'certificate' ? 'AsymmetricX509Cert' : 'Password')];
        ctx.oldKeys = inStr(JSON.stringify(old));
        ctx.newKeys = inStr(JSON.stringify([...old, key(rng.guid(), type)]));
        break;
      }
      case 'Consent to application': {
        const admin = rng.chance(0.5);
        ctx.isAdmin = qq(admin ? 'True' : 'False');
        ctx.permissions = qq(`[] => [[Id: ${rng.b64url(43)}, ClientId: ${app.spId}, PrincipalId: ${admin ? '' : rng.pick(T.users).id}, ResourceId: ${ctx.graphSp}, ConsentType: ${admin ? 'AllPrincipals' : 'Principal'}, Scope: ${rng.pick(SCOPES)}, CreatedDateTime: , LastModifiedDateTime ]]; `);
        break;
      }
      case 'Add delegated permission grant':
        ctx.scopeQ = qq(rng.pick(SCOPES)); ctx.consentTypeQ = qq(rng.chance(0.5) ? 'AllPrincipals' : 'Principal');
        break;
      case 'Add member to role': {
        const role = rng.pick(ROLES), sp = rng.chance(0.3);
        const member = sp ? rng.pick(T.apps) : rng.pick(T.users);
        ctx.memberId = sp ? member.spId : member.id; ctx.memberType = sp ? 'ServicePrincipal' : 'User'; ctx.memberUpn = sp ? '' : member.upn;
        ctx.roleObj = role[0]; ctx.roleObjQ = qq(role[0]); ctx.roleNameQ = qq(role[1]); ctx.roleTplQ = qq(role[0]); ctx.roleWkQ = qq(role[2]);
        break;
      }
      case 'Add owner to application':
      case 'Update user': {
        const u = rng.pick(T.users);
        ctx.memberId = u.id; ctx.memberUpn = u.upn;
        break;
      }
      case 'Add app role assignment to service principal': {
        const [value, desc] = rng.pick(APP_ROLES);
        ctx.roleIdQ = qq(rng.guid()); ctx.appRoleQ = qq(value); ctx.appRoleDescQ = qq(desc);
        break;
      }
    }
    ctx.operationName = a.name; ctx.resultType = ''; ctx.resultDescription = '';
    return render(a.t, ctx);
  }

  function keyVault() {
    const [op, , kind] = KV_OPS[weighted(rng, kvWeights)];
    const v = rng.pick(T.vaults);
    const asUser = rng.chance(0.2);
    const failed = rng.chance(0.04);
    let objectUri = `https://${v.host}/`;
    if (kind === 'secrets') objectUri += `secrets/${rng.pick(v.secrets)}${op === 'SecretList' ? '' : '/' + rng.hex(32)}`;
    else if (kind) objectUri += `${kind}/${kind.slice(0, -1)}-${rng.int(6)}/${rng.hex(32)}`;
    ctx.operationName = op; ctx.objectUri = objectUri; ctx.vaultResource = v.resourceId;
    ctx.requestUri = `${op.startsWith('Vault') ? 'https://management.azure.com' + v.resourceId.toLowerCase() : objectUri}?api-version=7.4`;
    ctx.resultType = failed ? 'Forbidden' : 'Success'; ctx.resultSignature = failed ? 'Forbidden' : 'OK';
    ctx.resultDescription = failed ? 'Caller is not authorized to perform action on resource.' : '';
    ctx.httpStatus = failed ? 403 : 200; ctx.rbac = !failed; ctx.durationMs = String(1 + rng.int(120));
    ctx.assignmentId = failed ? '' : rng.guid();
    if (asUser) {
      const u = rng.pick(T.users);
      ctx.oid = u.id; ctx.upn = u.upn; ctx.userName = u.name; ctx.appId = USER_APPS[0][0]; ctx.ip = rng.pick(T.ips);
      ctx.clientInfo = rng.pick(USER_AGENTS);
      return render(kvT.user, ctx);
    }
    const m = rng.chance(0.6) ? rng.pick(T.mis) : null, a = m ? null : rng.pick(T.apps);
    ctx.oid = m ? m.spId : a.spId; ctx.appId = m ? m.appId : a.appId; ctx.miResource = m ? m.resource : '';
    ctx.ip = m ? `10.${rng.int(8)}.${rng.int(256)}.${1 + rng.int(254)}` : rng.pick(T.ips);
    ctx.clientInfo = rng.pick(['azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.4; Linux)', 'azsdk-python-keyvault-secrets/4.8.0 Python/3.11.8', 'FxVersion/8.0.424.16909 OSName/Windows']);
    return render(kvT.app, ctx);
  }

  return function next() {
    const category = MIX[weighted(rng, mixWeights)][0];
    stamp();
    if (category === 'AuditLogs') return { category, json: audit() };
    if (category === 'AuditEvent') return { category, json: keyVault() };
    return { category, json: signIn(category) };
  };
}

function cumulative(weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w) / total);
}
function weighted(rng, cum) {
  const x = rng.u32() / 4294967296;
  let i = 0;
  while (i < cum.length - 1 && x >= cum[i]) i++;
  return i;
}

// ---------------------------------------------------------------------------------------------------------------
// File writer.

/**
 * Writes records until the file reaches targetBytes.
 * format 'jsonl': one record per line. format 'records': one {"records":[...]} document, a record per line.
 * Writes to `<path>.tmp` and renames at the end, so an interrupted run never leaves a plausible-looking file.
 * Returns { bytes, records, categories }.
 */
export async function generateFile({ path, format, targetBytes, seed }) {
  const next = createRecordStream(seed);
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp, { highWaterMark: 4 << 20 });
  const categories = {};
  let bytes = 0, records = 0;
  let chunk = format === 'records' ? '{"records":[\n' : '';
  const sep = format === 'records' ? ',\n' : '\n';
  const footer = format === 'records' ? '\n]}\n' : '';

  const flush = async (str) => {
    const buf = Buffer.from(str, 'utf8');
    bytes += buf.length;
    if (!out.write(buf)) await new Promise((resolve) => out.once('drain', resolve));
  };

  try {
    // Keep going until the target is reached (the last record and the footer overshoot it slightly).
    while (bytes + Buffer.byteLength(chunk) < targetBytes || records === 0) {
      // Build ~1 MB of text at a time; Buffer conversion and write calls are per chunk, not per record.
      while (chunk.length < 1 << 20) {
        const r = next();
        chunk += (records === 0 || format === 'jsonl' ? '' : sep) + r.json + (format === 'jsonl' ? '\n' : '');
        records++;
        categories[r.category] = (categories[r.category] ?? 0) + 1;
        if (bytes + chunk.length >= targetBytes) break; // chunk.length ≤ UTF-8 bytes, so this never stops early
      }
      await flush(chunk);
      chunk = '';
    }
    await flush(footer);
    await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return { bytes, records, categories };
}

if (!isMainThread && workerData?.path) {
  generateFile(workerData).then((r) => parentPort.postMessage(r));
}
