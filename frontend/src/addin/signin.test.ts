import { afterEach, describe, expect, it } from 'vitest';
import { OfficeMockObject } from 'office-addin-mock';
import { Api, SIGN_IN_REQUIRED, type PaneConfig } from './api';
import { Flow } from './flow';
import { translator } from './i18n';
import { openSignInDialog, parseDone, parseMessage, PersonalSession, relay, SignInError, signInURL, type SignedIn } from './signin';
import { fakeHost, paneConfig } from './testhost';
import { unmockOffice } from './testing';

afterEach(unmockOffice);

const ID = paneConfig().integration;
const TOKEN = 'A'.repeat(40) + '-_9';

/** FakeDialog is the Office.Dialog the mock hands out; the test plays its page. */
class FakeDialog {
  readonly handlers = new Map<string, (arg: unknown) => void>();
  closed = false;
  addEventHandler(type: string, h: (arg: unknown) => void) {
    this.handlers.set(type, h);
  }
  close() {
    this.closed = true;
  }
  message(message: unknown, origin?: string) {
    this.handlers.get('dialogMessageReceived')?.({ message, origin });
  }
  event(error: number) {
    this.handlers.get('dialogEventReceived')?.({ error });
  }
}

interface DialogMock {
  urls: string[];
  dialogs: FakeDialog[];
  sent: string[];
}

/**
 * mockDialog installs an Office (office-addin-mock) whose dialog API opens a
 * FakeDialog; page plays what the dialog's pages then do.
 */
function mockDialog(page: (d: FakeDialog) => void = () => {}, fail?: { code: number; message: string }): DialogMock {
  const rec: DialogMock = { urls: [], dialogs: [], sent: [] };
  type Callback = (r: { status: string; value?: unknown; error?: { code: number; message: string } }) => void;
  const data = {
    context: {
      ui: {
        displayDialogAsync(url: string, _opts: unknown, cb: Callback) {
          rec.urls.push(url);
          if (fail) {
            cb({ status: 'failed', error: fail });
            return;
          }
          const d = new FakeDialog();
          rec.dialogs.push(d);
          cb({ status: 'succeeded', value: d });
          queueMicrotask(() => page(d));
        },
        messageParent(m: string) {
          rec.sent.push(m);
        },
      },
    },
    EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    onReady: () => Promise.resolve({ host: 'Outlook', platform: 'OfficeOnline' }),
  };
  (globalThis as { Office?: unknown }).Office = new OfficeMockObject(data, 'outlook' as never);
  return rec;
}

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    m,
  };
}

describe('the sign-in dialog', () => {
  it('starts at the host that serves the pane', () => {
    expect(signInURL(ID, 'https://addins.contoso.com')).toBe(`https://addins.contoso.com/signin/${ID}/start`);
  });

  it('gives the session the done page sends, and closes', async () => {
    const rec = mockDialog((d) => d.message(JSON.stringify({ session: TOKEN, email: 'alex@contoso.com' })));
    await expect(openSignInDialog('https://h/signin/x/start')).resolves.toEqual({ session: TOKEN, email: 'alex@contoso.com' });
    expect(rec.urls).toEqual(['https://h/signin/x/start']);
    expect(rec.dialogs[0]?.closed).toBe(true);
  });

  it('says cancelled when the user closes the dialog (12006)', async () => {
    mockDialog((d) => d.event(12006));
    const e = await openSignInDialog('https://h/s').catch((e: unknown) => e);
    expect(e).toBeInstanceOf(SignInError);
    expect((e as SignInError).cancelled).toBe(true);
  });

  it('passes on the host’s error and tells a page that did not load', async () => {
    mockDialog((d) => d.message(JSON.stringify({ error: 'The sign-in was refused.' })));
    await expect(openSignInDialog('https://h/s')).rejects.toThrow('The sign-in was refused.');
    mockDialog((d) => d.event(12002));
    await expect(openSignInDialog('https://h/s')).rejects.toThrow('could not be loaded');
  });

  it('says so when a dialog is already open or blocked', async () => {
    mockDialog(undefined, { code: 12007, message: 'busy' });
    await expect(openSignInDialog('https://h/s')).rejects.toThrow('already open');
    mockDialog(undefined, { code: 12011, message: 'blocked' });
    await expect(openSignInDialog('https://h/s')).rejects.toThrow('blocked');
  });

  it('ignores messages of another origin', async () => {
    mockDialog((d) => {
      d.message(JSON.stringify({ session: 'B'.repeat(43) }), 'https://evil.example');
      d.message(JSON.stringify({ session: TOKEN, email: 'a@b' }), location.origin);
    });
    await expect(openSignInDialog('https://h/s')).resolves.toMatchObject({ session: TOKEN });
  });

  it('refuses messages not of its shape', () => {
    for (const m of [
      undefined,
      42,
      'not json',
      'x'.repeat(5000),
      JSON.stringify({ session: 'short' }),
      JSON.stringify({ session: 'ä'.repeat(43) }),
      JSON.stringify(null),
    ]) {
      expect(parseMessage(m)).toHaveProperty('error');
    }
    expect(parseMessage(JSON.stringify({ session: TOKEN, email: 'x'.repeat(1000) }))).toEqual({ session: TOKEN, email: 'x'.repeat(254) });
  });

  it('fails plainly where Outlook has no dialog API', async () => {
    (globalThis as { Office?: unknown }).Office = new OfficeMockObject({ context: {} }, 'outlook' as never);
    await expect(openSignInDialog('https://h/s')).rejects.toThrow('cannot open the sign-in window');
  });
});

