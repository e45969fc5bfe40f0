import { describe, expect, it } from 'vitest';
import { isProblem, toProblem } from './problem';

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
