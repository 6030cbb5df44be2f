/**
 * @module report/inventory
 * The application inventory of the report, from an inventory snapshot: for each application (and each service
 * principal of another tenant's app that holds something) what it holds, its credentials (nearest expiry, longest
 * lifetime), owners, and a risk score that says why.
 */
import type { Alert } from '../alerts/types.js';
import { isFirstParty } from '../enrich/app-names.js';
import { classifyPermission, rank, type PermissionClass } from '../enrich/catalogue.js';
import type { ConsentRow } from '../posture/consent-report.js';
import type { InventorySnapshot } from '../posture/snapshot.js';
import type { ReportApplication } from './model.js';

type Json = Record<string, unknown>;
const DAY = 86_400_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]).filter((x) => typeof x === 'object' && x !== null) : []);

const TIER_POINTS: Record<ReportApplication['permissionTier'], number> = { critical: 50, high: 30, medium: 10, low: 0, none: 0 };

export function applicationInventory(snapshot: InventorySnapshot, consent: readonly ConsentRow[], alerts: readonly Alert[], findings: readonly Alert[]): ReportApplication[] {
  const spByAppId = new Map<string, Json>();
  for (const sp of snapshot.servicePrincipals) if (str(sp.appId)) spByAppId.set(str(sp.appId)!.toLowerCase(), sp);
  const appsById = new Map<string, Json>();
  for (const app of snapshot.applications) if (str(app.appId)) appsById.set(str(app.appId)!.toLowerCase(), app);
  // The apps of this tenant, and other tenants' service principals that were granted something.
  const granted = new Set(consent.map((r) => r.ClientObjectId.toLowerCase()));
  const subjects: { appId: string; app?: Json; sp?: Json }[] = [];
  for (const [appId, app] of appsById) subjects.push({ appId, app, ...(spByAppId.get(appId) ? { sp: spByAppId.get(appId)! } : {}) });
  for (const [appId, sp] of spByAppId) if (!appsById.has(appId) && granted.has(String(sp.id).toLowerCase())) subjects.push({ appId, sp });

  const matches = (a: Alert, appId: string, spId?: string): boolean =>
    [a.entities.application?.appId, a.entities.servicePrincipal?.appId].some((x) => x?.toLowerCase() === appId)
    || (spId !== undefined && [a.entities.servicePrincipal?.id, a.entities.application?.id].some((x) => x?.toLowerCase() === spId));

  return subjects.map(({ appId, app, sp }) => {
    const spId = str(sp?.id)?.toLowerCase();
    const permissions = consent.filter((r) => r.ClientObjectId.toLowerCase() === spId).map((r) => ({
      value: r.Permission, type: r.PermissionType as 'Application' | 'Delegated', class: r.Privilege, consentType: r.ConsentType,
    }));
    const top = permissions.reduce<PermissionClass | undefined>((best, p) => {
      const c = classifyPermission(p.value).class;
      const cls = (['low', 'medium', 'high', 'critical'] as const).includes(p.class as PermissionClass) ? (p.class as PermissionClass) : c;
      return best === undefined || rank(cls) > rank(best) ? cls : best;
    }, undefined);
    const credentials: ReportApplication['credentials'] = [];
    for (const owner of [app, sp]) {
      for (const [key, type] of [['passwordCredentials', 'password'], ['keyCredentials', 'certificate']] as const) {
        for (const c of list(owner?.[key])) {
          const start = str(c.startDateTime);
          const end = str(c.endDateTime);
          const lifetimeDays = start && end ? Math.round((Date.parse(end) - Date.parse(start)) / DAY) : undefined;
          credentials.push({ type, ...(str(c.displayName) ? { displayName: str(c.displayName)! } : {}), ...(str(c.keyId) ? { keyId: str(c.keyId)! } : {}), ...(start ? { start } : {}), ...(end ? { end } : {}), ...(lifetimeDays !== undefined ? { lifetimeDays } : {}) });
        }
      }
    }
    for (const f of list(app ? snapshot.federatedIdentityCredentials?.[String(app.id)] : undefined)) credentials.push({ type: 'federated', ...(str(f.name) ? { displayName: str(f.name)! } : {}) });
    const collected = snapshot.collectedAt ? Date.parse(snapshot.collectedAt) : Date.now();
    const future = credentials.map((c) => c.end).filter((e): e is string => e !== undefined && Date.parse(e) >= collected).sort();
    const lifetimes = credentials.map((c) => c.lifetimeDays).filter((d): d is number => d !== undefined);
    const owners = [...list(app ? snapshot.owners?.[String(app.id)] : undefined), ...list(sp ? snapshot.owners?.[String(sp.id)] : undefined)]
      .map((o) => ({ id: String(o.id ?? ''), ...(str(o.displayName) ? { displayName: str(o.displayName)! } : {}), ...(str(o.userPrincipalName) ? { userPrincipalName: str(o.userPrincipalName)! } : {}), type: String(o['@odata.type'] ?? '').replace('#microsoft.graph.', '') || 'directoryObject' }));
    const uniqueOwners = [...new Map(owners.map((o) => [o.id, o])).values()];
    const audience = str(app?.signInAudience) ?? str(sp?.signInAudience);
    const multiTenant = audience === 'AzureADMultipleOrgs' || audience === 'AzureADandPersonalMicrosoftAccount';
    const openAlerts = alerts.filter((a) => matches(a, appId, spId)).length;
    const appFindings = findings.filter((a) => matches(a, appId, spId)).length;
    const tier: ReportApplication['permissionTier'] = top ?? 'none';
    const reasons: string[] = [];
    let risk = TIER_POINTS[tier];
    if (tier === 'critical' || tier === 'high') reasons.push(`holds ${tier} permissions`);
    if (openAlerts > 0) { risk += Math.min(30, openAlerts * 10); reasons.push(`${openAlerts} alert${openAlerts === 1 ? '' : 's'}`); }
    if (appFindings > 0) { risk += Math.min(20, appFindings * 5); reasons.push(`${appFindings} posture finding${appFindings === 1 ? '' : 's'}`); }
    if (multiTenant && (tier === 'critical' || tier === 'high')) { risk += 10; reasons.push('multi-tenant'); }
    if (lifetimes.some((d) => d > 365)) { risk += 5; reasons.push('a credential valid over a year'); }
    return {
      appId, ...(str(app?.id) ? { objectId: str(app?.id)! } : {}), ...(spId ? { servicePrincipalId: str(sp?.id)! } : {}),
      displayName: str(app?.displayName) ?? str(sp?.displayName) ?? appId,
      permissionTier: tier, permissions, credentials,
      ...(future[0] ? { nearestExpiry: future[0] } : {}), ...(lifetimes.length > 0 ? { longestLifetimeDays: Math.max(...lifetimes) } : {}),
      owners: uniqueOwners, ...(audience ? { signInAudience: audience } : {}), multiTenant,
      firstParty: Boolean(isFirstParty(appId)) || str(sp?.appOwnerOrganizationId) === 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
      openAlerts, findings: appFindings, risk: Math.min(100, risk), riskReasons: reasons,
    };
  }).sort((a, b) => b.risk - a.risk || a.displayName.localeCompare(b.displayName));
}
