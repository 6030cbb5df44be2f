/**
 * @module simulate/render/portal-csv
 * The Entra admin center's "Download" → CSV files, one per day and log: `AuditLogs_<from>_<to>.csv` (the
 * 86-column layout that keeps 3 targets × 5 modified properties and 6 additional details, truncating the rest as
 * the portal does) and the four sign-in downloads with their display strings (`ROPC`, `Device code`,
 * `Multifactor authentication`, `Not Applied`), `City, State, CC` locations and second-precision dates.
 * Key Vault and Activity logs have no admin-center download: they are written as diagnostic exports.
 */
import { join } from 'node:path';
import type { SimRecord } from '../records.js';
import { diagnosticRenderer } from './diagnostic.js';
import { dateOf, FileSet } from './files.js';
import type { LogRenderer, RenderContext } from './types.js';

type Json = Record<string, unknown>;

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replace(/"/g, '""')}"` : cell;
}
const line = (cells: readonly unknown[]): string => `${cells.map((c) => quote(c === null || c === undefined ? '' : String(c))).join(',')}\n`;

const AUDIT_HEADER: string[] = (() => {
  const h = ['Date (UTC)', 'CorrelationId', 'Service', 'Category', 'Activity', 'Result', 'ResultReason', 'User Agent', 'ActorType', 'ActorDisplayName', 'ActorObjectId', 'ActorUserPrincipalName', 'IPAddress', 'ActorHomeTenantId', 'ActorHomeTenantName', 'ActorServicePrincipalId', 'ActorServicePrincipalName'];
  for (let t = 1; t <= 3; t++) {
    h.push(`Target${t}Type`, `Target${t}DisplayName`, `Target${t}ObjectId`, `Target${t}UserPrincipalName`);
    for (let p = 1; p <= 5; p++) h.push(`Target${t}ModifiedProperty${p}Name`, `Target${t}ModifiedProperty${p}OldValue`, `Target${t}ModifiedProperty${p}NewValue`);
  }
  for (let d = 1; d <= 6; d++) h.push(`AdditionalDetail${d}Key`, `AdditionalDetail${d}Value`);
  return h;
})();

const USER_SIGNIN_HEADER = ['Date (UTC)', 'Request ID', 'User agent', 'Correlation ID', 'User ID', 'User', 'Username', 'User type', 'Cross tenant access type', 'Incoming token type', 'Authentication Protocol', 'Unique token identifier', 'Original transfer method', 'Client credential type', 'Token Protection - Sign In Session', 'Token Protection - Sign In Session StatusCode', 'Application', 'Application ID ', 'App owner tenant ID', 'Resource', 'Resource ID ', 'Resource tenant ID', 'Resource owner tenant ID', 'Home tenant ID', 'Home tenant name', 'IP address', 'Location', 'Status', 'Sign-in error code', 'Failure reason', 'Client app', 'Device ID', 'Browser', 'Operating System', 'Compliant', 'Managed', 'Join Type', 'Multifactor authentication result', 'Multifactor authentication auth method', 'Multifactor authentication auth detail', 'Authentication requirement', 'Sign-in identifier', 'Session ID', 'IP address (seen by resource)', 'Through Global Secure Access', 'Global Secure Access IP address', 'Autonomous system  number', 'Flagged for review', 'Token issuer type', 'Incoming token type', 'Token issuer name', 'Latency', 'Conditional Access', 'Managed Identity type', 'Associated Resource Id', 'Federated Token Id', 'Federated Token Issuer'];
const APP_SIGNIN_HEADER = ['Date (UTC)', 'Request ID', 'Correlation ID', 'Service principal ID', 'Service principal name', 'Credential key ID', 'Credential thumbprint', 'Application', 'Application ID ', 'App owner tenant ID', 'Resource', 'Resource ID ', 'Resource tenant ID', 'Resource owner tenant ID', 'Home tenant ID', 'Home tenant name', 'IP address', 'Location', 'Status', 'Sign-in error code', 'Failure reason', 'Conditional Access'];
const MSI_SIGNIN_HEADER = [...APP_SIGNIN_HEADER, 'Managed Identity type', 'Associated Resource Id', 'Federated Token Id', 'Federated Token Issuer'];

const FILE_PREFIX: Record<string, string> = {
  interactiveUser: 'InteractiveSignIns', nonInteractiveUser: 'NonInteractiveSignIns', servicePrincipal: 'ApplicationSignIns', managedIdentity: 'MSISignIns',
};

/** `deviceCode` → `Device code`, `ropc` → `ROPC`: the portal's display strings for Graph enum members. */
function display(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  if (value === 'ropc') return 'ROPC';
  if (value === 'notApplied') return 'Not Applied';
  const words = value.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
const bool = (v: unknown): string => (v === true ? 'True' : v === false ? 'False' : '');
const seconds = (iso: unknown): string => String(iso).replace(/\.\d+Z$/, 'Z');

function auditRow(r: Json): string {
  const by = r.initiatedBy as { user?: Json | null; app?: Json | null };
  const cells: unknown[] = [seconds(r.activityDateTime), r.correlationId, r.loggedByService, r.category, r.activityDisplayName, r.result === 'success' ? 'Success' : 'Failure', r.resultReason, by.user ? (r.additionalDetails as { key: string; value: string }[]).find((d) => d.key === 'User-Agent')?.value : ''];
  if (by.user) cells.push('User', by.user.displayName, by.user.id, by.user.userPrincipalName, by.user.ipAddress, by.user.homeTenantId, by.user.homeTenantName, '', '');
  else cells.push('Application', by.app?.displayName, by.app?.servicePrincipalId, '', '', '', '', by.app?.servicePrincipalId, by.app?.servicePrincipalName);
  const targets = (r.targetResources as Json[]).slice(0, 3);
  for (let t = 0; t < 3; t++) {
    const target = targets[t];
    cells.push(target?.type, target?.displayName, target?.id, target?.userPrincipalName);
    const props = ((target?.modifiedProperties as Json[] | undefined) ?? []).slice(0, 5);
    for (let p = 0; p < 5; p++) cells.push(props[p]?.displayName, props[p]?.oldValue, props[p]?.newValue);
  }
  const details = (r.additionalDetails as Json[]).slice(0, 6);
  for (let d = 0; d < 6; d++) cells.push(details[d]?.key, details[d]?.value);
  return line(cells);
}

function place(r: Json): string {
  const l = r.location as { city?: string; state?: string; countryOrRegion?: string };
  return [l.city, l.state, l.countryOrRegion].filter((p) => p).join(', ');
}

function signInRow(sim: SimRecord): string {
  const r = sim.record;
  const s = r.status as { errorCode: number; failureReason: string };
  const ok = s.errorCode === 0;
  const common = [seconds(r.createdDateTime), r.id];
  const resource = [r.appDisplayName, r.appId, r.appOwnerTenantId, r.resourceDisplayName, r.resourceId, r.resourceTenantId, '', r.homeTenantId];
  if (sim.signInType === 'servicePrincipal' || sim.signInType === 'managedIdentity') {
    const cells = [...common, r.correlationId, r.servicePrincipalId, r.servicePrincipalName, r.servicePrincipalCredentialKeyId, r.servicePrincipalCredentialThumbprint, ...resource, '', r.ipAddress, place(r), ok ? 'Success' : 'Failure', s.errorCode, ok ? '' : s.failureReason, display(r.conditionalAccessStatus)];
    if (sim.signInType === 'managedIdentity') {
      const msi = r.managedServiceIdentity as Json;
      cells.push(display(msi.msiType), msi.associatedResourceId, msi.federatedTokenId, msi.federatedTokenIssuer);
    }
    return line(cells);
  }
  const d = r.deviceDetail as Json;
  const mfa = r.mfaDetail as Json;
  return line([
    ...common, r.userAgent, r.correlationId, r.userId, r.userDisplayName, r.userPrincipalName, display(r.userType), display(r.crossTenantAccessType), display(r.incomingTokenType),
    display(r.authenticationProtocol), r.uniqueTokenIdentifier, display(r.originalTransferMethod), display(r.clientCredentialType), 'None', '',
    ...resource, 'Contoso', r.ipAddress, place(r), ok ? 'Success' : 'Failure', s.errorCode, ok ? '' : s.failureReason, r.clientAppUsed,
    d.deviceId, d.browser, d.operatingSystem, bool(d.isCompliant), bool(d.isManaged), d.trustType,
    mfa.authMethod ? 'MFA successfully completed' : '', mfa.authMethod, mfa.authDetail, display(r.authenticationRequirement), r.userPrincipalName, r.sessionId,
    '', 'False', '', r.autonomousSystemNumber, bool(r.flaggedForReview), r.tokenIssuerType, display(r.incomingTokenType), r.tokenIssuerName,
    r.processingTimeInMilliseconds, display(r.conditionalAccessStatus), '', '', '', '',
  ]);
}

export function portalCsvRenderer(ctx: RenderContext): LogRenderer {
  const files = new FileSet();
  const azure = diagnosticRenderer({ ...ctx, dir: join(ctx.dir, 'azure') }, new Set(['keyvault', 'activity']));
  return {
    async writeDay(dayMs, records) {
      const range = `${dateOf(dayMs)}_${dateOf(dayMs + 86_400_000)}`;
      for (const sim of records) {
        if (sim.kind === 'audit') {
          const path = join(ctx.dir, 'portal-csv', `AuditLogs_${range}.csv`);
          if (files.count(path) === 0) await files.append(path, line(AUDIT_HEADER));
          await files.append(path, auditRow(sim.record));
        } else if (sim.kind === 'signin') {
          const path = join(ctx.dir, 'portal-csv', `${FILE_PREFIX[sim.signInType!]}_${range}.csv`);
          const header = sim.signInType === 'servicePrincipal' ? APP_SIGNIN_HEADER : sim.signInType === 'managedIdentity' ? MSI_SIGNIN_HEADER : USER_SIGNIN_HEADER;
          // The portal writes a byte-order mark before the header.
          if (files.count(path) === 0) await files.append(path, `\uFEFF${line(header)}`);
          await files.append(path, signInRow(sim));
        }
      }
      await files.closeAll();
      await azure.writeDay(dayMs, records);
    },
    async finish() {
      await files.closeAll();
      return [...files.written, ...(await azure.finish())];
    },
  };
}
