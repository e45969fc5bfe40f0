import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import IntegrationForm from './IntegrationForm.svelte';
import { fake } from '../../test/fakes/instance';
import { preload } from '../../lib/session';
import { toasts } from '../../lib/toasts.svelte';
import { describe as name, tabSequence } from '../../test/dom';

/**
 * The keyboard path of a new integration with the defaults (BASIC,
 * single-use VMRs on, personal VMRs off). The desktop smoke test
 * (scripts/desktop-smoke-session.sh) types along exactly this path.
 */
const KEYBOARD_PATH = [
  '#f-name',
  '#f-description',
  '#f-url',
  '#f-room_mailbox_email_address',
  '#f-room_mailbox_name',
  '#f-domains',
  '#f-disable_proxy',
  '#f-ews_ca_file',
  '#f-authentication_method',
  '#f-username',
  '#f-password',
];

async function openNew() {
  const onleave = vi.fn();
  const user = userEvent.setup({ delay: null });
  const view = render(IntegrationForm, { props: { uuid: null, onleave } });
  const nameBox = await screen.findByRole('textbox', { name: /^Name/ });
  return { ...view, user, onleave, nameBox };
}

describe('new integration form', () => {
  it('focuses the Name box at once when the schema was preloaded', async () => {
    await preload();
    render(IntegrationForm, { props: { uuid: null, onleave: vi.fn() } });
    // No waiting: the form is there and focused right after mounting.
    expect(document.activeElement?.id).toBe('f-name');
  });

  it('focuses the Name box once loaded otherwise', async () => {
    await openNew();
    await waitFor(() => expect(document.activeElement?.id).toBe('f-name'));
  });

  it('has the pinned tab order from Name, with nothing in between', async () => {
    await openNew();
    const sequence = tabSequence().map(name);
    const start = sequence.indexOf('#f-name');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(sequence.slice(start, start + KEYBOARD_PATH.length)).toEqual(KEYBOARD_PATH);
    // After the password come the next fields, not buttons or links.
    expect(sequence[start + KEYBOARD_PATH.length]).toBe('#f-enable_dynamic_vmrs');
    // Everything that is not a field (header, section index, summary) comes before Name.
    for (const el of tabSequence().slice(start)) expect(el.id, name(el)).toMatch(/^f-/);
  });

  it('moves along the same path with the Tab key', async () => {
    const { user } = await openNew();
    await waitFor(() => expect(document.activeElement?.id).toBe('f-name'));
    const visited = [name(document.activeElement)];
    for (let i = 1; i < KEYBOARD_PATH.length; i++) {
      await user.tab();
      visited.push(name(document.activeElement));
    }
    expect(visited).toEqual(KEYBOARD_PATH);
  });

  it('labels every control', async () => {
    await openNew();
    for (const el of tabSequence()) {
      const labelled =
        el.getAttribute('aria-label') ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) ||
        el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent?.trim() : '');
      expect(labelled, name(el)).toBeTruthy();
    }
  });

  it('creates an integration, sending secrets apart from the values', async () => {
    const { user, nameBox } = await openNew();
    await user.type(nameBox, 'Contoso');
    await user.type(screen.getByLabelText('EWS URL'), 'https://mail.contoso.com/EWS/Exchange.asmx');
    await user.type(screen.getByLabelText('Room mailbox email address'), 'vmr@contoso.com');
    await user.type(screen.getByLabelText('Exchange domains'), 'mail.contoso.com');
    await user.type(screen.getByLabelText('Service account username'), 'svc-vmr');
    await user.type(screen.getByLabelText('Service account password'), 'S3cret!pw');
    await user.keyboard('{Control>}s{/Control}');

    await waitFor(() => expect(fake.callsOf('Create')).toHaveLength(1));
    const [values, secrets] = fake.callsOf('Create')[0]!.args as [Record<string, unknown>, Record<string, string>];
    expect(values).toMatchObject({
      name: 'Contoso',
      url: 'https://mail.contoso.com/EWS/Exchange.asmx',
      room_mailbox_email_address: 'vmr@contoso.com',
      domains: ['mail.contoso.com'],
      username: 'svc-vmr',
      authentication_method: 'BASIC',
      enable_dynamic_vmrs: true,
    });
    expect(values).not.toHaveProperty('password');
    expect(JSON.stringify(values)).not.toContain('S3cret!pw');
    expect(secrets).toEqual({ password: 'S3cret!pw' });

    const [saved] = fake.list();
    expect(saved?.name).toBe('Contoso');

    // Stays on the form, now editing the stored integration.
    await screen.findByRole('heading', { level: 1, name: 'Contoso' });
    expect(toasts.map((t) => t.text)).toContain('Created “Contoso”');
    const password = screen.getByLabelText('Service account password') as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('Stored in the keychain');
    expect(screen.getByRole('button', { name: 'Remove the stored Service account password' })).toBeTruthy();
    expect(screen.getByText(saved!.uuid)).toBeTruthy();

    // A second save updates instead of creating.
    const description = document.getElementById('f-description')!;
    await user.clear(description);
    await user.type(description, 'HQ{Enter}');
    await waitFor(() => expect(fake.callsOf('Update')).toHaveLength(1));
    expect(fake.callsOf('Update')[0]!.args[0]).toBe(saved!.uuid);
    expect(fake.callsOf('Update')[0]!.args[2]).toEqual({});
  });

  it('shows a field error beside its field and in the summary', async () => {
    // Saving fails; the check that follows (for warnings) says the same.
    fake.answer('Create', 'integration create invalid mailbox');
    fake.answer('Check', 'integration check invalid mailbox');
    const { user, nameBox } = await openNew();
    await user.type(nameBox, 'Contoso');
    const mailbox = screen.getByLabelText('Room mailbox email address');
    await user.type(mailbox, 'not-an-address');
    await user.click(screen.getByRole('button', { name: /Save/ }));

    await waitFor(() => expect(mailbox.getAttribute('aria-invalid')).toBe('true'));
    const message = document.getElementById('f-room_mailbox_email_address-error');
    expect(message?.textContent).toContain('must be an email address');
    expect(mailbox.getAttribute('aria-describedby')).toContain('f-room_mailbox_email_address-error');
    // Beside its field: inside the same field block.
    expect(message?.closest('[data-field]')?.getAttribute('data-field')).toBe('room_mailbox_email_address');
    expect(fake.items.size).toBe(0);

    // The summary links to the field and focuses it.
    const summary = screen.getByRole('heading', { name: /Fix \d+ problems? to save/ }).parentElement!;
    const link = within(summary).getByRole('link', { name: /email address/ });
    await user.click(link);
    expect(document.activeElement).toBe(mailbox);
  });

  it('checks while typing, without saving', async () => {
    fake.answer('Check', 'integration check http url');
    const { user, nameBox } = await openNew();
    await user.type(nameBox, 'Contoso');
    await user.type(screen.getByLabelText('EWS URL'), 'http://mail.contoso.com/EWS/Exchange.asmx');
    await user.tab();
    await screen.findByText(/EWS URL must use https/, { selector: '#f-url-error span' });
    expect(fake.callsOf('Check').length).toBeGreaterThan(0);
    expect(fake.callsOf('Create')).toHaveLength(0);
  });

  it('shows warnings apart from errors', async () => {
    fake.answer('Check', 'integration check office365');
    const { user, nameBox } = await openNew();
    await user.type(nameBox, 'Contoso');
    await user.type(screen.getByLabelText('EWS URL'), 'https://outlook.office365.com/EWS/Exchange.asmx');
    await user.tab();
    const warning = await screen.findByText(/Office 365 no longer accepts BASIC/, { selector: '#f-authentication_method-warning p' });
    expect(warning.closest('.message')?.classList.contains('warning')).toBe(true);
    expect(screen.getByRole('heading', { name: /warnings?: you can save/ })).toBeTruthy();
    expect(screen.getByLabelText('Authentication method').getAttribute('aria-invalid')).toBeNull();
  });

  it('shows OAuth fields only for OAuth methods', async () => {
    const { user } = await openNew();
    expect(screen.queryByLabelText('OAuth client ID')).toBeNull();
    await user.selectOptions(screen.getByLabelText('Authentication method'), 'OAUTH');
    expect(screen.getByLabelText('OAuth client ID')).toBeTruthy();
    expect(screen.queryByLabelText('Kerberos realm')).toBeNull();
    await user.selectOptions(screen.getByLabelText('Authentication method'), 'KERBEROS');
    expect(screen.queryByLabelText('OAuth client ID')).toBeNull();
    expect(screen.getByLabelText('Kerberos realm')).toBeTruthy();
  });

  it('goes back with Escape, asking first when there are changes', async () => {
    const { user, nameBox, onleave } = await openNew();
    await user.keyboard('{Escape}');
    expect(onleave).toHaveBeenCalledTimes(1);

    await user.type(nameBox, 'Half done');
    await user.keyboard('{Escape}');
    const dialog = await screen.findByRole('alertdialog', { name: 'Discard unsaved changes?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Keep editing' }));
    await user.click(within(dialog).getByRole('button', { name: 'Keep editing' }));
    expect(onleave).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(onleave).toHaveBeenCalledTimes(2);
  });
});

