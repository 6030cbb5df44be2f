/**
 * @module export/kql/enrichment
 * Where an `appwatch.*` field a rule tests comes from in KQL: a column computed from the record (enrich/kql's
 * audit and resource modules), the table itself (appwatch.kind, appwatch.time), the flags, or nowhere KQL can
 * reach (then the reason).
 */
import { auditField } from './enrich/audit.js';
import { resourceField } from './enrich/resources.js';
import type { Location } from './fields.js';
import type { Scope } from './scope.js';

export { enrichmentFlag, flagNames } from './enrich/flags.js';

export function locateEnrichment(scope: Scope, field: string): Location {
  const path = field.toLowerCase().slice('appwatch.'.length);
  if (path === 'flags') return { k: 'flags' };
  if (path === 'kind') return { k: 'constant', value: scope.table.kind, canonical: 'kind' };
  if (path === 'time') return { k: 'node', expr: 'TimeGenerated', type: 'datetime', key: 'timegenerated', segments: [], unsureKeys: [] };
  const found = scope.table.kind === 'audit' ? auditField(scope, path) : resourceField(scope, path);
  if (found && 'k' in found) return found;
  if (found && 'unsupported' in found) return { k: 'unsupported', reason: found.unsupported };
  if (/^(permissions|role|credentials|uris|selfconsent)(\.|$)/.test(path) || /^(azurerole|caller|vault|appid)(\.|$)/.test(path)) {
    // appwatch sets these on other kinds of events only: missing here, as in a scan.
    return { k: 'absent', reason: `appwatch sets no ${field} on ${scope.table.kind} events` };
  }
  return { k: 'unsupported', reason: `${field} is not computed in KQL` };
}
