import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import IntegrationsPage from './IntegrationsPage.svelte';
import { fake, } from '../../test/fakes/instance';
import { previewSamples } from '../../test/fakes/backend';
import { golden } from '../../test/fakes/golden';
import { toasts } from '../../lib/toasts.svelte';

function renderPage() {
  const onnew = vi.fn();
  const onedit = vi.fn();
  const onloaded = vi.fn();
  const user = userEvent.setup({ delay: null });
  const view = render(IntegrationsPage, { props: { onnew, onedit, onloaded } });
  return { ...view, user, onnew, onedit, onloaded };
}

describe('integrations list', () => {
  it('explains integrations on first run and offers to create or import one', async () => {
    const { onnew, onloaded, user } = renderPage();
    const empty = await screen.findByRole('region', { name: 'No integrations yet' });
    expect(empty.textContent).toMatch(/one Exchange deployment/);
    expect(empty.textContent).toMatch(/room mailbox/);
    expect(empty.textContent).toMatch(/signs in/);
    expect(empty.textContent).toMatch(/add-in looks/);
    expect(onloaded).toHaveBeenCalledTimes(1);
    expect(within(empty).getByRole('button', { name: 'Import…' })).toBeTruthy();
    // The toolbar does not repeat the empty state's buttons, and there is no table.
    expect(screen.getAllByRole('button', { name: /New integration/ })).toHaveLength(1);
    expect(screen.queryByRole('table')).toBeNull();
    await user.click(within(empty).getByRole('button', { name: /New integration/ }));
    expect(onnew).toHaveBeenCalledTimes(1);
  });

  it('opens the new-integration form with Ctrl+N', async () => {
    const { onnew, user } = renderPage();
    await screen.findByRole('region', { name: 'No integrations yet' });
    await user.keyboard('{Control>}n{/Control}');
    expect(onnew).toHaveBeenCalledTimes(1);
  });

  it('lists integrations with host, mailbox, sign-in and VMR kinds', async () => {
    fake.seed(previewSamples);
    const { onedit, user } = renderPage();
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    const contoso = rows.find((r) => r.textContent?.includes('Contoso HQ'))!;
    expect(contoso.textContent).toContain('mail.contoso.com');
    expect(contoso.textContent).toContain('vmr@contoso.com');
    expect(contoso.textContent).toContain('NTLM');
    expect(contoso.textContent).toContain('Single-use');
    expect(contoso.textContent).not.toContain('Personal');
    const northwind = rows.find((r) => r.textContent?.includes('Northwind'))!;
    expect(northwind.textContent).toContain('Personal');
    expect(northwind.textContent).not.toContain('Single-use');
    expect(screen.getByText('4 integrations')).toBeTruthy();

    await user.click(within(contoso).getByRole('button', { name: 'Edit Contoso HQ' }));
    const uuid = fake.list().find((s) => s.name === 'Contoso HQ')!.uuid;
    expect(onedit).toHaveBeenCalledWith(uuid);

    await user.type(screen.getByRole('searchbox', { name: 'Filter integrations' }), 'fabrikam');
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(screen.getByText('1 of 4 shown')).toBeTruthy();
  });

  it('asks before deleting, naming the integration and its keychain secrets', async () => {
    fake.seed(['Contoso', 'Fabrikam']);
    const { user } = renderPage();
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: 'Delete Contoso' }));

    const dialog = await screen.findByRole('alertdialog', { name: 'Delete “Contoso”?' });
    expect(dialog.textContent).toMatch(/keychain/);
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(cancel);

    // Cancel keeps it.
    await user.click(cancel);
    expect(fake.callsOf('Delete')).toHaveLength(0);
    expect(screen.queryByRole('alertdialog')).toBeNull();

    // Confirming deletes it.
    const uuid = fake.list()[0]!.uuid;
    await user.click(screen.getByRole('button', { name: 'Delete Contoso' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(fake.callsOf('Delete')).toHaveLength(1));
    expect(fake.callsOf('Delete')[0]!.args).toEqual([uuid]);
    await waitFor(() => expect(screen.queryByText('Contoso')).toBeNull());
    expect(screen.getByText('Fabrikam')).toBeTruthy();
    expect(toasts.map((t) => t.text)).toContain('Deleted “Contoso”');
  });

  it('exports one or all', async () => {
    fake.seed(['Contoso']);
    const { user } = renderPage();
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: 'Export Contoso' }));
    await waitFor(() => expect(fake.callsOf('ExportFile')).toHaveLength(1));
    expect(fake.callsOf('ExportFile')[0]!.args).toEqual([[fake.list()[0]!.uuid]]);
    await user.click(screen.getByRole('button', { name: /Export all/ }));
    await waitFor(() => expect(fake.callsOf('ExportFile')).toHaveLength(2));
    expect(fake.callsOf('ExportFile')[1]!.args).toEqual([[]]);
    await waitFor(() => expect(toasts.map((t) => t.text)).toContain(`Exported to ${fake.exportPath}`));
  });

  it('imports pasted JSON and reports problems without importing', async () => {
    const refused = golden('integration import nameless');
    const imported = golden('integration import Contoso legacy');
    fake.answer('ImportText', refused.scenario, imported.scenario);
    const { user } = renderPage();
    const empty = await screen.findByRole('region', { name: 'No integrations yet' });
    await user.click(within(empty).getByRole('button', { name: 'Import…' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Paste JSON…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import integrations' });
    const box = within(dialog).getByLabelText('Integration JSON');
    expect(document.activeElement).toBe(box);

    // A nameless object is refused, with the reason per object.
    await user.click(box);
    await user.paste(String(refused.args![0]));
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/Object 0[\s\S]*name/);
    expect(fake.items.size).toBe(0);

    await user.clear(box);
    await user.paste(String(imported.args![0]));
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    // Imported with notes: the report names it and the ignored field.
    const report = await screen.findByRole('dialog', { name: 'Imported 1 integration' });
    expect(report.textContent).toContain('Contoso');
    expect(report.textContent).toContain('legacy');
    expect(fake.items.size).toBe(1);
    await user.click(within(report).getByRole('button', { name: 'OK' }));
    expect(await screen.findByRole('table')).toBeTruthy();
  });
});
