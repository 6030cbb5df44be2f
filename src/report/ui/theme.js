// @ts-check
/**
 * Light, dark, or the system's choice (prefers-color-scheme), remembered in localStorage when the browser allows
 * it for files.
 */
import { useLayoutEffect, useState } from 'preact/hooks';
import { html } from './html.js';

const KEY = 'appwatch-report-theme';
const NEXT = /** @type {const} */ ({ auto: 'light', light: 'dark', dark: 'auto' });

function stored() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export function ThemeToggle() {
  const [theme, setTheme] = useState(/** @type {'auto' | 'light' | 'dark'} */ (stored()));
  // Layout effect: the colours change in the same frame as the button's label.
  useLayoutEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // Storage may be off for file: pages; the choice then lasts until the page closes.
    }
  }, [theme]);
  return html`<button type="button" class="theme-toggle" onClick=${() => setTheme(NEXT[theme])} title="Colour theme: automatic (system), light or dark">Theme: ${theme}</button>`;
}
