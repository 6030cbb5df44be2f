/**
 * @module simulate/background
 * One benign day of the simulated tenant: people signing in (interactive and non-interactive) in a daily
 * rhythm, daemons and managed identities signing in from their usual addresses and reading their vaults,
 * routine application administration by the approved administrators inside change windows, managed-identity
 * certificate rollover, consent to common and Microsoft apps, a legacy kiosk app allowed to use ROPC, and Azure
 * Activity writes. Nothing here should raise a high or critical alert; the accuracy test holds it to that.
 */
import type { Rng } from './random.js';
import {
  activityRecord, appAddresses, appDetails, auditRecord, changed, keyDescription, signInRecord, target, vaultRecord,
  type SimRecord,
} from './records.js';
import type { ClientApp, SimApp, Tenant } from './tenant.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function isWeekday(dayMs: number): boolean {
  const d = new Date(dayMs).getUTCDay();
  return d >= 1 && d <= 5;
}

/** A time in the working day: 07:00–15:30 UTC is inside 08:00–18:00 Paris time, summer and winter. */
export function workTime(rng: Rng, dayMs: number): number {
  return dayMs + 7 * HOUR + rng.int(8.5 * HOUR);
}

/** The tenant's change windows: Tuesdays and Thursdays, 12:00–15:00 UTC. */
export function changeWindowOf(dayMs: number): { start: number; end: number } | undefined {
  const d = new Date(dayMs).getUTCDay();
  return d === 2 || d === 4 ? { start: dayMs + 12 * HOUR, end: dayMs + 15 * HOUR } : undefined;
}

/** The kiosk app that legitimately signs its badge-reader account in with ROPC (on the rule's allow-list). */
export function ropcKioskApp(tenant: Tenant): SimApp {
  return tenant.apps.find((a) => !a.daemon) ?? tenant.apps[0]!;
}

export const GRAPH_CLI: ClientApp = { appId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', displayName: 'Microsoft Graph Command Line Tools', ownerTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', clientAppUsed: 'Mobile Apps and Desktop clients' };

function clientOf(app: SimApp, tenant: Tenant): ClientApp {
  return { appId: app.appId, displayName: app.displayName, ownerTenantId: tenant.tenantId, clientAppUsed: app.publicClient ? 'Mobile Apps and Desktop clients' : 'Browser' };
}

/** A time in the day weighted to the working rhythm: most between 07:00 and 17:00 UTC, a few at night. */
function rhythmTime(rng: Rng, dayMs: number): number {
  const r = rng.next();
  if (r < 0.45) return dayMs + 7 * HOUR + rng.int(3 * HOUR);
  if (r < 0.9) return dayMs + 11 * HOUR + rng.int(6 * HOUR);
  if (r < 0.97) return dayMs + 17 * HOUR + rng.int(5 * HOUR);
  return dayMs + rng.int(7 * HOUR);
}

