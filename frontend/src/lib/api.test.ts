import { describe, expect, it, vi } from 'vitest';
import { api } from './api';
import { fake } from '../test/fakes/instance';
import { golden } from '../test/fakes/golden';

describe('api', () => {
  it('rejects with Problems, field errors included', async () => {
    fake.answer('Create', 'integration create nameless');
    await expect(api.create({ name: '' }, {})).rejects.toMatchObject({ code: 'invalid', fields: { name: 'Name is required.' } });
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
    fake.answer('Create', 'integration create keychain unavailable');
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
    fake.vmrs.answer('Create', 'vmr create empty');
    await expect(api.hostStatus()).resolves.toMatchObject({ running: false });
    await expect(api.vmrCreate({ id: 0, name: '', description: '', aliases: [], pin: '', guest_pin: '', allow_guests: false, primary_owner_email_address: '' })).rejects.toMatchObject({
      code: 'invalid',
      fields: { name: 'Required.', aliases: expect.stringContaining('at least one alias') },
    });
    await expect(api.previewTemplate('conference_subject_template', '{{ subject')).resolves.toMatchObject({ line: 1, column: 11, output: '' });
    await expect(api.saveManifest('no-such-integration', true, 'xml')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reaches the scheduler through its binding, with Go’s nil lists as empty ones', async () => {
    fake.scheduler.seed();
    await expect(api.workers()).resolves.toHaveLength(4);
    await expect(api.schedulerLog('Contoso HQ', 2)).resolves.toHaveLength(2);
    await expect(api.startWorker('No such integration')).rejects.toEqual(golden('scheduler start missing').problem);
    await expect(api.runOnce('Woodgrove lab')).rejects.toMatchObject({ code: 'error', message: expect.stringContaining('single-use VMRs are off') });
    const first = fake.scheduler.conferences[0]!;
    // encoding/json writes a nil slice as null.
    fake.scheduler.conferences = [{ ...first, cancelled_occurrences: null as unknown as string[] }];
    vi.spyOn(fake.scheduler, 'testConnection').mockReturnValue({ integration: 'Contoso HQ', started: '2025-11-20T09:30:00Z', checks: null as unknown as [] });
    expect((await api.scheduledConferences(''))[0]!.cancelled_occurrences).toEqual([]);
    expect((await api.testConnection('Contoso HQ')).checks).toEqual([]);
    fake.scheduler.statuses.clear();
    await expect(api.workers()).resolves.toEqual([]);
  });
});
