import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Pane from './Pane.svelte';
import { fakeHost, paneConfig, type FakeHostOptions } from './testhost';
import { mockOffice, unmockOffice, type MockOptions } from './testing';

/** The marker the add-in appends to the placeholder text. */
const MARKER = '<p style="color:#707070;font-size:smaller">vmr-companion:pending</p>';

afterEach(() => {
  unmockOffice();
  sessionStorage.clear(); // a personal VMR sign-in of one test is not the next one's
  document.documentElement.removeAttribute('data-theme');
  document.documentElement.removeAttribute('style');
});

const search = '?integration=' + paneConfig().integration;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status < 300 ? 'application/json' : 'application/problem+json' } });
}

function setup(office: MockOptions | null = {}, host: FakeHostOptions = {}, s = search) {
  const mock = office ? mockOffice(office) : null;
  const api = fakeHost(host);
  render(Pane, { props: { search: s, fetch: api.fetch, officeTimeoutMs: 50, loadOffice: false } });
  return { rec: mock?.rec, api, user: userEvent.setup() };
}

describe('Pane', () => {
  it('shows the integration’s texts and adds a room', async () => {
    const { rec, user } = setup();
    expect(await screen.findByRole('heading', { level: 1, name: 'Video meeting' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Add a meeting room' }));
    const bar = await screen.findByTestId('state-success');
    expect(within(bar).getByText('Room added')).toBeTruthy();
    expect(within(bar).getByText('Room address: meet482913@vc.contoso.com')).toBeTruthy();
    expect(rec?.inserts).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: 'Add a meeting room' }));
    expect(await screen.findByTestId('state-already')).toBeTruthy();
    expect(rec?.inserts).toHaveLength(1);
  });

  it('reaches the button by keyboard', async () => {
    const { rec, user } = setup();
    await screen.findByRole('button', { name: 'Add a meeting room' });
    await user.tab();
    expect(document.activeElement?.textContent).toContain('Add a meeting room');
    await user.keyboard('{Enter}');
    await screen.findByTestId('state-success');
    expect(rec?.inserts).toHaveLength(1);
  });

  it('shows the service-down state and inserts the placeholder', async () => {
    const { rec, user } = setup({}, { reserve: 'network' });
    await user.click(await screen.findByRole('button', { name: 'Add a meeting room' }));
    expect(within(await screen.findByTestId('state-service-down')).getByText('Room service unavailable')).toBeTruthy();
    expect(rec?.inserts[0]?.data).toBe('<p>Video meeting details are on their way</p>' + MARKER);
  });

  it('shows an error with the problem’s detail', async () => {
    const { user } = setup({}, { reserve: 403 });
    await user.click(await screen.findByRole('button', { name: 'Add a meeting room' }));
    const bar = await screen.findByTestId('state-error');
    expect(bar.getAttribute('role')).toBe('alert');
    expect(within(bar).getByText('Details: the integration Contoso does not offer single-use VMRs')).toBeTruthy();
  });

  it('follows Office’s display language for its own words', async () => {
    setup({ displayLanguage: 'de-DE' }, { pane: paneConfig({ personal_enabled: true }) });
    expect(await screen.findByRole('heading', { level: 2, name: 'Besprechungsraum für diese Besprechung' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 2, name: 'Meine persönlichen Räume' })).toBeTruthy();
    expect(document.documentElement.lang).toBe('de');
  });

  it('uses Office’s theme colours', async () => {
    setup({ theme: { bodyBackgroundColor: '#262626', bodyForegroundColor: '#FFFFFF', controlBackgroundColor: '#363636', controlForegroundColor: '#FFFFFF' } });
    await screen.findByRole('heading', { level: 1 });
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(document.documentElement.style.getPropertyValue('--bg-1')).toBe('#262626');
  });

  it('says to open it in Outlook when Office.js is missing', async () => {
    setup(null);
    const bar = await screen.findByTestId('state-not-in-outlook');
    expect(within(bar).getByText('Office.js could not be loaded, so the pane cannot reach Outlook.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add a meeting room' }).getAttribute('aria-disabled')).toBe('true');
  });

  it('says when the address names no integration', async () => {
    setup({}, {}, '?integration=nope');
    expect(await screen.findByText(/names no integration/)).toBeTruthy();
  });

  it('offers a retry when the config cannot be loaded', async () => {
    setup({}, { pane: 'network' });
    expect(await screen.findByText('The add-in could not load its settings.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('names the owner of a shared calendar', async () => {
    setup({ sharedOwner: 'boss@contoso.com' });
    expect((await screen.findByTestId('owner')).textContent).toBe('Scheduling for boss@contoso.com');
  });

  it('checks a delegate’s calendar and reserves for its owner', async () => {
    const { api, user, rec } = setup({ email: 'delegate@contoso.com', sharedOwner: 'boss@contoso.com' });
    const section = await screen.findByTestId('preflight');
    expect(within(section).getByTestId('owner').textContent).toBe('Scheduling for boss@contoso.com');
    for (const name of ['owner', 'domain', 'write', 'room']) {
      expect(within(section).getByTestId(`check-${name}`).dataset.ok).toBe('true');
    }
    expect(within(section).getByTestId('check-room').textContent).toContain('The room mailbox vmr@contoso.com will be invited.');
    expect(screen.queryByTestId('preflight-blocked')).toBeNull();
    const button = screen.getByRole('button', { name: 'Add a meeting room' });
    expect(button.getAttribute('aria-disabled')).toBe('false');
    await user.click(button);
    await screen.findByTestId('state-success');
    expect(api.calls.find((c) => c.path.endsWith('/reservations'))?.headers['X-VMR-User']).toBe('boss@contoso.com');
    expect(rec?.required).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'VMR room' }]);
  });

  it('keeps the button off and says how to fix a delegate without write rights', async () => {
    const { api, user, rec } = setup({ sharedOwner: 'boss@contoso.com', sharedPermissions: 1 });
    const blocked = await screen.findByTestId('preflight-blocked');
    expect(blocked.textContent).toContain('The room cannot be booked for boss@contoso.com yet');
    expect(screen.getByTestId('check-write').dataset.ok).toBe('false');
    expect(screen.getByTestId('fix-write').textContent).toBe(
      'Ask boss@contoso.com to give you Editor rights on the calendar (Outlook: calendar permissions or delegate access), then check again.',
    );
    const button = screen.getByRole('button', { name: 'Add a meeting room' });
    expect(button.getAttribute('aria-disabled')).toBe('true');
    await user.click(button);
    expect(api.calls.filter((c) => c.path.endsWith('/reservations'))).toEqual([]);
    expect(rec?.inserts).toEqual([]);
    // The owner gives the rights; checking again lets the delegate book.
    mockOffice({ sharedOwner: 'boss@contoso.com' });
    await user.click(screen.getByRole('button', { name: 'Check again' }));
    await vi.waitFor(() => expect(screen.queryByTestId('preflight-blocked')).toBeNull());
    expect(screen.getByRole('button', { name: 'Add a meeting room' }).getAttribute('aria-disabled')).toBe('false');
  });

  it('keeps the button off for an owner outside the integration’s domains', async () => {
    setup({ sharedOwner: 'boss@fabrikam.com' });
    await screen.findByTestId('preflight-blocked');
    expect(screen.getByTestId('fix-domain').textContent).toContain('Ask your IT team to add fabrikam.com to the integration’s Exchange domains');
    expect(screen.getByRole('button', { name: 'Add a meeting room' }).getAttribute('aria-disabled')).toBe('true');
  });

  it('shows no pre-flight in the user’s own calendar', async () => {
    setup();
    await screen.findByRole('button', { name: 'Add a meeting room' });
    expect(screen.queryByTestId('preflight')).toBeNull();
    expect(screen.queryByTestId('owner')).toBeNull();
  });

  it('lists personal rooms and inserts the chosen one', async () => {
    const { rec, user } = setup({}, { pane: paneConfig({ personal_enabled: true }) });
    const group = await screen.findByRole('group', { name: 'Choose one of your personal rooms:' });
    await user.click(within(group).getByRole('radio', { name: /Team room/ }));
    await user.click(screen.getByRole('button', { name: 'Use my room' }));
    await screen.findAllByTestId('state-success');
    expect(rec?.inserts[0]?.data).toContain('Join Team room');
    expect(rec?.locations).toEqual([{ id: 'meet.team@vc.contoso.com', type: 'custom' }]);
  });

  it('signs in to personal rooms in a dialog and signs out', async () => {
    const token = 'T'.repeat(43);
    let live = false;
    const base = fakeHost();
    const deletes: string[] = [];
    const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const path = new URL(String(input), 'https://127.0.0.1:3443').pathname;
      const headers = (init.headers ?? {}) as Record<string, string>;
      if (path.endsWith('/pane')) return json(200, paneConfig({ personal_enabled: true, auth: 'sso' }));
      if (path.endsWith('/session')) {
        deletes.push(headers['X-VMR-Session'] ?? '');
        live = false;
        return new Response(null, { status: 204 });
      }
      if (path.endsWith('/personal-vmrs') && !(live && headers['X-VMR-Session'] === token)) {
        return json(401, { type: 'https://vmr-companion.invalid/problems/sign-in-required', title: 'Sign-in required', status: 401 });
      }
      return base.fetch(input, init);
    };
    mockOffice({});
    const ui = {
      displayDialogAsync(_url: string, _o: unknown, cb: (r: unknown) => void) {
        const handlers = new Map<string, (a: unknown) => void>();
        cb({ status: 'succeeded', value: { addEventHandler: (t: string, h: (a: unknown) => void) => handlers.set(t, h), close() {} } });
        live = true;
        queueMicrotask(() => handlers.get('dialogMessageReceived')?.({ message: JSON.stringify({ session: token, email: 'alice@contoso.com' }) }));
      },
    };
    Object.assign((globalThis as unknown as { Office: { context: object } }).Office.context, { ui });
    render(Pane, { props: { search, fetch: fetch as typeof globalThis.fetch, officeTimeoutMs: 50, loadOffice: false } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Sign in to see your rooms' }));
    expect(await screen.findByRole('group', { name: 'Choose one of your personal rooms:' })).toBeTruthy();
    expect(screen.getByTestId('signed-in').textContent).toContain('Signed in as alice@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('button', { name: 'Sign in to see your rooms' })).toBeTruthy();
    expect(deletes).toEqual([token]);
  });

  it('says the sign-in failed where Outlook cannot open a dialog', async () => {
    mockOffice({});
    const base = fakeHost({ pane: paneConfig({ personal_enabled: true, auth: 'sso' }) });
    const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) =>
      String(input).endsWith('/personal-vmrs')
        ? json(401, { type: 'https://vmr-companion.invalid/problems/sign-in-required', title: 'Sign-in required', status: 401 })
        : base.fetch(input, init);
    render(Pane, { props: { search, fetch: fetch as typeof globalThis.fetch, officeTimeoutMs: 50, loadOffice: false } });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Sign in to see your rooms' }));
    expect(await screen.findByTestId('state-signin-error')).toBeTruthy();
  });

  it('shows why the host refused the sign-in, and keeps the token out of the debug log', async () => {
    const { user } = setup({ identityToken: 'SECRET-identity-token' }, { pane: paneConfig({ auth: 'exchange', debug: true }), reserve: 401 });
    await user.click(await screen.findByRole('button', { name: 'Add a meeting room' }));
    const bar = await screen.findByTestId('state-signin-error');
    expect(bar.textContent).toContain('The add-in host did not accept your sign-in: the ID token was not accepted');
    const log = screen.getByTestId('debug').textContent ?? '';
    expect(log).toContain('signed in with an Exchange identity token');
    expect(log).toContain('POST /reservations: 401');
    expect(log).not.toContain('SECRET');
  });

  it('explains a failed sign-in in the user’s language', async () => {
    const { user } = setup(
      { displayLanguage: 'de-DE', identityToken: { code: 9017, message: 'Legacy tokens are disabled.' } },
      { pane: paneConfig({ auth: 'exchange' }) },
    );
    await user.click(await screen.findByRole('button', { name: 'Add a meeting room' }));
    const bar = await screen.findByTestId('state-signin-error');
    expect(bar.textContent).toContain('Outlook konnte kein Exchange-Identitätstoken abrufen, das Ihre Identität nachweist (9017: Legacy tokens are disabled).');
  });

  it('shows the debug log when the integration asks for it', async () => {
    setup({}, { pane: paneConfig({ debug: true }) });
    const log = await screen.findByTestId('debug');
    expect(log.textContent).toContain('GET /pane: 200');
  });
});