export function backgroundDay(rng: Rng, tenant: Tenant, dayMs: number): SimRecord[] {
  const out: SimRecord[] = [];
  const weekday = isWeekday(dayMs);
  const internalWebApps = tenant.apps.filter((a) => !a.daemon);
  const r = tenant.resources;

  // People.
  for (const user of tenant.users) {
    if (user === tenant.legacyTestAccount) continue; // forgotten: nobody uses it
    const interactive = rng.poisson(weekday ? 2.5 : 0.2);
    for (let i = 0; i < interactive; i++) {
      const useInternal = internalWebApps.length > 0 && rng.chance(0.15);
      const client = useInternal ? clientOf(rng.pick(internalWebApps), tenant) : rng.pick(tenant.microsoftApps);
      const fail = rng.chance(0.03);
      out.push(signInRecord(rng, tenant, {
        timeMs: rhythmTime(rng, dayMs), type: 'interactiveUser', user, client,
        resource: client.displayName === 'Office 365 Exchange Online' ? r.exchange : r.graph,
        ipAddress: user.ipAddress, place: user.place, protocol: 'none',
        ...(fail ? { errorCode: 50126 } : {}),
      }));
    }
    const silent = rng.poisson(weekday ? 5 : 0.8);
    for (let i = 0; i < silent; i++) {
      const client = rng.pick(tenant.microsoftApps);
      out.push(signInRecord(rng, tenant, {
        timeMs: rhythmTime(rng, dayMs), type: 'nonInteractiveUser', user, client,
        resource: rng.pick([r.graph, r.exchange, r.sharePoint]), ipAddress: user.ipAddress, place: user.place,
      }));
    }
  }

  // The badge kiosk: ROPC, allow-listed.
  const kiosk = ropcKioskApp(tenant);
  const kioskUser = tenant.users[tenant.users.length - 1]!;
  const kioskRuns = weekday ? 3 : 0;
  for (let i = 0; i < kioskRuns; i++) {
    out.push(signInRecord(rng, tenant, {
      timeMs: workTime(rng, dayMs), type: 'interactiveUser', user: kioskUser, client: clientOf(kiosk, tenant), resource: r.graph,
      ipAddress: tenant.officeIps[0]!, place: kioskUser.place, protocol: 'ropc', mfa: false, userAgent: 'python-requests/2.32.3',
    }));
  }

  // Daemons: hourly client-credential sign-ins to Graph, and reads of their vault.
  for (const app of [...tenant.apps.filter((a) => a.daemon), tenant.deployBot]) {
    const password = app.credentials.find((c) => c.type === 'Password');
    for (let h = 0; h < 24; h++) {
      if (app === tenant.deployBot && (h < 7 || h > 16 || !weekday)) continue;
      out.push(signInRecord(rng, tenant, {
        timeMs: dayMs + h * HOUR + rng.int(HOUR), type: 'servicePrincipal', workload: app, resource: r.graph,
        ipAddress: rng.pick(app.ipAddresses), credentialKeyId: password?.keyId,
      }));
    }
    if (app.vault) {
      for (let i = 0; i < 4; i++) {
        out.push(vaultRecord(rng, tenant, {
          timeMs: dayMs + (6 * i + 1) * HOUR + rng.int(HOUR), vault: app.vault, operationName: 'SecretGet',
          caller: { appId: app.appId, objectId: app.servicePrincipalId, idtyp: 'app', ipAddress: app.ipAddresses[0]! }, secret: rng.pick(app.vault.secrets),
        }));
      }
    }
  }

  // Managed identities: hourly token for Key Vault, then a secret read.
  for (const mi of tenant.managedIdentities) {
    for (let h = 0; h < 24; h++) {
      const t = dayMs + h * HOUR + rng.int(50 * MINUTE);
      out.push(signInRecord(rng, tenant, { timeMs: t, type: 'managedIdentity', workload: mi, resource: r.keyVault, ipAddress: '' }));
      out.push(vaultRecord(rng, tenant, {
        timeMs: t + 2000, vault: mi.vault, operationName: 'SecretGet',
        caller: { appId: mi.appId, objectId: mi.servicePrincipalId, idtyp: 'app', associatedResourceId: mi.associatedResourceId, ipAddress: mi.ipAddress },
        secret: rng.pick(mi.vault.secrets),
      }));
    }
  }

  if (weekday) out.push(...routineAdministration(rng, tenant, dayMs));
  out.push(...routineConsent(rng, tenant, dayMs, weekday));

  // Managed-identity certificate rollover, by Microsoft's MSI service, every few days per identity.
  for (const mi of tenant.managedIdentities) {
    if (!rng.chance(0.3)) continue;
    const keyId = rng.guid();
    out.push(auditRecord(rng, {
      timeMs: dayMs + rng.int(DAY), activity: 'Add service principal credentials', category: 'ApplicationManagement', operationType: 'Update',
      actor: { app: { displayName: 'Managed Service Identity', appId: null, servicePrincipalId: null } },
      targets: [target('ServicePrincipal', mi.servicePrincipalId, mi.displayName, [
        changed('KeyDescription', [], keyDescription([{ keyId, type: 'AsymmetricX509Cert', usage: 'Verify', displayName: `CN=${mi.appId}` }])),
        changed('Included Updated Properties', null, 'KeyDescription'),
      ])],
      additionalDetails: [{ key: 'User-Agent', value: 'Microsoft.Azure.ManagedIdentity.Service' }],
    }));
  }
  return out;
}

