import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import MyVMRPage from './MyVMRPage.svelte';
import { fake } from '../../test/fakes/instance';
import { sampleIntegrations, sampleVMR } from '../../test/fakes/user';
import { unlabelled } from '../../test/dom';
import { setLocale } from '../../lib/i18n';
import { toasts } from '../../lib/toasts.svelte';
import type { UserSession } from '../../lib/types';

function renderPage(session?: UserSession) {
  const user = userEvent.setup({ delay: null });
  const s = session ?? fake.user.session();
  const sessions: UserSession[] = [];
  const view = render(MyVMRPage, { session: s, onsession: (n: UserSession) => sessions.push(n) });
  return { ...view, user, sessions };
}

describe('My VMR', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows every alias, the web link, the QR code and the instructions of the signed-in user’s VMR', async () => {
    fake.user.seed();
    renderPage();
    const card = await screen.findByRole('region', { name: sampleVMR.name });
    for (const a of [...sampleVMR.sip_aliases, ...sampleVMR.phone_aliases]) {
      expect(card.textContent).toContain(a);
      expect(within(card).getByRole('button', { name: `Copy ${a}` })).toBeTruthy();
    }
    expect(card.textContent).toContain(sampleVMR.web_url);
    expect(within(card).getByRole('button', { name: 'Copy the web link' })).toBeTruthy();
    const qr = await within(card).findByRole('img', { name: `QR code of the web link of ${sampleVMR.name}: ${sampleVMR.web_url}` });
    expect(qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(decodeURIComponent(qr.getAttribute('src')!)).toContain('<svg');
    expect(screen.getByText(/Signed in as Alex Morgan \(alex.morgan@example.com\)/)).toBeTruthy();
    expect(unlabelled(card)).toEqual([]);
  });

  it('masks both PINs until Show PINs is pressed', async () => {
    fake.user.seed();
    const { user } = renderPage();
    const pin = await screen.findByTestId('my-pin-1');
    const guest = screen.getByTestId('my-guest-pin-1');
    expect(pin.textContent).not.toContain('4821');
    expect(guest.textContent).not.toContain('7305');
    expect(pin.textContent).toMatch(/hidden/i);
    const show = screen.getByRole('button', { name: 'Show PINs' });
    expect(show.getAttribute('aria-pressed')).toBe('false');
    await user.click(show);
    expect(show.getAttribute('aria-pressed')).toBe('true');
    expect(pin.textContent).toContain('4821');
    expect(guest.textContent).toContain('7305');
    await user.click(screen.getByRole('button', { name: 'Copy the guest PIN' }));
    expect(await navigator.clipboard.readText()).toBe('7305');
    await user.click(show);
    expect(pin.textContent).not.toContain('4821');
  });

  it('copies an alias, and the instructions as HTML and text, shown without scripts or handlers', async () => {
    // jsdom has no ClipboardItem; a webview does.
    class Item {
      constructor(private parts: Record<string, Blob>) {}
      get types() {
        return Object.keys(this.parts);
      }
      getType(type: string) {
        return Promise.resolve(this.parts[type]!);
      }
    }
    fake.user.seed();
    // The backend escapes what it renders; the window must not trust it anyway.
    fake.user.vmrs[0]!.instructions_html += '<script>alert(1)</script><p onclick="alert(2)">PIN for guests: 7305</p>';
    const { user } = renderPage();
    const instructions = await screen.findByRole('region', { name: 'Joining instructions' });
    expect(instructions.innerHTML).not.toMatch(/script|onclick|alert/);
    expect(instructions.textContent).toContain('PIN for guests: 7305');
    await user.click(screen.getByRole('button', { name: 'Copy meet.alex@vc.example.com' }));
    expect(await navigator.clipboard.readText()).toBe('meet.alex@vc.example.com');
    vi.stubGlobal('ClipboardItem', Item);
    const write = vi.spyOn(navigator.clipboard, 'write').mockResolvedValue();
    await user.click(screen.getByRole('button', { name: 'Copy instructions' }));
    await waitFor(() => expect(write).toHaveBeenCalledTimes(1));
    const item = (write.mock.calls[0]![0] as unknown as Item[])[0]!;
    expect(item.types).toEqual(['text/html', 'text/plain']);
    const html = await (await item.getType('text/html')).text();
    const text = await (await item.getType('text/plain')).text();
    expect(html).toContain('<strong>Join Alex Morgan’s room</strong>');
    expect(html).not.toContain('script');
    expect(text).toContain('From a video system or app: meet.alex@vc.example.com');
    expect(toasts.at(-1)?.text).toBe('Instructions copied, with their formatting.');
  });

  it('falls back to the runtime clipboard where the webview has none', async () => {
    fake.user.seed();
    const { user } = renderPage();
    await screen.findByRole('region', { name: sampleVMR.name });
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    await user.click(screen.getByRole('button', { name: 'Copy 8123456' }));
    await waitFor(() => expect(fake.clipboard).toBe('8123456'));
  });

  it('opens links of the instructions and the web link outside the window', async () => {
    fake.user.seed();
    const { user } = renderPage();
    const instructions = await screen.findByRole('region', { name: 'Joining instructions' });
    await user.click(within(instructions).getByRole('link', { name: 'meet.alex@vc.example.com' }));
    await user.click(screen.getByRole('button', { name: 'Open' }));
    await waitFor(() => expect(fake.user.joined).toEqual(['sip:meet.alex@vc.example.com', sampleVMR.web_url]));
  });

  it('says so when the user has no VMR, and signs out', async () => {
    fake.user.seed();
    fake.user.vmrs = [];
    const { user, sessions } = renderPage();
    expect(await screen.findByRole('heading', { name: 'You have no personal meeting room yet' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(sessions.at(-1)?.signed_in).toBe(false));
    expect(fake.callsOf('User.SignOut')).toHaveLength(1);
  });

  it('asks to sign in again when the sign-in expired while loading', async () => {
    fake.user.seed();
    fake.user.vmrsProblem = { code: 'sign_in_again', message: 'oauth: your sign-in has expired or was revoked; sign in again' };
    const { sessions } = renderPage();
    await waitFor(() => expect(sessions.at(-1)).toMatchObject({ signed_in: false, error_code: 'sign_in_again' }));
  });

  it('speaks German', async () => {
    setLocale('de');
    fake.user.seed();
    renderPage();
    expect(await screen.findByRole('heading', { level: 1, name: 'Mein VMR' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'PINs anzeigen' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Anleitung kopieren' })).toBeTruthy();
    expect(screen.getByText('Einwahl per Telefon')).toBeTruthy();
  });
});

describe('sign-in', () => {
  it('chooses among several organisations, waits for the browser, and can be cancelled', async () => {
    fake.user.integrations = sampleIntegrations;
    fake.user.signInOutcome = 'wait';
    const { user } = renderPage();
    const card = screen.getByRole('region', { name: 'Sign in' });
    await user.selectOptions(within(card).getByLabelText('Organisation'), 'Fabrikam');
    await user.click(within(card).getByRole('button', { name: 'Sign in' }));
    expect(await within(card).findByText('Waiting for you to finish signing in in your browser…')).toBeTruthy();
    expect(fake.callsOf('User.SignIn')[0]!.args).toEqual([sampleIntegrations[1]!.uuid]);
    await user.click(within(card).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(within(card).getByRole('button', { name: 'Sign in' })).toBeTruthy());
    expect(fake.callsOf('User.CancelSignIn')).toHaveLength(1);
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('shows the user’s VMRs once the browser sign-in finishes', async () => {
    fake.user.seed();
    fake.user.signedIn = false;
    fake.user.signInOutcome = 'wait';
    const { user, sessions } = renderPage();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(fake.user.waiting).toBe(true));
    fake.user.finishSignIn();
    await waitFor(() => expect(sessions.at(-1)?.signed_in).toBe(true));
    await waitFor(() => expect(fake.callsOf('User.MyVMRs')).toHaveLength(1));
  });

  it('explains a refused consent and an expired sign-in in plain words', async () => {
    fake.user.integrations = [sampleIntegrations[0]!];
    fake.user.signInOutcome = { code: 'consent_refused', message: 'oauth: the sign-in was refused (consent not given)' };
    const { user } = renderPage();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/was not given the permissions it asked for/);
    expect(screen.queryByLabelText('Organisation')).toBeNull();

    const expired = { ...fake.user.session(), error_code: 'sign_in_again', error: 'oauth: your sign-in has expired' };
    const second = render(MyVMRPage, { session: expired, onsession: () => {} });
    expect(within(second.container).getByRole('alert').textContent).toBe('Your sign-in has expired or was withdrawn. Please sign in again.');
  });

  it('tells a user with nothing to sign in to whom to ask', () => {
    renderPage();
    expect(screen.getByRole('region', { name: 'Sign in' }).textContent).toMatch(/Ask your IT team/);
    expect(screen.queryByRole('button', { name: 'Sign in' })).toBeNull();
  });
});
