/**
 * @module simulate/tenant
 * The simulated tenant: people, administrators, line-of-business applications with their owners, credentials,
 * redirect URIs and permissions, managed identities, key vaults, and the Microsoft and third-party apps people
 * use. Everything is invented from the seed except public facts (Microsoft appIds, permission and role ids).
 */
import { Rng } from './random.js';

export interface Place { city: string; state: string; countryOrRegion: string; latitude: number; longitude: number }

export interface SimUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** The office or home address the person usually signs in from. */
  ipAddress: string;
  place: Place;
  device: { deviceId: string; displayName: string; operatingSystem: string; browser: string; trustType: string; isCompliant: boolean; isManaged: boolean };
  userAgent: string;
}

export interface SimCredential {
  keyId: string;
  type: 'Password' | 'AsymmetricX509Cert';
  usage: 'Verify' | 'Sign';
  displayName: string;
  startDateTime: string;
  endDateTime: string;
  thumbprint?: string;
}

export interface SimApp {
  appId: string;
  /** The application object's id. */
  objectId: string;
  servicePrincipalId: string;
  displayName: string;
  owners: SimUser[];
  credentials: SimCredential[];
  redirectUris: string[];
  identifierUris: string[];
  logoutUrl?: string;
  publicClient: boolean;
  /** Microsoft Graph application permissions (app-role values) granted to it. */
  graphAppRoles: string[];
  /** The Azure addresses it signs in from. */
  ipAddresses: string[];
  vault?: SimVault;
  createdDateTime: string;
  preferredSingleSignOnMode: string | null;
  /** Signs in all day (a daemon) rather than now and then. */
  daemon: boolean;
}

export interface SimManagedIdentity {
  servicePrincipalId: string;
  appId: string;
  displayName: string;
  msiType: 'systemAssigned' | 'userAssigned';
  associatedResourceId: string;
  vault: SimVault;
  ipAddress: string;
}

export interface SimVault {
  name: string;
  /** As Key Vault diagnostic records write it: upper case. */
  resourceId: string;
  resourceGroup: string;
  secrets: string[];
}

export interface ResourceApi { appId: string; displayName: string; servicePrincipalId: string; servicePrincipalNames: string }

export interface ClientApp { appId: string; displayName: string; ownerTenantId: string; clientAppUsed: string }

export interface Tenant {
  tenantId: string;
  name: string;
  domain: string;
  /** The Log Analytics workspace id (what the `TenantId` column holds in Log Analytics rows). */
  workspaceId: string;
  subscriptionId: string;
  users: SimUser[];
  /** Application administrators: the approved actors for app changes. */
  admins: SimUser[];
  globalAdmin: SimUser;
  /** A high-profile account (the CEO). */
  executive: SimUser;
  /** A forgotten test account without MFA (the Midnight Blizzard entry point). */
  legacyTestAccount: SimUser;
  deployBot: SimApp;
  apps: SimApp[];
  managedIdentities: SimManagedIdentity[];
  vaults: SimVault[];
  resources: { graph: ResourceApi; exchange: ResourceApi; sharePoint: ResourceApi; keyVault: ResourceApi; azureManagement: ResourceApi };
  /** Microsoft apps people sign in to. */
  microsoftApps: ClientApp[];
  /** Well-known third-party SaaS apps people consent to. */
  saasApps: ClientApp[];
  officeIps: string[];
  caPolicies: { id: string; displayName: string }[];
  /** The role definition ids (tenant object ids) of the roles the simulation assigns. */
  directoryRoles: Record<string, { objectId: string; templateId: string; wellKnownObjectName: string }>;
  /** State the simulated days leave behind, for the snapshot (Graph shapes): delegated grants, app-role and role assignments beyond the apps' own. */
  state: { grants: Record<string, unknown>[]; appRoleAssignments: Record<string, unknown>[]; roleAssignments: Record<string, unknown>[] };
}