/** Changes by the approved application administrators: watched ones inside the change window, others any time. */
function routineAdministration(rng: Rng, tenant: Tenant, dayMs: number): SimRecord[] {
  const out: SimRecord[] = [];
  const admin = rng.pick(tenant.admins);
  const actor = { user: admin };
  // Unwatched edits (display names, notes) on any working day.
  for (let i = rng.poisson(2); i > 0; i--) {
    const app = rng.pick(tenant.apps);
    out.push(auditRecord(rng, {
      timeMs: workTime(rng, dayMs), activity: 'Update application', category: 'ApplicationManagement', operationType: 'Update', actor,
      targets: [target('Application', app.objectId, app.displayName, [changed('Notes', null, `Owner team: ${admin.displayName}`), changed('Included Updated Properties', null, 'Notes')])],
      additionalDetails: appDetails(app, actor),
    }));
  }
  const window = changeWindowOf(dayMs);
  if (!window) return out;
  const inWindow = (): number => window.start + rng.int(window.end - window.start - MINUTE);
  const daemons = tenant.apps.filter((a) => a.daemon);
  // Secret rotation on a daemon: a new secret next to the old one.
  const rotated = rng.pick(daemons);
  const rotatedAt = inWindow();
  const fresh = {
    keyId: rng.guid(), type: 'Password' as const, usage: 'Verify' as const, displayName: `${rotated.displayName.toLowerCase()}-secret-${new Date(dayMs).toISOString().slice(0, 7)}`,
    startDateTime: new Date(rotatedAt).toISOString(), endDateTime: new Date(rotatedAt + 180 * DAY).toISOString(),
  };
  out.push(auditRecord(rng, {
    timeMs: rotatedAt, activity: 'Update application \u2013 Certificates and secrets management ', category: 'ApplicationManagement', operationType: 'Update', actor,
    targets: [target('Application', rotated.objectId, rotated.displayName, [
      changed('KeyDescription', keyDescription(rotated.credentials), keyDescription([...rotated.credentials, fresh])),
      changed('Included Updated Properties', null, 'KeyDescription'),
    ])],
    additionalDetails: appDetails(rotated, actor),
  }));
  rotated.credentials.push(fresh); // the tenant as the snapshot will see it
  // A redirect URI: HTTPS on the verified domain for a web app, a loopback port for a public client.
  const web = tenant.apps.filter((a) => !a.daemon);
  if (web.length > 0) {
    const app = rng.pick(web);
    const added = app.publicClient ? `http://localhost:${rng.between(8000, 8999)}` : `https://${app.displayName.toLowerCase()}.${tenant.domain}/auth/callback-${rng.int(100)}`;
    out.push(auditRecord(rng, {
      timeMs: inWindow(), activity: 'Update application', category: 'ApplicationManagement', operationType: 'Update', actor,
      targets: [target('Application', app.objectId, app.displayName, [
        changed('AppAddress', appAddresses(app.redirectUris, app.publicClient), appAddresses([...app.redirectUris, added], app.publicClient)),
        changed('Included Updated Properties', null, 'AppAddress'),
      ])],
      additionalDetails: appDetails(app, actor),
    }));
    app.redirectUris.push(added);
  }
  // A colleague added as a co-owner.
  if (rng.chance(0.5)) {
    const app = rng.pick(tenant.apps);
    const owner = rng.pick(tenant.admins);
    out.push(auditRecord(rng, {
      timeMs: inWindow(), activity: 'Add owner to application', category: 'ApplicationManagement', operationType: 'Update', actor,
      targets: [target('User', owner.id, null, [changed('Application.ObjectID', null, app.objectId), changed('Application.DisplayName', null, app.displayName)], owner.userPrincipalName), target('Application', app.objectId, app.displayName)],
      additionalDetails: appDetails(app, actor),
    }));
    if (!app.owners.includes(owner)) app.owners.push(owner);
  }
  // An Azure deployment: a web app updated, a storage account created.
  out.push(activityRecord(rng, tenant, {
    timeMs: inWindow(), operationName: 'Microsoft.Web/sites/write', caller: { user: admin, ipAddress: admin.ipAddress },
    resourceId: `/subscriptions/${tenant.subscriptionId}/resourceGroups/rg-web/providers/Microsoft.Web/sites/intranet-${rng.int(3)}`,
  }));
  return out;
}

