import { describe, expect, it } from 'vitest';
import {
  draftOf,
  fromDraft,
  hostOf,
  linesToList,
  listToLines,
  secretsToSend,
  sentence,
  shown,
  toDraft,
  valuesOf,
} from './form';
import type { FieldSpec, Schema } from './types';
import fixtures from '../test/fakes/fixtures.json';

const schema = fixtures.schema as unknown as Schema;
const field = (name: string): FieldSpec => {
  const f = schema.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};

describe('list fields (domains)', () => {
  const domains = field('domains');

  it('shows one entry per line', () => {
    expect(toDraft(domains, ['mail.contoso.com', 'ex01.contoso.com'])).toBe('mail.contoso.com\nex01.contoso.com');
    expect(toDraft(domains, [])).toBe('');
    expect(toDraft(domains, null)).toBe('');
    expect(listToLines([{ domain: 'a.example.com' }])).toBe('a.example.com');
  });

  it('sends the non-blank lines, trimmed', () => {
    expect(fromDraft(domains, ' mail.contoso.com \n\n ex01.contoso.com\r\n')).toEqual(['mail.contoso.com', 'ex01.contoso.com']);
    expect(fromDraft(domains, '')).toEqual([]);
    expect(linesToList('a.com, b.com')).toEqual(['a.com', 'b.com']);
  });

  it('round-trips', () => {
    const list = ['a.example.com', 'https://lb.example.com'];
    expect(fromDraft(domains, toDraft(domains, list))).toEqual(list);
  });
});

describe('int fields', () => {
  const digits = field('scheduled_alias_suffix_length');
  const before = field('meeting_buffer_before');

  it('shows numbers as text', () => {
    expect(toDraft(digits, 6)).toBe('6');
    expect(toDraft(before, 0)).toBe('0');
    expect(toDraft(digits, null)).toBe('');
  });

  it('sends whole numbers as numbers', () => {
    expect(fromDraft(digits, '12')).toBe(12);
    expect(fromDraft(digits, ' 7 ')).toBe(7);
    expect(fromDraft(before, '0')).toBe(0);
    expect(fromDraft(before, '-5')).toBe(-5);
  });

  it('sends anything else as typed, for the backend to explain', () => {
    expect(fromDraft(digits, '')).toBe('');
    expect(fromDraft(digits, '1.5')).toBe('1.5');
    expect(fromDraft(digits, 'six')).toBe('six');
  });
});

describe('nullable and plain text fields', () => {
  const mailbox = field('room_mailbox_email_address');
  const prefix = field('scheduled_alias_prefix');
  const name = field('name');

  it('shows null as an empty box', () => {
    expect(mailbox.nullable).toBe(true);
    expect(toDraft(mailbox, null)).toBe('');
    expect(toDraft(mailbox, 'vmr@contoso.com')).toBe('vmr@contoso.com');
  });

  it('sends an empty nullable box as null', () => {
    expect(fromDraft(mailbox, '')).toBeNull();
    expect(fromDraft(mailbox, '   ')).toBeNull();
    expect(fromDraft(prefix, '')).toBeNull();
    expect(fromDraft(mailbox, 'vmr@contoso.com')).toBe('vmr@contoso.com');
  });

  it('sends an empty non-nullable box as ""', () => {
    expect(name.nullable).toBeFalsy();
    expect(fromDraft(name, '')).toBe('');
    expect(fromDraft(name, 'Contoso')).toBe('Contoso');
  });

  it('keeps switches as booleans', () => {
    const proxy = field('disable_proxy');
    expect(toDraft(proxy, true)).toBe(true);
    expect(toDraft(proxy, undefined)).toBe(false);
    expect(fromDraft(proxy, true)).toBe(true);
  });
});

describe('whole forms', () => {
  const defaults = fixtures.defaults as Record<string, unknown>;

  it('sends every editable field and no read-only or secret one', () => {
    const values = valuesOf(schema, draftOf(schema, defaults));
    for (const name of ['id', 'uuid', 'resource_uri', 'oauth_state', 'public_key', 'password', 'private_key', 'oauth_refresh_token']) {
      expect(values).not.toHaveProperty(name);
    }
    expect(values.name).toBe('');
    expect(values.room_mailbox_email_address).toBeNull();
    expect(values.domains).toEqual([]);
    expect(values.scheduled_alias_suffix_length).toBe(6);
    expect(values.enable_dynamic_vmrs).toBe(true);
    expect(values.authentication_method).toBe('BASIC');
  });

  it('round-trips the defaults', () => {
    const values = valuesOf(schema, draftOf(schema, defaults));
    for (const [k, v] of Object.entries(values)) expect(v, k).toEqual(defaults[k]);
  });

  it('sends only the secrets typed in', () => {
    expect(secretsToSend({ password: 'pw', oauth_client_secret: '' })).toEqual({ password: 'pw' });
  });
});

describe('conditional fields', () => {
  const draft = (over: Record<string, string | boolean>) => ({ ...draftOf(schema, fixtures.defaults as Record<string, unknown>), ...over });

  it('shows OAuth fields for OAUTH and APP_PERM only', () => {
    for (const [method, want] of [
      ['BASIC', false],
      ['NTLM', false],
      ['KERBEROS', false],
      ['OAUTH', true],
      ['APP_PERM', true],
    ] as const) {
      expect(shown(field('oauth_client_id'), draft({ authentication_method: method }), true), method).toBe(want);
      expect(shown(field('oauth_client_secret'), draft({ authentication_method: method }), true), method).toBe(want);
    }
  });

  it('shows Kerberos fields for KERBEROS only', () => {
    expect(shown(field('kerberos_realm'), draft({ authentication_method: 'KERBEROS' }), true)).toBe(true);
    expect(shown(field('kerberos_realm'), draft({ authentication_method: 'BASIC' }), true)).toBe(false);
  });

  it('shows a VMR kind’s fields while it is enabled', () => {
    expect(shown(field('enable_personal_vmrs'), draft({ enable_personal_vmrs: false }), true)).toBe(true);
    expect(shown(field('auth_provider'), draft({ enable_personal_vmrs: false }), true)).toBe(false);
    expect(shown(field('auth_provider'), draft({ enable_personal_vmrs: true }), true)).toBe(true);
    expect(shown(field('scheduled_alias_domain'), draft({ enable_dynamic_vmrs: true }), true)).toBe(true);
    expect(shown(field('scheduled_alias_domain'), draft({ enable_dynamic_vmrs: false }), true)).toBe(false);
  });

  it('shows identity fields for stored integrations only, and never oauth_state', () => {
    expect(shown(field('uuid'), draft({}), true)).toBe(false);
    expect(shown(field('uuid'), draft({}), false)).toBe(true);
    expect(shown(field('oauth_state'), draft({ authentication_method: 'OAUTH' }), false)).toBe(false);
  });
});

describe('text helpers', () => {
  it('finds the host of a URL', () => {
    expect(hostOf('https://mail.contoso.com/EWS/Exchange.asmx')).toBe('mail.contoso.com');
    expect(hostOf('not a url')).toBe('');
    expect(hostOf('')).toBe('');
  });

  it('capitalises messages', () => {
    expect(sentence('enable single-use VMRs')).toBe('Enable single-use VMRs');
  });
});
