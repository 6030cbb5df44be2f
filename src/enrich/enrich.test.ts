import { describe, expect, it } from 'vitest';
import { classifyPermission } from './catalogue.js';
import { uriFlags } from './uris.js';
import { findRole } from './catalogue.js';

describe('permission classification by exact name', () => {
  it.each([
    ['Mail.Read', 'high'], ['mail.read', 'high'], ['Mail.ReadBasic', 'low'], ['Mail.ReadWrite', 'high'],
    ['RoleManagement.ReadWrite.Directory', 'critical'], ['AppRoleAssignment.ReadWrite.All', 'critical'],
    ['Calendars.ReadWrite.All', 'high'], ['Calendars.Read', 'medium'], ['offline_access', 'low'], ['User.Read', 'low'],
    ['User.ReadWrite.All', 'critical'], ['Files.Read', 'high'], ['full_access_as_app', 'critical'],
  ])('%s → %s', (value, expected) => {
    const c = classifyPermission(value);
    expect(c.class).toBe(expected);
    expect(c.reason.length).toBeGreaterThan(5);
  });
});

describe('redirect URI flags', () => {
  it.each([
    ['https://payroll.contoso.com/auth', []],
    ['http://payroll.contoso.com/auth', ['not-https']],
    ['http://localhost:8400/', ['localhost']], // loopback http is allowed for native clients
    ['http://127.0.0.1:8400/', ['ip-literal']],
    ['https://*.azurewebsites.net/', ['wildcard']],
    ['https://203.0.113.9/cb', ['ip-literal']],
  ])('%s → %j', (uri, flags) => {
    expect(uriFlags(uri).flags).toEqual(flags);
  });
});

describe('roles', () => {
  it('knows Microsoft\'s privileged label by template id or name', () => {
    expect(findRole({ templateId: '62E90394-69F5-4237-9190-012177145E10' })).toMatchObject({ displayName: 'Global Administrator', privileged: true });
    expect(findRole({ displayName: 'directory readers' })).toMatchObject({ privileged: false });
    expect(findRole({ displayName: 'Not A Role' })).toBeUndefined();
  });
});

describe('application names', async () => {
  const { nameFlags, isFirstParty, foldName } = await import('./app-names.js');
  it.each([
    ['Test', ['generic-app-name']],
    ['Micros0ft Mail Helper', ['lookalike-app-name']],
    ['Microsoft Teams', []], // the real name is not a look-alike of itself
    ['Mіcrosoft Teams', ['lookalike-app-name']], // Cyrillic і
    ['Microsft Teams', ['lookalike-app-name']], // one letter off
    ['Payroll-Sync', []],
  ])('%s → %j', (name, flags) => {
    expect(nameFlags(name).flags).toEqual(flags);
  });
  it('folds confusables', () => {
    expect(foldName('Micr0s0ft 0ffice')).toBe('microsoftoffice');
    expect(foldName('rnicrosoft')).toBe('microsoft');
  });
  it('knows Microsoft first-party apps by appId', () => {
    expect(isFirstParty('00000003-0000-0000-C000-000000000000')).toBe('Microsoft Graph');
    expect(isFirstParty('8e7fe5eb-b7de-4337-8701-00c8d8969ca0')).toBeUndefined();
  });
});

describe('credential types from KeyDescription', () => {
  it('AsymmetricX509Cert is a certificate (its name contains "symmetric"), Password and Symmetric are passwords', async () => {
    const { credentialChange } = await import('./credentials.js');
    const event = (keyType: string) => ({
      activityDisplayName: 'Add service principal credentials',
      targetResources: [{ type: 'ServicePrincipal', modifiedProperties: [{ displayName: 'KeyDescription', oldValue: '[]', newValue: JSON.stringify([`[KeyIdentifier=6f1c3b6e-2d4a-4f8e-9c1b-7a2d3e4f5a6b,KeyType=${keyType},KeyUsage=Verify,DisplayName=CN=payroll]`]) }] }],
      appwatch: { kind: 'audit', time: '2026-10-01T09:15:02.000Z', origin: { source: 'file', format: 'graph', file: 'x', line: 1 } },
    });
    const typeOf = (keyType: string): string | undefined => credentialChange(event(keyType) as never)?.added[0]?.type;
    expect(typeOf('AsymmetricX509Cert')).toBe('certificate');
    expect(typeOf('Password')).toBe('password');
    expect(typeOf('Symmetric')).toBe('password');
  });
});

describe('business hours', () => {
  it('agree with a direct Intl reading at any instant, across DST and half-hour zones', async () => {
    const { ContextFlags } = await import('./context.js');
    const direct = (zone: string, ms: number): boolean => {
      const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit' });
      const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
      const day = String(p.weekday).slice(0, 3).toLowerCase();
      const minute = Number(p.hour) * 60 + Number(p.minute);
      return ['mon', 'tue', 'wed', 'thu', 'fri'].includes(day) && `${p.year}-${p.month}-${p.day}` !== '2026-12-25' && minute >= 8 * 60 && minute < 18 * 60;
    };
    for (const zone of ['Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'UTC']) {
      const context = new ContextFlags({ businessHours: { timeZone: zone, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', holidays: ['2026-12-25'] } });
      let seed = 7;
      for (let i = 0; i < 3000; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const ms = Date.UTC(2026, 0, 1) + (seed % (366 * 86_400)) * 1000;
        expect(context.inBusinessHours(new Date(ms).toISOString()), `${zone} ${new Date(ms).toISOString()}`).toBe(direct(zone, ms));
      }
      // Around the spring-forward and fall-back instants, minute by minute.
      for (const edge of [Date.UTC(2026, 2, 29, 0, 30), Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 2, 8, 6, 30), Date.UTC(2026, 10, 1, 5, 30), Date.UTC(2026, 3, 4, 14, 30)]) {
        for (let m = 0; m < 240; m++) {
          const ms = edge + m * 60_000;
          expect(context.inBusinessHours(new Date(ms).toISOString()), `${zone} ${new Date(ms).toISOString()}`).toBe(direct(zone, ms));
        }
      }
    }
  });
});