describe('the done page', () => {
  it('reads the session or the error from the fragment', () => {
    expect(parseDone(`#session=${TOKEN}&email=alex%40contoso.com`)).toEqual({ session: TOKEN, email: 'alex@contoso.com' });
    expect(parseDone('#error=The+sign-in+was+refused.')).toEqual({ error: 'The sign-in was refused.' });
    expect(parseDone('#session=forged')).toHaveProperty('error');
    expect(parseDone('')).toHaveProperty('error');
  });

  it('relays the outcome to the pane', () => {
    const rec = mockDialog();
    expect(relay({ session: TOKEN, email: 'a@b' })).toBe(true);
    expect(rec.sent.map((m) => JSON.parse(m))).toEqual([{ session: TOKEN, email: 'a@b' }]);
    unmockOffice();
    expect(relay({ error: 'x' })).toBe(false);
  });
});

describe('the pane’s session', () => {
  it('is kept for the pane’s window and forgotten on clear', async () => {
    const storage = memoryStorage();
    const s = new PersonalSession(ID, storage, async () => ({ session: TOKEN, email: 'alex@contoso.com' }));
    expect(s.current).toBeNull();
    await s.signIn();
    expect(new PersonalSession(ID, storage).current).toBe(TOKEN);
    expect(new PersonalSession('another', storage).current).toBeNull();
    s.clear();
    expect(s.current).toBeNull();
    expect(new PersonalSession(ID, storage).current).toBeNull();
  });

  it('ignores a damaged stored value', () => {
    const storage = memoryStorage();
    storage.setItem('vmr-companion:session:' + ID, '{"session":"<script>"}');
    expect(new PersonalSession(ID, storage).current).toBeNull();
  });
});

/**
 * sessionHost is the fake host with the sign-in: the personal VMR list
 * wants the session valid, DELETE /session ends it.
 */
function sessionHost(valid = TOKEN) {
  const host = fakeHost();
  let live = true;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const path = new URL(String(input), 'https://127.0.0.1:3443').pathname;
    const headers = { ...(init.headers as Record<string, string>) };
    if (path.endsWith('/session') && init.method === 'DELETE') {
      host.calls.push({ method: 'DELETE', path, headers, body: undefined });
      if (headers['X-VMR-Session'] === valid) live = false;
      return new Response(null, { status: 204 });
    }
    if (path.endsWith('/personal-vmrs') && (!live || headers['X-VMR-Session'] !== valid)) {
      host.calls.push({ method: 'GET', path, headers, body: undefined });
      const p = { type: SIGN_IN_REQUIRED, title: 'Sign-in required', status: 401, detail: 'sign in to see your personal rooms' };
      return new Response(JSON.stringify(p), { status: 401, headers: { 'Content-Type': 'application/problem+json' } });
    }
    return host.fetch(input, init);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls: host.calls };
}

