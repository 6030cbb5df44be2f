import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer } from '../../tests/helpers/dns-server.js';
import { DanglingChecker } from './dns.js';

describe('dangling redirect hosts, against a local resolver', () => {
  let server: Awaited<ReturnType<typeof startDnsServer>>;
  let checker: DanglingChecker;
  beforeAll(async () => {
    server = await startDnsServer({
      'payroll.contoso.com': { A: ['203.0.113.5'] },
      'login.contoso.com': { CNAME: 'contoso-login.azurewebsites.net' },
      'contoso-login.azurewebsites.net': { A: ['20.50.2.1'] },
      'old.contoso.com': { CNAME: 'contoso-old.azurewebsites.net' },
      'gone.contoso.com': { CNAME: 'gone.partner.example' },
    });
    checker = new DanglingChecker({ servers: [server.address], timeoutMs: 1000 });
  });
  afterAll(() => server.close());

  it('a name that resolves is not dangling', async () => {
    expect(await checker.check('payroll.contoso.com')).toMatchObject({ dangling: false, answers: { addresses: ['203.0.113.5'] } });
  });

  it('NXDOMAIN is dangling', async () => {
    expect(await checker.check('payroll-sync-legacy.azurewebsites.net')).toMatchObject({ dangling: true, reason: 'the name does not exist (NXDOMAIN)' });
  });

  it('a CNAME to a re-registrable cloud name that no longer resolves is dangling, with the answers as evidence', async () => {
    const verdict = await checker.check('old.contoso.com');
    expect(verdict.dangling).toBe(true);
    expect(verdict.reason).toContain('CNAME to contoso-old.azurewebsites.net, a re-registrable cloud name');
    expect(verdict.answers.cname).toEqual(['contoso-old.azurewebsites.net']);
  });

  it('a CNAME to a live cloud name, or to a dead name nobody can re-register, is not', async () => {
    expect((await checker.check('login.contoso.com')).dangling).toBe(false);
    expect((await checker.check('gone.contoso.com')).dangling).toBe(false);
  });

  it('answers are cached for the run', async () => {
    const before = server.queries;
    await checker.check('payroll.contoso.com');
    expect(server.queries).toBe(before);
  });
});
