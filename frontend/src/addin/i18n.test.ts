import { describe, expect, it } from 'vitest';
import { catalogues, paneDefaults, pickLocale, translator } from './i18n';

describe('i18n', () => {
  it.each([
    ['de-DE', 'de'],
    ['de-AT', 'de'],
    ['en-US', 'en'],
    ['fr-FR', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('picks %j as %j', (tag, want) => {
    expect(pickLocale(tag)).toBe(want);
  });

  it('has every message in every language', () => {
    for (const c of Object.values(catalogues)) {
      expect(Object.keys(c).sort()).toEqual(Object.keys(catalogues.en).sort());
      for (const v of Object.values(c)) expect(v.trim()).not.toBe('');
    }
    expect(Object.keys(paneDefaults.de).sort()).toEqual(Object.keys(paneDefaults.en).sort());
  });

  it('fills placeholders', () => {
    expect(translator('de')('reserved_alias', { alias: 'meet1@vc' })).toBe('Raumadresse: meet1@vc');
    expect(translator('en')('acting_for', { owner: 'boss@contoso.com' })).toBe('Scheduling for boss@contoso.com');
  });
});
