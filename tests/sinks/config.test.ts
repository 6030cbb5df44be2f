import { describe, expect, it } from 'vitest';
import { checkSinkList, findSinkProblem, parseSinks, sinksFor } from '../../src/sinks/delivery/config.js';
import { alertN } from './alerts.js';

const valid = [
  { name: 'archive', type: 'jsonl', path: 'alerts.jsonl' },
  { name: 'lake', type: 'ocsf', path: '/var/lib/appwatch/ocsf.jsonl', minSeverity: 'medium' },
  { name: 'soc-hook', type: 'webhook', url: 'https://soc.example.com/hook', secretEnv: 'SOC_TOKEN', headers: { 'X-Team': 'soc' } },
  { name: 'slack', type: 'webhook', urlEnv: 'SLACK_WEBHOOK_URL', format: 'slack', minSeverity: 'high' },
  { name: 'siem', type: 'syslog', host: 'siem.example.com', protocol: 'tls', caFile: 'ca.pem' },
  { name: 'legacy', type: 'syslog', host: '10.0.0.5', protocol: 'udp' },
];

function problem(entry: Record<string, unknown>, index = 0): string | null {
  const list = [...valid.slice(0, index), entry];
  return checkSinkList(list);
}

describe('sinks config', () => {
  it('accepts a full example and applies the defaults', () => {
    expect(checkSinkList(valid)).toBeNull();
    expect(checkSinkList(undefined)).toBeNull();
    expect(checkSinkList([])).toBeNull();
    const sinks = parseSinks(valid, '/etc/appwatch');
    expect(sinks[0]).toEqual({ name: 'archive', type: 'jsonl', path: '/etc/appwatch/alerts.jsonl', minSeverity: 'low' });
    expect(sinks[1]).toMatchObject({ path: '/var/lib/appwatch/ocsf.jsonl', minSeverity: 'medium' });
    expect(sinks[2]).toEqual({
      name: 'soc-hook', type: 'webhook', url: 'https://soc.example.com/hook', format: 'json', headers: { 'X-Team': 'soc' },
      secretEnv: 'SOC_TOKEN', auth: 'bearer', timeoutMs: 10_000, minSeverity: 'low',
    });
    expect(sinks[3]).toMatchObject({ urlEnv: 'SLACK_WEBHOOK_URL', format: 'slack' });
    expect(sinks[3]).not.toHaveProperty('url');
    expect(sinks[4]).toEqual({
      name: 'siem', type: 'syslog', host: 'siem.example.com', port: 6514, protocol: 'tls', caFile: '/etc/appwatch/ca.pem',
      format: 'cef', facility: 10, timeoutMs: 10_000, minSeverity: 'low',
    });
    expect(sinks[5]).toMatchObject({ port: 514, protocol: 'udp' });
  });

  it('names the entry index and key of the first problem', () => {
    expect(problem({ name: 'h', type: 'webhook', url: 'http://soc.example.com/hook' }, 2)).toBe('sinks[2].url must be https:// (http:// only for loopback)');
    expect(problem({ name: 'h', type: 'webhook', url: 'http://127.0.0.1:8080/hook' })).toBeNull();
    expect(problem({ name: 'h', type: 'webhook', url: 'http://localhost/hook' })).toBeNull();
    expect(problem({ name: 'h', type: 'webhook', url: 'http://[::1]/hook' })).toBeNull();
    expect(problem({ name: 'h', type: 'webhook', url: 'https://user:pw@soc.example.com/' })).toBe('sinks[0].url must not contain credentials (use secretEnv)');
    expect(problem({ name: 'h', type: 'webhook', url: 'not a url' })).toBe('sinks[0].url must be an absolute URL');
    expect(problem({ name: 'h', type: 'webhook' })).toBe('sinks[0].url or urlEnv must be given (exactly one)');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', urlEnv: 'X' })).toBe('sinks[0].url or urlEnv must be given (exactly one)');
    expect(problem({ name: 'h', type: 'webhook', urlEnv: 'https://a.example/' })).toBe('sinks[0].urlEnv must be the name of an environment variable');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', secretEnv: 's3cr3t-value!' })).toBe('sinks[0].secretEnv must be the name of an environment variable (never the secret itself)');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', auth: 'hmac' })).toBe('sinks[0].auth needs secretEnv');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', format: 'discord' })).toBe('sinks[0].format must be one of json, teams, slack');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', headers: { Authorization: 'Bearer x' } })).toBe('sinks[0].headers.Authorization must not be set in the file (use secretEnv)');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', headers: { 'Idempotency-Key': 'x' } })).toBe('sinks[0].headers.Idempotency-Key is set by appwatch');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', headers: { 'X-A': 'v\r\nX-Injected: 1' } })).toBe('sinks[0].headers.X-A must be a string without control characters');
    expect(problem({ name: 'h', type: 'webhook', url: 'https://a.example/', timeoutMs: 0 })).toBe('sinks[0].timeoutMs must be a whole number of milliseconds from 1 to 300000');
    expect(problem({ name: 's', type: 'syslog', host: 'siem' })).toBe('sinks[0].protocol must be one of tcp, tls, udp');
    expect(problem({ name: 's', type: 'syslog', host: 'siem', protocol: 'tcp', port: 70000 })).toBe('sinks[0].port must be a port number 1-65535');
    expect(problem({ name: 's', type: 'syslog', host: 'siem', protocol: 'tcp', caFile: 'ca.pem' })).toBe('sinks[0].caFile applies only to protocol tls');
    expect(problem({ name: 's', type: 'syslog', host: 'siem', protocol: 'tcp', format: 'leef' })).toBe('sinks[0].format must be cef');
    expect(problem({ name: 's', type: 'syslog', host: 'siem', protocol: 'tcp', facility: 24 })).toBe('sinks[0].facility must be a syslog facility number 0-23');
    expect(problem({ name: 'f', type: 'jsonl' })).toBe('sinks[0].path must be a file path');
    expect(problem({ name: 'f', type: 'jsonl', path: 'a', minSeverity: 'urgent' })).toBe('sinks[0].minSeverity must be one of informational, low, medium, high, critical');
    expect(problem({ name: 'f', type: 'jsonl', path: 'a', url: 'https://x/' })).toBe('sinks[0].url is not a key of a jsonl sink (known: name, type, minSeverity, path)');
    expect(problem({ name: 'f', type: 'kafka' })).toBe('sinks[0].type must be one of jsonl, webhook, syslog, ocsf');
    expect(problem({ type: 'jsonl', path: 'a' })).toBe('sinks[0].name must be a non-empty string');
    expect(problem({ name: 'a b', type: 'jsonl', path: 'a' })).toMatch(/^sinks\[0\]\.name must be 1-64 letters/);
    expect(checkSinkList({ name: 'x' })).toBe('sinks must be a list of sinks');
    expect(checkSinkList(['x'])).toBe('sinks[0] must be a mapping (name, type, …)');
    expect(checkSinkList([valid[0], { ...valid[1], name: 'archive' }])).toBe('sinks[1].name "archive" is already the name of sinks[0]');
    expect(() => parseSinks([{ name: 'h', type: 'webhook', url: 'http://soc.example.com/' }])).toThrow('sinks[0].url must be https://');
  });

  it('locates the problem as a YAML path, for the config loader\'s line numbers', () => {
    expect(findSinkProblem(valid)).toBeNull();
    expect(findSinkProblem([valid[0], { name: 'h', type: 'webhook', url: 'http://soc.example.com/' }])).toEqual({ path: ['sinks', 1, 'url'], message: 'sinks[1].url must be https:// (http:// only for loopback)' });
    expect(findSinkProblem([{ name: 'h', type: 'webhook', url: 'https://a.example/', headers: { 'X.A': 'v\n' } }])?.path).toEqual(['sinks', 0, 'headers', 'X.A']);
    expect(findSinkProblem(['x'])?.path).toEqual(['sinks', 0]);
    expect(findSinkProblem('x')?.path).toEqual(['sinks']);
    expect(findSinkProblem([valid[0], valid[0]])?.path).toEqual(['sinks', 1, 'name']);
  });

  it('queues an alert for the sinks whose minimum severity it meets', () => {
    const route = sinksFor(parseSinks(valid));
    expect(route(alertN(1, 'informational'))).toEqual([]);
    expect(route(alertN(1, 'low'))).toEqual(['archive', 'soc-hook', 'siem', 'legacy']);
    expect(route(alertN(1, 'medium'))).toEqual(['archive', 'lake', 'soc-hook', 'siem', 'legacy']);
    expect(route(alertN(1, 'critical'))).toEqual(['archive', 'lake', 'soc-hook', 'slack', 'siem', 'legacy']);
  });
});
