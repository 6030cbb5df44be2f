/**
 * @module simulate/render/log-analytics
 * Log Analytics rows as a query returns them (`log-analytics/<Table>/<date>.jsonl`): AuditLogs, SigninLogs,
 * AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs, AZKVAuditLogs and
 * AzureActivity, with the envelope columns, PascalCase columns, the renamed ones (LocationDetails,
 * ConditionalAccessPolicies, ResourceIdentity, IPAddress, AADOperationType) and dynamic columns as JSON text
 * where the table stores them as strings. `TenantId` is the workspace id, as in real rows.
 */
import { join } from 'node:path';
import type { SimRecord } from '../records.js';
import type { Tenant } from '../tenant.js';
import { dateOf, FileSet } from './files.js';
import type { LogRenderer, RenderContext } from './types.js';

type Json = Record<string, unknown>;

const TABLE_BY_SIGNIN: Record<string, [table: string, category: string]> = {
  interactiveUser: ['SigninLogs', 'SignInLogs'],
  nonInteractiveUser: ['AADNonInteractiveUserSignInLogs', 'NonInteractiveUserSignInLogs'],
  servicePrincipal: ['AADServicePrincipalSignInLogs', 'ServicePrincipalSignInLogs'],
  managedIdentity: ['AADManagedIdentitySignInLogs', 'ManagedIdentitySignInLogs'],
};

const SIGNIN_COLUMN: Record<string, string> = {
  location: 'LocationDetails', appliedConditionalAccessPolicies: 'ConditionalAccessPolicies', resourceId: 'ResourceIdentity',
  ipAddress: 'IPAddress', riskEventTypes_v2: 'RiskEventTypes_V2', id: 'Id',
};
const DROPPED_SIGNIN = new Set(['signInEventTypes', 'homeTenantId', 'resourceTenantId']);
/** AADServicePrincipalSignInLogs / AADManagedIdentitySignInLogs have no user columns: only these (and the envelope). */
const WORKLOAD_COLUMNS = new Set(['AppId', 'AuthenticationContextClassReferences', 'AuthenticationProcessingDetails', 'ConditionalAccessPolicies',
  'ConditionalAccessStatus', 'FederatedCredentialId', 'Id', 'IPAddress', 'LocationDetails', 'ResourceDisplayName', 'ResourceIdentity',
  'ResourceServicePrincipalId', 'ServicePrincipalCredentialKeyId', 'ServicePrincipalCredentialThumbprint', 'ServicePrincipalId',
  'ServicePrincipalName', 'UniqueTokenIdentifier', 'AppOwnerTenantId', 'ClientCredentialType', 'CreatedDateTime', 'ManagedServiceIdentity']);

const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const text = (v: unknown): unknown => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v);

function envelope(tenant: Tenant, time: unknown, operationName: unknown, category: string, correlationId: unknown, identity: unknown): Json {
  return {
    TenantId: tenant.workspaceId, SourceSystem: 'Azure AD', TimeGenerated: time,
    ResourceId: `/tenants/${tenant.tenantId}/providers/Microsoft.aadiam`, OperationName: operationName, OperationVersion: '1.0',
    Category: category, ResultSignature: 'None', DurationMs: 0, CorrelationId: correlationId,
    Resource: 'Microsoft.aadiam', ResourceGroup: 'Microsoft.aadiam', ResourceProvider: '', Identity: identity, Level: '4',
  };
}

function auditRow(r: Json, tenant: Tenant): Json {
  const by = r.initiatedBy as { user?: Json | null; app?: Json | null };
  return {
    ...envelope(tenant, r.activityDateTime, r.activityDisplayName, String(r.category), r.correlationId, by.user?.userPrincipalName ?? by.app?.displayName ?? ''),
    ResultType: '', ResultDescription: '', Location: '',
    AdditionalDetails: text(r.additionalDetails), Id: r.id, InitiatedBy: text(r.initiatedBy), LoggedByService: r.loggedByService,
    Result: r.result, ResultReason: r.resultReason, TargetResources: text(r.targetResources), AADTenantId: tenant.tenantId,
    ActivityDisplayName: r.activityDisplayName, ActivityDateTime: r.activityDateTime, AADOperationType: r.operationType, Type: 'AuditLogs',
  };
}

