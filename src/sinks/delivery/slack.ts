/**
 * @module sinks/delivery/slack
 * A Slack incoming-webhook message, `{text, blocks}` in mrkdwn. Attacker-controlled text (an app named
 * `<!channel>`, `<http://evil|click>`, `*bold*`, `@here`) renders inert: `&`, `<` and `>` are escaped as Slack
 * asks, so no mention, link or command can be formed, and each value sits in a code span, where mrkdwn does
 * not format (`*`, `_`, `~`, `:emoji:` stay literal). The only character a code span cannot hold, the backtick,
 * becomes ˋ (U+02CB). Control characters are shown as `\u…` escapes; newlines are folded.
 */
import type { Alert } from '../../alerts/types.js';
import { inertLine } from '../../cli/terminal.js';
import { chatFacts } from './chat-text.js';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Slack's escaping of `&`, `<`, `>` (and nothing else: Slack decodes only these three). */
export function slackEscape(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITY[c]!);
}

/**
 * A value as an inert code span of at most `budget` characters once escaped (Slack limits a section to 3000, a
 * field to 2000): cut by whole characters, so an entity is never split.
 */
export function slackLiteral(value: string, budget = 1000): string {
  const text = inertLine(value).replace(/`/g, '\u02cb');
  if (text.trim() === '') return '—';
  let out = '';
  for (const ch of text) {
    const piece = ENTITY[ch] ?? ch;
    if (out.length + piece.length > budget - 3) {
      out += '…';
      break;
    }
    out += piece;
  }
  return `\`${out}\``;
}

export function slackPayload(alert: Alert, version: string): Record<string, unknown> {
  const f = chatFacts(alert);
  return {
    // Notifications and clients without blocks show `text`.
    text: `appwatch ${f.severity} alert: ${slackLiteral(f.title, 300)}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${f.severity}* ${slackLiteral(f.title, 500)}` } },
      { type: 'section', text: { type: 'mrkdwn', text: slackLiteral(f.summary, 2900) } },
      { type: 'section', fields: f.facts.map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${slackLiteral(value, 1900)}` })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `appwatch ${slackEscape(version)}, detected ${slackLiteral(alert.detectedAt, 60)}` }] },
    ],
  };
}
