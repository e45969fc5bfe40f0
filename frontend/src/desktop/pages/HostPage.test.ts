import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import HostPage from './HostPage.svelte';
import { fake } from '../../test/fakes/instance';
import { EVENT_HOST_REQUEST } from '../../test/fakes/host';
import { toasts } from '../../lib/toasts.svelte';
import { unlabelled } from '../../test/dom';

function renderPage() {
  const user = userEvent.setup({ delay: null });
  const view = render(HostPage);
  return { ...view, user };
}

const hostCard = () => screen.getByRole('region', { name: 'Host' });

describe('add-in host: running state', () => {
  it('warns plainly while the host runs without authentication, and copies its address', async () => {
    fake.host.start('', 'none', 60);
    const { user } = renderPage();
    const warning = await screen.findByText('No authentication — development on this machine only.');
    expect(warning.closest('.message-bar')?.className).toContain('warning');
    const card = hostCard();
    expect(within(card).getByText('Running')).toBeTruthy();
    expect(within(card).getByText('https://127.0.0.1:3443')).toBeTruthy();
    expect(within(card).getByText('None')).toBeTruthy();
    expect(within(card).queryByRole('button', { name: 'Start' })).toBeNull();

    await user.click(within(card).getByRole('button', { name: 'Copy the address' }));
    await waitFor(() => expect(fake.clipboard).toBe('https://127.0.0.1:3443'));
    expect(toasts.map((t) => t.text)).toContain('Copied https://127.0.0.1:3443');
  });

  it('shows no such warning with oidc', async () => {
    fake.host.start('127.0.0.1:3443', 'oidc', 60);
    renderPage();
    await screen.findByText('https://127.0.0.1:3443');
    expect(within(hostCard()).getByText(/Office SSO for every integration/)).toBeTruthy();
    expect(screen.queryByText(/No authentication/)).toBeNull();
  });

  it('says that each integration’s method is checked', async () => {
    fake.host.start('127.0.0.1:8443', 'integration', 60);
    renderPage();
    await screen.findByText('https://127.0.0.1:8443');
    expect(within(hostCard()).getByText(/Each integration’s method/)).toBeTruthy();
    expect(within(hostCard()).getByText(/Exchange identity token, Office SSO or nested app authentication/)).toBeTruthy();
    expect(screen.queryByText(/No authentication/)).toBeNull();
  });

  it('stops the host', async () => {
    fake.host.start('', 'none', 60);
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(fake.callsOf('Stop')).toHaveLength(1));
    expect(await within(hostCard()).findByText('Stopped')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start' })).toBeTruthy();
    expect(fake.host.running).toBe(false);
  });
});

