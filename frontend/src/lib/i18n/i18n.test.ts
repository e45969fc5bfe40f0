import { afterEach, describe, expect, it } from 'vitest';
import { en } from './en';
import { de } from './de';
import { catalogues, optionLabel, pickLocale, setLocale, t, tn } from './index';
import codes from './codes.gen.json';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  it('has every English key in German, with text and the same placeholders', () => {
    for (const [name, messages] of Object.entries(catalogues)) {
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        expect(messages, `${name} lacks ${key}`).toHaveProperty(key);
        expect(messages[key].trim(), `${name}.${key} is empty`).not.toBe('');
        expect(placeholders(messages[key]), `${name}.${key} placeholders`).toEqual(placeholders(en[key]));
      }
    }
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it('has both plural forms of every plural message', () => {
    for (const key of Object.keys(en)) {
      if (key.endsWith('_one')) expect(en).toHaveProperty(key.replace(/_one$/, '_other'));
      if (key.endsWith('_other')) expect(en).toHaveProperty(key.replace(/_other$/, '_one'));
    }
  });
});

describe('language choice', () => {
  afterEach(() => setLocale('en'));

  it('follows navigator.language, English otherwise', () => {
    expect(pickLocale(['de-DE'])).toBe('de');
    expect(pickLocale(['de_AT', 'en'])).toBe('de');
    expect(pickLocale(['fr-FR', 'de'])).toBe('de');
    expect(pickLocale(['fr-FR'])).toBe('en');
    expect(pickLocale([])).toBe('en');
    expect(pickLocale(undefined)).toBe('en');
  });

  it('fills placeholders and plurals', () => {
    expect(t('delete.title', { name: 'Contoso' })).toBe('Delete “Contoso”?');
    expect(tn('list.count', 1)).toBe('1 integration');
    expect(tn('list.count', 3)).toBe('3 integrations');
    setLocale('de');
    expect(t('delete.title', { name: 'Contoso' })).toBe('„Contoso“ löschen?');
    expect(tn('list.count', 2)).toBe('2 Integrationen');
    expect(optionLabel('NO_SUCH_VALUE')).toBe('NO_SUCH_VALUE');
  });
});

describe('backend codes', () => {
  // codes.gen.json is written by backend/problem's TestCodesFile from the Go
  // declarations; a code without a text here fails this test.
  it('has an English and a German text for every code the Go side can emit, using only its parameters', () => {
    for (const [prefix, list] of [
      ['fielderr', codes.fields],
      ['problem', codes.kinds],
    ] as const) {
      for (const [code, params] of Object.entries(list)) {
        const key = `${prefix}.${code}`;
        for (const [name, messages] of Object.entries(catalogues)) {
          expect(messages, `${name} lacks ${key}`).toHaveProperty(key);
          const text = (messages as Record<string, string>)[key] ?? '';
          for (const p of placeholders(text)) expect(params, `${name}.${key} uses {${p}}`).toContain(p);
        }
      }
    }
  });

  it('has no text for a code the Go side no longer emits', () => {
    const known = new Set([...Object.keys(codes.fields).map((c) => `fielderr.${c}`), ...Object.keys(codes.kinds).map((c) => `problem.${c}`)]);
    const stale = Object.keys(en).filter((k) => (k.startsWith('fielderr.') || k.startsWith('problem.')) && !known.has(k));
    expect(stale).toEqual([]);
  });
});
