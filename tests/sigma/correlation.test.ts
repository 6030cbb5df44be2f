/**
 * Correlation rules at their boundaries: exactly at the timespan, one event short, out-of-order arrival,
 * group-by with aliases, chaining, and `generate`.
 */
import { describe, expect, it } from 'vitest';
import { AlertPipeline } from '../../src/alerts/pipeline.js';
import type { Alert } from '../../src/alerts/types.js';
import { compile, event } from '../helpers/sigma.js';

const base = `title: failed sign-in
id: 11111111-1111-4111-8111-111111111111
name: failed_signin
logsource: {product: azure, service: signinlogs}
detection:
    selection:
        outcome: failure
    condition: selection
level: low
`;

function correlation(body: string): string {
  return `${base}---
title: brute force
id: 22222222-2222-4222-8222-222222222222
level: high
correlation:
${body.replace(/^/gm, '    ')}
`;
}

const at = (minute: number, second = 0): string => new Date(Date.UTC(2026, 9, 1, 10, minute, second)).toISOString();

function run(yaml: string, events: Record<string, unknown>[][]): Alert[] {
  const { ruleset, diagnostics } = compile(yaml);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const pipeline = new AlertPipeline(ruleset);
  const alerts: Alert[] = [];
  for (const batch of events) {
    alerts.push(...pipeline.process(batch.map((f) => event(f, f.time as string))));
  }
  alerts.push(...pipeline.finish());
  return alerts;
}

const failure = (user: string, time: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ outcome: 'failure', user, time, ...extra });

describe('event_count', () => {
  const yaml = correlation('type: event_count\nrules: [failed_signin]\ngroup-by: [user]\ntimespan: 10m\ncondition: {gte: 3}');

  it('fires when the count is reached within the timespan, counting events exactly timespan apart', () => {
    const alerts = run(yaml, [[failure('a', at(0)), failure('a', at(5)), failure('a', at(10))]]);
    const correlated = alerts.filter((a) => a.rule.id === '22222222-2222-4222-8222-222222222222');
    expect(correlated).toHaveLength(1);
    expect(correlated[0]!.evidence).toHaveLength(3);
    expect(correlated[0]!.severity).toBe('high');
    expect(correlated[0]!.summary).toContain('3 events for user=a within 10m');
    // The base rule is referenced (generate: false by default): it raises no alerts of its own.
    expect(alerts.filter((a) => a.rule.id === '11111111-1111-4111-8111-111111111111')).toHaveLength(0);
  });

  it('does not fire one event short, nor one second past the timespan', () => {
    expect(run(yaml, [[failure('a', at(0)), failure('a', at(5))]])).toHaveLength(0);
    expect(run(yaml, [[failure('a', at(0)), failure('a', at(5)), failure('a', at(10, 1))]])).toHaveLength(0);
  });

  it('groups by the group-by field', () => {
    expect(run(yaml, [[failure('a', at(0)), failure('b', at(1)), failure('a', at(2))]])).toHaveLength(0);
  });

  it('is independent of arrival order (files read in any order)', () => {
    const shuffled = [[failure('a', at(10))], [failure('a', at(0))], [failure('a', at(5))]];
    expect(run(yaml, shuffled)).toHaveLength(1);
  });

  it('generate: true also raises the referenced rule\'s own alerts', () => {
    const alerts = run(yaml.replace('condition: {gte: 3}', 'condition: {gte: 3}\n    generate: true'), [[failure('a', at(0)), failure('a', at(5)), failure('a', at(10))]]);
    expect(alerts).toHaveLength(4);
  });
});