/**
 * People consenting for themselves: on working days one to a Microsoft tool (Graph Command Line Tools), one to a
 * calendar app that asks for message headers only (Mail.ReadBasic), and a few to common apps with the basic scopes.
 */
function routineConsent(rng: Rng, tenant: Tenant, dayMs: number, weekday: boolean): SimRecord[] {
  const out: SimRecord[] = [];
  const consent = (client: ClientApp, scope: string): void => {
    out.push(...userConsent(rng, tenant, { timeMs: workTime(rng, dayMs), user: rng.pick(tenant.users), client, clientSpId: rng.guid(), scope }));
  };
  if (weekday) {
    consent(GRAPH_CLI, 'openid profile User.Read offline_access');
    const calendar = tenant.saasApps.find((a) => a.displayName === 'Calendly') ?? tenant.saasApps[0]!;
    consent(calendar, 'openid profile email User.Read Mail.ReadBasic');
  }
  for (let i = rng.poisson(weekday ? 1.5 : 0.1); i > 0; i--) consent(rng.pick(tenant.saasApps), 'openid profile email User.Read offline_access');
  return out;
}

/** A user's consent for themselves: the grant and the consent record, one correlation id. */
export function userConsent(rng: Rng, tenant: Tenant, spec: { timeMs: number; user: Tenant['users'][number]; client: ClientApp; clientSpId: string; scope: string; ipAddress?: string; resultReason?: string }): SimRecord[] {
  const correlationId = rng.guid();
  const actor = { user: spec.user, ipAddress: spec.ipAddress ?? spec.user.ipAddress };
  const graph = tenant.resources.graph;
  const grantId = rng.b64url(43);
  const blocked = spec.resultReason !== undefined;
  const consent = auditRecord(rng, {
    timeMs: spec.timeMs + 1500, activity: 'Consent to application', category: 'ApplicationManagement', operationType: 'Assign', actor, correlationId,
    result: blocked ? 'failure' : 'success', resultReason: spec.resultReason,
    targets: [target('ServicePrincipal', spec.clientSpId, spec.client.displayName, blocked ? [] : [
      changed('ConsentContext.IsAdminConsent', null, 'False'),
      changed('ConsentContext.IsAppOnly', null, 'False'),
      changed('ConsentContext.OnBehalfOfAll', null, 'False'),
      changed('ConsentContext.Tags', null, 'WindowsAzureActiveDirectoryIntegratedApp'),
      changed('ConsentAction.Permissions', null, `[] => [[Id: ${grantId}, ClientId: ${spec.clientSpId}, PrincipalId: ${spec.user.id}, ResourceId: ${graph.servicePrincipalId}, ConsentType: Principal, Scope: ${spec.scope}, CreatedDateTime: , LastModifiedDateTime ]]; `),
      changed('TargetId.ServicePrincipalNames', null, spec.client.appId),
    ])],
    additionalDetails: [{ key: 'User-Agent', value: spec.user.userAgent }, { key: 'AppId', value: spec.client.appId }],
  });
  if (blocked) return [consent];
  tenant.state.grants.push({ id: grantId, clientId: spec.clientSpId, consentType: 'Principal', principalId: spec.user.id, resourceId: graph.servicePrincipalId, scope: spec.scope });
  const grant = auditRecord(rng, {
    timeMs: spec.timeMs, activity: 'Add delegated permission grant', category: 'ApplicationManagement', operationType: 'Assign', actor, correlationId,
    targets: [
      target('ServicePrincipal', graph.servicePrincipalId, graph.displayName, [
        changed('DelegatedPermissionGrant.Scope', null, ` ${spec.scope}`),
        changed('DelegatedPermissionGrant.ConsentType', null, 'Principal'),
        changed('ServicePrincipal.ObjectID', null, spec.clientSpId),
        changed('TargetId.ServicePrincipalNames', null, graph.servicePrincipalNames),
      ]),
      target('ServicePrincipal', spec.clientSpId, null),
    ],
    additionalDetails: [{ key: 'User-Agent', value: spec.user.userAgent }],
  });
  return [grant, consent];
}
