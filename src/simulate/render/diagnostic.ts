/**
 * @module simulate/render/diagnostic
 * Azure Monitor diagnostic settings → Storage account: one `PT1H.json` (JSON Lines) per category and hour under
 * `insights-logs-<category>/resourceId=…/y=…/m=…/d=…/h=…/m=00/`, as Storage exports lay them out. Entra records
 * carry the Graph object in `properties` (with the export's quirks: numeric `result`, `resultType` as the error
 * code string, `<null>` caller addresses); Key Vault and Activity records are already in this shape.
 */
import { join } from 'node:path';
import type { SimRecord } from '../records.js';
import type { Tenant } from '../tenant.js';
import { FileSet } from './files.js';
import type { LogRenderer, RenderContext } from './types.js';

type Json = Record<string, unknown>;

const CATEGORY_BY_SIGNIN: Record<string, string> = {
  interactiveUser: 'SignInLogs', nonInteractiveUser: 'NonInteractiveUserSignInLogs',
  servicePrincipal: 'ServicePrincipalSignInLogs', managedIdentity: 'ManagedIdentitySignInLogs',
};

function actorName(record: Json): string {
  const by = record.initiatedBy as { user?: Json | null; app?: Json | null };
  return String(by.user?.userPrincipalName ?? by.app?.displayName ?? '');
}

/** The diagnostic record for an Entra audit or sign-in record. */
export function toDiagnosticRecord(sim: SimRecord, tenant: Tenant): Json {
  const r = sim.record;
  if (sim.kind === 'keyvault' || sim.kind === 'activity') return r;
  const envelope: Json = {
    time: sim.kind === 'audit' ? r.activityDateTime : r.createdDateTime,
    resourceId: `/tenants/${tenant.tenantId}/providers/Microsoft.aadiam`,
    operationName: sim.kind === 'audit' ? r.activityDisplayName : 'Sign-in activity',
    operationVersion: '1.0',
    category: sim.kind === 'audit' ? 'AuditLogs' : CATEGORY_BY_SIGNIN[sim.signInType!],
    tenantId: tenant.tenantId,
  };
  if (sim.kind === 'audit') {
    const by = r.initiatedBy as { user?: Json | null };
    const properties = r;
    return {
      ...envelope, resultSignature: 'None', durationMs: 0,
      callerIpAddress: String(by.user?.ipAddress ?? '<null>'),
      correlationId: r.correlationId, identity: actorName(r), level: 'Informational',
      properties: { ...properties, result: r.result === 'success' ? 0 : 1 },
    };
  }
  const status = r.status as { errorCode: number; failureReason: string };
  const place = r.location as { countryOrRegion?: string };
  // A key-by-key copy: object rest on records this size is several times slower.
  const properties: Json = {};
  for (const key in r) if (key !== 'signInEventTypes') properties[key] = r[key];
  return {
    ...envelope,
    resultType: String(status.errorCode), resultSignature: 'None',
    resultDescription: status.errorCode === 0 ? '' : status.failureReason,
    durationMs: 0, callerIpAddress: r.ipAddress === '' ? '<null>' : r.ipAddress, correlationId: r.correlationId,
    identity: r.userDisplayName ?? r.servicePrincipalName ?? '', Level: 4, location: place.countryOrRegion ?? '',
    properties,
  };
}

function hourPath(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `y=${d.getUTCFullYear()}/m=${p(d.getUTCMonth() + 1)}/d=${p(d.getUTCDate())}/h=${p(d.getUTCHours())}/m=00/PT1H.json`;
}

/** The Storage path of a record's hourly blob. */
export function diagnosticPath(sim: SimRecord, tenant: Tenant): string {
  const hour = hourPath(sim.timeMs);
  if (sim.kind === 'keyvault') return join('insights-logs-auditevent', `resourceId=${String(sim.record.resourceId)}`, hour);
  if (sim.kind === 'activity') return join('insights-activity-logs', `resourceId=/SUBSCRIPTIONS/${tenant.subscriptionId.toUpperCase()}`, hour);
  const category = sim.kind === 'audit' ? 'AuditLogs' : CATEGORY_BY_SIGNIN[sim.signInType!]!;
  return join(`insights-logs-${category.toLowerCase()}`, `resourceId=/tenants/${tenant.tenantId}/providers/Microsoft.aadiam`, hour);
}

/** Writes records as Storage-exported diagnostic logs; `kinds` limits it (others render Entra their own way). */
export function diagnosticRenderer(ctx: RenderContext, kinds?: ReadonlySet<SimRecord['kind']>): LogRenderer {
  const files = new FileSet();
  return {
    async writeDay(_dayMs, records) {
      for (const sim of records) {
        if (kinds && !kinds.has(sim.kind)) continue;
        await files.append(join(ctx.dir, diagnosticPath(sim, ctx.tenant)), `${JSON.stringify(toDiagnosticRecord(sim, ctx.tenant))}\n`);
      }
      // Hourly blobs of a finished day are complete.
      await files.closeAll();
    },
    async finish() {
      await files.closeAll();
      return [...files.written];
    },
  };
}
