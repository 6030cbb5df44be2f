/**
 * @module alerts/types
 * The alert wire shape (docs/contracts.md).
 */
import type { Origin } from '../model/event.js';
import type { Severity } from '../model/severity.js';

export interface EntityRef {
  id?: string;
  displayName?: string;
  appId?: string;
  type?: string;
  ip?: string;
  userPrincipalName?: string;
}

export interface Alert {
  id: string;
  time: string;
  detectedAt: string;
  severity: Severity;
  rule: {
    id: string;
    title: string;
    level: Severity;
    author?: string;
    source: 'builtin' | 'sigma' | 'posture';
    path?: string;
    references: string[];
    tags: string[];
    guideRows: number[];
    repairs: { id: string; reason: string }[];
  };
  summary: string;
  entities: {
    application?: EntityRef;
    servicePrincipal?: EntityRef;
    actor?: EntityRef & { type: 'user' | 'app' | 'managedIdentity' | 'unknown' };
    resource?: EntityRef;
    role?: EntityRef;
    keyVault?: EntityRef;
  };
  context: { flags: string[]; severityReasons: string[] };
  evidence: { kind: string; id?: string; time: string; origin: Origin; matched?: string[] }[];
  fields: Record<string, unknown[]>;
}
