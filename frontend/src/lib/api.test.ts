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

  it('listens to a backend event once, and lets go of it when the last listener has gone', async () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = api.onHostRequest((e) => a.push(e.path));
    const offB = api.onHostRequest((e) => b.push(e.path));
    expect(fake.eventCalls).toEqual([{ op: 'on', name: 'addinhost:request' }]);
    fake.host.record({ method: 'GET', path: '/one', status: 200 });
    expect(a).toEqual(['/one']);
    expect(b).toEqual(['/one']);
    offA();
    offA();
    fake.host.record({ method: 'GET', path: '/two', status: 200 });
    expect(a).toEqual(['/one']);
    expect(b).toEqual(['/one', '/two']);
    expect(fake.eventCalls).toHaveLength(1);
    offB();
    expect(fake.eventCalls).toEqual([
      { op: 'on', name: 'addinhost:request' },
      { op: 'off', name: 'addinhost:request' },
    ]);
    expect(fake.listenerCount('addinhost:request')).toBe(0);
  });

  it('reaches the newer services (add-in host, VMRs, templates) and returns their Problems', async () => {
    await expect(api.hostStatus()).resolves.toMatchObject({ running: false });
    await expect(api.vmrCreate({ id: 0, name: '', description: '', aliases: [], pin: '', guest_pin: '', allow_guests: false, primary_owner_email_address: '' })).rejects.toMatchObject({
      code: 'invalid',
      fields: { name: 'the name is required', aliases: expect.stringContaining('at least one alias') },
    });
    await expect(api.previewTemplate('conference_subject_template', '{{ subject')).resolves.toMatchObject({ line: 1, column: 1, output: '' });
    await expect(api.saveManifest('no-such-integration', true, 'xml')).rejects.toMatchObject({ code: 'not_found' });
  });
});