describe('value types', () => {
  it('value_count counts distinct values', () => {
    const yaml = correlation('type: value_count\nrules: [failed_signin]\ngroup-by: [ip]\ntimespan: 1h\ncondition: {field: user, gte: 3}');
    expect(run(yaml, [[failure('a', at(0), { ip: '1' }), failure('b', at(1), { ip: '1' }), failure('c', at(2), { ip: '1' })]])).toHaveLength(1);
    expect(run(yaml, [[failure('a', at(0), { ip: '1' }), failure('a', at(1), { ip: '1' }), failure('c', at(2), { ip: '1' })]])).toHaveLength(0);
  });

  it('value_sum and value_avg aggregate a numeric field', () => {
    const sum = correlation('type: value_sum\nrules: [failed_signin]\ngroup-by: [user]\ntimespan: 1h\ncondition: {field: bytes, gt: 100}');
    expect(run(sum, [[failure('a', at(0), { bytes: 60 }), failure('a', at(1), { bytes: '50' })]])).toHaveLength(1);
    expect(run(sum, [[failure('a', at(0), { bytes: 60 }), failure('a', at(1), { bytes: 40 })]])).toHaveLength(0);
    const avg = correlation('type: value_avg\nrules: [failed_signin]\ngroup-by: [user]\ntimespan: 1h\ncondition: {field: bytes, gte: 50}');
    expect(run(avg, [[failure('a', at(0), { bytes: 60 }), failure('a', at(1), { bytes: 40 })]])).toHaveLength(1);
    expect(run(avg, [[failure('a', at(0), { bytes: 60 }), failure('a', at(1), { bytes: 30 })]])).toHaveLength(0);
  });

  it('value_percentile fires for a value rare within the window', () => {
    const yaml = correlation('type: value_percentile\nrules: [failed_signin]\ngroup-by: [host]\ntimespan: 1h\ncondition: {field: app, lte: 10}');
    const common = Array.from({ length: 19 }, (_, i) => failure('a', at(i), { host: 'h', app: 'Teams' }));
    const alerts = run(yaml, [[...common, failure('a', at(30), { host: 'h', app: 'rclone' })]]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.summary).toContain('"rclone" in 5% of events');
  });
});

describe('temporal', () => {
  const rules = `title: owner added
id: 33333333-3333-4333-8333-333333333333
name: owner_added
logsource: {product: azure, service: auditlogs}
detection:
    selection:
        activity: Add owner to application
    condition: selection
---
title: credential added
id: 44444444-4444-4444-8444-444444444444
name: credential_added
logsource: {product: azure, service: auditlogs}
detection:
    selection:
        activity: Add service principal credentials
    condition: selection
---
`;
  const chain = (type: string): string => `${rules}title: takeover
id: 55555555-5555-4555-8555-555555555555
correlation:
    type: ${type}
    rules: [owner_added, credential_added]
    aliases:
        app:
            owner_added: target
            credential_added: object
    group-by: [app]
    timespan: 24h
`;
  const owner = (time: string, app = 'Payroll'): Record<string, unknown> => ({ activity: 'Add owner to application', target: app, time });
  const credential = (time: string, app = 'Payroll'): Record<string, unknown> => ({ activity: 'Add service principal credentials', object: app, time });

  it('temporal: all rules within the timespan for the same group (through aliases)', () => {
    expect(run(chain('temporal'), [[credential(at(30)), owner(at(0))]])).toHaveLength(1);
    expect(run(chain('temporal'), [[owner(at(0)), credential(at(30), 'Other')]])).toHaveLength(0);
  });

  it('temporal_ordered: in the listed order only', () => {
    expect(run(chain('temporal_ordered'), [[owner(at(0)), credential(at(30))]])).toHaveLength(1);
    expect(run(chain('temporal_ordered'), [[credential(at(0)), owner(at(30))]])).toHaveLength(0);
  });

  it('a temporal condition may be an expression over the rules', () => {
    const yaml = `${chain('temporal')}    condition: owner_added and credential_added\n`;
    expect(run(yaml, [[owner(at(0)), credential(at(1))]])).toHaveLength(1);
  });

  it('correlations chain: a correlation may count the results of another', () => {
    const yaml = `${chain('temporal')}---
title: repeated takeovers
id: 66666666-6666-4666-8666-666666666666
correlation:
    type: event_count
    rules: [55555555-5555-4555-8555-555555555555]
    group-by: [app]
    timespan: 7d
    condition: {gte: 2}
`;
    const day = (d: number): string => new Date(Date.UTC(2026, 9, 1 + d, 10)).toISOString();
    const alerts = run(yaml, [[owner(day(0)), credential(day(0)), owner(day(2)), credential(day(2))]]);
    expect(alerts.map((a) => a.rule.id).filter((id) => id.startsWith('6666'))).toHaveLength(1);
  });
});

describe('correlation validation', () => {
  it('names the problem', () => {
    const bad = (body: string): string => compile(correlation(body)).diagnostics.map((d) => d.message).join(' ');
    expect(bad('type: event_count\nrules: [failed_signin]\ntimespan: 10m')).toContain('needs a condition');
    expect(bad('type: event_count\nrules: [failed_signin]\ntimespan: ten minutes\ncondition: {gte: 1}')).toContain('timespan');
    expect(bad('type: sometimes\nrules: [x]\ntimespan: 1m')).toContain('type');
    expect(bad('type: value_count\nrules: [x]\ntimespan: 1m\ncondition: {gte: 1}')).toContain('condition.field');
  });
});
