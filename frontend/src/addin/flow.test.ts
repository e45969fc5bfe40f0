import { afterEach, describe, expect, it } from 'vitest';
import { Api, type PaneConfig, type Reservation } from './api';
import { Auth, type Msal } from './auth';
import { Flow } from './flow';
import { translator } from './i18n';
import { fakeHost, paneConfig, reservation } from './testhost';
import { mockOffice, unmockOffice, type MockOptions } from './testing';

/** The marker the add-in appends to the placeholder text. */
const MARKER = '<p style="color:#707070;font-size:smaller">vmr-companion:pending</p>';

afterEach(unmockOffice);

const ID = paneConfig().integration;

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

function flowFor(host: ReturnType<typeof fakeHost>, cfg: Partial<PaneConfig> = {}, storage = memoryStorage()) {
  const config = paneConfig(cfg);
  return new Flow(new Api(ID, { fetch: host.fetch }), config, translator('en'), () => {}, storage);
}

describe('single-use VMR', () => {
  it('reserves, inserts the instructions, sets the location and adds the room', async () => {
    const { rec } = mockOffice({ email: 'alice@contoso.com' });
    const host = fakeHost();
    const out = await flowFor(host).addSingleUse();
    expect(out).toEqual({ kind: 'success', alias: 'meet482913@vc.contoso.com', notes: [] });
    expect(rec.inserts).toHaveLength(1);
    expect(rec.inserts[0]?.data).toContain('vmr-companion:2b0d');
    expect(rec.locations).toEqual([{ id: 'meet482913@vc.contoso.com', type: 'custom' }]);
    expect(rec.required).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'VMR room' }]);
    const call = host.calls.find((c) => c.path.endsWith('/reservations'));
    expect(call?.headers['X-VMR-User']).toBe('alice@contoso.com');
    expect(JSON.parse(call?.body ?? '{}').item_key).toMatch(/^pane:/);
  });

  it('does not insert twice when the body already has a token', async () => {
    const { rec } = mockOffice({ body: '<p>vmr-companion:1234</p>' });
    const host = fakeHost();
    expect(await flowFor(host).addSingleUse()).toEqual({ kind: 'already' });
    expect(rec.inserts).toEqual([]);
    expect(host.calls.filter((c) => c.path.endsWith('/reservations'))).toEqual([]);
  });

  it('says already after a success in the same meeting', async () => {
    const { rec } = mockOffice();
    const flow = flowFor(fakeHost());
    await flow.addSingleUse();
    expect(await flow.addSingleUse()).toEqual({ kind: 'already' });
    expect(rec.inserts).toHaveLength(1);
  });

  it('keeps one item key per pane, in session storage', async () => {
    mockOffice();
    const storage = memoryStorage();
    const a = await flowFor(fakeHost(), {}, storage).itemKey();
    const b = await flowFor(fakeHost(), {}, storage).itemKey();
    expect(a).toBe(b);
    expect([...storage.m.values()]).toEqual([a]);
  });

  it('uses the Exchange item id when the item has one', async () => {
    mockOffice({ itemId: 'AAMkAD=' });
    expect(await flowFor(fakeHost()).itemKey()).toBe('item:AAMkAD=');
  });

  it('reserves as the owner of a shared calendar', async () => {
    mockOffice({ email: 'delegate@contoso.com', sharedOwner: 'boss@contoso.com' });
    const host = fakeHost();
    await flowFor(host).addSingleUse();
    expect(host.calls.find((c) => c.path.endsWith('/reservations'))?.headers['X-VMR-User']).toBe('boss@contoso.com');
  });

  it('runs no pre-flight in the user’s own calendar', async () => {
    mockOffice();
    expect(await flowFor(fakeHost()).preflight()).toBeNull();
  });

  it('checks a delegate’s calendar and books for its owner once it passes', async () => {
    mockOffice({ email: 'delegate@contoso.com', sharedOwner: 'boss@contoso.com' });
    const host = fakeHost();
    const flow = flowFor(host);
    const p = await flow.preflight();
    expect(p).toMatchObject({ owner: 'boss@contoso.com', ok: true });
    await flow.addSingleUse();
    expect(host.calls.find((c) => c.path.endsWith('/reservations'))?.headers['X-VMR-User']).toBe('boss@contoso.com');
  });

  it('fails a delegate with read-only rights, an owner outside the domains and a saved item', async () => {
    mockOffice({ sharedOwner: 'boss@fabrikam.com', sharedPermissions: 1 | 2, itemId: 'AAMkAD=' });
    const p = await flowFor(fakeHost(), { domains: ['contoso.com'] }).preflight();
    expect(p?.ok).toBe(false);
    expect(p?.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['domain', 'write']);
    // Write lets a delegate create meetings; this one exists, so editing is what is missing.
    expect(p?.checks.find((c) => c.name === 'write')?.text).toContain('may not change existing meetings');
  });

  it('asks Outlook again on every pre-flight', async () => {
    mockOffice({ sharedOwner: 'boss@contoso.com', sharedPermissions: 1 });
    const flow = flowFor(fakeHost());
    expect((await flow.preflight())?.ok).toBe(false);
    mockOffice({ sharedOwner: 'boss@contoso.com' });
    expect((await flow.preflight())?.ok).toBe(true);
  });

  it('reports a failed sign-in in sso mode', async () => {
    const { rec } = mockOffice();
    const host = fakeHost();
    const out = await flowFor(host, { auth: 'sso' }).addSingleUse();
    expect(out).toMatchObject({ kind: 'signin-error', detail: translator('en')('signin_not_signed_in') });
    expect(rec.inserts).toEqual([]);
    expect(host.calls.filter((c) => c.path.endsWith('/reservations'))).toEqual([]);
  });

  it('reports an Exchange identity token that Outlook would not give', async () => {
    const { rec } = mockOffice({ identityToken: { code: 9017, message: 'Legacy tokens are disabled.' } });
    const host = fakeHost();
    const out = await flowFor(host, { auth: 'exchange' }).addSingleUse();
    expect(out).toEqual({ kind: 'signin-error', detail: translator('en')('signin_exchange_failed', { detail: '9017: Legacy tokens are disabled' }) });
    expect(rec.inserts).toEqual([]);
    expect(host.calls.filter((c) => c.path.endsWith('/reservations'))).toEqual([]);
  });

  it('shows the host’s reason when it refuses the token', async () => {
    const { rec } = mockOffice({ identityToken: 'exchange-token' });
    const out = await flowFor(fakeHost({ reserve: 401 }), { auth: 'exchange' }).addSingleUse();
    expect(out).toEqual({ kind: 'signin-error', detail: 'The add-in host did not accept your sign-in: the ID token was not accepted' });
    expect(rec.inserts).toEqual([]);
  });

  it.each([
    ['the host is unreachable', { reserve: 'network' as const }],
    ['the host fails', { reserve: 500 }],
    ['no alias is free', { reserve: 503 }],
  ])('inserts the placeholder and adds the room when %s', async (_, opts) => {
    const { rec } = mockOffice();
    const flow = flowFor(fakeHost(opts), { placeholder_html: '<p>Details follow</p>' });
    expect(await flow.addSingleUse()).toEqual({ kind: 'service-down', notes: [] });
    // The scheduler finds a meeting waiting for a room by the marker.
    expect(rec.inserts.map((i) => i.data)).toEqual(['<p>Details follow</p>' + MARKER]);
    expect(rec.required).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'VMR room' }]);
    expect(rec.locations).toEqual([]);
    // A second try while the host is still down inserts nothing more.
    expect(await flow.addSingleUse()).toEqual({ kind: 'service-down', notes: [] });
    expect(rec.inserts).toHaveLength(1);
  });

  it('falls back to its own placeholder when the config has none', async () => {
    const { rec } = mockOffice();
    await flowFor(fakeHost({ reserve: 'network' }), { placeholder_html: undefined }).addSingleUse();
    expect(rec.inserts[0]?.data).toContain('Video meeting details to follow');
  });

  it('shows the problem’s detail for other errors', async () => {
    const { rec } = mockOffice();
    const out = await flowFor(fakeHost({ reserve: 429 })).addSingleUse();
    expect(out).toEqual({ kind: 'error', detail: 'at most 60 reservations a minute per user; try again in 3 s' });
    expect(rec.inserts).toEqual([]);
  });

  it('still succeeds, with notes, when the location or room cannot be set', async () => {
    mockOffice({ old: true, fail: ['setAsync:location', 'addAsync:requiredAttendees'] });
    const out = await flowFor(fakeHost()).addSingleUse();
    expect(out).toMatchObject({ kind: 'success' });
    expect(out.kind === 'success' && out.notes).toEqual([
      'The location could not be set: setAsync:location failed',
      'The room could not be added as a resource: addAsync:requiredAttendees failed',
    ]);
  });

  it('reports an error when the body cannot be written', async () => {
    mockOffice({ fail: ['setSelectedDataAsync', 'prependAsync'] });
    expect(await flowFor(fakeHost()).addSingleUse()).toEqual({ kind: 'error', detail: 'prependAsync failed' });
  });
});

