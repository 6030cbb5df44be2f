/**
 * The exact bytes each sink puts on the wire: RFC 5424 + CEF, octet counting, the webhook JSON body, and the
 * Slack and Teams payloads, with a hostile application name that tries to break out of each.
 */
import { describe, expect, it } from 'vitest';
import { inert, inertLine } from '../../src/cli/terminal.js';
import { cefLine } from '../../src/sinks/delivery/cef.js';
import { octetCounted, rfc5424 } from '../../src/sinks/delivery/rfc5424.js';
import { slackEscape, slackPayload } from '../../src/sinks/delivery/slack.js';
import { teamsPayload } from '../../src/sinks/delivery/teams.js';
import { webhookBody } from '../../src/sinks/delivery/webhook.js';
import { alertN, GOLDEN, HOSTILE_NAME, hostileAlert } from './alerts.js';

/** A CEF reader as a SIEM would be: header split on unescaped pipes, extensions on unescaped `=`. */
function parseCef(line: string): { header: string[]; ext: Record<string, string> } {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  while (header.length < 7) {
    const c = line[i++];
    if (c === undefined) throw new Error('short CEF header');
    if (c === '\\') cur += line[i++];
    else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  const raw = line.slice(i);
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (let j = 0; j < raw.length; j++) {
    if (raw[j] === '\\') {
      j++;
      continue;
    }
    if (raw[j] === '=') {
      const start = raw.lastIndexOf(' ', j) + 1;
      keys.push({ key: raw.slice(start, j), start, valueStart: j + 1 });
    }
  }
  const ext: Record<string, string> = {};
  keys.forEach((k, n) => {
    const end = n + 1 < keys.length ? keys[n + 1]!.start - 1 : raw.length;
    ext[k.key] = raw.slice(k.valueStart, end).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  });
  return { header, ext };
}

describe('syslog: RFC 5424 carrying CEF', () => {
  it('renders the golden alert exactly', () => {
    const message = rfc5424(GOLDEN, cefLine(GOLDEN, '0.1.0'), { facility: 10, hostname: 'collector01', procId: '4242' });
    expect(message).toBe(
      '<83>1 2026-01-01T00:00:00.000Z collector01 appwatch 4242 f7d860d7e014a6776b763fef9529e3fb - '
      + 'CEF:0|appwatch|appwatch|0.1.0|0b9e7c6a-4d3f-4e2a-9b1c-8d7e6f5a4b3c|Service principal credential added (test rule)|8|'
      + 'externalId=f7d860d7e014a6776b763fef9529e3fb rt=1767225600000 start=1790846102000 '
      + "msg=Service principal credential added (test rule): Add service principal credentials on 'Payroll-Sync' (appId 8e7fe5eb-b7de-4337-8701-00c8d8969ca0) by alice@contoso.com from 203.0.113.10 at 2026-10-01 09:15 UTC; adds password 'ci-secret', the app's first credential (single sign-on mode unknown: no --snapshot). "
      + 'suser=alice@contoso.com suid=aeba2680-2743-4f93-a122-cb9d76828c3f src=203.0.113.10 '
      + 'cs1Label=application cs1=Payroll-Sync cs2Label=appId cs2=8e7fe5eb-b7de-4337-8701-00c8d8969ca0 '
      + 'cs3Label=servicePrincipalId cs3=e24a836a-61c2-4392-9cec-3d08fc2b8bc4 cs4Label=tags cs4=attack.persistence attack.t1098.001 '
      + 'cs5Label=flags cs5=first-credential password-credential-added cs6Label=evidenceIds cs6=Directory_dc47a329-93ac-49cc-9a0d-253901c83705_QW3KF_41879031',
    );
  });

  it('maps severities to PRI and CEF severity, and keeps header fields to their RFC 5424 alphabet', () => {
    const expected = { critical: ['<82>', '10'], high: ['<83>', '8'], medium: ['<84>', '5'], low: ['<85>', '3'], informational: ['<86>', '1'] } as const;
    for (const [severity, [pri, cef]] of Object.entries(expected)) {
      const a = alertN(1, severity as keyof typeof expected);
      const m = rfc5424(a, cefLine(a, '0.1.0'), { facility: 10, hostname: 'h', procId: '1' });
      expect(m.startsWith(`${pri}1 `)).toBe(true);
      expect(parseCef(m.slice(m.indexOf('CEF:'))).header[6]).toBe(cef);
    }
    const local0 = rfc5424(GOLDEN, 'x', { facility: 16, hostname: 'host name\twith spaces', procId: '7' });
    expect(local0).toBe('<131>1 2026-01-01T00:00:00.000Z hostnamewithspaces appwatch 7 f7d860d7e014a6776b763fef9529e3fb - x');
    expect(rfc5424(GOLDEN, 'x', { facility: 10, hostname: '\u00e9', procId: '7' }).split(' ')[2]).toBe('-');
  });

  it('escapes a hostile application name: nothing breaks out of its field, no raw control character', () => {
    const alert = hostileAlert();
    alert.entities.actor!.userPrincipalName = 'mallory@evil.example suser=root';
    const line = cefLine(alert, '0.1.0');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(line).toContain('|Title\\|with\\\\pipe|10|');
    expect(line).toContain('cs1=Evil|App\\=1\\\\x\\nCEF:0|fake|\\\\u001b[31m <!channel>');
    const { header, ext } = parseCef(line);
    expect(header).toEqual(['CEF:0', 'appwatch', 'appwatch', '0.1.0', alert.rule.id, 'Title|with\\pipe', '10']);
    // What a SIEM decodes is the name with its control characters made visible, in its own field.
    expect(ext.cs1).toBe(inert(HOSTILE_NAME));
    expect(ext.suser).toBe('mallory@evil.example suser=root');
    expect(ext.externalId).toBe(alert.id);
    expect(Object.keys(ext)).toEqual(['externalId', 'rt', 'start', 'msg', 'suser', 'suid', 'src', 'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4', 'cs5Label', 'cs5', 'cs6Label', 'cs6']);
  });

  it('drops an actor IP that is not an address and cuts a long summary at CEF\'s msg limit', () => {
    const alert = alertN(2);
    alert.entities.actor!.ip = '203.0.113.10 dvc=evil';
    alert.summary = 'é'.repeat(5000);
    const { ext } = parseCef(cefLine(alert, '0.1.0'));
    expect(ext.src).toBeUndefined();
    expect(ext.msg).toHaveLength(1023);
    expect(ext.msg!.endsWith('…')).toBe(true);
  });

  it('frames by octet counting: the length is in bytes, not characters', () => {
    const frame = octetCounted('<83>1 - - appwatch - - - Paie-Société');
    // 37 characters, two of them two bytes long in UTF-8.
    expect('<83>1 - - appwatch - - - Paie-Société').toHaveLength(37);
    expect(frame.toString('utf8')).toBe('39 <83>1 - - appwatch - - - Paie-Société');
  });
});

describe('webhook bodies', () => {
  it('json: {id, alert}, the alert as scan --format json writes it', () => {
    const body = webhookBody(GOLDEN, 'json', '0.1.0');
    expect(JSON.parse(body)).toEqual({ id: GOLDEN.id, alert: GOLDEN });
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['id', 'alert']);
  });

  it('slack: {text, blocks} in mrkdwn; <!channel>, links, *bold*, @here and backticks render inert', () => {
    const alert = hostileAlert();
    const payload = JSON.parse(webhookBody(alert, 'slack', '0.1.0')) as { text: string; blocks: { type: string; text?: { type: string; text: string }; fields?: { type: string; text: string }[]; elements?: { type: string; text: string }[] }[] };
    expect(Object.keys(payload)).toEqual(['text', 'blocks']);
    const texts = [payload.text, ...payload.blocks.flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]).filter((t) => t !== undefined).map((t) => {
      expect(t.type).toBe('mrkdwn');
      return t.text;
    })];
    for (const t of texts) {
      // No mention, channel ping, or link can be formed without a raw < or >.
      expect(t).not.toMatch(/[<>]/);
      expect(t).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    }
    const all = texts.join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;http://evil|click&gt;');
    expect(all).toContain('&amp;amp;');
    // Attacker text sits in one code span per value (mrkdwn does not format inside), backticks replaced.
    const app = payload.blocks[2]!.fields!.find((f) => f.text.startsWith('*Application*'))!.text;
    expect(app).toMatch(/^\*Application\*\n`[^`\n]+`$/);
    const shown = app.slice('*Application*\n`'.length, -1).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(shown).toBe(`${inertLine(HOSTILE_NAME).replace(/`/g, '\u02cb')} (appId 8e7fe5eb-b7de-4337-8701-00c8d8969ca0)`);
    expect(payload.blocks[1]!.text!.text).toMatch(/^`[^`\n]+`$/);
    expect(payload.blocks[0]!.text!.text).toBe('*CRITICAL* `Title|with\\pipe`');
    expect(payload.text).toBe('appwatch CRITICAL alert: `Title|with\\pipe`');
    const id = payload.blocks[2]!.fields!.find((f) => f.text.startsWith('*Alert id*'))!.text;
    expect(id).toBe(`*Alert id*\n\`${alert.id}\``);
    expect(slackEscape('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  it('slack: a long summary is cut to fit a section without splitting an entity', () => {
    const alert = alertN(3);
    alert.summary = '<&>'.repeat(2000);
    const payload = slackPayload(alert, '0.1.0') as { blocks: { text?: { text: string } }[] };
    const text = payload.blocks[1]!.text!.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/^`(&lt;&amp;&gt;)+(&lt;|&lt;&amp;)?…`$/);
  });

  it('teams: an Adaptive Card message whose attacker text is only in TextRuns (no Markdown, no HTML)', () => {
    const alert = hostileAlert();
    const payload = JSON.parse(webhookBody(alert, 'teams', '0.1.0')) as {
      type: string;
      attachments: { contentType: string; contentUrl: null; content: { type: string; version: string; body: { type: string; inlines: { type: string; text: string }[] }[] } }[];
    };
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    const card = payload.attachments[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.contentUrl).toBeNull();
    expect(card.content.type).toBe('AdaptiveCard');
    expect(card.content.version).toBe('1.4');
    for (const block of card.content.body) {
      // TextBlock and FactSet render Markdown; RichTextBlock's TextRuns do not.
      expect(block.type).toBe('RichTextBlock');
      for (const run of block.inlines) {
        expect(run.type).toBe('TextRun');
        expect(run.text).not.toMatch(/[\u0000-\u001f\u007f]/);
      }
    }
    const runs = card.content.body.flatMap((b) => b.inlines.map((r) => r.text));
    expect(runs).toContain(`${inertLine(HOSTILE_NAME)} (appId 8e7fe5eb-b7de-4337-8701-00c8d8969ca0)`);
    expect(runs).toContain(inertLine(alert.summary));
    expect(runs).toContain(alert.id);
    const golden = teamsPayload(GOLDEN, '0.1.0') as typeof payload;
    expect(golden.attachments[0]!.content.body[0]).toEqual({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text: 'HIGH ', weight: 'Bolder', color: 'Attention' }, { type: 'TextRun', text: GOLDEN.rule.title, weight: 'Bolder' }],
    });
  });
});