function signInRow(sim: SimRecord, tenant: Tenant): Json {
  const r = sim.record;
  const [table, category] = TABLE_BY_SIGNIN[sim.signInType!]!;
  const status = r.status as { errorCode: number; failureReason: string };
  const place = r.location as { countryOrRegion?: string };
  // SigninLogs keeps dynamic columns as objects; the other three tables store them as strings.
  const dynamic = table === 'SigninLogs' ? (v: unknown) => v : text;
  const workload = sim.signInType === 'servicePrincipal' || sim.signInType === 'managedIdentity';
  const row: Json = {
    ...envelope(tenant, r.createdDateTime, 'Sign-in activity', category, r.correlationId, r.userDisplayName ?? r.servicePrincipalName ?? ''),
    ResultType: String(status.errorCode), ResultDescription: status.errorCode === 0 ? '' : status.failureReason,
    Location: place.countryOrRegion ?? '', AADTenantId: tenant.tenantId,
  };
  for (const [key, value] of Object.entries(r)) {
    if (DROPPED_SIGNIN.has(key) || key === 'correlationId') continue;
    if (key === 'status') {
      if (table === 'SigninLogs' || table === 'AADNonInteractiveUserSignInLogs') row.Status = dynamic(value);
      continue;
    }
    const column = SIGNIN_COLUMN[key] ?? pascal(key);
    if (workload && !WORKLOAD_COLUMNS.has(column)) continue;
    if (workload && column === 'ManagedServiceIdentity' && sim.signInType !== 'managedIdentity') continue;
    row[column] = key === 'processingTimeInMilliseconds' ? String(value) : dynamic(value);
  }
  if (!workload) {
    row.IsInteractive = sim.signInType === 'interactiveUser';
    row.HomeTenantId = tenant.tenantId;
  }
  row.Type = table;
  return row;
}

function keyVaultRow(r: Json, tenant: Tenant): Json {
  const p = r.properties as Json;
  const resourceId = String(r.resourceId);
  return {
    TenantId: tenant.workspaceId, TimeGenerated: r.time, OperationName: r.operationName, OperationVersion: r.operationVersion,
    ResultType: r.resultType, ResultSignature: r.resultSignature, ResultDescription: r.resultDescription, DurationMs: Number(r.durationMs),
    CallerIpAddress: r.callerIpAddress, CorrelationId: r.correlationId, Identity: text(r.identity), Properties: text(p),
    Id: p.id, RequestUri: p.requestUri, ClientInfo: p.clientInfo, HttpStatusCode: p.httpStatusCode, IsAccessPolicyMatch: false,
    IsRbacAuthorized: p.isRbacAuthorized, Tlsversion: p.tlsVersion, _ResourceId: resourceId.toLowerCase(),
    _SubscriptionId: tenant.subscriptionId, SourceSystem: 'Azure', Type: 'AZKVAuditLogs',
  };
}

const FRIENDLY: Record<string, string> = {
  'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE': 'Create role assignment',
  'MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE': 'Update Access Policy',
  'MICROSOFT.WEB/SITES/WRITE': 'Create or Update Web App',
};

function activityRow(r: Json, tenant: Tenant, correlation: string): Json {
  const identity = r.identity as { authorization: Json; claims: Json };
  const claims = identity.claims;
  const operation = String(r.operationName);
  return {
    TenantId: tenant.workspaceId, SourceSystem: 'Azure', CallerIpAddress: r.callerIpAddress, CategoryValue: 'Administrative',
    CorrelationId: r.correlationId, Authorization: text(identity.authorization), Authorization_d: text(identity.authorization),
    Claims: text(claims), Claims_d: text(claims), Level: 'Informational', OperationNameValue: operation,
    Properties: text(r.properties), Properties_d: text(r.properties),
    Caller: claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'] ?? claims['http://schemas.microsoft.com/identity/claims/objectidentifier'],
    EventDataId: correlation, EventSubmissionTimestamp: r.time, HTTPRequest: text({ clientRequestId: correlation, clientIpAddress: r.callerIpAddress, method: 'PUT' }),
    OperationId: r.correlationId, ResourceGroup: '', ResourceProviderValue: operation.split('/')[0], ActivityStatusValue: 'Success',
    ActivitySubstatusValue: String((r.properties as Json).statusCode), Hierarchy: (r.properties as Json).hierarchy, TimeGenerated: r.time,
    SubscriptionId: tenant.subscriptionId, OperationName: FRIENDLY[operation] ?? operation, _ResourceId: String(r.resourceId).toLowerCase(), Type: 'AzureActivity',
  };
}

export function toLogAnalyticsRow(sim: SimRecord, tenant: Tenant, eventDataId: string): { table: string; row: Json } {
  switch (sim.kind) {
    case 'audit': return { table: 'AuditLogs', row: auditRow(sim.record, tenant) };
    case 'signin': { const row = signInRow(sim, tenant); return { table: String(row.Type), row }; }
    case 'keyvault': return { table: 'AZKVAuditLogs', row: keyVaultRow(sim.record, tenant) };
    case 'activity': return { table: 'AzureActivity', row: activityRow(sim.record, tenant, eventDataId) };
  }
}

export function logAnalyticsRenderer(ctx: RenderContext): LogRenderer {
  const files = new FileSet();
  let n = 0;
  return {
    async writeDay(dayMs, records) {
      const date = dateOf(dayMs);
      for (const sim of records) {
        const { table, row } = toLogAnalyticsRow(sim, ctx.tenant, `${String(sim.record.correlationId).slice(0, 24)}${String(++n).padStart(12, '0')}`);
        await files.append(join(ctx.dir, 'log-analytics', table, `${date}.jsonl`), `${JSON.stringify(row)}\n`);
      }
      await files.closeAll();
    },
    async finish() {
      await files.closeAll();
      return [...files.written];
    },
  };
}
