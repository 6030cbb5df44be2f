/**
 * @module simulate/scenarios
 * Labelled attacks and risky changes, each a short sequence of records with the alerts appwatch must raise
 * (rule id, guide rows, severity under the simulated tenant's appwatch.yaml). One scenario per guide row, and
 * the named campaigns: a Midnight-Blizzard-style takeover, consent phishing, device-code phishing, a redirect
 * URI hijack to a dangling host, Key Vault exfiltration by a new caller, and an access policy added then removed.
 */
import type { Severity } from '../model/severity.js';
import { changeWindowOf, DAY, HOUR, MINUTE, ropcKioskApp, userConsent } from './background.js';
import type { Rng } from './random.js';
import {
  activityRecord, appAddresses, appDetails, auditRecord, changed, keyDescription, signInRecord, target, vaultRecord,
  type AuditActor, type SimRecord,
} from './records.js';
import { EXCHANGE_FULL_ACCESS_ROLE_ID, GRAPH_APP_ROLE_IDS, type ClientApp, type SimApp, type SimUser, type Tenant } from './tenant.js';

/** Built-in rule ids (rules/azure/…). */
export const RULE = {
  credentialAdded: '4b1f7c2e-8a3d-4e5f-9b6c-1d2e3f4a5b6c',
  roleAssigned: '7c2d9e4f-1a3b-4c5d-8e6f-2a3b4c5d6e7f',
  privilegedRoleAssigned: '0f2e4d6c-8b1a-4c3e-9d5f-7a9b1c3d5e7f',
  azureRole: '6e7f8a9b-0c1d-4ecf-9a3b-5c6d7e8f9a0b',
  azurePrivilegedRole: '5d6e7f8a-9b0c-4dbe-8f2a-4b5c6d7e8f9a',
  permissionSensitiveApi: 'a1c3e5f7-2b4d-4f6a-8c1e-3d5f7a9b1c2d',
  permissionOtherApi: 'b2d4f6a8-3c5e-4a7b-9d2f-4e6a8b0c2d3e',
  delegatedSensitiveApi: 'c3e5a7b9-4d6f-4b8c-8e3a-5f7b9c1d3e4f',
  delegatedAllUsers: 'd4f6b8c0-5e7a-4c9d-9f4b-6a8c0d2e4f5a',
  vaultAccessControl: 'e5a7c9d1-6f8b-4dad-8a5c-7b9d1e3f5a6b',
  vaultAccessControlActivity: 'f6b8d0e2-7a9c-4ebe-9b6d-8c0e2f4a6b7c',
  vaultOutsideHours: 'a7c9e1f3-8b0d-4fcf-8c7e-9d1f3a5b7c8d',
  vaultNewCaller: 'c9e1a3b5-0d2f-4a6c-9b8d-1f3a5b7c9d0e',
  endUserConsent: '2e4f6a8b-3c5d-4e7f-9a1b-3c4d5e6f7a8b',
  consentBlocked: '5a7b9c1d-4e6f-4a8b-8c2d-4e5f6a7b8c9d',
  ropc: '8d1e3f5a-6b7c-4d9e-8f1a-5b6c7d8e9f0a',
  deviceCode: '3f5a7b9c-8d1e-4f2a-9b3c-6d7e8f9a0b1c',
  redirectChanged: '6b8c0d2e-9f1a-4b3c-8d4e-7f8a9b0c1d2e',
  redirectDangling: 'b8d0f2a4-9c1e-4fd0-8e6b-0a2c4e6f8a9b',
  appIdUri: '9e1f3a5b-2c4d-4e6f-8a7b-8c9d0e1f2a3b',
  ownerAdded: '1a3b5c7d-5e6f-4a8b-9c0d-9e0f1a2b3c4d',
  logoutUrl: '4c6d8e0f-7a9b-4c1d-8e2f-0a1b2c3d4e5f',
  takeoverChain: '4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b',
  consentByManyUsers: '6a7b8c9d-0e1f-4a2b-9c3d-5e6f7a8b9c0d',
  credentialAfterAdminConsent: '9d0e1f2a-3b4c-4d5e-8f6a-8b9c0d1e2f3a',
  vaultPolicyFlip: '7a8b9c0d-1e2f-4a3b-8c4d-8e9f0a1b2c3d',
  vaultMassReads: '4c5d6e7f-8a9b-4cad-9e1f-3a4b5c6d7e8f',
  roleManagementThenAssignment: '2a3b4c5d-6e7f-4a8b-9c9d-1e2f3a4b5c6d',
} as const;

/** What appwatch must raise for one step of a scenario. */
export interface Label {
  scenario: string;
  step: string;
  /** The rule that must alert; null where the detection is not a log rule (row 2 is posture). */
  ruleId: string | null;
  guideRows: number[];
  severity: Severity;
  time: string;
  /** The records the alert's evidence must include, each by its `id` and `correlationId` (either may be the one a format keeps). */
  records: { id?: string; correlationId?: string }[];
  /** Set when the detection needs something beyond the logs: `dns` (scan --dns), `snapshot` (scan --snapshot), `posture` (the posture scan). */
  needs?: 'dns' | 'snapshot' | 'posture';
}

export interface ScenarioOutput { records: SimRecord[]; labels: Label[]; snapshot: SnapshotChange[] }
/** Apps a scenario creates, for the snapshot (changes to existing apps are made on the tenant itself). */
export type SnapshotChange = { kind: 'app'; app: SimApp };

interface Context {
  rng: Rng;
  tenant: Tenant;
  /** Midnight UTC of the attack day (the second-to-last simulated day). */
  day: number;
  out: ScenarioOutput;
}

