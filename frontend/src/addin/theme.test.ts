import { describe, expect, it } from 'vitest';
import { applyTheme, contrast, parseColor, tokens } from './theme';

describe('theme', () => {
  it('parses Office colours with or without #', () => {
    expect(parseColor('#FFFFFF')).toEqual([255, 255, 255]);
    expect(parseColor('262626')).toEqual([38, 38, 38]);
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor('white')).toBeNull();
  });

  it('computes WCAG contrast', () => {
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 0);
    expect(contrast([15, 108, 189], [255, 255, 255])).toBeGreaterThan(4.5);
  });

  it('uses a dark Office theme', () => {
    const t = tokens({ bodyBackgroundColor: '#262626', bodyForegroundColor: '#FFFFFF', controlBackgroundColor: '#363636', controlForegroundColor: '#FFFFFF' });
    expect(t?.dark).toBe(true);
    expect(t?.vars['--bg-1']).toBe('#262626');
    const fg2 = parseColor(t?.vars['--fg-2'] ?? '');
    expect(fg2 && contrast(fg2, [38, 38, 38])).toBeGreaterThanOrEqual(4.5);
  });

  it('ignores a theme whose text would be unreadable', () => {
    expect(tokens({ bodyBackgroundColor: '#FFFFFF', bodyForegroundColor: '#DDDDDD', controlBackgroundColor: '', controlForegroundColor: '' })).toBeNull();
    expect(tokens(null)).toBeNull();
  });

  it('sets the tokens on the page', () => {
    const root = document.createElement('div');
    expect(applyTheme({ bodyBackgroundColor: '#FFFFFF', bodyForegroundColor: '#000000', controlBackgroundColor: '#FFFFFF', controlForegroundColor: '#000000' }, root)).toBe(true);
    expect(root.dataset.theme).toBe('light');
    expect(root.style.getPropertyValue('--fg-1')).toBe('#000000');
  });
});
