/**
 * @module posture/checks
 * What is risky in the tenant now, from an inventory snapshot (no logs): each finding in the alert shape
 * (docs/contracts.md) with `rule.source: "posture"`, so every output format serves both. docs/posture.md describes
 * each check (id, severity, guide row, what it reads, how to fix). Three families:
 * - applications and service principals: credentials (lifetime against the tenant's app management policy or
 *   appwatch.yaml, expired, expiring, secrets where a certificate would do, credentials on Microsoft's own service
 *   principals), privileges (application permissions, all-users grants, privileged roles) and what makes them
 *   reachable (owners, multi-tenant audience, fallback public client, no instance lock), URIs (redirect, duplicate,
 *   app ID URI, sign-out URL);
 * - tenant controls: Conditional Access against device code and ROPC, the user consent policy, risk-based consent;
 * - completeness: every collection gap, and every check whose data is not in the snapshot, is a finding, so an
 *   incomplete snapshot never reads as a clean tenant.
 * Values in summaries come from the tenant (an app names itself): they are embedded as values, never interpreted;
 * the output formats make them inert.
 */
import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import { classifyPermission, findRole } from '../enrich/catalogue.js';
import { isFirstParty } from '../enrich/app-names.js';
import { uriFlags } from '../enrich/uris.js';
import type { DnsVerdict } from '../enrich/dns.js';
import type { Severity } from '../model/severity.js';
import { appRoleIndex } from './app-roles.js';
import { LifetimePolicies, privilegesBySp, type CollectionGap, type InventorySnapshot, type LifetimePolicy, type Privilege } from './snapshot.js';

type Json = Record<string, unknown>;
const DAY = 86_400_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface Check { id: string; title: string; level: Severity; guideRows: number[]; fix: string }

export const CHECKS = {
  lifetime: { id: 'posture-credential-lifetime', title: 'Credential valid longer than the lifetime policy', level: 'medium', guideRows: [2], fix: 'Replace it with a credential within policy (a certificate or a federated credential where possible) and remove this one.' },
  expired: { id: 'posture-credential-expired', title: 'Expired credential still on the application', level: 'low', guideRows: [2], fix: 'Remove expired credentials so the app lists only what it uses.' },
  expiring: { id: 'posture-credential-expiring', title: 'Credential about to expire', level: 'low', guideRows: [2], fix: 'Roll it over before it expires (add the new credential, deploy it, then remove the old one) so nobody adds one in a hurry outside the change process.' },
  secretInsteadOfCertificate: { id: 'posture-secret-instead-of-certificate', title: 'Client secret on an app that signs in as itself', level: 'low', guideRows: [1], fix: 'Use a certificate (kept in a key vault or HSM) or a federated credential (workload identity federation, managed identity) and remove the secret.' },
  firstPartyCredential: { id: 'posture-first-party-credential', title: 'Credential on a Microsoft first-party service principal', level: 'high', guideRows: [1], fix: "Find who added it and why (audit log 'Add service principal credentials'); unless it is a configuration you recognise, such as the Exchange hybrid certificate, remove it and investigate." },
  applicationPermission: { id: 'posture-application-permission', title: 'Service principal holds a high-privilege application permission', level: 'high', guideRows: [4, 6], fix: 'Check the app needs each permission without a user; remove the assignment or replace it with a narrower permission (Sites.Selected, Mail with an application access policy, …).' },
  allUsersGrant: { id: 'posture-all-users-grant', title: 'High-privilege delegated permission granted for all users', level: 'high', guideRows: [8], fix: 'Check the app needs these scopes for everyone; revoke the grant or narrow it to the users who need it.' },
  privilegedRole: { id: 'posture-privileged-role', title: 'Service principal holds a privileged directory role', level: 'high', guideRows: [3], fix: 'Give the app the least role it needs (or an application permission) and remove the privileged role.' },
  ownerOfPrivilegedApp: { id: 'posture-owner-of-privileged-app', title: 'Owner of an application that holds high privileges', level: 'high', guideRows: [17], fix: 'Remove owners who are not administrators of the app; an owner can add a credential and act as the app. Manage privileged apps through a role (Application Administrator) with PIM instead.' },
  multiTenantPrivileged: { id: 'posture-multi-tenant-privileged', title: 'Multi-tenant application holds high privileges', level: 'high', guideRows: [4], fix: 'Make the app single-tenant (signInAudience AzureADMyOrg) unless other tenants must use it; keep privileged permissions on a single-tenant app.' },
  danglingRedirectUri: { id: 'posture-dangling-redirect-uri', title: 'Redirect URI on a host anyone can claim', level: 'high', guideRows: [14, 15], fix: 'Remove the redirect URI now (whoever registers the name receives the app\'s tokens and codes), or re-create the resource that owned the name.' },
  redirectUri: { id: 'posture-redirect-uri', title: 'Risky redirect URI on an application', level: 'medium', guideRows: [15], fix: 'Use HTTPS URIs, without wildcards, on domains the tenant has verified; remove the others.' },
  duplicateRedirectUri: { id: 'posture-duplicate-redirect-uri', title: 'Same redirect URI on several applications', level: 'low', guideRows: [15], fix: 'Give each application its own redirect URIs; remove the URI from the apps that do not serve it.' },
  identifierUri: { id: 'posture-identifier-uri', title: 'Application ID URI on an unverified domain', level: 'medium', guideRows: [16], fix: 'Use api://<appId> or a URI on a domain the tenant has verified; remove the others.' },
  noLogoutUrl: { id: 'posture-no-logout-url', title: 'Web application without a sign-out URL', level: 'low', guideRows: [18], fix: "Set the app's front-channel sign-out URL so signing out of Microsoft Entra ends its session too." },
  fallbackPublicClient: { id: 'posture-fallback-public-client', title: 'Public client flows allowed on an app with application permissions', level: 'medium', guideRows: [12, 13], fix: "Set 'Allow public client flows' (isFallbackPublicClient) to No unless the app is a native client that needs ROPC or device code; keep application permissions on a confidential client." },
  noLockConfiguration: { id: 'posture-no-lock-configuration', title: 'Privileged or multi-tenant app without app instance property lock', level: 'low', guideRows: [1], fix: 'Enable app instance property lock (servicePrincipalLockConfiguration: isEnabled and allProperties) so credentials cannot be added to its service principals.' },
  deviceCodeNotBlocked: { id: 'posture-device-code-not-blocked', title: 'No Conditional Access policy blocks the device code flow', level: 'medium', guideRows: [13], fix: 'Add an enabled Conditional Access policy with Authentication flows → Device code flow and Block access, excluding only the devices or users that need it.' },
  ropcNotRestricted: { id: 'posture-ropc-not-restricted', title: 'No Conditional Access policy stops ROPC sign-ins', level: 'medium', guideRows: [12], fix: 'Enforce an enabled Conditional Access policy for all users and all resources that requires MFA (ROPC cannot satisfy it) or blocks, and turn off public client flows on apps that do not need them.' },
  userConsentUnrestricted: { id: 'posture-user-consent-unrestricted', title: 'Users may consent to any application', level: 'high', guideRows: [10], fix: "Set user consent to 'Allow user consent for apps from verified publishers, for selected permissions' (microsoft-user-default-low) or turn it off, with the admin consent workflow for the rest." },
  riskyConsentNotBlocked: { id: 'posture-risky-consent-not-blocked', title: 'Risk-based step-up consent is turned off', level: 'medium', guideRows: [11], fix: "Set BlockUserConsentForRiskyApps to true in the 'Consent Policy Settings' directory setting." },
  collectionIncomplete: { id: 'posture-collection-incomplete', title: 'Part of the tenant could not be collected', level: 'medium', guideRows: [], fix: 'Give the collector the permission or licence it lacks (or retry later when throttled) and collect again; until then, treat what depends on it as unknown.' },
  checkNotRun: { id: 'posture-check-not-run', title: 'Posture check could not run on this snapshot', level: 'medium', guideRows: [], fix: 'Collect the snapshot again with appwatch collect inventory (with the permissions the gap names) so the check can run.' },
} as const satisfies Record<string, Check>;