export const ATTACKER_IP = '192.0.2.66';
const ATTACKER_PLACE = { city: 'Bucharest', state: 'Bucuresti', countryOrRegion: 'RO', latitude: 44.4268, longitude: 26.1025 };

function idsOf(record: SimRecord): { id?: string; correlationId?: string } {
  const { id, correlationId } = record.record;
  return { ...(typeof id === 'string' ? { id } : {}), ...(typeof correlationId === 'string' ? { correlationId } : {}) };
}

function emit(ctx: Context, record: SimRecord): SimRecord {
  ctx.out.records.push(record);
  return record;
}

function expect(ctx: Context, scenario: string, step: string, ruleId: string | null, guideRows: number[], severity: Severity, records: SimRecord[], needs?: Label['needs']): void {
  const last = records[records.length - 1]!;
  ctx.out.labels.push({
    scenario, step, ruleId, guideRows, severity, time: new Date(last.timeMs).toISOString(),
    records: records.map(idsOf), ...(needs ? { needs } : {}),
  });
}

/** The i-th ordinary person (not an administrator, the executive or the legacy account), wrapping around. */
function person(ctx: Context, i: number): SimUser {
  const t = ctx.tenant;
  const special = new Set([t.globalAdmin, t.executive, t.legacyTestAccount, ...t.admins]);
  const ordinary = t.users.filter((u) => !special.has(u));
  return ordinary[i % ordinary.length]!;
}
const people = (ctx: Context, from: number, count: number): SimUser[] => Array.from({ length: count }, (_, i) => person(ctx, from + i));

const userActor = (user: SimUser, ip?: string): AuditActor => ({ user, ipAddress: ip ?? user.ipAddress });
const appActor = (app: SimApp): AuditActor => ({ app: { displayName: app.displayName, appId: app.appId, servicePrincipalId: app.servicePrincipalId } });

// ----------------------------------------------------------------------------------------------------------
// Record helpers shared by scenarios

function credentialAdded(ctx: Context, app: SimApp, actor: AuditActor, timeMs: number, name = 'backup'): SimRecord {
  const fresh = { keyId: ctx.rng.guid(), type: 'Password' as const, usage: 'Verify' as const, displayName: name, startDateTime: new Date(timeMs).toISOString(), endDateTime: new Date(timeMs + 730 * DAY).toISOString() };
  const record = emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Update application \u2013 Certificates and secrets management ', category: 'ApplicationManagement', operationType: 'Update', actor,
    targets: [target('Application', app.objectId, app.displayName, [
      changed('KeyDescription', keyDescription(app.credentials), keyDescription([...app.credentials, fresh])),
      changed('Included Updated Properties', null, 'KeyDescription'),
    ])],
    additionalDetails: appDetails(app, actor),
  }));
  app.credentials.push(fresh);
  return record;
}

function ownerAdded(ctx: Context, app: SimApp, owner: SimUser, actor: AuditActor, timeMs: number): SimRecord {
  if (!app.owners.includes(owner)) app.owners.push(owner);
  return emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Add owner to application', category: 'ApplicationManagement', operationType: 'Update', actor,
    targets: [target('User', owner.id, null, [changed('Application.ObjectID', null, app.objectId), changed('Application.DisplayName', null, app.displayName)], owner.userPrincipalName), target('Application', app.objectId, app.displayName)],
    additionalDetails: appDetails(app, actor),
  }));
}

function appRoleGranted(ctx: Context, app: SimApp, resource: { servicePrincipalId: string; displayName: string; servicePrincipalNames: string }, role: { id: string; value: string; displayName: string }, actor: AuditActor, timeMs: number): SimRecord {
  ctx.tenant.state.appRoleAssignments.push({
    id: ctx.rng.b64url(43), appRoleId: role.id, principalId: app.servicePrincipalId, principalDisplayName: app.displayName, principalType: 'ServicePrincipal',
    resourceId: resource.servicePrincipalId, resourceDisplayName: resource.displayName, createdDateTime: new Date(timeMs).toISOString(),
  });
  return emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Add app role assignment to service principal', category: 'ApplicationManagement', operationType: 'Assign', actor,
    targets: [
      target('ServicePrincipal', resource.servicePrincipalId, resource.displayName, [
        changed('AppRole.Id', null, role.id), changed('AppRole.Value', null, role.value), changed('AppRole.DisplayName', null, role.displayName),
        changed('AppRoleAssignment.CreatedDateTime', null, new Date(timeMs).toISOString().replace('Z', '0000Z')),
        changed('ServicePrincipal.ObjectID', null, app.servicePrincipalId), changed('ServicePrincipal.DisplayName', null, app.displayName),
        changed('ServicePrincipal.AppId', null, app.appId), changed('TargetId.ServicePrincipalNames', null, resource.servicePrincipalNames),
      ]),
      target('ServicePrincipal', app.servicePrincipalId, app.displayName),
    ],
    additionalDetails: actor.user ? [{ key: 'User-Agent', value: actor.user.userAgent }] : [],
  }));
}

