import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import CertificatePanel from './CertificatePanel.svelte';
import { fake } from '../../test/fakes/instance';

function renderPanel() {
  const user = userEvent.setup({ delay: null });
  const view = render(CertificatePanel);
  return { ...view, user };
}

const card = () => screen.findByRole('region', { name: 'Local certificate authority' });

describe('certificate panel: where the key is', () => {
  it.each([
    ['locked', 'Why: the keychain is locked.', 'Unlock the keychain'],
    ['timed_out', 'Why: the keychain did not answer in time', 'Unlock the keychain'],
    ['no_keychain', 'Why: no keychain is available on this computer.', 'Start a keychain'],
  ] as const)('says why the key is in a file when the keychain is %s, and what to do', async (state, why, todo) => {
    fake.host.keyInFile(state);
    renderPanel();
    const title = await screen.findByText('The private key is in a file, not in the keychain.');
    const bar = title.closest('.message-bar')!;
    expect(bar.textContent).toContain(why);
    expect(bar.textContent).toContain(todo);
    expect(bar.textContent).toContain('/home/admin/.local/share/vmr-companion/ca-key.pem');
  });

  it('says when an older CA was replaced', async () => {
    fake.host.cert.replaced = 'VMR Companion replaced the local CA VMR Companion local CA 0123abcd with a new one because it is not limited to server authentication.';
    renderPanel();
    const title = await within(await card()).findByText('The local CA was replaced.');
    expect(title.closest('.message-bar')?.textContent).toContain('not limited to server authentication');
  });
});

describe('certificate panel: uninstall', () => {
  it('offers Uninstall for a CA only the system store trusts, and says what to run there', async () => {
    fake.host.systemInstalled();
    const { user } = renderPanel();
    const c = await card();
    await user.click(await within(c).findByRole('button', { name: 'Uninstall' }));
    const alert = await within(c).findByRole('alert');
    expect(alert.textContent).toContain('sudo vmr-companion cert uninstall --system');
    expect(fake.callsOf('UninstallCertificate')).toHaveLength(1);
  });

  it('offers to delete the CA after uninstalling, and keeps it when declined', async () => {
    fake.host.cert.stores[1]!.installed = true;
    const { user } = renderPanel();
    const c = await card();
    await user.click(await within(c).findByRole('button', { name: 'Uninstall' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Also delete the local CA?' });
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(fake.callsOf('DeleteCertificateAuthority')).toHaveLength(0);
    expect(within(c).getByText('VMR Companion local CA 3f9a61c2')).toBeTruthy();
  });

  it('deletes the CA when the offer is confirmed', async () => {
    fake.host.cert.stores[1]!.installed = true;
    const { user } = renderPanel();
    const c = await card();
    await user.click(await within(c).findByRole('button', { name: 'Uninstall' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Also delete the local CA?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete CA' }));
    expect(await within(c).findByText(/The local CA was deleted\./)).toBeTruthy();
    expect(fake.callsOf('DeleteCertificateAuthority')).toHaveLength(1);
  });
});
