/**
 * @module enrich/roles
 * The directory role of a role-assignment event (Role.TemplateId, Role.DisplayName, Role.WellKnownObjectName),
 * and whether Microsoft labels it privileged.
 */
import type { CanonicalEvent } from '../model/event.js';
import { property, textOf } from './audit-properties.js';
import { findRole } from './catalogue.js';

export interface RoleInfo {
  displayName?: string;
  templateId?: string;
  /** Microsoft's PRIVILEGED label; unknown roles (custom ones) count as not privileged. */
  privileged: boolean;
  known: boolean;
}

export function roleOf(event: CanonicalEvent): RoleInfo | undefined {
  const templateId = textOf(property(event, 'Role.TemplateId')?.newValue);
  const displayName = textOf(property(event, 'Role.DisplayName')?.newValue) ?? textOf(property(event, 'Role.WellKnownObjectName')?.newValue);
  if (!templateId && !displayName) return undefined;
  const role = findRole({ ...(templateId ? { templateId } : {}), ...(displayName ? { displayName } : {}) });
  return {
    ...(role?.displayName ?? displayName ? { displayName: role?.displayName ?? displayName } : {}),
    ...(role?.templateId ?? templateId ? { templateId: role?.templateId ?? templateId } : {}),
    privileged: role?.privileged ?? false,
    known: role !== undefined,
  };
}
