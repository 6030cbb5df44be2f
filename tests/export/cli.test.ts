/**
 * `appwatch export kql` and `appwatch export sentinel` as a user runs them (the command object, in process):
 * files per rule, the JSON on stdout, YAML and ARM files, usage errors, and the rules it cannot export listed
 * on stderr.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportCommand } from '../../src/cli/commands/export.js';
import { validateArmTemplate, validateYamlRule } from '../../src/export/sentinel/validate.js';
import { CONSTRUCTS } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let code = -1;
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout += String(chunk);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write);
  try {
    const program = new Command('appwatch').exitOverride().configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stdout += s) });
    const command = exportCommand((c) => (code = c));
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: (s) => (stderr += s) });
    program.addCommand(command);
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch {
      code = 2;
    }
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'appwatch-export-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('appwatch export', () => {
  it('kql --out writes one <rule id>.kql per rule, with what it cannot express as comments', async () => {
    const dir = tempDir();
    const result = await run(['export', 'kql', '--out', dir, '-q']);
    expect(result.code).toBe(0);
    const files = readdirSync(dir);
    expect(files).toContain('4b1f7c2e-8a3d-4e5f-9b6c-1d2e3f4a5b6c.kql');
    expect(files.every((f) => f.endsWith('.kql'))).toBe(true);
    const text = readFileSync(join(dir, '4b1f7c2e-8a3d-4e5f-9b6c-1d2e3f4a5b6c.kql'), 'utf8');
    expect(text).toMatch(/^\/\/ Credential added to an application or service principal\n/);
    expect(text).toContain('// cannot express: credentials:');
    expect(text).toContain('\nAuditLogs\n| where ');
  });

  it('kql --format json prints [{ruleId, title, table, query, lost}] on stdout', async () => {
    const result = await run(['export', 'kql', '--format', 'json', '--no-builtin', '--rules', CONSTRUCTS, '--placeholder', 'ImportantApps=a1b2']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { ruleId: string; title: string; table: string; query: string; lost: string[] }[];
    expect(rows.length).toBe(10);
    for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(['ruleId', 'title', 'table', 'query', 'lost']));
    expect(rows.find((r) => r.title === 'Keywords')!.lost.length).toBe(1);
  });

  it('--keyvault-table AzureDiagnostics routes Key Vault rules there', async () => {
    const result = await run(['export', 'kql', '--format', 'json', '--keyvault-table', 'AzureDiagnostics', '-q']);
    const rows = JSON.parse(result.stdout) as { table: string }[];
    expect(rows.some((r) => r.table === 'AzureDiagnostics')).toBe(true);
    expect(rows.some((r) => r.table === 'AZKVAuditLogs')).toBe(false);
  });

  it('--out and --format json together are a usage error', async () => {
    const result = await run(['export', 'kql', '--out', tempDir(), '--format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('choose one');
  });

  it('a rule it cannot export is named on stderr with the reason', async () => {
    const result = await run(['export', 'kql', '--format', 'json', '--no-builtin', '--rules', CONSTRUCTS]);
    expect(result.stderr).toContain('placeholder %ImportantApps% has no values');
  });

  it('sentinel --format yaml and arm write one valid rule per file', async () => {
    const yamlDir = tempDir();
    const armDir = tempDir();
    expect((await run(['export', 'sentinel', '--format', 'yaml', '--out', yamlDir, '-q'])).code).toBe(0);
    expect((await run(['export', 'sentinel', '--format', 'arm', '--out', armDir, '-q'])).code).toBe(0);
    const yamlFiles = readdirSync(yamlDir);
    const armFiles = readdirSync(armDir);
    expect(yamlFiles.length).toBeGreaterThan(20);
    expect(armFiles.length).toBe(yamlFiles.length);
    for (const f of yamlFiles) expect(validateYamlRule(parseYaml(readFileSync(join(yamlDir, f), 'utf8')) as Record<string, unknown>), f).toEqual([]);
    for (const f of armFiles) {
      const template = JSON.parse(readFileSync(join(armDir, f), 'utf8')) as Record<string, unknown>;
      expect(validateArmTemplate(template), f).toEqual([]);
      expect(template.parameters).toHaveProperty('workspace');
    }
  });

  it('sentinel needs --format and --out', async () => {
    expect((await run(['export', 'sentinel', '--out', tempDir()])).code).toBe(2);
    expect((await run(['export', 'sentinel', '--format', 'yaml'])).code).toBe(2);
  });
});
