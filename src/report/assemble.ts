/**
 * @module report/assemble
 * ReportData (report/model.ts) from what a command has at its end: the alerts or findings, what was read, the
 * rule set, and the snapshot when there is one. Builds the inventory, the consent report and the guidance; the
 * page itself is report/html.ts.
 */
import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import type { Ruleset } from '../detect/ruleset.js';
import type { IngestSummaryJson } from '../ingest/summary.js';
import { appRoleIndex } from '../posture/app-roles.js';
import { consentReport } from '../posture/consent-report.js';
import type { InventorySnapshot } from '../posture/snapshot.js';
import { applicationInventory } from './inventory.js';
import type { ReportAlert, ReportData, ReportGap, ReportSource, ReportTimelineEntry } from './model.js';

export interface ReportParts {
  kind: ReportData['kind'];
  version: string;
  ruleset?: Ruleset;
  alerts: ReportAlert[];
  findings?: ReportAlert[];
  snapshot?: InventorySnapshot;
  snapshotLabel?: string;
  sources?: ReportSource[];
  gaps?: ReportGap[];
  timelines?: Record<string, ReportTimelineEntry[]>;
  tenant?: ReportData['tenant'];
  now?: Date;
}

/** A fingerprint of the rules that ran (ids, levels, detections as written), so two reports can say "same rules". */
function rulePack(ruleset: Ruleset | undefined): ReportData['generator']['rulePack'] {
  if (!ruleset) return { rules: 0, sha256: '' };
  const docs = [...ruleset.rules.map((r) => r.rule), ...ruleset.correlations].map((d) => JSON.stringify([d.id ?? d.title, d.level, d.raw])).sort();
  return { rules: ruleset.rules.length + ruleset.correlations.length, sha256: createHash('sha256').update(docs.join('\n')).digest('hex') };
}

/** The sources and gaps of a file scan: each file with its format and counts; skipped records and guesses as gaps. */
export function sourcesOfIngestion(summary: IngestSummaryJson): { sources: ReportSource[]; gaps: ReportGap[] } {
  const sources: ReportSource[] = [];
  const gaps: ReportGap[] = [];
  for (const f of summary.files) {
    const events = Object.values(f.events ?? {}).reduce((a: number, b) => a + (b as number), 0);
    const skipped = Object.values(f.skipped ?? {}).reduce((a: number, b) => a + (b as number), 0);
    sources.push({ kind: 'file', name: f.file, ...(f.format ? { format: f.format } : {}), events, skipped });
    if (skipped > 0) gaps.push({ source: f.file, kind: 'skipped', message: `${skipped} record${skipped === 1 ? '' : 's'} skipped (${Object.entries(f.skipped).map(([r, n]) => `${r}: ${n}`).join(', ')})` });
    if (f.format === undefined && events === 0) gaps.push({ source: f.file, kind: 'no-data', message: 'nothing could be read from this file' });
  }
  const kinds = summary.events as Record<string, number>;
  for (const [kind, label] of [['signin', 'sign-in logs'], ['keyvault', 'Key Vault logs'], ['audit', 'audit logs']] as const) {
    if (!kinds[kind]) gaps.push({ source: 'input', kind: 'no-data', message: `no ${label} were read: the detections that need them could not run` });
  }
  return { sources, gaps };
}

export function assembleReport(parts: ReportParts): ReportData {
  const alerts = parts.alerts;
  const findings = parts.findings ?? [];
  const snapshot = parts.snapshot;
  const consent = snapshot ? consentReport(snapshot, appRoleIndex(snapshot)) : [];
  const live = (list: ReportAlert[]): Alert[] => list.filter((a) => a.state !== 'suppressed' && a.state !== 'resolved').map((a) => a.alert);
  const applications = snapshot ? applicationInventory(snapshot, consent, live(alerts), live(findings)) : [];
  const times = [...alerts, ...findings].map((a) => a.alert.time).sort();
  const gaps = [...(parts.gaps ?? [])];
  for (const gap of snapshot?.gaps ?? []) gaps.push({ source: `snapshot: ${gap.resource}`, kind: gap.code === 'AadPremiumLicenseRequired' ? 'not-licensed' : gap.status === 403 ? 'forbidden' : gap.status === 429 ? 'throttled' : 'other', message: gap.reason });
  const guidance: ReportData['guidance'] = {};
  for (const r of parts.ruleset?.rules ?? []) {
    const doc = r.rule;
    if (!doc.id) continue;
    guidance[doc.id] = {
      ...(doc.description ? { description: doc.description } : {}),
      ...(doc.falsepositives.length > 0 ? { lookFor: `Benign causes to rule out: ${doc.falsepositives.join('; ')}.` } : {}),
      references: doc.references.filter((u) => /^https:\/\//.test(u)),
    };
  }
  for (const f of findings) {
    const fix = /Fix: (.*)$/.exec(f.alert.summary)?.[1];
    guidance[f.alert.rule.id] ??= { ...(fix ? { fix } : {}), references: f.alert.rule.references.filter((u) => /^https:\/\//.test(u)) };
  }
  const sources = [...(parts.sources ?? [])];
  if (snapshot) sources.push({ kind: 'snapshot', name: parts.snapshotLabel ?? 'snapshot', note: `collected ${snapshot.collectedAt ?? 'at an unknown time'}: ${snapshot.applications.length} applications, ${snapshot.servicePrincipals.length} service principals` });
  const tenant = parts.tenant ?? (snapshot?.tenantId ? { id: snapshot.tenantId } : undefined);
  return {
    version: 1,
    generator: { name: 'appwatch', version: parts.version, rulePack: rulePack(parts.ruleset) },
    kind: parts.kind,
    generatedAt: (parts.now ?? new Date()).toISOString(),
    ...(tenant ? { tenant } : {}),
    ...(times.length > 0 ? { window: { from: times[0]!, to: times.at(-1)! } } : snapshot?.collectedAt ? { window: { from: snapshot.collectedAt, to: snapshot.collectedAt } } : {}),
    sources, gaps, alerts, findings, applications, consent,
    timelines: parts.timelines ?? {},
    guidance,
  };
}
