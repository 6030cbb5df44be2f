/**
 * @module simulate/accuracy
 * Scores a scan of simulated logs against the simulation's ground truth: per detection, the labelled steps it
 * alerted on at the expected severity (recall), the ones it missed or scored differently, and the alerts no label
 * asked for. Used by the accuracy tests and usable on any `simulate` output.
 */
import type { Alert } from '../alerts/types.js';
import type { Label } from './scenarios.js';

export interface LabelResult { label: Label; alert?: Alert; outcome: 'hit' | 'wrong-severity' | 'missed' | 'not-applicable' }

export interface DetectionScore { ruleId: string; title: string; expected: number; hits: number; wrongSeverity: number; missed: number; unlabelled: number }

export interface AccuracyReport { results: LabelResult[]; detections: DetectionScore[]; unlabelled: Alert[] }

/** Whether an alert's evidence holds each of the label's records (by id or correlation id). */
function covers(alert: Alert, label: Label): boolean {
  const ids = new Set(alert.evidence.map((e) => e.id).filter((v): v is string => typeof v === 'string'));
  return label.records.every((r) => (r.id !== undefined && ids.has(r.id)) || (r.correlationId !== undefined && ids.has(r.correlationId)));
}

/** `skip`: needs the scan did not have (`dns` without --dns, `posture` before the posture scan exists). */
export function scoreAlerts(labels: readonly Label[], alerts: readonly Alert[], skip: ReadonlySet<string> = new Set()): AccuracyReport {
  const used = new Set<Alert>();
  const results: LabelResult[] = labels.map((label) => {
    if (label.ruleId === null || (label.needs && skip.has(label.needs))) return { label, outcome: 'not-applicable' };
    const candidates = alerts.filter((a) => a.rule.id === label.ruleId && covers(a, label));
    candidates.forEach((a) => used.add(a));
    const exact = candidates.find((a) => a.severity === label.severity);
    if (exact) return { label, alert: exact, outcome: 'hit' };
    if (candidates[0]) return { label, alert: candidates[0], outcome: 'wrong-severity' };
    return { label, outcome: 'missed' };
  });
  const unlabelled = alerts.filter((a) => !used.has(a));
  const byRule = new Map<string, DetectionScore>();
  const score = (ruleId: string, title: string): DetectionScore => {
    let s = byRule.get(ruleId);
    if (!s) byRule.set(ruleId, (s = { ruleId, title, expected: 0, hits: 0, wrongSeverity: 0, missed: 0, unlabelled: 0 }));
    return s;
  };
  for (const r of results) {
    if (r.outcome === 'not-applicable') continue;
    const s = score(r.label.ruleId!, r.alert?.rule.title ?? alerts.find((a) => a.rule.id === r.label.ruleId)?.rule.title ?? r.label.step);
    s.expected++;
    if (r.outcome === 'hit') s.hits++;
    else if (r.outcome === 'wrong-severity') s.wrongSeverity++;
    else s.missed++;
  }
  for (const a of unlabelled) score(a.rule.id, a.rule.title).unlabelled++;
  return { results, detections: [...byRule.values()].sort((a, b) => a.title.localeCompare(b.title)), unlabelled };
}

/** A plain-text table of the scores, for test output and reports. */
export function formatReport(report: AccuracyReport): string {
  const lines = ['detection                                                          expected  hit  severity≠  missed  unlabelled'];
  for (const d of report.detections) {
    lines.push(`${d.title.slice(0, 66).padEnd(66)} ${String(d.expected).padStart(8)} ${String(d.hits).padStart(4)} ${String(d.wrongSeverity).padStart(10)} ${String(d.missed).padStart(7)} ${String(d.unlabelled).padStart(11)}`);
  }
  const expected = report.detections.reduce((n, d) => n + d.expected, 0);
  const hits = report.detections.reduce((n, d) => n + d.hits, 0);
  lines.push(`recall ${hits}/${expected} labelled steps at the expected severity`);
  for (const r of report.results) {
    if (r.outcome === 'wrong-severity' || r.outcome === 'missed') {
      lines.push(`  ${r.outcome}: ${r.label.scenario} / ${r.label.step} (want ${r.label.severity}${r.alert ? `, got ${r.alert.severity}: ${r.alert.context.severityReasons.join('; ')}` : ''})`);
    }
  }
  return lines.join('\n');
}