describe('personal VMRs', () => {
  it('lists the user’s rooms and inserts the chosen one', async () => {
    const { rec } = mockOffice();
    const host = fakeHost();
    const flow = flowFor(host, { personal_enabled: true });
    const list = await flow.loadPersonal(false);
    expect(list).toMatchObject({ kind: 'list', user: 'alice@contoso.com' });
    if (list.kind !== 'list') throw new Error('no list');
    expect(list.vmrs.map((v) => v.name)).toEqual(["Alice's room", 'Team room']);
    const out = await flow.addPersonal(list.vmrs[1]!);
    expect(out).toEqual({ kind: 'success', alias: 'meet.team@vc.contoso.com', notes: [] });
    expect(rec.inserts[0]?.data).toContain('Join Team room');
    expect(rec.locations).toEqual([{ id: 'meet.team@vc.contoso.com', type: 'custom' }]);
    expect(rec.required).toEqual([]);
  });

  it('on a development host (auth none) lists by the user’s address without a sign-in', async () => {
    mockOffice({ email: 'alice@contoso.com' });
    const host = fakeHost();
    expect(await flowFor(host, { personal_enabled: true }).loadPersonal(false)).toMatchObject({ kind: 'list', signedIn: false });
    const call = host.calls.find((c) => c.path.endsWith('/personal-vmrs'));
    expect(call?.headers['X-VMR-User']).toBe('alice@contoso.com');
    expect(call?.headers['X-VMR-Session']).toBeUndefined();
  });

  it('reports a 401 that is no sign-in request as a sign-in error', async () => {
    mockOffice();
    expect(await flowFor(fakeHost({ personal: 401 }), { personal_enabled: true }).loadPersonal(false)).toMatchObject({ kind: 'signin-error' });
  });

  it('reports a failed list', async () => {
    mockOffice();
    expect(await flowFor(fakeHost({ personal: 500 }), { personal_enabled: true }).loadPersonal(false)).toMatchObject({ kind: 'error' });
  });
});