export interface PostureOptions {
  policy: LifetimePolicy;
  now: number;
  file: string;
  detectedAt: string;
  /** Credentials expiring within this many days of `now` are reported (default 30). */
  expiringWithinDays?: number;
  /** With `--dns`: the verdict for each redirect URI host (lower case), from enrich/dns.ts. */
  dns?: ReadonlyMap<string, DnsVerdict>;
}

/** Hosts of the tenant's web redirect URIs worth a DNS check (not loopback, not IP literals). */
export function redirectHosts(snapshot: InventorySnapshot): string[] {
  const hosts = new Set<string>();
  for (const app of snapshot.applications) {
    for (const uri of ['web', 'spa'].flatMap((k) => strings((app[k] as Json | undefined)?.redirectUris))) {
      const info = uriFlags(uri);
      if (info.host && /^https?:\/\//i.test(uri) && !info.flags.includes('localhost') && !info.flags.includes('ip-literal') && !info.flags.includes('wildcard')) hosts.add(info.host.toLowerCase());
    }
  }
  return [...hosts].sort();
}

/** Microsoft's own tenants (first-party applications are registered there). */
const MICROSOFT_TENANTS = new Set(['f8cdef31-a31e-4b4a-93e4-5f571e91255a', '72f988bf-86f1-41af-91ab-2d7cd011db47']);
/** Roles that can already add credentials to every application: an owner holding one gains nothing by owning. */
const APP_MANAGING_ROLES = new Set([
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
]);
const MULTI_TENANT_AUDIENCES = new Set(['azureadmultipleorgs', 'azureadandpersonalmicrosoftaccount']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LEGACY_USER_CONSENT = 'managepermissiongrantsforself.microsoft-user-default-legacy';
const CONSENT_SETTINGS_TEMPLATE = 'dffd5d46-495d-40a9-8e21-954ff55e198a';

interface Evidence { kind: string; id: string; index: number }

/**
 * The data each check reads beyond applications and service principals: `sole`, the checks it is the whole input
 * of (they cannot run without it), `partial`, the checks it is one input of (they run, and may miss findings).
 * When a source is not in the snapshot, or the collector recorded a gap for it, a finding says which.
 */
const SOURCES: { keys: string[]; sole: Check[]; partial: Check[] }[] = [
  { keys: ['appRoleAssignments'], sole: [CHECKS.applicationPermission, CHECKS.fallbackPublicClient], partial: [CHECKS.secretInsteadOfCertificate, CHECKS.ownerOfPrivilegedApp, CHECKS.multiTenantPrivileged, CHECKS.noLockConfiguration] },
  { keys: ['oauth2PermissionGrants'], sole: [CHECKS.allUsersGrant], partial: [CHECKS.ownerOfPrivilegedApp, CHECKS.multiTenantPrivileged, CHECKS.noLockConfiguration] },
  { keys: ['roleAssignments'], sole: [CHECKS.privilegedRole], partial: [CHECKS.secretInsteadOfCertificate, CHECKS.ownerOfPrivilegedApp, CHECKS.multiTenantPrivileged, CHECKS.noLockConfiguration] },
  { keys: ['roleEligibilitySchedules'], sole: [], partial: [CHECKS.ownerOfPrivilegedApp, CHECKS.multiTenantPrivileged, CHECKS.noLockConfiguration] },
  { keys: ['owners'], sole: [CHECKS.ownerOfPrivilegedApp], partial: [] },
  { keys: ['domains'], sole: [CHECKS.identifierUri], partial: [CHECKS.redirectUri] },
  { keys: ['conditionalAccessPolicies'], sole: [CHECKS.deviceCodeNotBlocked, CHECKS.ropcNotRestricted], partial: [] },
  { keys: ['authorizationPolicy'], sole: [CHECKS.userConsentUnrestricted], partial: [] },
  { keys: ['directorySettings'], sole: [CHECKS.riskyConsentNotBlocked], partial: [] },
  // Without the tenant's app management policies the lifetime check still runs, on appwatch.yaml's limits.
  { keys: ['defaultAppManagementPolicy', 'appManagementPolicies', 'appManagementPolicyTargets'], sole: [], partial: [CHECKS.lifetime] },
];
const POLICY_KEYS = new Set(['conditionalAccessPolicies', 'authorizationPolicy', 'directorySettings', 'defaultAppManagementPolicy', 'appManagementPolicies', 'appManagementPolicyTargets']);

/** A gap that says the feature is not licensed: there is nothing to collect, not something missed. */
const notLicensed = (g: CollectionGap): boolean => /licen[cs]e/i.test(`${g.code ?? ''} ${g.reason ?? ''}`);

/** Gaps about one snapshot key: the key itself, or a path or sub-resource of it ('owners/…', 'owners:…'). */
function gapsFor(gaps: readonly CollectionGap[], key: string): CollectionGap[] {
  const re = new RegExp(`(^|[^a-z])${key}($|[^a-z])`, 'i');
  return gaps.filter((g) => typeof g?.resource === 'string' && re.test(g.resource));
}

function sourcePresent(snapshot: InventorySnapshot, key: string): boolean {
  if (key === 'owners') return snapshot.owners !== undefined;
  if (POLICY_KEYS.has(key)) return (snapshot.policies as Record<string, unknown> | undefined)?.[key] !== undefined;
  return !(snapshot.absentKeys ?? []).includes(key);
}

const gapText = (g: CollectionGap): string => `${[g.status, g.code].filter((x) => x !== undefined && x !== '').join(' ')}${g.status !== undefined || g.code ? ': ' : ''}${g.reason ?? 'no reason given'}`;

export function postureFindings(snapshot: InventorySnapshot, options: PostureOptions): Alert[] {
  const findings: Alert[] = [];
  const time = options.now > 0 ? new Date(options.now).toISOString() : options.detectedAt;
  const finding = (check: Check, key: string, summary: string, entities: Alert['entities'], evidence: Evidence | Evidence[], fields: Record<string, unknown[]>, moved?: { severity: Severity; reason: string }): void => {
    findings.push({
      id: createHash('sha256').update(`${check.id}\u0000${key}`).digest('hex').slice(0, 32),
      time, detectedAt: options.detectedAt, severity: moved?.severity ?? check.level,
      rule: { id: check.id, title: check.title, level: check.level, author: 'appwatch', source: 'posture', references: ['https://learn.microsoft.com/entra/architecture/security-operations-applications'], tags: check.guideRows.map((r) => `appwatch.guide-row.${r}`), guideRows: check.guideRows, repairs: [] },
      summary: `${summary} Fix: ${check.fix}`,
      entities, context: { flags: [], severityReasons: [`check level ${check.level}`, ...(moved ? [moved.reason] : [])] },
      evidence: (Array.isArray(evidence) ? evidence : [evidence]).map((e) => ({ kind: e.kind, id: e.id, time, origin: { source: 'file', format: 'graph', file: options.file, index: e.index } })),
      fields,
    });
  };
  const now = options.now;
  const expiringMs = (options.expiringWithinDays ?? 30) * DAY;
  const gaps = snapshot.gaps.filter((g): g is CollectionGap => isObject(g));
  const spById = new Map(snapshot.servicePrincipals.map((sp) => [str(sp.id)?.toLowerCase(), sp]));
  const spByAppId = new Map(snapshot.servicePrincipals.map((sp) => [str(sp.appId)?.toLowerCase(), sp]));
  const privileges = privilegesBySp(snapshot, appRoleIndex(snapshot));
  const lifetimes = new LifetimePolicies(snapshot, options.policy);
  const verified = snapshot.domains.filter((d) => d.isVerified === true).map((d) => String(d.id).toLowerCase());
  const onVerified = (host: string): boolean => verified.some((d) => host === d || host.endsWith(`.${d}`));
  const spEntity = (sp: Json): Alert['entities'] => ({ servicePrincipal: { ...(str(sp.id) ? { id: str(sp.id)! } : {}), displayName: str(sp.displayName) ?? str(sp.appId) ?? '?', ...(str(sp.appId) ? { appId: str(sp.appId)! } : {}) } });
  const spRef = (sp: Json): string => `'${str(sp.displayName) ?? str(sp.appId) ?? str(sp.id) ?? '?'}' (appId ${str(sp.appId) ?? '?'})`;
  const privilegeText = (p: Privilege): string => p.kind === 'application' ? `${p.name} (application${p.resource ? `, ${p.resource}` : ''})`
    : p.kind === 'delegated' ? `${p.name} (delegated for all users${p.resource ? `, ${p.resource}` : ''})`
    : `${p.name} (${p.kind === 'role' ? 'directory role' : 'eligible directory role'})`;
  const describe = (ps: readonly Privilege[]): string => [...new Set(ps.map(privilegeText))].join(', ');

  // Directory roles of every principal, to know which owners already manage every application anyway.
  const definitions = new Map<string, Json>();
  for (const d of snapshot.roleDefinitions) for (const id of [str(d.id), str(d.templateId)]) if (id) definitions.set(id.toLowerCase(), d);
  const appManagers = new Set<string>();
  for (const a of snapshot.roleAssignments) {
    const definitionId = str(a.roleDefinitionId)?.toLowerCase() ?? '';
    const templateId = str(definitions.get(definitionId)?.templateId)?.toLowerCase() ?? definitionId;
    if (APP_MANAGING_ROLES.has(templateId) && str(a.principalId)) appManagers.add(str(a.principalId)!.toLowerCase());
  }

  // Indexed once: tenants have tens of thousands of applications and assignments.
  const byPrincipal = (items: readonly Json[]): Map<string, Json[]> => {
    const out = new Map<string, Json[]>();
    for (const item of items) {
      const principal = str(item.principalId)?.toLowerCase();
      if (!principal) continue;
      const group = out.get(principal) ?? [];
      group.push(item);
      out.set(principal, group);
    }
    return out;
  };
  const assignmentsByPrincipal = byPrincipal(snapshot.appRoleAssignments.filter((a) => (str(a.principalType) ?? 'ServicePrincipal') === 'ServicePrincipal'));
  const rolesByPrincipal = byPrincipal(snapshot.roleAssignments);
  const redirectUsers = new Map<string, { uri: string; apps: { app: Json; index: number }[] }>();

  snapshot.applications.forEach((app, index) => {
    const name = str(app.displayName) ?? str(app.appId) ?? str(app.id) ?? '?';
    const entity = { application: { ...(str(app.id) ? { id: str(app.id)! } : {}), displayName: name, ...(str(app.appId) ? { appId: str(app.appId)! } : {}) } };
    const ref = `'${name}' (appId ${str(app.appId) ?? '?'})`;
    const evidence: Evidence = { kind: 'application', id: String(app.id ?? ''), index };
    const sp = spByAppId.get(str(app.appId)?.toLowerCase());
    const ssoMode = str(sp?.preferredSingleSignOnMode) ?? (sp ? 'none' : 'no-service-principal');
    const held = sp ? privileges.get(str(sp.id)?.toLowerCase() ?? '') ?? [] : [];
    const spId = str(sp?.id)?.toLowerCase();
    const assignments = (spId ? assignmentsByPrincipal.get(spId) : undefined) ?? [];
    const activeRoles = (spId ? rolesByPrincipal.get(spId) : undefined) ?? [];
    const web = isObject(app.web) ? app.web : {};
    const publicClient = app.isFallbackPublicClient === true || strings((app.publicClient as Json | undefined)?.redirectUris).length > 0;
    const multiTenant = MULTI_TENANT_AUDIENCES.has(String(app.signInAudience ?? '').toLowerCase());

    // Credentials: lifetime against the policy that applies, expired, expiring.
    const liveSecrets: string[] = [];
    for (const [listKey, type] of [['passwordCredentials', 'password'], ['keyCredentials', 'certificate']] as const) {
      for (const c of list(app[listKey])) {
        const start = Date.parse(String(c.startDateTime));
        const end = Date.parse(String(c.endDateTime));
        const keyId = str(c.keyId) ?? '?';
        const label = `${type} '${str(c.displayName) ?? keyId}'`;
        if (type === 'password' && !(now > 0 && Number.isFinite(end) && end < now)) liveSecrets.push(str(c.displayName) ?? keyId);
        if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
        const days = Math.round((end - start) / DAY);
        const limit = lifetimes.limit(app, 'application', type);
        if (days > limit.days) {
          finding(CHECKS.lifetime, `${app.id}/${keyId}`, `${label} on ${ref} is valid ${days} days, until ${day(end)} (policy ${Number(limit.days.toFixed(2))} days, from ${limit.source}).`, entity, evidence, { keyId: [keyId], lifetimeDays: [days], policyDays: [limit.days], policySource: [limit.source], preferredSingleSignOnMode: [ssoMode] });
        }
        if (now > 0 && end < now) {
          finding(CHECKS.expired, `${app.id}/${keyId}`, `${label} on ${ref} expired on ${day(end)}.`, entity, evidence, { keyId: [keyId] });
        } else if (now > 0 && end - now <= expiringMs) {
          finding(CHECKS.expiring, `${app.id}/${keyId}`, `${label} on ${ref} expires on ${day(end)}, in ${Math.max(0, Math.ceil((end - now) / DAY))} days.`, entity, evidence, { keyId: [keyId], expiresOn: [day(end)] });
        }
      }
    }

    // A secret on an app that signs in as itself (application permissions or a directory role, not a public
    // client): a string anyone can copy from a config file or pipeline log, where a certificate would do.
    if (liveSecrets.length > 0 && !publicClient && (assignments.length > 0 || activeRoles.length > 0)) {
      const strong = held.filter((p) => p.kind !== 'delegated');
      finding(CHECKS.secretInsteadOfCertificate, String(app.id), `${ref} signs in as itself (${strong.length > 0 ? describe(strong) : `${assignments.length} app role assignment${assignments.length === 1 ? '' : 's'}${activeRoles.length > 0 ? ', directory roles' : ''}`}) with client secret${liveSecrets.length === 1 ? '' : 's'} ${liveSecrets.map((s) => `'${s}'`).join(', ')}.`,
        entity, evidence, { secret: liveSecrets, preferredSingleSignOnMode: [ssoMode] },
        strong.length > 0 ? { severity: 'medium', reason: 'raised: the secret carries high or critical privileges' } : undefined);
    }

    // Privileges made reachable: by owners, by other tenants, by public client flows, by an unlocked instance.
    if (held.length > 0) {
      const owners = new Map<string, { owner: Json; via: string[] }>();
      for (const [objectId, via] of [[str(app.id), 'application'], [str(sp?.id), 'service principal']] as const) {
        for (const o of objectId ? list(snapshot.owners?.[objectId]) : []) {
          const id = str(o.id)?.toLowerCase() ?? '?';
          const entry = owners.get(id) ?? { owner: o, via: [] };
          entry.via.push(via);
          owners.set(id, entry);
        }
      }
      const reaching = [...owners].filter(([id]) => !appManagers.has(id));
      if (reaching.length > 0) {
        const who = reaching.map(([, { owner, via }]) => `${String(owner['@odata.type'] ?? '').replace('#microsoft.graph.', '') || 'object'} '${str(owner.userPrincipalName) ?? str(owner.displayName) ?? str(owner.id) ?? '?'}' (owner of the ${via.join(' and the ')})`);
        finding(CHECKS.ownerOfPrivilegedApp, String(app.id), `${who.join(', ')} can add a credential to ${ref} and act with ${describe(held)}.`, entity, [evidence, ...held.map((p) => p.evidence)], { owner: reaching.map(([, { owner }]) => str(owner.userPrincipalName) ?? str(owner.id) ?? '?'), privilege: held.map((p) => p.name) });
      }
      if (multiTenant) {
        finding(CHECKS.multiTenantPrivileged, String(app.id), `${ref} is multi-tenant (signInAudience ${String(app.signInAudience)}) and holds ${describe(held)}.`, entity, [evidence, ...held.map((p) => p.evidence)], { signInAudience: [String(app.signInAudience)], privilege: held.map((p) => p.name) });
      }
    }
    if (app.isFallbackPublicClient === true && assignments.length > 0) {
      finding(CHECKS.fallbackPublicClient, String(app.id), `${ref} allows public client flows (isFallbackPublicClient), so ROPC and device code sign-ins reach it, and holds ${assignments.length} app role assignment${assignments.length === 1 ? '' : 's'}${held.length > 0 ? ` (${describe(held)})` : ''}.`, entity, evidence, { isFallbackPublicClient: [true] });
    }
    const lock = isObject(app.servicePrincipalLockConfiguration) ? app.servicePrincipalLockConfiguration : undefined;
    const locked = lock?.isEnabled === true && (lock.allProperties === true || lock.credentialsWithUsageVerify === true);
    if (!locked && (multiTenant || held.length > 0)) {
      finding(CHECKS.noLockConfiguration, String(app.id), `${ref} has no app instance property lock${lock ? ' covering credentials' : ''} and ${[multiTenant ? 'is multi-tenant' : '', held.length > 0 ? `holds ${describe(held)}` : ''].filter(Boolean).join(' and ')}.`, entity, evidence, { servicePrincipalLockConfiguration: [lock ?? null] });
    }

    // URIs.
    const uris = ['web', 'spa', 'publicClient'].flatMap((k) => strings((app[k] as Json | undefined)?.redirectUris));
    for (const uri of uris) {
      const info = uriFlags(uri);
      const host = info.host?.toLowerCase();
      const flags: string[] = info.flags.filter((f) => f === 'not-https' || f === 'wildcard' || f === 'ip-literal');
      // Domains matter for web addresses; custom schemes (ms-appx-web://, msal…://) belong to native clients.
      const isWeb = /^https?:\/\//i.test(uri);
      const loopback = info.flags.includes('localhost') || (host !== undefined && /^(127\.|\[::1\])/.test(host));
      if (isWeb && host && !loopback && verified.length > 0 && !onVerified(host)) flags.push('unverified-domain');
      if (flags.length > 0) finding(CHECKS.redirectUri, `${app.id}/${uri}`, `${ref} accepts tokens at ${uri} (${flags.join(', ')}).`, entity, evidence, { redirectUri: [uri], flags });
      const verdict = host ? options.dns?.get(host) : undefined;
      if (verdict?.dangling) finding(CHECKS.danglingRedirectUri, `${app.id}/${uri}`, `${ref} accepts tokens at ${uri}: ${verdict.reason}.`, entity, evidence, { redirectUri: [uri], dns: [JSON.stringify(verdict.answers)] });
      // The same URI on several apps: web addresses only (loopback and Microsoft's native-client URI are shared by design).
      if (isWeb && host && !loopback && host !== 'login.microsoftonline.com') {
        const key = uri.toLowerCase().replace(/\/+$/, '');
        const entry = redirectUsers.get(key) ?? { uri, apps: [] };
        if (!entry.apps.some((e) => e.app === app)) entry.apps.push({ app, index });
        redirectUsers.set(key, entry);
      }
    }
    for (const uri of strings(app.identifierUris)) {
      const host = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(uri)?.[1]?.toLowerCase();
      // api://<appId>, api://<tenantId>/…: GUID authorities are Microsoft's default; names without a dot claim no domain.
      if (!host || GUID.test(host) || !host.includes('.') || verified.length === 0 || onVerified(host)) continue;
      finding(CHECKS.identifierUri, `${app.id}/${uri}`, `${ref} has the application ID URI ${uri}, on ${host}, which is not a verified domain of the tenant.`, entity, evidence, { identifierUri: [uri] });
    }
    if (strings(web.redirectUris).length > 0 && !str(web.logoutUrl)) {
      finding(CHECKS.noLogoutUrl, String(app.id), `${ref} signs users in on the web (${strings(web.redirectUris).length} redirect URI${strings(web.redirectUris).length === 1 ? '' : 's'}) without a sign-out URL.`, entity, evidence, { logoutUrl: [null] });
    }
  });

  for (const { uri, apps } of redirectUsers.values()) {
    if (apps.length < 2) continue;
    const names = apps.map(({ app }) => `'${str(app.displayName) ?? str(app.appId) ?? '?'}' (appId ${str(app.appId) ?? '?'})`);
    finding(CHECKS.duplicateRedirectUri, uri.toLowerCase(), `${uri} is a redirect URI of ${apps.length} applications: ${names.join(', ')}.`, {}, apps.map(({ app, index }) => ({ kind: 'application', id: String(app.id ?? ''), index })), { redirectUri: [uri], appId: apps.map(({ app }) => str(app.appId) ?? '?') });
  }

  // Credentials on Microsoft's own service principals: nobody in the tenant should need one there, and they are
  // hard to see (the app registration lives in Microsoft's tenant).
  snapshot.servicePrincipals.forEach((sp, index) => {
    const owner = str(sp.appOwnerOrganizationId)?.toLowerCase();
    if (!(owner && MICROSOFT_TENANTS.has(owner)) && !isFirstParty(str(sp.appId))) return;
    const credentials = [...list(sp.passwordCredentials).map((c) => ({ c, type: 'password' })), ...list(sp.keyCredentials).map((c) => ({ c, type: 'certificate' }))];
    if (credentials.length === 0) return;
    const described = credentials.map(({ c, type }) => `${type} '${str(c.displayName) ?? str(c.keyId) ?? '?'}'${str(c.endDateTime) ? ` until ${String(c.endDateTime).slice(0, 10)}` : ''}`);
    finding(CHECKS.firstPartyCredential, String(sp.id), `Microsoft first-party service principal ${spRef(sp)} carries ${described.join(', ')}.`, spEntity(sp), { kind: 'servicePrincipal', id: String(sp.id ?? ''), index }, { keyId: credentials.map(({ c }) => str(c.keyId) ?? '?'), preferredSingleSignOnMode: [str(sp.preferredSingleSignOnMode) ?? 'none'] });
  });

  // Application permissions, per service principal: critical ones make it a tenant-takeover path.
  for (const [spId, held] of privileges) {
    const application = held.filter((p) => p.kind === 'application');
    const sp = spById.get(spId);
    if (application.length === 0 || !sp) continue;
    const critical = application.some((p) => p.level === 'critical');
    finding(CHECKS.applicationPermission, spId, `${spRef(sp)} holds ${application.map((p) => `${p.name} (${p.level}${p.resource ? `, ${p.resource}` : ''})`).join(', ')} without a signed-in user.`, spEntity(sp), application.map((p) => p.evidence),
      { permission: application.map((p) => p.name), class: application.map((p) => p.level) },
      critical ? undefined : { severity: 'medium', reason: 'lowered: high but not critical permissions (no path to tenant takeover)' });
  }

  snapshot.oauth2PermissionGrants.forEach((grant, index) => {
    if (String(grant.consentType).toLowerCase() !== 'allprincipals') return;
    const scopes = String(grant.scope ?? '').split(/\s+/).filter(Boolean).map(classifyPermission);
    const risky = scopes.filter((p) => p.class === 'high' || p.class === 'critical');
    if (risky.length === 0) return;
    const client = spById.get(str(grant.clientId)?.toLowerCase());
    const resource = spById.get(str(grant.resourceId)?.toLowerCase());
    const name = str(client?.displayName) ?? str(grant.clientId) ?? '?';
    finding(CHECKS.allUsersGrant, String(grant.id ?? `${grant.clientId}/${grant.resourceId}`), `'${name}' holds ${risky.map((p) => `${p.value} (${p.class})`).join(', ')} on ${str(resource?.displayName) ?? str(grant.resourceId) ?? '?'} for all users.`,
      { servicePrincipal: { ...(str(grant.clientId) ? { id: str(grant.clientId)! } : {}), displayName: name, ...(str(client?.appId) ? { appId: str(client?.appId)! } : {}) } },
      { kind: 'oauth2PermissionGrant', id: String(grant.id ?? ''), index }, { scope: risky.map((p) => p.value) });
  });

  snapshot.roleAssignments.forEach((assignment, index) => {
    const sp = spById.get(str(assignment.principalId)?.toLowerCase());
    if (!sp) return; // people hold roles too; this check is about applications
    const definitionId = String(assignment.roleDefinitionId ?? '').toLowerCase();
    const definition = definitions.get(definitionId);
    const role = findRole({ templateId: str(definition?.templateId) ?? definitionId, ...(str(definition?.displayName) ? { displayName: str(definition?.displayName)! } : {}) });
    if (!role?.privileged) return;
    const name = str(sp.displayName) ?? String(sp.id);
    finding(CHECKS.privilegedRole, `${assignment.principalId}/${definitionId}`, `'${name}' (appId ${str(sp.appId) ?? '?'}) holds ${role.displayName}, a privileged role.`,
      { servicePrincipal: { id: String(sp.id), displayName: name, ...(str(sp.appId) ? { appId: str(sp.appId)! } : {}) }, role: { id: role.templateId, displayName: role.displayName } },
      { kind: 'roleAssignment', id: String(assignment.id ?? ''), index }, { role: [role.displayName] });
  });

  tenantControls(snapshot, gaps, finding);
  completeness(snapshot, gaps, finding);
  return findings;
}

type Finding = (check: Check, key: string, summary: string, entities: Alert['entities'], evidence: Evidence | Evidence[], fields: Record<string, unknown[]>, moved?: { severity: Severity; reason: string }) => void;

/** `transferMethods` is a flags enum: one string, comma-separated ('deviceCodeFlow,authenticationTransfer'). */
const transferMethods = (p: Json): string[] => {
  const v = ((p.conditions as Json | undefined)?.authenticationFlows as Json | undefined)?.transferMethods;
  return (Array.isArray(v) ? v : String(v ?? '').split(',')).map((s) => String(s).trim().toLowerCase()).filter(Boolean);
};
const builtInControls = (p: Json): string[] => strings((p.grantControls as Json | undefined)?.builtInControls).map((c) => c.toLowerCase());
const hasAll = (v: unknown): boolean => strings(v).some((s) => s.toLowerCase() === 'all');

function tenantControls(snapshot: InventorySnapshot, gaps: readonly CollectionGap[], finding: Finding): void {
  const policies = snapshot.policies;
  const policyEvidence = (kind: string, id: unknown): Evidence => ({ kind, id: str(id) ?? snapshot.tenantId ?? '', index: 0 });

  // Conditional Access: not licensed means there are none (the tenant cannot block these flows that way).
  const caUnlicensed = gapsFor(gaps, 'conditionalAccessPolicies').some(notLicensed);
  const ca = policies?.conditionalAccessPolicies ?? (caUnlicensed ? [] : undefined);
  if (ca) {
    const all = list(ca);
    const enabled = all.filter((p) => p.state === 'enabled');
    const name = (p: Json): string => `'${str(p.displayName) ?? str(p.id) ?? '?'}'`;
    const unlicensed = caUnlicensed ? ' (Conditional Access is not licensed in the tenant)' : '';
    const targetsDeviceCode = (p: Json): boolean => transferMethods(p).includes('devicecodeflow') && builtInControls(p).includes('block');
    if (!enabled.some(targetsDeviceCode)) {
      const reportOnly = all.filter((p) => p.state !== 'enabled' && targetsDeviceCode(p));
      finding(CHECKS.deviceCodeNotBlocked, 'device-code', `None of the tenant's ${enabled.length} enabled Conditional Access polic${enabled.length === 1 ? 'y' : 'ies'} blocks the device code flow${unlicensed}${reportOnly.length > 0 ? `; ${reportOnly.map((p) => `${name(p)} would, but is ${String(p.state)}`).join(', ')}` : ''}: a phished person can hand an attacker a session with a code.`,
        {}, policyEvidence('conditionalAccessPolicies', snapshot.tenantId), { enabledPolicies: enabled.map((p) => str(p.displayName) ?? str(p.id) ?? '?') });
    }
    // ROPC sends a password with no MFA: a policy that requires MFA (or blocks) for all users and all resources, on
    // the client types ROPC counts as, stops it.
    const stopsRopc = (p: Json): boolean => {
      const conditions = (p.conditions as Json | undefined) ?? {};
      const clientTypes = strings(conditions.clientAppTypes).map((c) => c.toLowerCase());
      const controls = builtInControls(p);
      // MFA and authentication strengths are controls ROPC cannot satisfy; risk levels would narrow the policy to
      // risky sign-ins, an authentication flow condition to device code or transfer.
      return hasAll((conditions.users as Json | undefined)?.includeUsers) && hasAll((conditions.applications as Json | undefined)?.includeApplications)
        && transferMethods(p).length === 0
        && (clientTypes.length === 0 || clientTypes.includes('all') || clientTypes.includes('mobileappsanddesktopclients'))
        && strings(conditions.signInRiskLevels).length === 0 && strings(conditions.userRiskLevels).length === 0
        && (controls.includes('mfa') || controls.includes('block') || isObject((p.grantControls as Json | undefined)?.authenticationStrength));
    };
    if (!enabled.some(stopsRopc)) {
      const fallback = snapshot.applications.filter((a) => a.isFallbackPublicClient === true);
      const reportOnly = all.filter((p) => p.state !== 'enabled' && stopsRopc(p));
      finding(CHECKS.ropcNotRestricted, 'ropc', `No enabled Conditional Access policy requires MFA or blocks for all users and all resources${unlicensed}${reportOnly.length > 0 ? ` (${reportOnly.map((p) => `${name(p)} is ${String(p.state)}`).join(', ')})` : ''}, so a password alone signs in with ROPC; ${fallback.length > 0 ? `applications allowing public client flows: ${fallback.map((a) => `'${str(a.displayName) ?? str(a.appId) ?? '?'}' (appId ${str(a.appId) ?? '?'})`).join(', ')}` : 'no application of the tenant allows public client flows, but Microsoft public clients do'}.`,
        {}, policyEvidence('conditionalAccessPolicies', snapshot.tenantId), { fallbackPublicClient: fallback.map((a) => str(a.appId) ?? '?') });
    }
  }

  // User consent: Graph v1.0 keeps the assigned permission grant policies under defaultUserRolePermissions, beta
  // at the top level; a collection (`value`) holds one policy.
  const authorization = isObject(policies?.authorizationPolicy) && Array.isArray(policies.authorizationPolicy.value) ? list(policies.authorizationPolicy.value)[0] : policies?.authorizationPolicy;
  if (isObject(authorization)) {
    const assigned = [...strings((authorization.defaultUserRolePermissions as Json | undefined)?.permissionGrantPoliciesAssigned), ...strings(authorization.permissionGrantPolicyIdsAssignedToDefaultUserRole)];
    if (assigned.some((p) => p.toLowerCase() === LEGACY_USER_CONSENT)) {
      finding(CHECKS.userConsentUnrestricted, 'user-consent', 'The default user role has the permission grant policy ManagePermissionGrantsForSelf.microsoft-user-default-legacy: every user can consent for themselves to any application asking any permission that does not need an administrator (consent phishing needs nothing more).',
        {}, policyEvidence('authorizationPolicy', authorization.id), { permissionGrantPoliciesAssigned: assigned });
    }
  }

  if (Array.isArray(policies?.directorySettings)) {
    const consent = list(policies.directorySettings).find((s) => String(s.templateId ?? '').toLowerCase() === CONSENT_SETTINGS_TEMPLATE || String(s.displayName ?? '').toLowerCase() === 'consent policy settings');
    const value = list(consent?.values).find((v) => String(v.name ?? '').toLowerCase() === 'blockuserconsentforriskyapps')?.value;
    // Absent, the setting keeps its default (true).
    if (consent && /^false$/i.test(String(value ?? '').trim())) {
      finding(CHECKS.riskyConsentNotBlocked, 'risky-consent', "The 'Consent Policy Settings' directory setting has BlockUserConsentForRiskyApps false: users can consent to applications Microsoft flags as risky, without an administrator's step-up.",
        {}, policyEvidence('directorySetting', consent.id), { BlockUserConsentForRiskyApps: [String(value)] });
    }
  }
}

function completeness(snapshot: InventorySnapshot, gaps: readonly CollectionGap[], finding: Finding): void {
  const evidence = (index: number): Evidence => ({ kind: 'gap', id: snapshot.tenantId ?? '', index });
  gaps.forEach((g, index) => {
    const licence = notLicensed(g);
    finding(CHECKS.collectionIncomplete, `${g.resource}/${index}`, `The collector could not read ${String(g.resource ?? '?')} (${gapText(g)})${licence ? ': the feature is not licensed, so the tenant has none to collect' : '; the snapshot is incomplete there'}.`,
      {}, evidence(index), { resource: [String(g.resource ?? '?')], status: [g.status ?? null], code: [g.code ?? null], reason: [g.reason ?? null] },
      licence ? { severity: 'informational', reason: 'lowered: not licensed, nothing is missing' } : undefined);
  });
  for (const source of SOURCES) {
    const [key] = source.keys as [string];
    // App management policies: any of their keys will do; the other sources have one key.
    const present = source.keys.some((k) => sourcePresent(snapshot, k));
    const all = source.keys.flatMap((k) => gapsFor(gaps, k));
    const related = all.filter((g) => !notLicensed(g));
    // Present and complete, or not licensed (the tenant has none; the gap finding says so): nothing to say.
    if ((present && related.length === 0) || (!present && related.length === 0 && all.length > 0)) continue;
    const why = related.length > 0 ? `the collector recorded ${related.map((g) => `${String(g.resource)} (${gapText(g)})`).join(', ')}` : `${key} is not in the snapshot`;
    const ids = (checks: Check[]): string => checks.map((c) => c.id).join(', ');
    const parts = [
      source.sole.length > 0 ? `${ids(source.sole)} ${present ? 'ran on part of the data and may miss findings' : 'could not run'}` : '',
      source.partial.includes(CHECKS.lifetime) ? `${ids(source.partial)} judged credentials against appwatch.yaml credentials.maxLifetimeDays only, not the tenant's app management policies`
        : source.partial.length > 0 ? `${ids(source.partial)} ran without ${present ? 'all of ' : ''}it and may miss findings` : '',
    ].filter(Boolean);
    finding(CHECKS.checkNotRun, key, `${why}: ${parts.join('; ')}.`, {}, { kind: 'snapshot', id: snapshot.tenantId ?? '', index: 0 },
      { source: [key], checks: [...source.sole, ...source.partial].map((c) => c.id) },
      source.sole.length === 0 ? { severity: 'informational', reason: 'lowered: every check it feeds ran, on the rest of the data' } : undefined);
  }
}
