import { describe, expect, it } from 'vitest';
import { api } from './api';
import { fake } from '../test/fakes/instance';

describe('api', () => {
  it('rejects with Problems, field errors included', async () => {
    await expect(api.create({ name: '' }, {})).rejects.toMatchObject({ code: 'invalid', fields: { name: 'Name is required' } });
    await expect(api.get('no-such-integration')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('turns whatever the bridge throws into a Problem', async () => {
    const original = fake.list.bind(fake);
    fake.list = () => {
      throw 'store: database is locked';
    };
    try {
      await expect(api.list()).rejects.toEqual({ code: 'error', message: 'store: database is locked' });
    } finally {
      fake.list = original;
    }
  });

  it('reports the keychain as the backend does', async () => {
    fake.info.keychain_ok = false;
    fake.info.keychain_issue = 'locked';
    await expect(api.info()).resolves.toMatchObject({ keychain_ok: false, keychain_issue: 'locked' });
    await expect(
      api.create({ name: 'A', url: 'https://a.example.com/EWS/Exchange.asmx', room_mailbox_email_address: 'r@example.com', username: 'u' }, { password: 'x' }),
    ).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });
});