describe('credentials per sign-in method', () => {
  const naa: Partial<PaneConfig> = {
    auth: 'naa',
    naa_client_id: '0b1d5c3e-0000-4000-8000-00000000000a',
    naa_authority: 'https://login.microsoftonline.com/common',
    naa_scopes: ['api://addin.contoso.com/0b1d5c3e-0000-4000-8000-00000000000b/access_as_user'],
  };
  const nestedMsal = (token: string): Msal => ({
    createNestablePublicClientApplication: async () => ({
      acquireTokenSilent: async () => ({ accessToken: token }),
      acquireTokenPopup: async () => ({ accessToken: token }),
    }),
  });

  async function reserveHeaders(cfg: Partial<PaneConfig>, office: MockOptions, msal?: Msal) {
    mockOffice(office);
    const host = fakeHost();
    const lines: string[] = [];
    const config = paneConfig(cfg);
    const log = (l: string) => lines.push(l);
    const api = new Api(ID, { fetch: host.fetch, log });
    const auth = new Auth(config, translator('en'), log, async () => {
      if (!msal) throw new Error('MSAL must not be loaded');
      return msal;
    });
    const flow = new Flow(api, config, translator('en'), log, memoryStorage(), auth);
    expect(await flow.addSingleUse()).toMatchObject({ kind: 'success' });
    const call = host.calls.find((c) => c.path.endsWith('/reservations'));
    // Tokens never reach the pane's debug log.
    expect(lines.join('\n')).not.toContain('TOKEN');
    return Object.fromEntries(Object.entries(call?.headers ?? {}).filter(([k]) => k === 'Authorization' || k.startsWith('X-')));
  }

  it.each<[string, Partial<PaneConfig>, MockOptions, Msal | undefined, Record<string, string>]>([
    ['none', { auth: 'none' }, { token: 'SSO-TOKEN', identityToken: 'EXCHANGE-TOKEN' }, undefined, { 'X-VMR-User': 'alice@contoso.com' }],
    [
      'exchange',
      { auth: 'exchange' },
      { identityToken: 'EXCHANGE-TOKEN', token: 'SSO-TOKEN' },
      undefined,
      { Authorization: 'Bearer EXCHANGE-TOKEN', 'X-VMR-User': 'alice@contoso.com' },
    ],
    ['sso', { auth: 'sso' }, { token: 'SSO-TOKEN', identityToken: 'EXCHANGE-TOKEN' }, undefined, { Authorization: 'Bearer SSO-TOKEN', 'X-VMR-User': 'alice@contoso.com' }],
    ['sso', { auth: 'sso' }, { token: 'SSO-TOKEN' }, undefined, { Authorization: 'Bearer SSO-TOKEN', 'X-VMR-User': 'alice@contoso.com' }],
    [
      'naa',
      naa,
      { requirementSets: ['NestedAppAuth 1.1'], token: 'SSO-TOKEN' },
      nestedMsal('NAA-TOKEN'),
      { Authorization: 'Bearer NAA-TOKEN', 'X-VMR-User': 'alice@contoso.com' },
    ],
    [
      'naa where Outlook has none (SSO stands in)',
      naa,
      { token: 'SSO-TOKEN' },
      undefined,
      { Authorization: 'Bearer SSO-TOKEN', 'X-VMR-User': 'alice@contoso.com' },
    ],
    [
      'exchange for a delegate',
      { auth: 'exchange' },
      { email: 'delegate@contoso.com', sharedOwner: 'boss@contoso.com', identityToken: 'EXCHANGE-TOKEN' },
      undefined,
      { Authorization: 'Bearer EXCHANGE-TOKEN', 'X-VMR-User': 'boss@contoso.com' },
    ],
  ])('%s', async (_, cfg, office, msal, want) => {
    expect(await reserveHeaders(cfg, office, msal)).toEqual(want);
  });
});

// The fixtures stay in sync with the API's documented shapes.
const _typed: Reservation = reservation();
void _typed;
