import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from './App.svelte';
import { fake } from '../test/fakes/instance';

/** Resolves after n animation frames: callbacks queued before have run. */
function frames(n: number): Promise<void> {
  return new Promise((resolve) => {
    const next = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(n);
  });
}

describe('the window', () => {
  it('has the navigation rail and tells the backend it is ready, once', async () => {
    render(App);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByText('VMR Companion')).toBeTruthy();
    expect(within(nav).getByRole('heading', { name: 'Admin' })).toBeTruthy();
    expect(within(nav).getByRole('heading', { name: 'For you' })).toBeTruthy();
    // With no integration to sign in to, the admin's first page comes first.
    await screen.findByRole('heading', { level: 1, name: 'Integrations' });
    expect(within(nav).getByRole('button', { name: 'Integrations' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('main')).toBeTruthy();
    await waitFor(() => expect(fake.readyCalls).toBe(1));
    // Once: loading the list again (what sent it the first time) sends
    // nothing more. The window sends Ready two animation frames after its
    // page loads, so waiting two frames after the page is back lets any
    // second call arrive first: an event to wait on, not a guessed delay.
    const user = userEvent.setup({ delay: null });
    await user.click(within(nav).getByRole('button', { name: 'Personal VMRs' }));
    await screen.findByRole('heading', { level: 1, name: 'Personal VMRs' });
    await user.click(within(nav).getByRole('button', { name: 'Integrations' }));
    await screen.findByRole('heading', { level: 1, name: 'Integrations' });
    await frames(2);
    expect(fake.readyCalls).toBe(1);
  });

  it('opens a new integration with Ctrl+N and types straight into Name', async () => {
    const user = userEvent.setup({ delay: null });
    render(App);
    await waitFor(() => expect(fake.readyCalls).toBe(1));
    await user.keyboard('{Control>}n{/Control}');
    expect(document.activeElement?.id).toBe('f-name');
    await user.keyboard('Smoke Contoso');
    expect((document.getElementById('f-name') as HTMLInputElement).value).toBe('Smoke Contoso');
    // Escape with changes asks first; discarding returns to the list.
    await user.keyboard('{Escape}');
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Integrations' })).toBeTruthy();
  });

  it('shows About, and a banner when the keychain is unavailable', async () => {
    fake.info.keychain_ok = false;
    fake.info.keychain_issue = 'no Secret Service on the session bus';
    const user = userEvent.setup({ delay: null });
    render(App);
    const banner = await screen.findByText(/Secrets can’t be saved/);
    expect(banner.closest('[role="alert"]')?.textContent).toContain('no Secret Service on the session bus');

    await user.click(screen.getByRole('button', { name: 'About' }));
    const about = await screen.findByRole('dialog', { name: 'About VMR Companion' });
    expect(about.textContent).toContain(fake.info.version);
    expect(about.textContent).toContain(fake.info.database_path);
    expect(about.textContent).toContain('Unavailable');
    await user.click(within(about).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('moves between the admin pages from the rail, asking before it drops unsaved changes', async () => {
    const user = userEvent.setup({ delay: null });
    render(App);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const items = within(nav).getAllByRole('button').map((b) => b.textContent?.trim());
    expect(items).toEqual(['My VMR', 'Upcoming meetings', 'Integrations', 'Add-in host', 'Scheduled conferences', 'Personal VMRs', 'Pexip Infinity', 'About']);
    await screen.findByRole('heading', { level: 1, name: 'Integrations' });

    await user.click(within(nav).getByRole('button', { name: 'Pexip Infinity' }));
    const infinityHeading = await screen.findByRole('heading', { level: 1, name: 'Pexip Infinity' });
    expect(document.activeElement).toBe(infinityHeading);
    expect(within(nav).getByRole('button', { name: 'Pexip Infinity' }).getAttribute('aria-current')).toBe('page');

    await user.click(within(nav).getByRole('button', { name: 'Add-in host' }));
    const hostHeading = await screen.findByRole('heading', { level: 1, name: 'Add-in host' });
    expect(document.activeElement).toBe(hostHeading);
    expect(within(nav).getByRole('button', { name: 'Add-in host' }).getAttribute('aria-current')).toBe('page');
    expect(within(nav).getByRole('button', { name: 'Integrations' }).getAttribute('aria-current')).toBeNull();

    await user.click(within(nav).getByRole('button', { name: 'Personal VMRs' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Personal VMRs' })).toBeTruthy();
    // Leaving the host page stopped listening to its requests.
    expect(fake.listenerCount('addinhost:request')).toBe(0);

    // From a form with changes, the rail asks first.
    await user.click(within(nav).getByRole('button', { name: 'Integrations' }));
    await screen.findByRole('heading', { level: 1, name: 'Integrations' });
    await user.keyboard('{Control>}n{/Control}');
    await user.keyboard('Draft');
    await user.click(within(nav).getByRole('button', { name: 'Personal VMRs' }));
    const ask = await screen.findByRole('alertdialog');
    await user.click(within(ask).getByRole('button', { name: 'Keep editing' }));
    expect(screen.getByRole('heading', { level: 1, name: 'New integration' })).toBeTruthy();
    await user.click(within(nav).getByRole('button', { name: 'Personal VMRs' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Personal VMRs' })).toBeTruthy();
  });

  it('opens Scheduled conferences from the rail, and leaves it without its refresh timer running', async () => {
    fake.scheduler.seed();
    const user = userEvent.setup({ delay: null });
    render(App);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    await screen.findByRole('heading', { level: 1, name: 'Integrations' });
    const setIntervalSpy = vi.spyOn(window, 'setInterval');
    const clearIntervalSpy = vi.spyOn(window, 'clearInterval');

    await user.click(within(nav).getByRole('button', { name: 'Scheduled conferences' }));
    const heading = await screen.findByRole('heading', { level: 1, name: 'Scheduled conferences' });
    expect(document.activeElement).toBe(heading);
    expect(within(nav).getByRole('button', { name: 'Scheduled conferences' }).getAttribute('aria-current')).toBe('page');
    expect(await screen.findByRole('region', { name: 'Contoso HQ' })).toBeTruthy();
    const timer = setIntervalSpy.mock.results.find((r, i) => setIntervalSpy.mock.calls[i]![1] === 10_000)?.value as unknown;
    expect(timer).toBeDefined();

    await user.click(within(nav).getByRole('button', { name: 'Personal VMRs' }));
    await screen.findByRole('heading', { level: 1, name: 'Personal VMRs' });
    expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
  });

  it('lands a signed-in user on My VMR, with Upcoming meetings one click away', async () => {
    fake.user.seed();
    const user = userEvent.setup({ delay: null });
    render(App);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(await screen.findByRole('heading', { level: 1, name: 'My VMR' })).toBeTruthy();
    expect(within(nav).getByRole('button', { name: 'My VMR' }).getAttribute('aria-current')).toBe('page');
    expect(await screen.findByRole('region', { name: 'Alex Morgan’s room' })).toBeTruthy();
    await waitFor(() => expect(fake.readyCalls).toBe(1));
    expect(fake.callsOf('List')).toHaveLength(0);

    await user.click(within(nav).getByRole('button', { name: 'Upcoming meetings' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Upcoming meetings' })).toBeTruthy();
    expect(within(nav).getByRole('button', { name: 'Upcoming meetings' }).getAttribute('aria-current')).toBe('page');
    // Admin pages stay in the rail.
    await user.click(within(nav).getByRole('button', { name: 'Integrations' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Integrations' })).toBeTruthy();
  });

  it('lands someone who can sign in on the sign-in card of My VMR', async () => {
    fake.user.seed();
    fake.user.signedIn = false;
    render(App);
    expect(await screen.findByRole('heading', { level: 1, name: 'My VMR' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Sign in' })).toBeTruthy();
    await waitFor(() => expect(fake.readyCalls).toBe(1));
  });
});