describe('add-in host: starting', () => {
  it('starts with the defaults: 127.0.0.1:3443, no authentication, 60 reservations a minute', async () => {
    const { user } = renderPage();
    const listen = (await screen.findByLabelText('Listen address')) as HTMLInputElement;
    expect(listen.value).toBe('127.0.0.1:3443');
    expect((screen.getByLabelText('Authentication') as HTMLSelectElement).value).toBe('none');
    expect((screen.getByLabelText('Reservations per minute') as HTMLInputElement).value).toBe('60');
    expect(screen.getByText(/0 turns the limit off/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsOf('Start')).toHaveLength(1));
    expect(fake.callsOf('Start')[0]!.args).toEqual(['127.0.0.1:3443', 'none', 60, false]);
    expect(await screen.findByText('No authentication — development on this machine only.')).toBeTruthy();
  });

  it('sends the settings as typed', async () => {
    const { user } = renderPage();
    const listen = await screen.findByLabelText('Listen address');
    await user.clear(listen);
    await user.type(listen, '127.0.0.1:8443');
    await user.selectOptions(screen.getByLabelText('Authentication'), 'oidc');
    const rate = screen.getByLabelText('Reservations per minute');
    await user.clear(rate);
    await user.type(rate, '0');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsOf('Start')).toHaveLength(1));
    expect(fake.callsOf('Start')[0]!.args).toEqual(['127.0.0.1:8443', 'oidc', 0, false]);
    expect(await screen.findByText('https://127.0.0.1:8443')).toBeTruthy();
  });

  it('starts checking each integration’s method', async () => {
    const { user } = renderPage();
    const listen = await screen.findByLabelText('Listen address');
    await user.clear(listen);
    await user.type(listen, '127.0.0.1:8443');
    await user.selectOptions(screen.getByLabelText('Authentication'), 'integration');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsOf('Start')).toHaveLength(1));
    expect(fake.callsOf('Start')[0]!.args).toEqual(['127.0.0.1:8443', 'integration', 60, false]);
    expect(await screen.findByText('https://127.0.0.1:8443')).toBeTruthy();
  });

  it('shows why the host did not start, beside the address (port in use)', async () => {
    fake.host.busy.add('127.0.0.1:3443');
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Start' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The host did not start');
    expect(alert.textContent).toContain('address already in use');
    expect(alert.textContent).toContain('choose another port');
    const listen = screen.getByLabelText('Listen address');
    expect(listen.getAttribute('aria-invalid')).toBe('true');
    expect(listen.getAttribute('aria-describedby')).toContain(alert.id);
    expect(document.activeElement).toBe(listen);
    expect(within(hostCard()).getByText('Stopped')).toBeTruthy();
  });

  it('on a machine several people use, starts without authentication only when told to, saying why', async () => {
    fake.host.sharedMachine = true;
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Start' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('several people are signed in');
    const allow = screen.getByLabelText('Run it anyway on a machine others are signed in to');
    expect(screen.getByText(/each of them could act as any other/)).toBeTruthy();
    await user.click(allow);
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsOf('Start')).toHaveLength(2));
    expect(fake.callsOf('Start')[1]!.args).toEqual(['127.0.0.1:3443', 'none', 60, true]);
    expect(await screen.findByText('No authentication — development on this machine only.')).toBeTruthy();
  });

  it('shows the last failed start when the page opens', async () => {
    fake.host.busy.add('127.0.0.1:3443');
    expect(() => fake.host.start('', 'none', 60)).toThrow();
    renderPage();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/The last start failed: .*address already in use/);
  });

  it('checks the reservation rate before starting', async () => {
    const { user } = renderPage();
    const rate = await screen.findByLabelText('Reservations per minute');
    await user.clear(rate);
    await user.type(rate, '-1');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(await screen.findByText('Enter a whole number: 0 or more.')).toBeTruthy();
    expect(rate.getAttribute('aria-invalid')).toBe('true');
    expect(fake.callsOf('Start')).toHaveLength(0);
  });
});

