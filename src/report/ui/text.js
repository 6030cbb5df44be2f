// @ts-check
/**
 * Components that show attacker-controlled text: always as text nodes, hidden characters as visible markers,
 * URLs from logs as text with a copy button, links only to fixed Entra templates and https rule references.
 */
import { useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { hasHidden, looksLikeUrl, marker, safeReferenceUrl, segments, truncate } from '../text.js';

/**
 * Text with each hidden character (bidi control, zero-width, control) shown as a ⟦U+XXXX⟧ marker.
 * @param {{ value: unknown, multiline?: boolean, max?: number }} props
 */
export function Text({ value, multiline = false, max }) {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  const shown = max ? truncate(text, max) : text;
  return segments(shown, { multiline }).map((s) => ('text' in s
    ? s.text
    : html`<span class="hidden-char" title=${`${s.hidden.name} (${s.hidden.kind})`}>${marker(s.hidden)}</span>`));
}

/**
 * A name from the tenant or a log, with a badge when it hides characters.
 * @param {{ value: string | undefined, fallback?: string, max?: number }} props
 */
export function Name({ value, fallback = '', max }) {
  if (!value) return html`<span class="muted">${fallback}</span>`;
  return html`<span class="name"><${Text} value=${value} max=${max} /></span>${hasHidden(value)
    ? html` <span class="badge badge-warn" title="This name contains invisible or direction-changing characters, shown as ⟦U+…⟧">hidden characters</span>`
    : null}`;
}

/** @param {string} text */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Copies a value; when the clipboard is refused (some browsers, for files), selects the text to copy by hand.
 * @param {{ text: string | (() => string), label?: string, selectRef?: { current: Element | null } }} props
 */
export function CopyButton({ text, label = 'Copy', selectRef }) {
  const [state, setState] = useState('');
  const onClick = async () => {
    const ok = await copyText(typeof text === 'function' ? text() : text);
    if (!ok && selectRef?.current) {
      const range = document.createRange();
      range.selectNodeContents(selectRef.current);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    }
    setState(ok ? 'Copied' : 'Selected: press Ctrl+C');
    setTimeout(() => setState(''), 2000);
  };
  return html`<button type="button" class="copy" onClick=${onClick} title=${`Copy ${label.toLowerCase()} to the clipboard`}>${state || label}</button>`;
}

/**
 * A URL or URI from a log or the tenant: text (never a link, whatever its scheme) with a copy button.
 * @param {{ value: string }} props
 */
export function UrlText({ value }) {
  const ref = useRef(null);
  return html`<span class="url-text"><code class="url" ref=${ref} title="From the logs: shown as text, not a link"><${Text} value=${value} /></code> <${CopyButton} text=${value} label="Copy" selectRef=${ref} /></span>`;
}

/**
 * A reference from a rule file: a link when it is a plain https URL, otherwise text.
 * @param {{ url: string }} props
 */
export function Reference({ url }) {
  const href = safeReferenceUrl(url);
  return href ? html`<a href=${href} target="_blank" rel="noopener noreferrer"><${Text} value=${url} /></a>` : html`<${UrlText} value=${url} />`;
}

/**
 * A link into the Entra admin center; `href` comes only from text.ts's fixed templates (GUIDs checked there).
 * @param {{ href: string | undefined, label: string }} props
 */
export function EntraLink({ href, label }) {
  return href ? html`<a class="entra-link" href=${href} target="_blank" rel="noopener noreferrer">${label} ↗</a>` : null;
}

/**
 * Any evidence value: strings as text (URL-like ones with a copy button), other values as compact JSON.
 * @param {{ value: unknown }} props
 */
export function Value({ value }) {
  if (typeof value === 'string') return looksLikeUrl(value) ? html`<${UrlText} value=${value} />` : html`<${Text} value=${value} />`;
  if (value === null || value === undefined) return html`<span class="muted">${String(value)}</span>`;
  return html`<code><${Text} value=${JSON.stringify(value)} /></code>`;
}

/** @param {{ severity: string }} props */
export function SeverityBadge({ severity }) {
  // "informational" is shortened so every badge fits the same narrow column.
  return html`<span class=${`sev sev-${/^[a-z]+$/.test(severity) ? severity : 'unknown'}`} title=${severity}>${severity === 'informational' ? 'info' : severity}</span>`;
}

/** @param {{ state: string }} props */
export function StateBadge({ state }) {
  return html`<span class=${`state state-${/^[a-z]+$/.test(state) ? state : 'unknown'}`}>${state}</span>`;
}