function directoryRoleAssigned(ctx: Context, app: SimApp, roleName: string, actor: AuditActor, timeMs: number): SimRecord {
  const role = ctx.tenant.directoryRoles[roleName]!;
  ctx.tenant.state.roleAssignments.push({ id: ctx.rng.b64url(22), principalId: app.servicePrincipalId, roleDefinitionId: role.templateId, directoryScopeId: '/' });
  return emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Add member to role', category: 'RoleManagement', operationType: 'Assign', actor,
    targets: [
      target('ServicePrincipal', app.servicePrincipalId, app.displayName, [
        changed('Role.ObjectID', null, role.objectId), changed('Role.DisplayName', null, roleName),
        changed('Role.TemplateId', null, role.templateId), changed('Role.WellKnownObjectName', null, role.wellKnownObjectName),
      ]),
      target('Role', role.objectId, null),
    ],
    additionalDetails: actor.user ? [{ key: 'User-Agent', value: actor.user.userAgent }] : [],
  }));
}

function appUpdate(ctx: Context, app: SimApp, property: string, oldValue: unknown, newValue: unknown, actor: AuditActor, timeMs: number): SimRecord {
  // The tenant as the snapshot will see it.
  if (property === 'AppAddress') app.redirectUris = (newValue as { Address: string }[]).map((a) => a.Address);
  else if (property === 'AppIdentifierUri') app.identifierUris = newValue as string[];
  else if (property === 'LogoutUrl') app.logoutUrl = (newValue as string[])[0];
  return emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Update application', category: 'ApplicationManagement', operationType: 'Update', actor,
    targets: [target('Application', app.objectId, app.displayName, [changed(property, oldValue, newValue), changed('Included Updated Properties', null, property)])],
    additionalDetails: appDetails(app, actor),
  }));
}

function spSignIn(ctx: Context, app: SimApp, resource: Tenant['resources']['graph'], timeMs: number, ip = ATTACKER_IP, keyId?: string): SimRecord {
  return emit(ctx, signInRecord(ctx.rng, ctx.tenant, { timeMs, type: 'servicePrincipal', workload: app, resource, ipAddress: ip, place: ATTACKER_PLACE, credentialKeyId: keyId }));
}

function adminConsent(ctx: Context, app: SimApp, actor: AuditActor, timeMs: number, scope: string): SimRecord {
  return emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Consent to application', category: 'ApplicationManagement', operationType: 'Assign', actor,
    targets: [target('ServicePrincipal', app.servicePrincipalId, app.displayName, [
      changed('ConsentContext.IsAdminConsent', null, 'True'), changed('ConsentContext.IsAppOnly', null, 'False'),
      changed('ConsentContext.OnBehalfOfAll', null, 'True'), changed('ConsentContext.Tags', null, 'WindowsAzureActiveDirectoryIntegratedApp'),
      changed('ConsentAction.Permissions', null, `[] => [[Id: ${ctx.rng.b64url(43)}, ClientId: ${app.servicePrincipalId}, PrincipalId: , ResourceId: ${ctx.tenant.resources.graph.servicePrincipalId}, ConsentType: AllPrincipals, Scope: ${scope}, CreatedDateTime: , LastModifiedDateTime ]]; `),
      changed('TargetId.ServicePrincipalNames', null, app.appId),
    ])],
    additionalDetails: appDetails(app, actor),
  }));
}

function newApp(ctx: Context, displayName: string, createdMs: number): SimApp {
  const slug = displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    appId: ctx.rng.guid(), objectId: ctx.rng.guid(), servicePrincipalId: ctx.rng.guid(), displayName, owners: [], credentials: [],
    redirectUris: [], identifierUris: [`api://${slug}`], publicClient: false, graphAppRoles: [], ipAddresses: [ATTACKER_IP],
    createdDateTime: new Date(createdMs).toISOString(), preferredSingleSignOnMode: null, daemon: false,
  };
}

function registerApp(ctx: Context, app: SimApp, actor: AuditActor, timeMs: number): SimRecord[] {
  const add = emit(ctx, auditRecord(ctx.rng, {
    timeMs, activity: 'Add application', category: 'ApplicationManagement', operationType: 'Add', actor,
    targets: [target('Application', app.objectId, app.displayName, [changed('AppId', null, app.appId), changed('DisplayName', null, app.displayName), changed('Included Updated Properties', null, 'AppId, DisplayName')])],
    additionalDetails: appDetails(app, actor),
  }));
  const sp = emit(ctx, auditRecord(ctx.rng, {
    timeMs: timeMs + 4000, activity: 'Add service principal', category: 'ApplicationManagement', operationType: 'Add', actor,
    targets: [target('ServicePrincipal', app.servicePrincipalId, app.displayName, [changed('AccountEnabled', null, [true]), changed('AppPrincipalId', null, [app.appId]), changed('DisplayName', null, [app.displayName])])],
    additionalDetails: appDetails(app, actor),
  }));
  ctx.out.snapshot.push({ kind: 'app', app });
  return [add, sp];
}

// ----------------------------------------------------------------------------------------------------------
// One scenario per guide row

type Scenario = (ctx: Context) => void;

const daemon = (t: Tenant, i: number): SimApp => t.apps.filter((a) => a.daemon)[i % Math.max(1, t.apps.filter((a) => a.daemon).length)]!;
const webApp = (t: Tenant, i: number): SimApp => t.apps.filter((a) => !a.daemon && !a.publicClient)[i % Math.max(1, t.apps.filter((a) => !a.daemon && !a.publicClient).length)] ?? t.apps[0]!;

