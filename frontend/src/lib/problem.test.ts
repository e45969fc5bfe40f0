import { afterEach, describe, expect, it } from 'vitest';
import { fieldErrorText, fieldMessages, isProblem, toProblem } from './problem';
import { setLocale } from './i18n';

describe('toProblem', () => {
  it('keeps a backend Problem object', () => {
    const p = toProblem({ code: 'invalid', message: 'Some fields need attention.', fields: { name: 'Name is required' } });
    expect(p).toEqual({ code: 'invalid', message: 'Some fields need attention.', fields: { name: 'Name is required' } });
    expect(isProblem(p)).toBe(true);
  });

  it('keeps batch problems', () => {
    const p = toProblem({
      code: 'invalid_batch',
      message: 'integration: 1 of the objects are invalid; nothing was imported',
      problems: [{ index: 0, name: 'A', fields: { url: 'bad' } }, { index: 2, error: 'not an object' }],
    });
    expect(p.code).toBe('invalid_batch');
    expect(p.problems).toEqual([
      { index: 0, name: 'A', fields: { url: 'bad' } },
      { index: 2, error: 'not an object' },
    ]);
  });

  it('parses a Problem sent as a JSON string', () => {
    expect(toProblem('{"code":"not_found","message":"integration: not found"}')).toEqual({ code: 'not_found', message: 'integration: not found' });
  });

  it('turns a plain string into an error', () => {
    expect(toProblem('desktop: no integration chosen to update')).toEqual({ code: 'error', message: 'desktop: no integration chosen to update' });
    expect(toProblem('{not json')).toEqual({ code: 'error', message: '{not json' });
    expect(toProblem('')).toEqual({ code: 'error', message: 'Something went wrong.' });
  });

  it('turns an Error into an error', () => {
    expect(toProblem(new TypeError("Cannot read properties of undefined (reading 'desktop')"))).toEqual({
      code: 'error',
      message: "Cannot read properties of undefined (reading 'desktop')",
    });
  });

  it('copes with unknown codes, missing messages and odd values', () => {
    expect(toProblem({ code: 'weird', message: 'x' })).toEqual({ code: 'error', message: 'x' });
    expect(toProblem({ code: 'invalid', fields: { name: 'required' } })).toEqual({
      code: 'invalid',
      message: 'Some fields need attention.',
      fields: { name: 'required' },
    });
    expect(toProblem(undefined)).toEqual({ code: 'error', message: 'Something went wrong.' });
    expect(toProblem(null).code).toBe('error');
    expect(toProblem(42)).toEqual({ code: 'error', message: '42' });
    expect(toProblem({ foo: 1 })).toEqual({ code: 'error', message: '{"foo":1}' });
    expect(isProblem('x')).toBe(false);
  });
});

describe('coded problems', () => {
  afterEach(() => setLocale('en'));

  const tooLong = {
    code: 'invalid',
    message: 'Some fields need attention.',
    params: { count: '2' },
    fields: { name: 'Name is 300 characters long; the limit is 250', url: 'URL is odd' },
    field_errors: {
      name: { code: 'too_long', params: { label: 'Name', length: '300', max: '250' }, message: 'Name is 300 characters long; the limit is 250' },
      url: { code: 'no_such_code', message: 'URL is odd' },
    },
  };

  it('shows a field error in German, with its parameters filled', () => {
    setLocale('de');
    const p = toProblem(tooLong);
    expect(p.message).toBe('Einige Felder müssen korrigiert werden.');
    expect(p.fields?.name).toBe('Name ist 300 Zeichen lang; erlaubt sind höchstens 250.');
    expect(p.field_errors?.name?.code).toBe('too_long');
  });

  it('falls back to the English message for a code the window does not know', () => {
    setLocale('de');
    expect(toProblem(tooLong).fields?.url).toBe('URL is odd');
    expect(fieldErrorText({ code: 'too_long', params: { max: '250' }, message: 'too long' })).toBe('too long');
  });

  it('translates a live check report', () => {
    setLocale('de');
    expect(
      fieldMessages({ pin: 'the PIN must be 4 to 20 digits', x: 'y' }, { pin: { code: 'pin_format', message: 'the PIN must be 4 to 20 digits' } }),
    ).toEqual({ pin: 'Die PIN muss aus 4 bis 20 Ziffern bestehen.', x: 'y' });
  });

  it('says the problem as a whole in the window’s words when it knows the kind', () => {
    setLocale('de');
    expect(toProblem({ code: 'invalid_batch', message: 'integration: 2 of the objects…', params: { count: '2' } }).message).toBe(
      '2 der Objekte sind ungültig; nichts wurde importiert.',
    );
    // Without its count the English message stays.
    expect(toProblem({ code: 'invalid_batch', message: 'integration: 2 of the objects…' }).message).toBe('integration: 2 of the objects…');
  });

  it('translates each object’s field errors of a refused import', () => {
    setLocale('de');
    const p = toProblem({
      code: 'invalid_batch',
      message: 'integration: 1 of the objects are invalid; nothing was imported',
      params: { count: '1' },
      problems: [
        {
          index: 1,
          name: 'Contoso',
          fields: { name: 'the name "Contoso" is also used by object 0 of this import' },
          field_errors: {
            name: {
              code: 'name_in_import',
              params: { name: 'Contoso', object: '0' },
              message: 'the name "Contoso" is also used by object 0 of this import',
            },
          },
        },
      ],
    });
    expect(p.problems?.[0]?.fields?.name).toBe('Der Name „Contoso“ wird auch von Objekt 0 dieses Imports verwendet.');
  });
});