describe('add-in host: certificate', () => {
  it('shows the CA and every trust store: installed, not installed or unavailable, with its detail', async () => {
    fake.host.cert.stores[1]!.installed = true;
    fake.host.cert.stores[1]!.detail = '';
    renderPage();
    const card = await screen.findByRole('region', { name: 'Local certificate authority' });
    await within(card).findByText('VMR Companion local CA 3f9a61c2');
    expect(within(card).getByText('In the OS keychain')).toBeTruthy();
    expect(within(card).getByText(/Nov 20, 2027/)).toBeTruthy();
    const stores = within(card).getAllByRole('listitem');
    expect(stores).toHaveLength(3);
    expect(stores[0]!.textContent).toContain('System CA bundle');
    expect(stores[0]!.textContent).toContain('Unavailable');
    expect(stores[0]!.textContent).toContain('Needs root: run the install again with sudo');
    expect(stores[1]!.textContent).toContain('Chrome, Chromium and Edge');
    expect(stores[1]!.textContent).toContain('Installed');
    expect(stores[2]!.textContent).toContain('Firefox');
    expect(stores[2]!.textContent).toContain('Not installed');
    expect(within(card).getByText('Trusted in 1 of 3')).toBeTruthy();
  });

  it('installs and uninstalls the CA, showing progress and the new statuses', async () => {
    fake.latency = 30;
    const { user } = renderPage();
    const card = await screen.findByRole('region', { name: 'Local certificate authority' });
    const install = await within(card).findByRole('button', { name: 'Install' });
    await user.click(install);
    expect(await within(card).findByText('Installing…')).toBeTruthy();
    expect(within(card).getByRole('progressbar')).toBeTruthy();
    await within(card).findByText('Trusted in 2 of 3');
    expect(fake.callsOf('InstallCertificate')).toHaveLength(1);
    expect(within(card).queryByRole('progressbar')).toBeNull();

    await user.click(within(card).getByRole('button', { name: 'Uninstall' }));
    await within(card).findByText('Trusted in 0 of 3');
    expect(fake.callsOf('UninstallCertificate')).toHaveLength(1);
  });

  it('says why an install failed, and shows the stores as they are now', async () => {
    fake.host.trustFailure = 'devcert: installing the CA into Firefox profile 8k2x1f0q.default-release: certutil: SEC_ERROR_READ_ONLY';
    const { user } = renderPage();
    const card = await screen.findByRole('region', { name: 'Local certificate authority' });
    await user.click(await within(card).findByRole('button', { name: 'Install' }));
    const alert = await within(card).findByRole('alert');
    expect(alert.textContent).toContain('The CA was not installed everywhere');
    expect(alert.textContent).toContain('SEC_ERROR_READ_ONLY');
    // The stores that did change show so.
    await within(card).findByText('Trusted in 2 of 3');
  });

  it('turns Install off when no store can take the CA', async () => {
    for (const s of fake.host.cert.stores) s.available = false;
    renderPage();
    const card = await screen.findByRole('region', { name: 'Local certificate authority' });
    expect((await within(card).findByRole('button', { name: 'Install' })).hasAttribute('disabled')).toBe(true);
  });

  it('warns when the CA key is in a file', async () => {
    fake.host.keyInFile();
    renderPage();
    const title = await screen.findByText('The private key is in a file, not in the keychain.');
    expect(title.closest('.message-bar')?.textContent).toContain('/home/admin/.local/share/vmr-companion/ca-key.pem');
  });
});

describe('add-in host: manifests', () => {
  it('saves each variant with the right arguments, and shows the backend’s error', async () => {
    fake.seed(['Contoso', 'Woodgrove']);
    const contoso = fake.list().find((s) => s.name === 'Contoso')!.uuid;
    const woodgrove = fake.list().find((s) => s.name === 'Woodgrove')!.uuid;
    const { user } = renderPage();
    const card = await screen.findByRole('region', { name: 'Manifests' });

    const expected: Array<[string, boolean, string]> = [
      ['Development XML', true, 'xml'],
      ['Development JSON', true, 'json'],
      ['Production XML', false, 'xml'],
      ['Production JSON', false, 'json'],
    ];
    for (const [kind, dev, format] of expected) {
      await user.click(await within(card).findByRole('button', { name: `Save the ${kind} manifest of “Contoso”` }));
      await waitFor(() => expect(fake.callsOf('SaveManifest').at(-1)?.args).toEqual([contoso, dev, format]));
    }
    await waitFor(() => expect(toasts.map((t) => t.text)).toContain('Saved the manifest to /home/admin/Downloads/manifest.json'));

    await user.click(within(card).getByRole('button', { name: 'Save the Production XML manifest of “Woodgrove”' }));
    const alert = await within(card).findByRole('alert');
    expect(fake.callsOf('SaveManifest').at(-1)?.args).toEqual([woodgrove, false, 'xml']);
    expect(alert.textContent).toContain('has no addin_server_domain: set it, or generate the development manifest');
  });
});

