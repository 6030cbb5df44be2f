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
