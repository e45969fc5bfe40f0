import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import InfinityPage from './InfinityPage.svelte';
import { fake } from '../../test/fakes/instance';
import { golden } from '../../test/fakes/golden';
import { unlabelled } from '../../test/dom';
import { toasts } from '../../lib/toasts.svelte';
import { en } from '../../lib/i18n/en';
import { de } from '../../lib/i18n/de';
import { EVENT_INFINITY_PROGRESS } from '../../lib/contract.gen';
import type { InfinityStatus } from '../../lib/types';

function renderPage() {
  const user = userEvent.setup({ delay: null });
  const view = render(InfinityPage);
  return { ...view, user };
}

const section = (name: string) => screen.getByRole('region', { name });
const button = (name: string | RegExp) => screen.getByRole('button', { name });

async function connectedPage() {
  fake.infinity.seed();
  const view = renderPage();
  await screen.findByTestId('account');
  return view;
}

describe('Pexip Infinity: each recorded state', () => {
  it('not connected: says so, offers the form, and Pull and Push wait for a connection', async () => {
    renderPage();
    expect((await screen.findByTestId('not-connected')).textContent).toContain('Not connected');
    expect(screen.getByRole('heading', { level: 1, name: 'Pexip Infinity' })).toBe(document.activeElement);
    expect((screen.getByLabelText(/Management Node URL/) as HTMLInputElement).value).toBe('');
    expect((button('Pull') as HTMLButtonElement).disabled).toBe(true);
    expect((button('Push') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Disconnect' })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Differences' })).toBeNull();
    expect(within(section('Sync history')).getByText('Nothing synced yet.')).toBeTruthy();
    expect(unlabelled()).toEqual([]);
  });

  it('connected with a conflict: who, version, pending, conflicts, the differences and the history', async () => {
    await connectedPage();
    const st = golden<InfinityStatus>('infinity status conflict').result!;
    expect(screen.getByTestId('account').textContent).toBe(st.account);
    expect(section('Status').textContent).toContain('36.1');
    expect(section('Status').textContent).toContain('https://mgr.example.com');
    expect(screen.getByTestId('pending').textContent).toBe(String(st.pending));
    expect(screen.getByTestId('conflicts').textContent?.trim()).toBe('1');
    // The stored connection fills the form; its password is never shown, only that one is stored.
    expect((screen.getByLabelText(/Management Node URL/) as HTMLInputElement).value).toBe('https://mgr.example.com');
    expect((screen.getByLabelText(/^Username\s*\*?$/) as HTMLInputElement).value).toBe('vmr-sync');
    const password = screen.getByLabelText('Password') as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toContain('Stored');
    expect(screen.getByText(/A password is stored in the keychain/)).toBeTruthy();

    const diff = section('Differences');
    await within(diff).findByText('Oslo');
    expect(within(diff).getByText('Kari Nordmann')).toBeTruthy();
    const oslo = within(diff).getByRole('table', { name: 'Fields of Oslo' });
    const conflictRow = within(oslo).getByRole('rowheader', { name: 'description' }).closest('tr')!;
    // Each value as text (the engine sends JSON): here, on Infinity, as last pulled.
    const cells = within(conflictRow).getAllByRole('cell').map((c) => c.textContent?.trim());
    expect(cells.slice(0, 3)).toEqual(['Oslo office, 3rd floor', 'Oslo HQ', 'Oslo office']);
    expect(conflictRow.textContent).toContain('Conflict');
    const usernameRow = within(oslo).getByRole('rowheader', { name: 'username' }).closest('tr')!;
    expect(usernameRow.textContent).toContain('On Infinity');
    expect(within(usernameRow).queryByRole('button')).toBeNull();

    const history = section('Sync history');
    const rows = within(history).getAllByRole('row');
    expect(rows).toHaveLength(st.history.length + 1);
    expect(rows[1]!.textContent).toContain('Push');
    expect(rows[1]!.textContent).toContain('Conflicts');
    expect(rows[1]!.textContent).toContain('admin as vmr-sync');
    expect(unlabelled()).toEqual([]);
  });

  it('shows the history’s changes behind a disclosure button', async () => {
    const { user } = await connectedPage();
    const history = section('Sync history');
    const more = within(history).getByRole('button', { name: '4 changes' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    const list = document.getElementById(more.getAttribute('aria-controls')!)!;
    expect(list.hidden).toBe(true);
    await user.click(more);
    expect(more.getAttribute('aria-expanded')).toBe('true');
    expect(list.hidden).toBe(false);
    expect(list.textContent).toContain('Integration Oslo: created');
    expect(list.textContent).toContain('Personal VMR Ola Nordmann: created');
  });
});

describe('Pexip Infinity: the connection', () => {
  it('Test shows the account and version, sending what the form holds', async () => {
    const { user } = renderPage();
    await user.type(await screen.findByLabelText(/Management Node URL/), 'https://mgr.example.com');
    await user.type(screen.getByLabelText(/^Username\s*\*?$/), 'vmr-sync');
    await user.type(screen.getByLabelText('Password'), 'golden-s3cret');
    await user.click(button('Test'));
    const ok = await screen.findByTestId('probe');
    expect(ok.textContent).toContain('Signed in to Infinity as vmr-sync.');
    expect(ok.textContent).toContain('Infinity version 36.1.');
    expect(fake.callsOf('Infinity.Test').map((c) => c.args)).toEqual([
      [{ url: 'https://mgr.example.com', auth: 'basic', username: 'vmr-sync' }, 'golden-s3cret'],
    ]);
  });

  it('Test shows each field’s error beside it and focuses the first', async () => {
    fake.infinity.answer('Test', 'infinity test no url', 'infinity test bad key');
    const { user } = renderPage();
    await screen.findByLabelText(/Management Node URL/);
    await user.click(button('Test'));
    const url = screen.getByLabelText(/Management Node URL/);
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(document.activeElement).toBe(url);
    const urlError = document.getElementById('inf-url-error')!;
    expect(url.getAttribute('aria-describedby')).toContain('inf-url-error');
    expect(urlError.textContent).toContain('must be an https:// URL');
    expect(screen.getByRole('alert').textContent).toContain('Fix 1 field to go on.');

    // Typing in the field clears its error; OAuth2 asks for a client id and a key.
    await user.type(url, 'https://mgr.example.com');
    expect(url.getAttribute('aria-invalid')).toBeNull();
    await user.click(screen.getByLabelText('OAuth2 client with a private key'));
    expect(screen.queryByLabelText(/^Username\s*\*?$/)).toBeNull();
    await user.type(screen.getByLabelText(/Client ID/), 'vmr-companion');
    const key = screen.getByLabelText('Private key (PEM)');
    expect(key.tagName).toBe('TEXTAREA');
    await user.type(key, 'not a key');
    await user.click(button('Test'));
    await waitFor(() => expect(key.getAttribute('aria-invalid')).toBe('true'));
    expect(document.activeElement).toBe(key);
    expect(document.getElementById('inf-secret-error')!.textContent).toContain('private key is not PEM');
    expect(fake.callsOf('Infinity.Test')[1]!.args).toEqual([{ url: 'https://mgr.example.com', auth: 'oauth2', client_id: 'vmr-companion' }, 'not a key']);
  });

  it('Test explains a refused password above the form', async () => {
    fake.infinity.answer('Test', 'infinity test bad password');
    const { user } = renderPage();
    await user.type(await screen.findByLabelText(/Management Node URL/), 'https://mgr.example.com');
    await user.click(button('Test'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The connection did not work.');
    expect(alert.textContent).toContain('did not accept the credentials of vmr-sync: wrong username or password');
  });

  it('chooses a CA file through the dialog and connects, after which the password field is empty', async () => {
    const { user } = renderPage();
    await user.type(await screen.findByLabelText(/Management Node URL/), 'https://mgr.example.com');
    await user.type(screen.getByLabelText(/^Username\s*\*?$/), 'vmr-sync');
    await user.type(screen.getByLabelText('Password'), 'golden-s3cret');
    await user.click(button(/Choose/));
    await waitFor(() => expect((screen.getByLabelText(/CA certificate/) as HTMLInputElement).value).toBe('/home/admin/infinity-ca.pem'));
    await user.click(button('Connect'));
    expect(await screen.findByTestId('account')).toBeTruthy();
    expect(fake.callsOf('Infinity.Connect')[0]!.args).toEqual([
      { url: 'https://mgr.example.com', auth: 'basic', username: 'vmr-sync', ca_file: '/home/admin/infinity-ca.pem' },
      'golden-s3cret',
    ]);
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect(toasts.map((t) => t.text)).toContain('Connected to Pexip Infinity as vmr-sync');
    expect((button('Pull') as HTMLButtonElement).disabled).toBe(false);
  });

  it('disconnects only after confirming', async () => {
    const { user } = await connectedPage();
    await user.click(button('Disconnect'));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('stay here');
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    expect(await screen.findByTestId('not-connected')).toBeTruthy();
    expect(fake.callsOf('Infinity.Disconnect')).toHaveLength(1);
  });
});

describe('Pexip Infinity: pull and push', () => {
  it('shows a pull’s progress, lets it be cancelled, and says nothing was written', async () => {
    const { user } = await connectedPage();
    fake.infinity.outcome = 'wait';
    await user.click(button('Pull'));
    await waitFor(() => expect(fake.infinity.waiting).toBe(true));
    // The last recorded event: writing 4 of 4.
    await waitFor(() => expect(screen.getByTestId('progress').textContent).toBe('Writing 4 of 4'));
    const cancel = button('Cancel');
    expect(document.activeElement).toBe(cancel);
    expect((button('Push') as HTMLButtonElement).disabled).toBe(true);
    await user.click(cancel);
    const outcome = await screen.findByTestId('outcome');
    expect(outcome.textContent).toContain('Pull cancelled: nothing was written.');
    expect(fake.callsOf('Infinity.Cancel')).toHaveLength(1);
    await waitFor(() => expect(document.activeElement).toBe(outcome));
    // The page stops listening once the pull ends.
    expect(fake.listenerCount(EVENT_INFINITY_PROGRESS)).toBe(0);
  });

  it('formats large counts in the window’s language', async () => {
    const { user } = await connectedPage();
    fake.infinity.outcome = 'wait';
    await user.click(button('Pull'));
    await waitFor(() => expect(fake.infinity.waiting).toBe(true));
    fake.emit(EVENT_INFINITY_PROGRESS, { action: 'pull', phase: 'reading', done: 120, total: 5055 });
    await waitFor(() => expect(screen.getByTestId('progress').textContent).toBe('Reading 120 of 5,055'));
    fake.infinity.finish();
    expect((await screen.findByTestId('outcome')).textContent).toContain('Pull finished.');
  });

  it('sums up a pull', async () => {
    const { user } = await connectedPage();
    await user.click(button('Pull'));
    const outcome = await screen.findByTestId('outcome');
    expect(outcome.textContent).toContain('Created 4 · updated 0 · deleted 0 · taken from Infinity 0 · conflicts 0 · failed 0.');
  });

  it('names each conflict a push met', async () => {
    const { user } = await connectedPage();
    await user.click(button('Push'));
    const outcome = await screen.findByTestId('outcome');
    expect(outcome.textContent).toContain('1 conflict (that object was not written)');
    expect(outcome.textContent).toContain('integration Oslo: field description: here “Oslo office, 3rd floor”, on Infinity “Oslo HQ”');
    expect(fake.callsOf('Infinity.Push').map((c) => c.args)).toEqual([[false]]);
  });

  it('sends secrets only after the user confirms it', async () => {
    const { user } = await connectedPage();
    const box = screen.getByRole('checkbox', { name: 'Also send secrets' }) as HTMLInputElement;
    // Cancelling the question leaves it off.
    await user.click(box);
    let dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('passwords and client secrets');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(box.checked).toBe(false);
    expect(document.activeElement).toBe(box);

    await user.click(box);
    dialog = await screen.findByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Send secrets' }));
    await waitFor(() => expect(box.checked).toBe(true));
    fake.infinity.answer('Push', 'infinity push');
    await user.click(button('Push'));
    expect((await screen.findByTestId('outcome')).textContent).toContain('Push finished.');
    expect(fake.callsOf('Infinity.Push').map((c) => c.args)).toEqual([[true]]);

    // Unticking needs no question.
    await user.click(box);
    expect(box.checked).toBe(false);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});

describe('Pexip Infinity: resolving a conflict', () => {
  it('calls Resolve with the object, field and side, then shows the new differences', async () => {
    const { user } = await connectedPage();
    const diff = section('Differences');
    await within(diff).findByText('Kari Nordmann');
    await user.click(within(diff).getByRole('button', { name: 'Keep mine for description of Oslo' }));
    await waitFor(() => expect(within(diff).queryByText('Kari Nordmann')).toBeNull());
    expect(fake.callsOf('Infinity.Resolve').map((c) => c.args)).toEqual([['integration', 'Oslo', 'description', 'here']]);
    expect(within(diff).queryByRole('button', { name: /Keep mine/ })).toBeNull();
    expect(diff.textContent).toContain('0 conflicts');
    expect(screen.getByTestId('conflicts').textContent?.trim()).toBe('0');
    await waitFor(() => expect(document.activeElement?.id).toBe('inf-diff-title'));
    expect(toasts.map((t) => t.text)).toContain('Kept the value here for description of Oslo: the next push sends it');
  });

  it('offers Take Infinity’s with its own arguments', async () => {
    const { user } = await connectedPage();
    const diff = section('Differences');
    await user.click(await within(diff).findByRole('button', { name: 'Take Infinity’s description of Oslo' }));
    await waitFor(() => expect(fake.callsOf('Infinity.Resolve')).toHaveLength(1));
    expect(fake.callsOf('Infinity.Resolve')[0]!.args).toEqual(['integration', 'Oslo', 'description', 'infinity']);
  });
});

describe('Pexip Infinity: what a Management Node sends', () => {
  it('shows markup in names and values as text, and an object Infinity holds that the store refused', async () => {
    fake.infinity.answer('Pull', 'infinity pull hostile');
    fake.infinity.answer('Diff', 'infinity diff hostile');
    const { user } = await connectedPage();
    const markup = '<img src=x onerror="window.__pwned=1">';
    const diff = section('Differences');
    await within(diff).findByText(markup);
    expect(within(diff).getByText('<script>window.__pwned=2</script>')).toBeTruthy();
    expect(within(diff).getAllByText('<b>bold</b>', { selector: 'td' })).toHaveLength(2);
    await user.click(button('Pull'));
    const outcome = await screen.findByTestId('outcome');
    expect(outcome.textContent).toContain('1 object failed');
    expect(outcome.textContent).toContain('the limit is 250');
    expect(document.querySelector('img, script, b')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});

describe('Pexip Infinity: a push that did not finish', () => {
  it('names each object Infinity refused, in the summary and in the status, as text', async () => {
    fake.infinity.seed();
    fake.infinity.answer('Push', 'infinity push refused');
    const { user } = renderPage();
    await screen.findByTestId('account');
    await user.click(button('Push'));
    const outcome = await screen.findByTestId('outcome');
    expect(outcome.textContent).toContain('1 object failed');
    expect(outcome.textContent).toContain('Infinity refused the conference');
    fake.infinity.statusScenario = 'infinity status unfinished';
    await user.click(button('Pull'));
    const unfinished = await screen.findByTestId('unfinished');
    expect(unfinished.textContent).toContain('A push stopped before finishing 1 object; push again to finish it');
    expect(unfinished.textContent).toContain('<img src=x onerror="window.__pwned=1">');
    expect(document.querySelector('img')).toBeNull();
  });

  it('lists what was deleted on Infinity but kept here, with how to settle it', async () => {
    fake.infinity.seed();
    fake.infinity.statusScenario = 'infinity status deleted there';
    renderPage();
    const kept = await screen.findByTestId('deleted-there');
    expect(kept.textContent).toContain('1 object was deleted on Infinity and is kept here');
    expect(kept.textContent).toContain("personal_vmr Kari's room");
    expect(kept.textContent).toContain('infinity resolve --vmr');
  });
});

describe('Pexip Infinity: texts', () => {
  it('has every inf.* text in English and German', () => {
    const keys = Object.keys(en).filter((k) => k.startsWith('inf.') || k === 'nav.infinity');
    expect(keys.length).toBeGreaterThan(100);
    for (const k of keys) {
      expect(de, k).toHaveProperty(k);
      expect((de as Record<string, string>)[k]!.trim(), k).not.toBe('');
    }
  });
});