function flowFor(host: { fetch: typeof fetch }, cfg: Partial<PaneConfig>, open: (url: string) => Promise<SignedIn>, storage = memoryStorage()) {
  const flow = new Flow(new Api(ID, { fetch: host.fetch }), paneConfig({ personal_enabled: true, ...cfg }), translator('en'), () => {});
  flow.personal = new PersonalSession(ID, storage, open);
  return flow;
}

describe('personal VMRs behind the sign-in', () => {
  const signedIn = async () => ({ session: TOKEN, email: 'alice@contoso.com' });

  it('asks for the sign-in without opening a dialog, then lists with the session', async () => {
    const host = sessionHost();
    const opened: string[] = [];
    const flow = flowFor(host, { auth: 'sso' }, async (url) => (opened.push(url), signedIn()));
    expect(await flow.loadPersonal(false)).toEqual({ kind: 'signin-needed' });
    expect(opened).toEqual([]);
    const list = await flow.loadPersonal(true);
    expect(list).toMatchObject({ kind: 'list', user: 'alice@contoso.com', signedIn: true });
    expect(opened).toEqual([`${location.origin}/signin/${ID}/start`]);
    const last = host.calls.filter((c) => c.path.endsWith('/personal-vmrs')).at(-1);
    expect(last?.headers['X-VMR-Session']).toBe(TOKEN);
    expect(last?.headers['Authorization']).toBeUndefined();
  });

  it('keeps the session for the next load of the pane', async () => {
    const storage = memoryStorage();
    await flowFor(sessionHost(), {}, signedIn, storage).loadPersonal(true);
    expect(await flowFor(sessionHost(), {}, signedIn, storage).loadPersonal(false)).toMatchObject({ kind: 'list', signedIn: true });
  });

  it('treats a closed dialog as no sign-in, and a failed one as an error', async () => {
    const host = sessionHost();
    expect(await flowFor(host, {}, () => Promise.reject(new SignInError('closed', { cancelled: true }))).loadPersonal(true)).toEqual({
      kind: 'signin-needed',
    });
    expect(await flowFor(host, {}, () => Promise.reject(new SignInError('The sign-in was refused.'))).loadPersonal(true)).toEqual({
      kind: 'signin-error',
      detail: 'The sign-in was refused.',
    });
  });

  it('asks again when the host no longer knows the session', async () => {
    const storage = memoryStorage();
    await flowFor(sessionHost(), {}, signedIn, storage).loadPersonal(true);
    const flow = flowFor(sessionHost('B'.repeat(43)), {}, signedIn, storage);
    expect(await flow.loadPersonal(false)).toEqual({ kind: 'signin-needed' });
    expect(flow.personal?.current).toBeNull();
    expect(storage.m.size).toBe(0);
  });

  it('signs out at the host and here', async () => {
    const host = sessionHost();
    const flow = flowFor(host, {}, signedIn);
    await flow.loadPersonal(true);
    await flow.signOutPersonal();
    const del = host.calls.find((c) => c.method === 'DELETE');
    expect(del?.path).toBe(`/api/v1/integrations/${ID}/session`);
    expect(del?.headers['X-VMR-Session']).toBe(TOKEN);
    expect(await flow.loadPersonal(false)).toEqual({ kind: 'signin-needed' });
  });

  it('runs the real dialog code against the Office mock', async () => {
    mockDialog((d) => d.message(JSON.stringify({ session: TOKEN, email: 'alice@contoso.com' })));
    const flow = new Flow(new Api(ID, { fetch: sessionHost().fetch }), paneConfig({ personal_enabled: true, auth: 'sso' }), translator('en'));
    flow.personal = new PersonalSession(ID, memoryStorage());
    expect(await flow.loadPersonal(true)).toMatchObject({ kind: 'list', signedIn: true });
  });
});
