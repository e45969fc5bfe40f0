import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import VMRsPage from './VMRsPage.svelte';
import { fake } from '../../test/fakes/instance';
import { previewVMRs } from '../../test/fakes/vmrs';
import { toasts } from '../../lib/toasts.svelte';
import { unlabelled } from '../../test/dom';
import type { Conference, Problem } from '../../lib/types';
import { setLocale } from '../../lib/i18n';

function renderPage() {
  const user = userEvent.setup({ delay: null });
  const view = render(VMRsPage);
  return { ...view, user };
}

const rowOf = (name: string) => screen.getByRole('button', { name }).closest('tr')!;

describe('personal VMRs', () => {
  it('explains personal VMRs when there are none, and offers to create or import', async () => {
    renderPage();
    const empty = await screen.findByRole('region', { name: 'No personal VMRs yet' });
    expect(empty.textContent).toMatch(/belongs to one person/);
    expect(empty.textContent).toMatch(/same aliases/);
    expect(empty.textContent).toMatch(/Outlook add-in/);
    expect(within(empty).getByRole('button', { name: /New VMR/ })).toBeTruthy();
    expect(within(empty).getByRole('button', { name: /Import CSV/ })).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('lists name, owner, aliases, PINs masked until revealed, and guests', async () => {
    fake.vmrs.seed(previewVMRs);
    const { user } = renderPage();
    const table = await screen.findByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(previewVMRs.length + 1);
    const alex = rowOf('Alex Morgan’s room');
    expect(alex.textContent).toContain('alex.morgan@contoso.com');
    expect(alex.textContent).toContain('meet.alex@vc.contoso.com');
    expect(alex.textContent).toContain('8123456');
    expect(alex.textContent).toContain('Allowed');
    expect(rowOf('Board room').textContent).toContain('Not allowed');
    expect(rowOf('Support desk').textContent).toContain('No owner');
    expect(rowOf('Sales weekly').textContent).toContain('No PIN');

    // Masked: neither PIN is in the page, and screen readers hear "hidden".
    expect(alex.textContent).not.toContain('4821');
    expect(alex.textContent).not.toContain('7305');
    expect(within(alex).getAllByText('hidden')).toHaveLength(2);
    const reveal = within(alex).getByRole('button', { name: 'Show the PINs of Alex Morgan’s room' });
    expect(reveal.getAttribute('aria-pressed')).toBe('false');
    await user.click(reveal);
    expect(reveal.getAttribute('aria-pressed')).toBe('true');
    expect(alex.textContent).toContain('4821');
    expect(alex.textContent).toContain('7305');
    // Only that row.
    expect(rowOf('Board room').textContent).not.toContain('739104');
    await user.click(reveal);
    expect(alex.textContent).not.toContain('4821');
    expect(screen.getByText('5 VMRs')).toBeTruthy();
  });

  it('filters by owner with VMRService.List(owner)', async () => {
    fake.vmrs.seed(previewVMRs);
    const { user } = renderPage();
    await screen.findByRole('table');
    const owner = screen.getByLabelText('Owner');
    await user.selectOptions(owner, 'sam.lee@contoso.com');
    await waitFor(() => expect(fake.callsOf('VMR.List').at(-1)?.args).toEqual(['sam.lee@contoso.com']));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(3));
    expect(screen.getByText('2 of 5 shown')).toBeTruthy();
    await user.selectOptions(owner, 'Without an owner');
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2));
    expect(rowOf('Support desk')).toBeTruthy();
  });

  it('creates a VMR, showing the backend’s field errors beside their fields', async () => {
    fake.vmrs.seed([previewVMRs[1]!]);
    fake.vmrs.answer('Create', 'vmr create invalid', 'vmr create Priya');
    const { user } = renderPage();
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: /New VMR/ }));
    const dialog = await screen.findByRole('dialog', { name: 'New personal VMR' });
    const name = within(dialog).getByLabelText(/^Name/);
    expect(document.activeElement).toBe(name);
    await user.type(name, 'Board room');
    await user.type(within(dialog).getByLabelText(/^Aliases/), 'meet.priya@vc.fabrikam.com{Enter}bad alias');
    await user.type(within(dialog).getByLabelText('PIN'), '12');
    await user.type(within(dialog).getByLabelText(/Owner/), 'not-an-address');
    await user.click(within(dialog).getByRole('button', { name: /Create/ }));

    await waitFor(() => expect(fake.callsOf('VMR.Create')).toHaveLength(1));
    const expectBeside = (id: string, text: RegExp) => {
      const input = document.getElementById(id)!;
      const message = document.getElementById(`${id}-error`)!;
      expect(message.textContent).toMatch(text);
      expect(input.getAttribute('aria-invalid')).toBe('true');
      expect(input.getAttribute('aria-describedby')).toContain(`${id}-error`);
      // Beside its field: in the same field block, right after the control.
      expect(message.closest('.field')).toBe(input.closest('.field'));
    };
    await waitFor(() => expectBeside('vf-name', /already exists/));
    expectBeside('vf-aliases', /may not contain spaces/);
    expectBeside('vf-pin', /4 to 20 digits/);
    expectBeside('vf-primary_owner_email_address', /not an email address/);
    expect(within(dialog).getByRole('alert').textContent).toContain('Fix 4 fields to save.');
    expect(document.activeElement?.id).toBe('vf-name');
    expect(fake.vmrs.items.size).toBe(1);

    // Fixed, it saves.
    await user.clear(name);
    await user.type(name, 'Priya’s room');
    const aliases = within(dialog).getByLabelText(/^Aliases/);
    await user.clear(aliases);
    await user.type(aliases, 'meet.priya@vc.fabrikam.com{Enter}8100200');
    const pin = within(dialog).getByLabelText('PIN');
    await user.clear(pin);
    await user.type(pin, '2468');
    const owner = within(dialog).getByLabelText(/Owner/);
    await user.clear(owner);
    await user.type(owner, 'Priya.Shah@fabrikam.com');
    await user.click(within(dialog).getByRole('switch', { name: 'Allow guests' }));
    await user.click(within(dialog).getByRole('button', { name: /Create/ }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const sent = fake.callsOf('VMR.Create').at(-1)!.args[0] as Conference;
    expect(sent).toMatchObject({
      id: 0,
      name: 'Priya’s room',
      aliases: [
        { alias: 'meet.priya@vc.fabrikam.com', description: '' },
        { alias: '8100200', description: '' },
      ],
      pin: '2468',
      guest_pin: '',
      allow_guests: true,
      primary_owner_email_address: 'Priya.Shah@fabrikam.com',
    });
    expect(await screen.findByRole('button', { name: 'Priya’s room' })).toBeTruthy();
    expect(rowOf('Priya’s room').textContent).toContain('priya.shah@fabrikam.com');
    expect(toasts.map((t) => t.text)).toContain('Created “Priya’s room”');
  });

  it('labels every control of the list and the form', async () => {
    fake.vmrs.seed(previewVMRs);
    const { user } = renderPage();
    await screen.findByRole('table');
    expect(unlabelled()).toEqual([]);
    await user.click(screen.getByRole('button', { name: /New VMR/ }));
    const dialog = await screen.findByRole('dialog');
    expect(unlabelled(dialog)).toEqual([]);
  });

  it('keeps the PINs hidden in the form until asked', async () => {
    const { user } = renderPage();
    const empty = await screen.findByRole('region', { name: 'No personal VMRs yet' });
    await user.click(within(empty).getByRole('button', { name: /New VMR/ }));
    const dialog = await screen.findByRole('dialog');
    const pin = within(dialog).getByLabelText('PIN') as HTMLInputElement;
    expect(pin.type).toBe('password');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Show PINs' }));
    expect(pin.type).toBe('text');
    expect((within(dialog).getByLabelText('Guest PIN') as HTMLInputElement).type).toBe('text');
  });

  it('edits a VMR, keeping its id and alias descriptions', async () => {
    fake.vmrs.seed([previewVMRs[0]!]);
    fake.vmrs.answer('Update', 'vmr update Alex description');
    const stored = [...fake.vmrs.items.values()][0]!;
    stored.aliases[0]!.description = 'SIP';
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Edit Alex Morgan’s room' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit “Alex Morgan’s room”' });
    expect((within(dialog).getByLabelText(/^Aliases/) as HTMLTextAreaElement).value).toBe(
      'meet.alex@vc.contoso.com\nalex.morgan@vc.contoso.com\n8123456',
    );
    const description = within(dialog).getByLabelText('Description');
    await user.clear(description);
    await user.type(description, 'Alex’s own room');
    await user.click(within(dialog).getByRole('button', { name: /Save/ }));
    await waitFor(() => expect(fake.callsOf('VMR.Update')).toHaveLength(1));
    const sent = fake.callsOf('VMR.Update')[0]!.args[0] as Conference;
    expect(sent.id).toBe(stored.id);
    expect(sent.description).toBe('Alex’s own room');
    expect(sent.aliases[0]).toEqual({ alias: 'meet.alex@vc.contoso.com', description: 'SIP' });
    expect(sent.pin).toBe('4821');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByText('Alex’s own room')).toBeTruthy();
  });

  it('asks before deleting', async () => {
    fake.vmrs.seed(previewVMRs.slice(0, 2));
    const board = [...fake.vmrs.items.values()].find((c) => c.name === 'Board room')!;
    const { user } = renderPage();
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: 'Delete Board room' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete “Board room”?' });
    expect(dialog.textContent).toMatch(/aliases are removed/);
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(cancel);
    await user.click(cancel);
    expect(fake.callsOf('VMR.Delete')).toHaveLength(0);
    expect(fake.vmrs.items.size).toBe(2);

    await user.click(screen.getByRole('button', { name: 'Delete Board room' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(fake.callsOf('VMR.Delete')[0]?.args).toEqual([board.id]));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Board room' })).toBeNull());
    expect(toasts.map((t) => t.text)).toContain('Deleted “Board room”');
  });

  it('imports a CSV file: explains the columns, then lists what was created or why nothing was', async () => {
    fake.vmrs.answer('ImportCSVFile', 'vmr import csv', 'vmr import csv again', 'vmr import cancelled');
    const { user } = renderPage();
    await user.click(within(await screen.findByRole('region', { name: 'No personal VMRs yet' })).getByRole('button', { name: /Import CSV/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Import VMRs from CSV' });
    for (const col of ['name', 'description', 'aliases', 'pin', 'guest_pin', 'allow_guests', 'primary_owner_email_address']) {
      expect(within(dialog).getByRole('rowheader', { name: col })).toBeTruthy();
    }
    expect(dialog.textContent).toMatch(/Separate several with “;” or spaces/);

    await user.click(within(dialog).getByRole('button', { name: /Choose CSV file/ }));
    expect(await within(dialog).findByText('Imported 2 VMRs')).toBeTruthy();
    expect(dialog.textContent).toContain('From /home/admin/Documents/personal-vmrs.csv');
    expect(dialog.textContent).toContain("Jordan Lee's room");
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Personal VMRs' })).getAllByRole('row')).toHaveLength(3));

    // The same file again: every row clashes, nothing is imported.
    await user.click(within(dialog).getByRole('button', { name: /Choose CSV file/ }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('Nothing was imported');
    expect(alert.textContent).toContain('line 2, name: a conference named');
    expect(alert.textContent).toContain('line 3, aliases:');
    expect(within(dialog).queryByText('Imported 2 VMRs')).toBeNull();
    expect(fake.vmrs.items.size).toBe(2);

    // A cancelled file dialog changes nothing.
    await user.click(within(dialog).getByRole('button', { name: /Choose CSV file/ }));
    await waitFor(() => expect(fake.callsOf('VMR.ImportCSVFile')).toHaveLength(3));
    expect(within(dialog).getByRole('alert')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('personal VMRs: language', () => {
  afterEach(() => {
    setLocale('en');
    vi.restoreAllMocks();
  });

  it('shows the backend’s coded field errors in German, and an unknown code’s English message', async () => {
    setLocale('de');
    fake.vmrs.seed([previewVMRs[1]!]);
    const { user } = renderPage();
    await screen.findByRole('table');
    // What app/desktop.FormatError sends for a conference.ValidationError.
    vi.spyOn(fake.vmrs, 'create').mockImplementation(() => {
      throw {
        code: 'invalid',
        message: 'Some fields need attention.',
        fields: { guest_pin: 'the guest PIN must have as many digits as the host PIN (6)', pin: 'odd' },
        field_errors: {
          guest_pin: { code: 'guest_pin_length', params: { digits: '6' }, message: 'the guest PIN must have as many digits as the host PIN (6)' },
          pin: { code: 'a_code_from_a_newer_backend', message: 'odd' },
        },
      } satisfies Problem;
    });
    await user.click(screen.getByRole('button', { name: /Neuer VMR/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Neuer persönlicher VMR' });
    await user.type(within(dialog).getAllByRole('textbox')[0]!, 'Raum');
    await user.click(within(dialog).getByRole('button', { name: /Anlegen/ }));
    await waitFor(() => expect(document.getElementById('vf-guest_pin-error')?.textContent).toContain('Die Gast-PIN muss so viele Ziffern haben wie die Host-PIN (6).'));
    expect(document.getElementById('vf-pin-error')?.textContent).toContain('Odd');
  });
});
