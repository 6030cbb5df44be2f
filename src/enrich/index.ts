/**
 * @module enrich
 * Derived fields under `appwatch.` computed before matching, so rules can test what a change did (permissions
 * added and their class, the role's privilege, credentials added) rather than only which activity it was.
 * Each enricher runs only for the activities it understands.
 */
import type { CanonicalEvent } from '../model/event.js';
import { credentialChange } from './credentials.js';
import { permissionGrant } from './permissions.js';
import { roleOf } from './roles.js';

const ROLE_ACTIVITIES = new Set(['add member to role', 'add eligible member to role', 'add scoped member to role']);

/** Adds `appwatch.permissions`, `appwatch.role`, `appwatch.credentials` where they apply; returns the event. */
export function enrichEvent(event: CanonicalEvent): CanonicalEvent {
  if (event.appwatch.kind !== 'audit') return event;
  const name = typeof event.activityDisplayName === 'string' ? event.activityDisplayName.trim().toLowerCase() : '';
  if (name === '') return event;
  const grant = permissionGrant(event, name);
  if (grant) event.appwatch.permissions = grant;
  if (ROLE_ACTIVITIES.has(name)) {
    const role = roleOf(event);
    if (role) event.appwatch.role = role;
  }
  if (name.includes('certificates and secrets') || name.includes('service principal credentials') || name === 'update application' || name === 'update service principal') {
    const credentials = credentialChange(event);
    if (credentials) event.appwatch.credentials = credentials;
  }
  return event;
}
