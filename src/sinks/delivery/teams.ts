/**
 * @module sinks/delivery/teams
 * A Microsoft Teams incoming-webhook message (Workflows "post to a channel when a webhook request is received",
 * or the older connector): `{type: "message", attachments: [Adaptive Card 1.4]}`. Every piece of
 * attacker-controlled text is a `TextRun` inside a `RichTextBlock`, which Adaptive Cards render without Markdown
 * (TextBlock and FactSet would format `**bold**` and `[links](…)`); Adaptive Cards render no HTML, and `<at>`
 * mentions need an entity list that is never sent. Control characters are shown as `\u…` escapes.
 */
import type { Alert } from '../../alerts/types.js';
import { inertLine } from '../../cli/terminal.js';
import { chatFacts } from './chat-text.js';

const COLOR: Record<Alert['severity'], string> = { critical: 'Attention', high: 'Attention', medium: 'Warning', low: 'Accent', informational: 'Default' };

function plain(value: string, limit = 2000): string {
  const text = inertLine(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

const run = (text: string, style: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'TextRun', text, ...style });

export function teamsPayload(alert: Alert, version: string): Record<string, unknown> {
  const f = chatFacts(alert);
  const body = [
    { type: 'RichTextBlock', inlines: [run(`${f.severity} `, { weight: 'Bolder', color: COLOR[alert.severity] }), run(plain(f.title, 300), { weight: 'Bolder' })] },
    { type: 'RichTextBlock', inlines: [run(plain(f.summary, 4000))] },
    ...f.facts.map(([label, value]) => ({ type: 'RichTextBlock', inlines: [run(`${label}: `, { weight: 'Bolder' }), run(plain(value))] })),
    { type: 'RichTextBlock', inlines: [run(`appwatch ${plain(version, 40)}, detected ${plain(alert.detectedAt, 40)}`, { isSubtle: true, size: 'Small' })] },
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' }, body },
      },
    ],
  };
}