describe('add-in host: request log', () => {
  it('lists the recent requests newest first, adds each new one, pauses, clears, and stops listening on unmount', async () => {
    fake.host.start('', 'none', 60);
    fake.host.recent = [
      { time: '2025-11-20T09:00:00Z', method: 'GET', path: '/addin/taskpane.html', status: 200, duration_ms: 1.2, bytes: 900, remote: '127.0.0.1:5000' },
      { time: '2025-11-20T09:00:01Z', method: 'POST', path: '/api/v1/integrations/x/reservations', status: 201, duration_ms: 38.4, bytes: 300, remote: '127.0.0.1:5000' },
    ];
    const { user, unmount } = renderPage();
    const card = await screen.findByRole('region', { name: 'Requests' });
    const table = await within(card).findByRole('table');
    const rows = () => within(table).getAllByRole<HTMLTableRowElement>('row').slice(1);
    expect(rows().map((r) => r.cells[2]!.textContent)).toEqual(['/api/v1/integrations/x/reservations', '/addin/taskpane.html']);
    expect(rows()[0]!.textContent).toContain('POST');
    expect(rows()[0]!.textContent).toContain('201');
    expect(rows()[0]!.textContent).toContain('38 ms');
    expect(fake.listenerCount(EVENT_HOST_REQUEST)).toBe(1);

    // A live request goes on top.
    fake.host.record({ method: 'GET', path: '/api/v1/integrations/x/pane', status: 404, duration_ms: 0.9 });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows()[0]!.textContent).toContain('/api/v1/integrations/x/pane');
    expect(rows()[0]!.textContent).toContain('404');
    expect(rows()[0]!.textContent).toContain('0.9 ms');

    // Paused: held back and counted; resumed: shown.
    const pause = within(card).getByRole('button', { name: 'Pause' });
    await user.click(pause);
    expect(pause.getAttribute('aria-pressed')).toBe('true');
    fake.host.record({ method: 'GET', path: '/healthz', status: 200 });
    expect(await within(card).findByText('Paused: 1 new request is waiting.')).toBeTruthy();
    expect(rows()).toHaveLength(3);
    await user.click(within(card).getByRole('button', { name: 'Resume' }));
    expect(rows()).toHaveLength(4);
    expect(rows()[0]!.textContent).toContain('/healthz');

    // Clear empties the view only.
    await user.click(within(card).getByRole('button', { name: 'Clear' }));
    expect(within(card).queryByRole('table')).toBeNull();
    expect(within(card).getByText(/No requests yet/)).toBeTruthy();
    expect(fake.host.recent).toHaveLength(4);

    unmount();
    expect(fake.eventCalls).toEqual([
      { op: 'on', name: EVENT_HOST_REQUEST },
      { op: 'off', name: EVENT_HOST_REQUEST },
    ]);
    expect(fake.listenerCount(EVENT_HOST_REQUEST)).toBe(0);
  });

  it('keeps the 200 most recent', async () => {
    fake.host.start('', 'none', 60);
    renderPage();
    const card = await screen.findByRole('region', { name: 'Requests' });
    await waitFor(() => expect(fake.listenerCount(EVENT_HOST_REQUEST)).toBe(1));
    for (let i = 0; i < 205; i++) fake.host.record({ method: 'GET', path: `/r/${i}`, status: 200 });
    const table = await within(card).findByRole('table');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(201));
    expect(within(table).getAllByRole('row')[1]!.textContent).toContain('/r/204');
  });
});

describe('add-in host: keyboard and labels', () => {
  it('labels every control, stopped and running', async () => {
    fake.seed(['Contoso']);
    const { user } = renderPage();
    await screen.findByRole('button', { name: 'Save the Development XML manifest of “Contoso”' });
    await screen.findByRole('button', { name: 'Install' });
    expect(unlabelled()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await screen.findByText('https://127.0.0.1:3443');
    fake.host.record({ method: 'GET', path: '/healthz', status: 200 });
    await screen.findByRole('table');
    expect(unlabelled()).toEqual([]);
    // The log scrolls on its own: it takes focus so the keyboard can scroll it.
    expect(screen.getByRole('region', { name: 'Requests, newest first' }).getAttribute('tabindex')).toBe('0');
  });
});

describe('add-in host: sideloading', () => {
  it('explains sideloading in each Outlook and to trust the CA first', async () => {
    renderPage();
    const card = await screen.findByRole('region', { name: 'Try the add-in in Outlook' });
    for (const client of ['Outlook on the web', 'New Outlook for Windows', 'Classic Outlook on Windows', 'Outlook on Mac']) {
      expect(within(card).getByRole('heading', { name: client })).toBeTruthy();
    }
    expect(card.textContent).toMatch(/trust the local CA \(Install, above\)/);
    expect(card.textContent).toContain('Add from file');
    expect(card.textContent).toContain('Manage add-ins');
  });
});
