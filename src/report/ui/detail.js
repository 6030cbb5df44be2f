// @ts-check
/**
 * The detail pane's frame: which item of how many, previous/next, close; the keys (j/k, arrows, Esc) are handled
 * by the page so they work wherever the focus is, except in text fields.
 */
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

/**
 * @param {{ label: string, position: number, total: number, onPrev: () => void, onNext: () => void, onClose: () => void, itemKey: string, children: any }} props
 */
export function DetailPane({ label, position, total, onPrev, onNext, onClose, itemKey, children }) {
  const ref = useRef(/** @type {HTMLElement | null} */ (null));
  // Each newly shown item starts at its top, and the pane takes the focus so screen readers announce it.
  useEffect(() => {
    if (!ref.current) return;
    ref.current.scrollTop = 0;
    if (!ref.current.contains(document.activeElement)) ref.current.focus({ preventScroll: true });
  }, [itemKey]);
  return html`<aside class="detail" ref=${ref} tabindex="-1" role="region" aria-label=${`${label} details`} data-item=${itemKey}>
    <div class="detail-nav">
      <span class="detail-kind">${label}</span>
      <span class="detail-position">${position > 0 ? `${position} of ${total}` : `not in the table's current filter`}</span>
      <span class="toolbar-spacer"></span>
      <button type="button" class="nav-prev" onClick=${onPrev} disabled=${total === 0} title="Previous (k or ←)">‹ Previous</button>
      <button type="button" class="nav-next" onClick=${onNext} disabled=${total === 0} title="Next (j or →)">Next ›</button>
      <button type="button" class="nav-close" onClick=${onClose} title="Close (Esc)" aria-label="Close details">✕</button>
    </div>
    <div class="detail-body">${children}</div>
  </aside>`;
}

/**
 * A titled part of the detail pane; empty parts are left out.
 * @param {{ title: string, children: any, when?: boolean }} props
 */
export function Part({ title, children, when = true }) {
  if (!when) return null;
  return html`<section class="part"><h3>${title}</h3>${children}</section>`;
}
