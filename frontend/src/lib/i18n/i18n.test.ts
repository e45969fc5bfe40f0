import { afterEach, describe, expect, it } from 'vitest';
import { en } from './en';
import { de } from './de';
import { catalogues, optionLabel, pickLocale, setLocale, t, tn } from './index';

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
