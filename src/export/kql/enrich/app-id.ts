/**
 * @module export/kql/enrich/app-id
 * appwatch.appId, the application a change or sign-in is about (the join key of the built-in correlations),
 * for whichever table the rule runs on.
 */
import type { Location } from '../fields.js';
import type { Scope } from '../scope.js';
import { auditField } from './audit.js';
import { resourceField } from './resources.js';

export function appIdColumn(scope: Scope): Location {
  const found = scope.table.kind === 'audit' ? auditField(scope, 'appid') : resourceField(scope, 'appid');
  if (found && 'k' in found) return found;
  return { k: 'absent', reason: `appwatch sets no appwatch.appId on ${scope.table.kind} events` };
}
