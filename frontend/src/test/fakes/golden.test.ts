// The fakes play back goldens; these check the goldens cover what the
// fakes need (both are written by `make golden`).
import { describe, expect, it } from 'vitest';
import fixtures from './fixtures.json';
import { golden, play } from './golden';
import { previewOf } from './TemplateService';

const defaults = fixtures.defaults as Record<string, unknown>;
const templateFields = fixtures.schema.fields.filter((f) => f.format === 'template').map((f) => f.name);

describe('goldens', () => {
  it('hold a preview of every default template, without errors', () => {
    expect(templateFields.length).toBeGreaterThan(15);
    for (const field of templateFields) expect(previewOf(field, String(defaults[field] ?? '')).error, field).toBe('');
  });

  it('say when a preview was not recorded', () => {
    expect(previewOf('conference_name_template', 'never recorded').error).toContain('make golden');
  });

  it('play a Problem back by throwing it, and a result by returning it', () => {
    expect(() => play('integration get missing')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(play<{ errors: object }>('integration check valid').errors).toEqual({});
    expect(() => golden('no such scenario')).toThrow(/make golden/);
  });

  it('hold every answer the Infinity fake plays', () => {
    const scenarios = [
      'infinity status disconnected',
      'infinity status after pull',
      'infinity status conflict',
      'infinity status after resolve',
      'infinity status connected',
      'infinity test ok',
      'infinity connect',
      'infinity disconnect',
      'infinity pull',
      'infinity pull progress',
      'infinity pull cancelled',
      'infinity push',
      'infinity push conflict',
      'infinity diff conflict',
      'infinity diff after resolve',
      'infinity resolve',
      'infinity history',
    ];
    for (const s of scenarios) expect(() => golden(s), s).not.toThrow();
    // A cancelled pull is a Problem the page tells from a failure by its own Cancel.
    expect(() => play('infinity pull cancelled')).toThrow(expect.objectContaining({ code: 'error' }));
  });
});
