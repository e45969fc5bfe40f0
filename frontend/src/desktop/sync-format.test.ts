import { describe, expect, it } from 'vitest';
import { syncValue } from './sync-format';

describe('syncValue', () => {
  it('shows a JSON string as its text and everything else as it came', () => {
    expect(syncValue('"Oslo HQ"')).toBe('Oslo HQ');
    expect(syncValue('"\\u003cb\\u003ebold\\u003c/b\\u003e"')).toBe('<b>bold</b>');
    expect(syncValue('""')).toBe('');
    expect(syncValue('["a.example.com","b.example.com"]')).toBe('["a.example.com","b.example.com"]');
    expect(syncValue('42')).toBe('42');
    expect(syncValue('plain text')).toBe('plain text');
    expect(syncValue('')).toBe('');
  });
});