export const SCENARIOS: Record<string, { description: string; run: Scenario }> = {
  'row-01-credential-added': {
    description: 'A secret added to an existing daemon app by a user who is not an application administrator, at 02:13 UTC.',
    run(ctx) {
      const app = daemon(ctx.tenant, 1);
      const actor = person(ctx, 10);
      const r = credentialAdded(ctx, app, userActor(actor, ATTACKER_IP), ctx.day + 2 * HOUR + 13 * MINUTE);
      expect(ctx, 'row-01-credential-added', 'secret added', RULE.credentialAdded, [1], 'critical', [r]);
    },
  },
  'row-01-saml-certificate': {
    description: 'An administrator adds a token-signing certificate to a SAML app outside the change window: benign by nature once the snapshot says the app uses SAML sign-on.',
    run(ctx) {
      const app = webApp(ctx.tenant, 7);
      app.preferredSingleSignOnMode = 'saml';
      const admin = ctx.tenant.admins[0]!;
      const actor = userActor(admin);
      const cert = { keyId: ctx.rng.guid(), type: 'AsymmetricX509Cert', usage: 'Sign', displayName: `CN=Microsoft Azure Federated SSO Certificate` };
      const r = emit(ctx, auditRecord(ctx.rng, {
        timeMs: ctx.day + 10 * HOUR + 20 * MINUTE, activity: 'Add service principal credentials', category: 'ApplicationManagement', operationType: 'Update', actor,
        targets: [target('ServicePrincipal', app.servicePrincipalId, app.displayName, [
          changed('KeyDescription', [], keyDescription([cert])),
          changed('Included Updated Properties', null, 'KeyDescription'),
        ])],
        additionalDetails: appDetails(app, actor),
      }));
      expect(ctx, 'row-01-saml-certificate', 'signing certificate on a SAML app (scan --snapshot)', RULE.credentialAdded, [1], 'medium', [r], 'snapshot');
    },
  },
  'row-10-privileged-consent': {
    description: 'An application administrator consents for herself to a SaaS app: a privileged account, once the snapshot gives its roles.',
    run(ctx) {
      const admin = ctx.tenant.admins[1]!;
      const records = userConsent(ctx.rng, ctx.tenant, { timeMs: ctx.day + 10 * HOUR + 40 * MINUTE, user: admin, client: ctx.tenant.saasApps[0]!, clientSpId: ctx.rng.guid(), scope: 'openid profile email User.Read offline_access' });
      for (const r of records) emit(ctx, r);
      expect(ctx, 'row-10-privileged-consent', 'consent by a privileged account (scan --snapshot)', RULE.endUserConsent, [10], 'medium', [records[1]!], 'snapshot');
    },
  },
  'row-02-long-lived-credential': {
    description: 'A client secret valid for ten years on a daemon app (in the inventory snapshot; credential lifetimes are not in audit logs).',
    run(ctx) {
      const app = daemon(ctx.tenant, 2);
      const keyId = ctx.rng.guid();
      // Added by an approved administrator inside the last change window: routine, but for its lifetime, which
      // only the snapshot knows (audit logs carry no credential dates).
      let windowStart = ctx.day + 13 * HOUR;
      for (let d = ctx.day; d > ctx.day - 7 * DAY; d -= DAY) {
        const w = changeWindowOf(d);
        if (w) { windowStart = w.start + 30 * MINUTE; break; }
      }
      const actor = userActor(ctx.tenant.admins[2]!);
      const r = emit(ctx, auditRecord(ctx.rng, {
        timeMs: windowStart, activity: 'Update application \u2013 Certificates and secrets management ', category: 'ApplicationManagement', operationType: 'Update', actor,
        targets: [target('Application', app.objectId, app.displayName, [
          changed('KeyDescription', keyDescription(app.credentials), keyDescription([...app.credentials, { keyId, type: 'Password', usage: 'Verify', displayName: 'never-expires' }])),
          changed('Included Updated Properties', null, 'KeyDescription'),
        ])],
        additionalDetails: appDetails(app, actor),
      }));
      app.credentials.push({ keyId, type: 'Password', usage: 'Verify', displayName: 'never-expires', startDateTime: new Date(windowStart).toISOString(), endDateTime: new Date(windowStart + 3652 * DAY).toISOString() });
      expect(ctx, 'row-02-long-lived-credential', 'ten-year secret added (scan --snapshot gives its lifetime)', RULE.credentialAdded, [1, 2], 'critical', [r], 'snapshot');
      ctx.out.labels.push({ scenario: 'row-02-long-lived-credential', step: 'ten-year secret in the snapshot (posture)', ruleId: null, guideRows: [2], severity: 'medium', time: new Date(windowStart).toISOString(), records: [{ id: keyId }], needs: 'posture' });
    },
  },
  'row-03-app-assigned-role': {
    description: 'An app added to a privileged directory role and given Owner on the subscription, outside change windows.',
    run(ctx) {
      const app = daemon(ctx.tenant, 3);
      const admin = ctx.tenant.admins[0]!;
      const t = ctx.day + 19 * HOUR;
      const r = directoryRoleAssigned(ctx, app, 'Privileged Role Administrator', userActor(admin), t);
      expect(ctx, 'row-03-app-assigned-role', 'privileged directory role', RULE.privilegedRoleAssigned, [3], 'critical', [r]);
      const reader = directoryRoleAssigned(ctx, app, 'Reports Reader', userActor(admin), t + 5 * MINUTE);
      expect(ctx, 'row-03-app-assigned-role', 'non-privileged directory role', RULE.roleAssigned, [3], 'high', [reader]);
      const assignmentId = ctx.rng.guid();
      const scope = `/subscriptions/${ctx.tenant.subscriptionId}`;
      const rbac = emit(ctx, activityRecord(ctx.rng, ctx.tenant, {
        timeMs: t + 9 * MINUTE, operationName: 'Microsoft.Authorization/roleAssignments/write', statusCode: 'Created',
        resourceId: `${scope}/providers/Microsoft.Authorization/roleAssignments/${assignmentId}`, caller: { user: admin, ipAddress: admin.ipAddress },
        requestBody: { Id: assignmentId, Properties: { PrincipalId: app.servicePrincipalId, PrincipalType: 'ServicePrincipal', RoleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`, Scope: scope, Condition: null, ConditionVersion: null } },
      }));
      expect(ctx, 'row-03-app-assigned-role', 'Owner on the subscription', RULE.azurePrivilegedRole, [3], 'critical', [rbac]);
    },
  },
  'row-04-06-graph-permission': {
    description: 'Application.ReadWrite.All on Microsoft Graph granted to a daemon by an administrator, outside change windows.',
    run(ctx) {
      const app = daemon(ctx.tenant, 4);
      const r = appRoleGranted(ctx, app, ctx.tenant.resources.graph, { id: GRAPH_APP_ROLE_IDS['Application.ReadWrite.All']!, value: 'Application.ReadWrite.All', displayName: 'Read and write all applications' }, userActor(ctx.tenant.admins[1]!), ctx.day + 17 * HOUR + 40 * MINUTE);
      expect(ctx, 'row-04-06-graph-permission', 'critical Graph permission', RULE.permissionSensitiveApi, [4, 5, 6], 'critical', [r]);
    },
  },
  'row-07-other-api-permission': {
    description: 'An app role on another line-of-business API granted to a daemon, outside change windows.',
    run(ctx) {
      const app = daemon(ctx.tenant, 5);
      const api = webApp(ctx.tenant, 0);
      const r = appRoleGranted(ctx, app, { servicePrincipalId: api.servicePrincipalId, displayName: api.displayName, servicePrincipalNames: `${api.appId};${api.identifierUris[0]}` }, { id: ctx.rng.guid(), value: 'Records.Export', displayName: 'Export all records' }, userActor(ctx.tenant.admins[2]!), ctx.day + 18 * HOUR);
      expect(ctx, 'row-07-other-api-permission', 'app role on another API', RULE.permissionOtherApi, [7], 'high', [r]);
    },
  },
  'row-08-all-users-grant': {
    description: 'Mail.ReadWrite granted on Microsoft Graph for all users (AllPrincipals) to a web app.',
    run(ctx) {
      const app = webApp(ctx.tenant, 1);
      const admin = ctx.tenant.admins[0]!;
      ctx.tenant.state.grants.push({ id: ctx.rng.b64url(43), clientId: app.servicePrincipalId, consentType: 'AllPrincipals', principalId: null, resourceId: ctx.tenant.resources.graph.servicePrincipalId, scope: 'openid profile User.Read Mail.ReadWrite' });
      const r = emit(ctx, auditRecord(ctx.rng, {
        timeMs: ctx.day + 20 * HOUR, activity: 'Add delegated permission grant', category: 'ApplicationManagement', operationType: 'Assign', actor: userActor(admin),
        targets: [
          target('ServicePrincipal', ctx.tenant.resources.graph.servicePrincipalId, 'Microsoft Graph', [
            changed('DelegatedPermissionGrant.Scope', null, ' openid profile User.Read Mail.ReadWrite'), changed('DelegatedPermissionGrant.ConsentType', null, 'AllPrincipals'),
            changed('ServicePrincipal.ObjectID', null, app.servicePrincipalId), changed('TargetId.ServicePrincipalNames', null, ctx.tenant.resources.graph.servicePrincipalNames),
          ]),
          target('ServicePrincipal', app.servicePrincipalId, null),
        ],
      }));
      expect(ctx, 'row-08-all-users-grant', 'Mail.ReadWrite for all users', RULE.delegatedAllUsers, [5, 6, 8], 'critical', [r]);
    },
  },
  'row-10-end-user-consent': {
    description: 'The CEO consents for herself to a SaaS app asking for the basic scopes.',
    run(ctx) {
      const ceo = ctx.tenant.executive;
      const records = userConsent(ctx.rng, ctx.tenant, { timeMs: ctx.day + 10 * HOUR, user: ceo, client: ctx.tenant.saasApps[1]!, clientSpId: ctx.rng.guid(), scope: 'openid profile email User.Read offline_access' });
      for (const r of records) emit(ctx, r);
      expect(ctx, 'row-10-end-user-consent', 'consent by a high-profile account', RULE.endUserConsent, [10], 'medium', [records[1]!]);
    },
  },
  'row-11-consent-blocked': {
    description: 'Risk-based step-up consent stops a user consenting to a risky app.',
    run(ctx) {
      const user = person(ctx, 12);
      const risky: ClientApp = { appId: ctx.rng.guid(), displayName: 'PDF Converter Online', ownerTenantId: ctx.rng.guid(), clientAppUsed: 'Browser' };
      const [r] = userConsent(ctx.rng, ctx.tenant, { timeMs: ctx.day + 11 * HOUR, user, client: risky, clientSpId: ctx.rng.guid(), scope: 'Mail.Read offline_access', resultReason: 'Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException' });
      emit(ctx, r!);
      expect(ctx, 'row-11-consent-blocked', 'consent stopped by risk', RULE.consentBlocked, [11], 'medium', [r!]);
    },
  },
  'row-12-ropc': {
    description: 'A person signs in with ROPC through an internal app that is not on the allow-list.',
    run(ctx) {
      const user = person(ctx, 14);
      const kiosk = ropcKioskApp(ctx.tenant);
      const app = ctx.tenant.apps.find((a) => !a.daemon && a !== kiosk) ?? ctx.tenant.deployBot;
      const r = emit(ctx, signInRecord(ctx.rng, ctx.tenant, { timeMs: ctx.day + 9 * HOUR, type: 'interactiveUser', user, client: { appId: app.appId, displayName: app.displayName, ownerTenantId: ctx.tenant.tenantId, clientAppUsed: 'Mobile Apps and Desktop clients' }, resource: ctx.tenant.resources.graph, ipAddress: user.ipAddress, place: user.place, protocol: 'ropc', mfa: false, userAgent: 'python-requests/2.32.3' }));
      expect(ctx, 'row-12-ropc', 'successful ROPC sign-in', RULE.ropc, [12], 'medium', [r]);
    },
  },
  'row-13-device-code': {
    description: 'A person completes a device-code sign-in to the Azure CLI in office hours.',
    run(ctx) {
      const user = person(ctx, 15);
      const r = emit(ctx, signInRecord(ctx.rng, ctx.tenant, { timeMs: ctx.day + 13 * HOUR, type: 'interactiveUser', user, client: { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', displayName: 'Microsoft Azure CLI', ownerTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', clientAppUsed: 'Mobile Apps and Desktop clients' }, resource: ctx.tenant.resources.azureManagement, ipAddress: user.ipAddress, place: user.place, protocol: 'deviceCode', transferMethod: 'deviceCodeFlow' }));
      expect(ctx, 'row-13-device-code', 'device-code sign-in', RULE.deviceCode, [13], 'medium', [r]);
    },
  },
  'row-15-redirect-uri': {
    description: 'A wildcard redirect URI on an unverified domain added to a web app, outside change windows.',
    run(ctx) {
      const app = webApp(ctx.tenant, 3);
      const r = appUpdate(ctx, app, 'AppAddress', appAddresses(app.redirectUris, false), appAddresses([...app.redirectUris, 'https://*.contoso-login.net/callback'], false), userActor(ctx.tenant.admins[1]!), ctx.day + 16 * HOUR + 30 * MINUTE);
      expect(ctx, 'row-15-redirect-uri', 'wildcard redirect URI', RULE.redirectChanged, [14, 15], 'critical', [r]);
    },
  },
  'row-16-appid-uri': {
    description: 'The application ID URI of a web app changed to an outside domain.',
    run(ctx) {
      const app = webApp(ctx.tenant, 4);
      const r = appUpdate(ctx, app, 'AppIdentifierUri', app.identifierUris, [...app.identifierUris, 'https://contoso-payroll.example'], userActor(person(ctx, 16)), ctx.day + 21 * HOUR);
      expect(ctx, 'row-16-appid-uri', 'app ID URI added', RULE.appIdUri, [16], 'critical', [r]);
    },
  },
  'row-17-owner-added': {
    description: 'A user adds a colleague as owner of a daemon app at night.',
    run(ctx) {
      const app = daemon(ctx.tenant, 6);
      const r = ownerAdded(ctx, app, person(ctx, 18), userActor(person(ctx, 17)), ctx.day + 23 * HOUR);
      expect(ctx, 'row-17-owner-added', 'owner added', RULE.ownerAdded, [17], 'high', [r]);
    },
  },
  'row-18-logout-url': {
    description: 'The sign-out URL of a web app blanked.',
    run(ctx) {
      const app = webApp(ctx.tenant, 5);
      const r = appUpdate(ctx, app, 'LogoutUrl', app.logoutUrl ? [app.logoutUrl] : [], [], userActor(ctx.tenant.admins[2]!), ctx.day + 22 * HOUR);
      expect(ctx, 'row-18-logout-url', 'sign-out URL blanked', RULE.logoutUrl, [18], 'medium', [r]);
    },
  },

  // --------------------------------------------------------------------------------------------------------
  // Campaigns

  'midnight-blizzard': {
    description: 'Password spray with ROPC from one address → the legacy test account falls → it takes over a legacy OAuth app (owner, secret) → the app gets full_access_as_app and a privileged role → it creates new apps and consents to them → mailbox access through service-principal sign-ins.',
    run(ctx) {
      const { tenant, rng } = ctx;
      const legacyApp = newApp(ctx, 'Legacy-OAuth-Test', ctx.day - 900 * DAY);
      legacyApp.daemon = true;
      ctx.out.snapshot.push({ kind: 'app', app: legacyApp });
      const t0 = ctx.day - DAY + 22 * HOUR; // the evening before the attack day
      const spray = people(ctx, 20, 40);
      spray.forEach((user, i) => emit(ctx, signInRecord(rng, tenant, {
        timeMs: t0 + i * 20_000, type: 'interactiveUser', user, client: { appId: '1b730954-1685-4b74-9bfd-dac224a7b894', displayName: 'Azure Active Directory PowerShell', ownerTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', clientAppUsed: 'Mobile Apps and Desktop clients' },
        resource: tenant.resources.graph, ipAddress: ATTACKER_IP, place: ATTACKER_PLACE, protocol: 'ropc', errorCode: 50126, mfa: false, userAgent: 'python-requests/2.31.0',
      })));
      const victim = tenant.legacyTestAccount;
      const foothold = emit(ctx, signInRecord(rng, tenant, {
        timeMs: t0 + 45 * MINUTE, type: 'interactiveUser', user: victim, client: { appId: '1b730954-1685-4b74-9bfd-dac224a7b894', displayName: 'Azure Active Directory PowerShell', ownerTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', clientAppUsed: 'Mobile Apps and Desktop clients' },
        resource: tenant.resources.graph, ipAddress: ATTACKER_IP, place: ATTACKER_PLACE, protocol: 'ropc', mfa: false, userAgent: 'python-requests/2.31.0',
      }));
      expect(ctx, 'midnight-blizzard', 'spray succeeds on the legacy test account (ROPC)', RULE.ropc, [12], 'high', [foothold]);
      const actor = userActor(victim, ATTACKER_IP);
      const t1 = ctx.day + 1 * HOUR;
      const owner = ownerAdded(ctx, legacyApp, victim, actor, t1);
      expect(ctx, 'midnight-blizzard', 'test account makes itself owner of the legacy app', RULE.ownerAdded, [17], 'high', [owner]);
      const cred = credentialAdded(ctx, legacyApp, actor, t1 + 3 * MINUTE, 'sync');
      expect(ctx, 'midnight-blizzard', 'secret added to the legacy app', RULE.credentialAdded, [1], 'critical', [cred]);
      const exo = tenant.resources.exchange;
      const full = appRoleGranted(ctx, legacyApp, exo, { id: EXCHANGE_FULL_ACCESS_ROLE_ID, value: 'full_access_as_app', displayName: 'Use Exchange Web Services with full access to all mailboxes' }, actor, t1 + 9 * MINUTE);
      expect(ctx, 'midnight-blizzard', 'legacy app granted full_access_as_app', RULE.permissionSensitiveApi, [4, 5, 6], 'critical', [full]);
      const rolemgmt = appRoleGranted(ctx, legacyApp, tenant.resources.graph, { id: GRAPH_APP_ROLE_IDS['RoleManagement.ReadWrite.Directory']!, value: 'RoleManagement.ReadWrite.Directory', displayName: 'Read and write all directory RBAC settings' }, actor, t1 + 11 * MINUTE);
      expect(ctx, 'midnight-blizzard', 'legacy app granted RoleManagement.ReadWrite.Directory', RULE.permissionSensitiveApi, [4, 5, 6], 'critical', [rolemgmt]);
      const firstSignIn = spSignIn(ctx, legacyApp, tenant.resources.graph, t1 + 14 * MINUTE);
      expect(ctx, 'midnight-blizzard', 'owner → credential → sign-in chain', RULE.takeoverChain, [], 'critical', [owner, cred, firstSignIn]);
      const role = directoryRoleAssigned(ctx, legacyApp, 'Global Administrator', appActor(legacyApp), t1 + 20 * MINUTE);
      expect(ctx, 'midnight-blizzard', 'legacy app puts itself in a privileged role', RULE.privilegedRoleAssigned, [3], 'critical', [role]);
      expect(ctx, 'midnight-blizzard', 'RoleManagement.ReadWrite.Directory then a role assignment', RULE.roleManagementThenAssignment, [], 'critical', [rolemgmt, role]);
      // New apps, registered and consented by the compromised app, then a credential on each.
      for (const [i, name] of ['Mail-Archiver', 'Compliance-Export'].entries()) {
        const created = newApp(ctx, name, t1 + (30 + i * 10) * MINUTE);
        registerApp(ctx, created, appActor(legacyApp), t1 + (30 + i * 10) * MINUTE);
        const consent = adminConsent(ctx, created, appActor(legacyApp), t1 + (32 + i * 10) * MINUTE, 'Mail.Read offline_access');
        const grant = appRoleGranted(ctx, created, exo, { id: EXCHANGE_FULL_ACCESS_ROLE_ID, value: 'full_access_as_app', displayName: 'Use Exchange Web Services with full access to all mailboxes' }, appActor(legacyApp), t1 + (33 + i * 10) * MINUTE);
        expect(ctx, 'midnight-blizzard', `${name} granted full_access_as_app`, RULE.permissionSensitiveApi, [4, 5, 6], 'critical', [grant]);
        const secret = credentialAdded(ctx, created, appActor(legacyApp), t1 + (35 + i * 10) * MINUTE, 'key1');
        expect(ctx, 'midnight-blizzard', `secret added to ${name}`, RULE.credentialAdded, [1], 'critical', [secret]);
        expect(ctx, 'midnight-blizzard', `${name}: credential within two days of admin consent`, RULE.credentialAfterAdminConsent, [], 'high', [consent, secret]);
        for (let k = 0; k < 6; k++) spSignIn(ctx, created, exo, t1 + (50 + i * 10 + k * 7) * MINUTE);
      }
    },
  },
  'consent-phishing': {
    description: 'Eight people consent within the hour to a look-alike of a Microsoft app asking offline_access and Mail.Read.',
    run(ctx) {
      const lure: ClientApp = { appId: ctx.rng.guid(), displayName: 'Microsoft 0utlook Sync', ownerTenantId: ctx.rng.guid(), clientAppUsed: 'Browser' };
      const lureSp = ctx.rng.guid();
      const victims = people(ctx, 60, 8);
      const consents: SimRecord[] = [];
      victims.forEach((user, i) => {
        const [grant, consent] = userConsent(ctx.rng, ctx.tenant, { timeMs: ctx.day + 14 * HOUR + i * 6 * MINUTE, user, client: lure, clientSpId: lureSp, scope: 'openid profile offline_access Mail.Read' });
        emit(ctx, grant!);
        emit(ctx, consent!);
        consents.push(consent!);
        // The grant record does not name the client app (its target has no display name), so the look-alike
        // name raises only the consent record's alert.
        expect(ctx, 'consent-phishing', `${user.userPrincipalName} grants Mail.Read`, RULE.delegatedSensitiveApi, [5, 6], 'high', [grant!]);
        expect(ctx, 'consent-phishing', `${user.userPrincipalName} consents to a look-alike app`, RULE.endUserConsent, [10], 'medium', [consent!]);
      });
      expect(ctx, 'consent-phishing', 'many users consent within the hour', RULE.consentByManyUsers, [10], 'high', consents.slice(0, 5));
    },
  },
  'device-code-phishing': {
    description: 'A phished person completes a device-code sign-in started from an attacker\'s address abroad, at night.',
    run(ctx) {
      const user = person(ctx, 70);
      const r = emit(ctx, signInRecord(ctx.rng, ctx.tenant, {
        timeMs: ctx.day + 3 * HOUR + 12 * MINUTE, type: 'interactiveUser', user, client: ctx.tenant.microsoftApps[1]!, resource: ctx.tenant.resources.graph,
        ipAddress: ATTACKER_IP, place: ATTACKER_PLACE, protocol: 'deviceCode', transferMethod: 'deviceCodeFlow', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36',
      }));
      expect(ctx, 'device-code-phishing', 'device-code sign-in from abroad at night', RULE.deviceCode, [13], 'high', [r]);
    },
  },
  'redirect-uri-hijack': {
    description: 'A redirect URI to a deleted azurewebsites.net host (dangling: anyone can register it) added to a web app.',
    run(ctx) {
      const app = webApp(ctx.tenant, 6);
      const host = `${app.displayName.toLowerCase()}-legacy.azurewebsites.net`;
      // Not in the tenant's DNS zone (dns.json): the name answers NXDOMAIN, anyone can register it.
      const r = appUpdate(ctx, app, 'AppAddress', appAddresses(app.redirectUris, false), appAddresses([...app.redirectUris, `https://${host}/signin-oidc`], false), userActor(person(ctx, 19)), ctx.day + 4 * HOUR);
      expect(ctx, 'redirect-uri-hijack', 'redirect URI changed', RULE.redirectChanged, [14, 15], 'critical', [r]);
      expect(ctx, 'redirect-uri-hijack', 'dangling redirect URI (scan --dns)', RULE.redirectDangling, [14], 'critical', [r], 'dns');
    },
  },
  'keyvault-exfiltration': {
    description: 'A caller never seen on the payroll vault reads every secret at night from an address abroad.',
    run(ctx) {
      const vault = ctx.tenant.vaults[0]!;
      const thief = person(ctx, 71);
      const reads: SimRecord[] = [];
      for (let i = 0; i < 60; i++) {
        reads.push(emit(ctx, vaultRecord(ctx.rng, ctx.tenant, {
          timeMs: ctx.day + 1 * HOUR + 30 * MINUTE + i * 5000, vault, operationName: 'SecretGet',
          caller: { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', objectId: thief.id, idtyp: 'user', upn: thief.userPrincipalName, ipAddress: ATTACKER_IP },
          secret: vault.secrets[i % vault.secrets.length]!,
        })));
      }
      expect(ctx, 'keyvault-exfiltration', 'first read by a new caller', RULE.vaultNewCaller, [9], 'high', [reads[0]!]);
      expect(ctx, 'keyvault-exfiltration', 'read outside business hours', RULE.vaultOutsideHours, [9], 'medium', [reads[0]!]);
      expect(ctx, 'keyvault-exfiltration', 'mass secret reads', RULE.vaultMassReads, [9], 'high', reads.slice(0, 50));
    },
  },
  'access-policy-flip': {
    description: 'A Key Vault access policy added, used and removed within ten minutes, outside change windows.',
    run(ctx) {
      const vault = ctx.tenant.vaults[1]!;
      const admin = person(ctx, 72);
      const vaultId = `/subscriptions/${ctx.tenant.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`;
      const t = ctx.day + 20 * HOUR + 5 * MINUTE;
      const add = emit(ctx, activityRecord(ctx.rng, ctx.tenant, { timeMs: t, operationName: 'Microsoft.KeyVault/vaults/accessPolicies/write', resourceId: `${vaultId}/accessPolicies/add`, caller: { user: admin, ipAddress: admin.ipAddress } }));
      const patch = emit(ctx, vaultRecord(ctx.rng, ctx.tenant, { timeMs: t + 20_000, vault, operationName: 'VaultPatch', caller: { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', objectId: admin.id, idtyp: 'user', upn: admin.userPrincipalName, ipAddress: admin.ipAddress } }));
      const remove = emit(ctx, activityRecord(ctx.rng, ctx.tenant, { timeMs: t + 7 * MINUTE, operationName: 'Microsoft.KeyVault/vaults/accessPolicies/write', resourceId: `${vaultId}/accessPolicies/remove`, caller: { user: admin, ipAddress: admin.ipAddress } }));
      expect(ctx, 'access-policy-flip', 'access policy changed (Activity)', RULE.vaultAccessControlActivity, [9], 'high', [add]);
      expect(ctx, 'access-policy-flip', 'vault patched (data plane)', RULE.vaultAccessControl, [9], 'high', [patch]);
      expect(ctx, 'access-policy-flip', 'added then removed within ten minutes', RULE.vaultPolicyFlip, [9], 'high', [add, remove]);
    },
  },
};

export function runScenarios(names: readonly string[], rng: Rng, tenant: Tenant, attackDayMs: number): ScenarioOutput {
  const out: ScenarioOutput = { records: [], labels: [], snapshot: [] };
  for (const name of names) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(name)} (known: ${Object.keys(SCENARIOS).join(', ')})`);
    scenario.run({ rng: rng.fork(name), tenant, day: attackDayMs, out });
  }
  return out;
}
