// Office's theme colours (Office.context.officeTheme) as the pane's colour
// tokens. The pane uses them only when the text on them stays readable
// (WCAG AA, 4.5:1); otherwise it keeps its own Fluent 2 light or dark theme.
import type { Theme } from './office';

type RGB = [number, number, number];

/** parseColor reads #rgb, #rrggbb (Office sends "#FFFFFF" or "FFFFFF"). */
export function parseColor(c: string): RGB | null {
  let hex = c.trim().replace(/^#/, '');
  if (/^[0-9a-f]{3}$/i.test(hex)) hex = hex.replace(/./g, (x) => x + x);
  if (!/^[0-9a-f]{6}$/i.test(hex)) return null;
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as RGB;
}

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** luminance is the WCAG relative luminance of a colour. */
export function luminance([r, g, b]: RGB): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** contrast is the WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function hex([r, g, b]: RGB): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

function mix(a: RGB, b: RGB, t: number): RGB {
  return a.map((v, i) => Math.round(v + ((b[i] ?? 0) - v) * t)) as RGB;
}

export interface ThemeTokens {
  dark: boolean;
  vars: Record<string, string>;
}

/**
 * tokens turns an Office theme into CSS custom properties, or null when the
 * theme is missing, unreadable or its text would not pass WCAG AA.
 */
export function tokens(theme: Theme | null): ThemeTokens | null {
  if (!theme) return null;
  const bg = parseColor(theme.bodyBackgroundColor);
  const fg = parseColor(theme.bodyForegroundColor);
  if (!bg || !fg || contrast(bg, fg) < 4.5) return null;
  let cbg = parseColor(theme.controlBackgroundColor) ?? bg;
  let cfg = parseColor(theme.controlForegroundColor) ?? fg;
  if (contrast(cbg, cfg) < 4.5) {
    cbg = bg;
    cfg = fg;
  }
  const dark = luminance(bg) < 0.2;
  // Secondary text: toward the background, but still 4.5:1.
  let fg2 = mix(fg, bg, 0.3);
  if (contrast(fg2, bg) < 4.5) fg2 = fg;
  return {
    dark,
    vars: {
      '--bg-1': hex(bg),
      '--fg-1': hex(fg),
      '--fg-2': hex(fg2),
      '--bg-2': hex(mix(bg, fg, 0.04)),
      '--bg-3': hex(mix(bg, fg, 0.08)),
      '--control-bg': hex(cbg),
      '--control-fg': hex(cfg),
      '--stroke-1': hex(mix(bg, fg, 0.3)),
      '--stroke-2': hex(mix(bg, fg, 0.15)),
    },
  };
}

/** applyTheme sets the tokens on the page (or leaves the built-in theme). */
export function applyTheme(theme: Theme | null, root: HTMLElement = document.documentElement): boolean {
  const t = tokens(theme);
  if (!t) return false;
  root.dataset.theme = t.dark ? 'dark' : 'light';
  for (const [k, v] of Object.entries(t.vars)) root.style.setProperty(k, v);
  return true;
}