export const MICROSOFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const FIRST = ['Adele', 'Alex', 'Ben', 'Chen', 'Diego', 'Emma', 'Farah', 'Grace', 'Hiro', 'Isla', 'Jonas', 'Kara', 'Liam', 'Maya', 'Nina', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Viktor', 'Wen', 'Yara', 'Zoe', 'Lena', 'Marco', 'Aisha', 'Tomas'];
const LAST = ['Vance', 'Wilber', 'Okafor', 'Nakamura', 'Silva', 'Schmidt', 'Haddad', 'Kowalski', 'Lindqvist', 'Moreau', 'Patel', 'Rossi', 'Novak', 'Ibrahim', 'Jensen', 'Garcia', 'Kim', 'Dubois', 'Byrne', 'Costa'];
const PLACES: Place[] = [
  { city: 'Paris', state: 'Paris', countryOrRegion: 'FR', latitude: 48.8566, longitude: 2.3522 },
  { city: 'Lyon', state: 'Auvergne-Rhone-Alpes', countryOrRegion: 'FR', latitude: 45.764, longitude: 4.8357 },
  { city: 'Amsterdam', state: 'Noord-Holland', countryOrRegion: 'NL', latitude: 52.3676, longitude: 4.9041 },
  { city: 'Dublin', state: 'Dublin', countryOrRegion: 'IE', latitude: 53.3498, longitude: -6.2603 },
  { city: 'London', state: 'London', countryOrRegion: 'GB', latitude: 51.5072, longitude: -0.1276 },
];
const DEVICES = [
  { operatingSystem: 'Windows10', browser: 'Edge 130.0.0', trustType: 'Azure AD joined', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0' },
  { operatingSystem: 'Windows10', browser: 'Chrome 130.0.0', trustType: 'Hybrid Azure AD joined', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' },
  { operatingSystem: 'MacOs', browser: 'Safari 18.0', trustType: '', ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15' },
  { operatingSystem: 'Ios 18.0', browser: 'Mobile Safari', trustType: '', ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148' },
];
const APP_NAMES = ['Payroll-Sync', 'HR-Portal', 'Expense-Reports', 'CRM-Connector', 'Backup-Agent', 'Reporting-ETL', 'Invoice-Archive', 'Badge-System', 'Intranet', 'Ticketing-Bridge', 'Contract-Vault', 'Fleet-Tracker', 'Learning-Hub', 'Recruiting-Feed', 'Travel-Booking', 'Warehouse-API', 'Quality-Dashboard', 'Legal-Holds', 'Procurement', 'Facilities'];
const GRAPH_READ_ROLES = ['User.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Sites.Read.All', 'Reports.Read.All', 'Calendars.Read', 'Mail.Send'];

/** Microsoft Graph application permissions: value → app-role id (public facts). */
export const GRAPH_APP_ROLE_IDS: Readonly<Record<string, string>> = {
  'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
  'AppRoleAssignment.ReadWrite.All': '06b708a9-e830-4db3-a914-8e69da51d44f',
  'AuditLog.Read.All': 'b0afded3-3588-46d8-8b3d-9842eff778da',
  'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Files.Read.All': '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b',
  'Mail.Read': '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
  'Mail.ReadWrite': 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
  'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
  'Reports.Read.All': '230c1aed-a721-4c5d-9cb4-a90514e508ef',
  'RoleManagement.ReadWrite.Directory': '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
  'Sites.Read.All': '332a536c-c7ef-4017-ab91-336970924f0d',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
};
/** Exchange Online's `full_access_as_app` app role (EWS access to every mailbox). */
export const EXCHANGE_FULL_ACCESS_ROLE_ID = 'dc890d15-9560-4a4c-9b7f-a736ec74ec40';

const ROLES: Record<string, { templateId: string; wellKnownObjectName: string }> = {
  'Global Administrator': { templateId: '62e90394-69f5-4237-9190-012177145e10', wellKnownObjectName: 'TenantAdmins' },
  'Application Administrator': { templateId: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', wellKnownObjectName: 'ApplicationAdministrator' },
  'Privileged Role Administrator': { templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814', wellKnownObjectName: 'PrivilegedRoleAdmins' },
  'Exchange Administrator': { templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de', wellKnownObjectName: 'ExchangeServiceAdministrator' },
  'Directory Readers': { templateId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', wellKnownObjectName: 'DirectoryReaders' },
  'Reports Reader': { templateId: '4a5d8f65-41da-4de4-8968-e035b65339cf', wellKnownObjectName: 'ReportsReader' },
};

/** Documentation address ranges (RFC 5737) for people; Azure-like public ranges for workloads. */
function officeIp(i: number): string { return `203.0.113.${10 + i}`; }
function homeIp(rng: Rng): string { return `198.51.100.${rng.between(20, 250)}`; }
function azureIp(rng: Rng): string { return `${rng.pick(['20.50', '20.61', '40.113', '52.178'])}.${rng.int(256)}.${rng.between(1, 254)}`; }

function makeUser(rng: Rng, index: number, domain: string, officeIps: string[], given?: string, family?: string, alias?: string): SimUser {
  const first = given ?? rng.pick(FIRST);
  const last = family ?? rng.pick(LAST);
  const upnLocal = alias ?? `${first}.${last}${index}`.toLowerCase();
  const atHome = rng.chance(0.3);
  const d = rng.pick(DEVICES);
  const managed = d.trustType !== '';
  return {
    id: rng.guid(),
    displayName: `${first} ${last}`,
    userPrincipalName: `${upnLocal}@${domain}`,
    ipAddress: atHome ? homeIp(rng) : rng.pick(officeIps),
    place: PLACES[atHome ? rng.int(PLACES.length) : 0]!,
    device: {
      deviceId: managed ? rng.guid() : '', displayName: managed ? `CONTOSO-${rng.hex(6).toUpperCase()}` : '',
      operatingSystem: d.operatingSystem, browser: d.browser, trustType: d.trustType, isCompliant: managed, isManaged: managed,
    },
    userAgent: d.ua,
  };
}

function iso(ms: number): string { return new Date(ms).toISOString().replace('.000Z', 'Z'); }

function credential(rng: Rng, type: SimCredential['type'], displayName: string, startMs: number, years: number): SimCredential {
  return {
    keyId: rng.guid(), type, usage: 'Verify', displayName,
    startDateTime: iso(startMs), endDateTime: iso(startMs + years * 365 * 86_400_000),
    ...(type === 'AsymmetricX509Cert' ? { thumbprint: rng.hex(40).toUpperCase() } : {}),
  };
}

export interface TenantOptions { users: number; apps: number; startMs: number }

export function buildTenant(rng: Rng, options: TenantOptions): Tenant {
  const domain = 'contoso.com';
  const tenantId = rng.guid();
  const officeIps = [0, 1, 2].map((i) => officeIp(i));
  const users: SimUser[] = [];
  const named = (given: string, family: string, alias: string): SimUser => {
    const u = makeUser(rng, users.length, domain, officeIps, given, family, alias);
    users.push(u);
    return u;
  };
  const globalAdmin = named('Grace', 'Moreau', 'grace.moreau');
  const admins = [named('Alice', 'Nakamura', 'alice.nakamura'), named('Omar', 'Haddad', 'omar.haddad'), named('Lena', 'Lindqvist', 'lena.lindqvist')];
  const executive = named('Maya', 'Costa', 'ceo');
  const legacyTestAccount = named('Test', 'Account', 'svc-test-legacy');
  while (users.length < Math.max(options.users, users.length)) users.push(makeUser(rng, users.length, domain, officeIps));

  const vaults: SimVault[] = ['kv-payroll-prod', 'kv-hr-prod', 'kv-shared-prod'].map((name) => {
    const resourceGroup = `rg-${name.split('-')[1]}`;
    return {
      name, resourceGroup,
      resourceId: '', // filled below once the subscription exists
      secrets: ['db-password', 'storage-key', 'api-key', 'smtp-password', 'signing-cert'].map((s) => `${name.split('-')[1]}-${s}`),
    };
  });
  const subscriptionId = rng.guid();
  for (const v of vaults) {
    v.resourceId = `/SUBSCRIPTIONS/${subscriptionId}/RESOURCEGROUPS/${v.resourceGroup}/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/${v.name}`.toUpperCase();
  }

  const appCreated = options.startMs - 400 * 86_400_000;
  const makeApp = (displayName: string, index: number, daemon: boolean): SimApp => {
    const slug = displayName.toLowerCase();
    const publicClient = !daemon && rng.chance(0.3);
    const certificate = rng.chance(0.4);
    const credStart = options.startMs - rng.between(30, 300) * 86_400_000;
    return {
      appId: rng.guid(), objectId: rng.guid(), servicePrincipalId: rng.guid(), displayName,
      owners: [admins[index % admins.length]!],
      credentials: daemon ? [credential(rng, certificate ? 'AsymmetricX509Cert' : 'Password', certificate ? `CN=${slug}` : `${slug}-secret`, credStart, 1)] : [],
      redirectUris: publicClient ? ['http://localhost', `ms-appx-web://microsoft.aad.brokerplugin/${rng.guid()}`] : [`https://${slug}.${domain}/signin-oidc`],
      identifierUris: [`api://${slug}`],
      logoutUrl: publicClient ? undefined : `https://${slug}.${domain}/signout-oidc`,
      publicClient,
      graphAppRoles: daemon ? [rng.pick(GRAPH_READ_ROLES), ...(rng.chance(0.3) ? [rng.pick(GRAPH_READ_ROLES)] : [])].filter((v, i, a) => a.indexOf(v) === i) : [],
      ipAddresses: [azureIp(rng), azureIp(rng)],
      vault: daemon ? vaults[index % vaults.length] : undefined,
      createdDateTime: iso(appCreated + index * 86_400_000),
      preferredSingleSignOnMode: !daemon && !publicClient && rng.chance(0.3) ? 'saml' : null,
      daemon,
    };
  };
  const apps: SimApp[] = [];
  for (let i = 0; i < options.apps; i++) {
    const base = APP_NAMES[i % APP_NAMES.length]!;
    const name = i < APP_NAMES.length ? base : `${base}-${Math.floor(i / APP_NAMES.length) + 1}`;
    apps.push(makeApp(name, i, i % 2 === 0));
  }
  const deployBot = makeApp('Deploy-Pipeline', apps.length, true);
  deployBot.graphAppRoles = ['Application.ReadWrite.All'];
  deployBot.owners = [globalAdmin];

  const managedIdentities: SimManagedIdentity[] = vaults.map((vault, i) => {
    const name = `${vault.name.split('-')[1]}-fn`;
    return {
      servicePrincipalId: rng.guid(), appId: rng.guid(), displayName: name, msiType: i === 2 ? 'userAssigned' : 'systemAssigned',
      associatedResourceId: `/subscriptions/${subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.Web/sites/${name}`,
      vault, ipAddress: azureIp(rng),
    };
  });

  const resource = (appId: string, displayName: string, names: string): ResourceApi => ({ appId, displayName, servicePrincipalId: rng.guid(), servicePrincipalNames: names });
  const directoryRoles: Tenant['directoryRoles'] = {};
  for (const [name, role] of Object.entries(ROLES)) directoryRoles[name] = { objectId: rng.guid(), ...role };
  return {
    tenantId, name: 'Contoso', domain, workspaceId: rng.guid(), subscriptionId,
    users, admins, globalAdmin, executive, legacyTestAccount, deployBot, apps, managedIdentities, vaults,
    resources: {
      graph: resource('00000003-0000-0000-c000-000000000000', 'Microsoft Graph', '00000003-0000-0000-c000-000000000000/ags.windows.net;00000003-0000-0000-c000-000000000000;https://graph.microsoft.com;https://graph.microsoft.com/'),
      exchange: resource('00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online', '00000002-0000-0ff1-ce00-000000000000;https://outlook.office365.com;https://outlook.office365.com/'),
      sharePoint: resource('00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online', '00000003-0000-0ff1-ce00-000000000000;https://microsoft.sharepoint-df.com'),
      keyVault: resource('cfa8b339-82a2-471a-a3c9-0fc0be7a4093', 'Azure Key Vault', 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093;https://vault.azure.net'),
      azureManagement: resource('797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API', '797f4846-ba00-4fd7-ba43-dac1f8f63013;https://management.core.windows.net/'),
    },
    microsoftApps: [
      { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', displayName: 'Microsoft Teams', ownerTenantId: MICROSOFT_TENANT, clientAppUsed: 'Mobile Apps and Desktop clients' },
      { appId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c', displayName: 'Microsoft Office', ownerTenantId: MICROSOFT_TENANT, clientAppUsed: 'Mobile Apps and Desktop clients' },
      { appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online', ownerTenantId: MICROSOFT_TENANT, clientAppUsed: 'Browser' },
      { appId: '4765445b-32c6-49b0-83e6-1d93765276ca', displayName: 'OfficeHome', ownerTenantId: MICROSOFT_TENANT, clientAppUsed: 'Browser' },
      { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', displayName: 'Azure Portal', ownerTenantId: MICROSOFT_TENANT, clientAppUsed: 'Browser' },
    ],
    saasApps: [
      { appId: rng.guid(), displayName: 'Zoom', ownerTenantId: rng.guid(), clientAppUsed: 'Browser' },
      { appId: rng.guid(), displayName: 'Miro', ownerTenantId: rng.guid(), clientAppUsed: 'Browser' },
      { appId: rng.guid(), displayName: 'Adobe Acrobat', ownerTenantId: rng.guid(), clientAppUsed: 'Browser' },
      { appId: rng.guid(), displayName: 'Calendly', ownerTenantId: rng.guid(), clientAppUsed: 'Browser' },
    ],
    officeIps,
    caPolicies: ['Require MFA for all users', 'Block legacy authentication', 'Require compliant device for Office 365', 'Require MFA for Azure management']
      .map((displayName) => ({ id: rng.guid(), displayName })),
    directoryRoles,
    state: { grants: [], appRoleAssignments: [], roleAssignments: [] },
  };
}
