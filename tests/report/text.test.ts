import { describe, expect, it } from 'vitest';
import {
  csvCell, entraAppLink, entraEnterpriseAppLink, entraUserLink, escapeHtml, hasHidden, looksLikeUrl, safeReferenceUrl, segments, truncate, visibleHtml, visibleString,
} from '../../src/report/text.js';

describe('report text: hidden characters made visible', () => {
  it('marks bidi controls, zero-width characters, controls, separators and tag characters', () => {
    expect(visibleString('Contoso HR\u202egnp.exe')).toBe('Contoso HR⟦U+202E⟧gnp.exe');
    expect(visibleString('Pay\u200broll')).toBe('Pay⟦U+200B⟧roll');
    expect(visibleString('a\u2066b\u2069c\u200e\u200f')).toBe('a⟦U+2066⟧b⟦U+2069⟧c⟦U+200E⟧⟦U+200F⟧');
    expect(visibleString('\u001b[31mred\u001b[0m')).toBe('⟦U+001B⟧[31mred⟦U+001B⟧[0m');
    expect(visibleString('x\u2028y\u2029z\u0000\u007f\u0085\ufeff\u2060\u200c\u200d')).toBe('x⟦U+2028⟧y⟦U+2029⟧z⟦U+0000⟧⟦U+007F⟧⟦U+0085⟧⟦U+FEFF⟧⟦U+2060⟧⟦U+200C⟧⟦U+200D⟧');
    expect(visibleString('ok\u{E0041}')).toBe('ok⟦U+E0041⟧');
    expect(visibleString('plain name, accents é and 日本')).toBe('plain name, accents é and 日本');
  });

  it('keeps newlines and tabs only in multi-line text', () => {
    expect(visibleString('a\nb\tc')).toBe('a⟦U+000A⟧b⟦U+0009⟧c');
    expect(visibleString('a\nb\tc', { multiline: true })).toBe('a\nb\tc');
    expect(hasHidden('a\nb', { multiline: true })).toBe(false);
    expect(hasHidden('a\u202eb', { multiline: true })).toBe(true);
  });

  it('splits into segments that name each character', () => {
    expect(segments('a\u202eb')).toEqual([
      { text: 'a' }, { hidden: { code: 'U+202E', name: 'RIGHT-TO-LEFT OVERRIDE', kind: 'bidi' }, raw: '\u202e' }, { text: 'b' },
    ]);
  });

  it('escapes HTML and marks hidden characters as spans (server side)', () => {
    expect(escapeHtml(`</script><img src=x onerror=alert(1)>"'&`)).toBe('&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#38;');
    expect(visibleHtml('<b>\u202e')).toBe('&#60;b&#62;<span class="hidden-char" title="RIGHT-TO-LEFT OVERRIDE (bidi)">⟦U+202E⟧</span>');
  });

  it('truncates by code point with a visible ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('😀😀😀', 2)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('makes spreadsheet cells inert', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('+1')).toBe('"\'+1"');
    expect(csvCell('plain')).toBe('"plain"');
  });
});

describe('report text: links', () => {
  const guid = '8e7fe5eb-b7de-4337-8701-00c8d8969ca0';
  it('builds Entra admin center links only from validated GUIDs', () => {
    expect(entraAppLink(guid)).toBe(`https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/${guid}`);
    expect(entraAppLink(guid.toUpperCase())).toBe(entraAppLink(guid));
    expect(entraEnterpriseAppLink('e24a836a-61c2-4392-9cec-3d08fc2b8bc4', guid)).toContain('/objectId/e24a836a-61c2-4392-9cec-3d08fc2b8bc4/appId/');
    expect(entraUserLink('aeba2680-2743-4f93-a122-cb9d76828c3f')).toContain('/userId/aeba2680-');
    for (const bad of ['', 'x', `${guid}/../x`, `${guid}"onmouseover=alert(1)`, ` ${guid}`, 'javascript:alert(1)', undefined, 42]) {
      expect(entraAppLink(bad)).toBeUndefined();
      expect(entraEnterpriseAppLink(bad, guid)).toBeUndefined();
      expect(entraUserLink(bad)).toBeUndefined();
    }
  });

  it('lets only plain https references become links', () => {
    expect(safeReferenceUrl('https://learn.microsoft.com/entra/architecture/security-operations-applications')).toBe('https://learn.microsoft.com/entra/architecture/security-operations-applications');
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'http://example.com', 'data:text/html,<b>', 'https://user:pw@example.com/', 'https://exa\u202emple.com', 'https://a b', '//example.com', 'https:', 'vbscript:x']) {
      expect(safeReferenceUrl(bad)).toBeUndefined();
    }
  });

  it('recognises URL-like log values (shown as text with a copy button)', () => {
    expect(looksLikeUrl('javascript:alert(1)')).toBe(true);
    expect(looksLikeUrl('https://evil.example/cb')).toBe(true);
    expect(looksLikeUrl('ms-app://s-1-15')).toBe(true);
    expect(looksLikeUrl('Add service principal credentials')).toBe(false);
  });
});