describe('editing an integration', () => {
  it('shows identity as text, secret status, and removes a secret on request', async () => {
    fake.seed(['Contoso']);
    fake.answer('Update', 'integration update Contoso clear password');
    const [s] = fake.list();
    const user = userEvent.setup({ delay: null });
    render(IntegrationForm, { props: { uuid: s!.uuid, onleave: vi.fn() } });
    await screen.findByRole('heading', { level: 1, name: 'Contoso' });
    expect(screen.getByText(s!.uuid)).toBeTruthy();
    expect((screen.getByLabelText('Service account password') as HTMLInputElement).placeholder).toBe('Stored in the keychain');

    await user.click(screen.getByRole('button', { name: 'Remove the stored Service account password' }));
    expect((screen.getByLabelText('Service account password') as HTMLInputElement).placeholder).toBe('Removed when you save');
    await user.keyboard('{Control>}s{/Control}');
    await waitFor(() => expect(fake.callsOf('Update')).toHaveLength(1));
    expect(fake.callsOf('Update')[0]!.args[3]).toEqual(['password']);
    await waitFor(() => expect((screen.getByLabelText('Service account password') as HTMLInputElement).placeholder).toBe('Not set'));
  });

  it('says so when the integration is gone', async () => {
    render(IntegrationForm, { props: { uuid: 'no-such-uuid', onleave: vi.fn() } });
    expect((await screen.findByRole('alert')).textContent).toContain('no longer exists');
  });
});
