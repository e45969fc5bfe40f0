import { afterEach, describe, expect, it } from 'vitest';
import { addVideoMeeting, FUNCTION_NAME } from './mobile';
import * as office from './office';
import { fakeHost, paneConfig } from './testhost';
import { mockOffice, unmockOffice } from './testing';

afterEach(unmockOffice);

const ID = paneConfig().integration;
const SEARCH = `?integration=${ID}`;
const MARKER = 'vmr-companion:pending';
const reservations = (host: ReturnType<typeof fakeHost>) => host.calls.filter((c) => c.path.endsWith('/reservations'));

describe('the phone’s button (UI-less command)', () => {
  it('reserves a single-use VMR as the pane does: instructions, location, room, and a notice', async () => {
    const { rec } = mockOffice({ email: 'alice@contoso.com' });
    const host = fakeHost();
    const out = await addVideoMeeting(SEARCH, { fetch: host.fetch });
    expect(out).toEqual({ kind: 'success', alias: 'meet482913@vc.contoso.com', notes: [] });
    expect(rec.inserts).toHaveLength(1);
    expect(rec.inserts[0]?.data).toContain('vmr-companion:2b0d');
    expect(rec.locations).toEqual([{ id: 'meet482913@vc.contoso.com', type: 'custom' }]);
    expect(rec.required).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'VMR room' }]);
    const call = reservations(host)[0];
    expect(call?.headers['X-VMR-User']).toBe('alice@contoso.com');
    expect(JSON.parse(call?.body ?? '{}').item_key).toMatch(/^pane:/);
    expect(rec.notices).toEqual([
      {
        key: 'vmr-companion',
        details: { type: 'informationalMessage', message: 'Video meeting added: meet482913@vc.contoso.com', icon: office.NOTICE_ICON, persistent: false },
      },
    ]);
  });

  it('uses a new item key each time: a command’s storage may outlive one meeting', async () => {
    mockOffice();
    const host = fakeHost();
    await addVideoMeeting(SEARCH, { fetch: host.fetch });
    mockOffice();
    await addVideoMeeting(SEARCH, { fetch: host.fetch });
    const keys = reservations(host).map((c) => JSON.parse(c.body ?? '{}').item_key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('inserts nothing in a meeting that already has a VMR', async () => {
    const { rec } = mockOffice({ body: '<p>vmr-companion:1234</p>' });
    const host = fakeHost();
    expect(await addVideoMeeting(SEARCH, { fetch: host.fetch })).toEqual({ kind: 'already' });
    expect(rec.inserts).toEqual([]);
    expect(reservations(host)).toEqual([]);
    expect(rec.notices).toEqual([]);
  });

  it.each([
    ['the host is unreachable', { reserve: 'network' as const }],
    ['no alias is free', { reserve: 503 }],
  ])('inserts the placeholder and adds the room when %s, as on the desktop', async (_, opts) => {
    const { rec } = mockOffice();
    const out = await addVideoMeeting(SEARCH, { fetch: fakeHost(opts).fetch });
    expect(out).toEqual({ kind: 'service-down', notes: [] });
    expect(rec.inserts).toHaveLength(1);
    expect(rec.inserts[0]?.data).toContain(MARKER);
    expect(rec.required).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'VMR room' }]);
    expect(rec.notices[0]?.details.type).toBe('informationalMessage');
  });

  it('says why in an error notice when the host refuses, and inserts nothing', async () => {
    const { rec } = mockOffice();
    const out = await addVideoMeeting(SEARCH, { fetch: fakeHost({ reserve: 403 }).fetch });
    expect(out).toEqual({ kind: 'error', detail: 'the integration Contoso does not offer single-use VMRs' });
    expect(rec.inserts).toEqual([]);
    expect(rec.notices).toEqual([
      { key: 'vmr-companion', details: { type: 'errorMessage', message: 'No video meeting was added: the integration Contoso does not offer single-use VMRs' } },
    ]);
  });

  it('keeps notices within Outlook’s 150 characters', async () => {
    const { rec } = mockOffice();
    const long = { ...paneConfig(), single_use_enabled: false, personal_enabled: true };
    const host = fakeHost({ pane: long, personal: 500 });
    await addVideoMeeting(SEARCH, { fetch: host.fetch });
    const message = String(rec.notices[0]?.details.message);
    expect(message.length).toBeLessThanOrEqual(150);
  });

  it('inserts the first personal VMR when single-use VMRs are off and the host lists them (auth none)', async () => {
    const { rec } = mockOffice();
    const host = fakeHost({ pane: paneConfig({ single_use_enabled: false, personal_enabled: true }) });
    const out = await addVideoMeeting(SEARCH, { fetch: host.fetch });
    expect(out).toEqual({ kind: 'success', alias: 'meet.alice@vc.contoso.com', notes: [] });
    expect(rec.inserts.map((i) => i.data)).toEqual(["<div><p>Join Alice's room</p></div>"]);
    expect(rec.locations).toEqual([{ id: 'meet.alice@vc.contoso.com', type: 'custom' }]);
    expect(reservations(host)).toEqual([]);
  });

  it('inserts nothing, and says so, when personal VMRs need a sign-in the command cannot show', async () => {
    const { rec } = mockOffice();
    const signIn = { type: 'https://vmr-companion.invalid/problems/sign-in-required', title: 'Sign in', status: 401, detail: 'sign in' };
    const host = fakeHost({ pane: paneConfig({ single_use_enabled: false, personal_enabled: true, auth: 'exchange' }) });
    const fetcher: typeof fetch = async (input, init) =>
      String(input).endsWith('/personal-vmrs')
        ? new Response(JSON.stringify(signIn), { status: 401, headers: { 'Content-Type': 'application/problem+json' } })
        : host.fetch(input, init);
    expect(await addVideoMeeting(SEARCH, { fetch: fetcher })).toEqual({ kind: 'personal-signin' });
    // No placeholder: with single-use VMRs off no scheduler would fill it in.
    expect(rec.inserts).toEqual([]);
    expect(rec.notices[0]?.details).toMatchObject({ type: 'errorMessage', message: expect.stringContaining('Outlook on a computer') });
  });

  it('says when the user has no personal VMR', async () => {
    const { rec } = mockOffice();
    const host = fakeHost({ pane: paneConfig({ single_use_enabled: false, personal_enabled: true }), personal: { user: 'alice@contoso.com', vmrs: [] } });
    expect(await addVideoMeeting(SEARCH, { fetch: host.fetch })).toEqual({ kind: 'personal-none' });
    expect(rec.inserts).toEqual([]);
  });

  it('says when the integration offers no kind of room', async () => {
    mockOffice();
    const host = fakeHost({ pane: paneConfig({ single_use_enabled: false, personal_enabled: false }) });
    expect(await addVideoMeeting(SEARCH, { fetch: host.fetch })).toEqual({ kind: 'nothing-enabled' });
  });

  it('cannot insert the placeholder without the settings, and says to try again', async () => {
    const { rec } = mockOffice();
    const out = await addVideoMeeting(SEARCH, { fetch: fakeHost({ pane: 'network' }).fetch });
    expect(out.kind).toBe('config-failed');
    expect(rec.inserts).toEqual([]);
    expect(rec.notices[0]?.details.type).toBe('errorMessage');
  });

  it('refuses a function file address without an integration', async () => {
    const { rec } = mockOffice();
    const host = fakeHost();
    expect(await addVideoMeeting('?integration=nope', { fetch: host.fetch })).toEqual({ kind: 'no-integration' });
    expect(host.calls).toEqual([]);
    expect(rec.notices[0]?.details.type).toBe('errorMessage');
  });

  it('tells in German when Office runs in German', async () => {
    const { rec } = mockOffice({ displayLanguage: 'de-DE' });
    await addVideoMeeting(SEARCH, { fetch: fakeHost().fetch });
    expect(rec.notices[0]?.details.message).toBe('Videobesprechung hinzugefügt: meet482913@vc.contoso.com');
  });

  it('still finishes when Outlook cannot show notifications', async () => {
    const { rec } = mockOffice({ fail: ['replaceAsync:notificationMessages'] });
    expect(await addVideoMeeting(SEARCH, { fetch: fakeHost().fetch })).toMatchObject({ kind: 'success' });
    expect(rec.inserts).toHaveLength(1);
  });
});

describe('office.associate', () => {
  it('registers the function under the manifest’s name', () => {
    const { rec } = mockOffice();
    const handler = () => {};
    expect(office.associate(FUNCTION_NAME, handler)).toBe(true);
    expect(rec.actions.get(FUNCTION_NAME)).toBe(handler);
  });

  it('says false outside Office', () => {
    expect(office.associate(FUNCTION_NAME, () => {})).toBe(false);
  });
});
