/**
 * @module export/sentinel/entities
 * The columns Sentinel maps to entities, computed the same way on every table so a union keeps one schema:
 * the acting account (UPN, object id, service-principal name), its IP address, the application concerned and,
 * for Azure resources, the resource id. Entra object ids go to Account.AadUserId, never to
 * CloudApplication.AppId (that is a Defender for Cloud Apps number); the Entra appId is a custom detail.
 */
import { kqlString } from '../kql/escape.js';
import { claimExpr } from '../kql/enrich/resources.js';
import type { TableInfo } from '../kql/tables.js';
import type { Scope } from '../kql/scope.js';
import { appIdColumn } from '../kql/enrich/app-id.js';

export const ENTITY_COLUMNS = ['AccountUpn', 'AccountObjectId', 'AccountName', 'ClientIp', 'AppName', 'AppIdentifier', 'AzureResourceId'] as const;
export type EntityColumn = (typeof ENTITY_COLUMNS)[number];

const GRANTS = ['Add app role assignment to service principal', 'Add delegated permission grant'].map(kqlString).join(', ');

/**
 * Each entity column's expression on a table ("" where the table has nothing for it). With the query's scope,
 * an audit event's application id is appwatch.appId (computed in the query); without, it is left empty.
 */
export function entityColumns(table: TableInfo, scope?: Scope): Record<EntityColumn, string> {
  const claims = (part: 'objectId' | 'upn' | 'appId'): string => claimExpr(table, part);
  const none = '""';
  switch (table.kind) {
    case 'audit':
      return {
        AccountUpn: 'tostring(InitiatedBy.user.userPrincipalName)',
        AccountObjectId: 'coalesce(tostring(InitiatedBy.user.id), tostring(InitiatedBy.app.servicePrincipalId))',
        AccountName: 'tostring(InitiatedBy.app.displayName)',
        ClientIp: 'tostring(InitiatedBy.user.ipAddress)',
        // A grant's first target is the resource API; the application is the next one (as enrich/index.ts reads it).
        AppName: `iff(OperationName in~ (${GRANTS}), tostring(TargetResources[1].displayName), tostring(TargetResources[0].displayName))`,
        AppIdentifier: scope ? appIdExpr(scope) : none,
        AzureResourceId: none,
      };
    case 'signin':
      return table.signInType === 'servicePrincipal' || table.signInType === 'managedIdentity'
        ? { AccountUpn: none, AccountObjectId: 'ServicePrincipalId', AccountName: 'ServicePrincipalName', ClientIp: 'IPAddress', AppName: 'ServicePrincipalName', AppIdentifier: 'AppId', AzureResourceId: none }
        : { AccountUpn: 'UserPrincipalName', AccountObjectId: 'UserId', AccountName: none, ClientIp: 'IPAddress', AppName: 'AppDisplayName', AppIdentifier: 'AppId', AzureResourceId: none };
    case 'keyvault':
      return {
        AccountUpn: claims('upn'), AccountObjectId: claims('objectId'), AccountName: none,
        ClientIp: table.name === 'AzureDiagnostics' ? 'CallerIPAddress' : 'CallerIpAddress',
        AppName: none, AppIdentifier: claims('appId'), AzureResourceId: '_ResourceId',
      };
    case 'activity':
      return {
        AccountUpn: claims('upn'), AccountObjectId: claims('objectId'), AccountName: none, ClientIp: 'CallerIpAddress',
        AppName: none, AppIdentifier: claims('appId'), AzureResourceId: '_ResourceId',
      };
    default:
      return { AccountUpn: none, AccountObjectId: none, AccountName: none, ClientIp: none, AppName: none, AppIdentifier: none, AzureResourceId: none };
  }
}

function appIdExpr(scope: Scope): string {
  const location = appIdColumn(scope);
  return location.k === 'node' ? location.expr : '""';
}

export function entityColumnList(scope: Scope): [string, string][] {
  const columns = entityColumns(scope.table, scope);
  return ENTITY_COLUMNS.map((name) => [name, columns[name]]);
}

export interface EntityMapping {
  entityType: 'Account' | 'IP' | 'CloudApplication' | 'AzureResource';
  fieldMappings: { identifier: string; columnName: string }[];
}

/** The mappings for a rule's tables: only entities some table can fill. */
export function entityMappings(tables: readonly TableInfo[]): EntityMapping[] {
  const filled = (column: EntityColumn): boolean => tables.some((t) => entityColumns(t)[column] !== '""' || (column === 'AppIdentifier' && t.kind === 'audit'));
  const mappings: EntityMapping[] = [];
  const account = ([['FullName', 'AccountUpn'], ['AadUserId', 'AccountObjectId'], ['Name', 'AccountName']] as const)
    .filter(([, column]) => filled(column)).map(([identifier, columnName]) => ({ identifier, columnName }));
  if (account.length > 0) mappings.push({ entityType: 'Account', fieldMappings: account });
  if (filled('ClientIp')) mappings.push({ entityType: 'IP', fieldMappings: [{ identifier: 'Address', columnName: 'ClientIp' }] });
  if (filled('AppName')) mappings.push({ entityType: 'CloudApplication', fieldMappings: [{ identifier: 'Name', columnName: 'AppName' }] });
  if (filled('AzureResourceId')) mappings.push({ entityType: 'AzureResource', fieldMappings: [{ identifier: 'ResourceId', columnName: 'AzureResourceId' }] });
  return mappings;
}
