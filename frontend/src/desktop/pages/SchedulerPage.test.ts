import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import SchedulerPage from './SchedulerPage.svelte';
import { fake } from '../../test/fakes/instance';
import { blankStatus, quarantinedItem } from '../../test/fakes/scheduler';
import { golden } from '../../test/fakes/golden';
import { tabSequence, unlabelled, describe as name } from '../../test/dom';
import { toasts } from '../../lib/toasts.svelte';
import { setLocale } from '../../lib/i18n';
import { REFRESH_MS } from '../schedule-format';

function renderPage(props: { onintegrations?: () => void } = {}) {
  const user = userEvent.setup({ delay: null });
  const view = render(SchedulerPage, props);
  return { ...view, user };
}

/** The worker card of an integration (a region named by its heading). */
const card = (integration: string) => screen.getByRole('region', { name: integration });
const conferencesCard = () => screen.getByRole('region', { name: 'Conferences' });
const logCard = () => screen.getByRole('region', { name: 'Operations log' });

async function seeded() {
  fake.scheduler.seed();
  const view = renderPage();
  await screen.findByRole('heading', { level: 3, name: 'Contoso HQ' });
  return view;
}

describe('scheduled conferences: workers', () => {
  it('shows a card per integration with its state in words, progress and last error with advice', async () => {
    await seeded();
    const contoso = card('Contoso HQ');
    expect(within(contoso).getByTestId('state').textContent).toBe('Running');
    expect(within(contoso).getByText('Watching the room mailbox and answering meetings.')).toBeTruthy();
    expect(within(contoso).getByText('Quarterly business review')).toBeTruthy();
    expect(within(contoso).getByText('128')).toBeTruthy();
    expect(within(contoso).queryByRole('alert')).toBeNull();

    const fabrikam = card('Fabrikam Office 365');
    expect(within(fabrikam).getByTestId('state').textContent).toBe('Failed');
    const alert = within(fabrikam).getByRole('alert');
    expect(alert.textContent).toContain('HTTP 401 Unauthorized');
    expect(alert.textContent).toContain('What to do: Exchange refused the service account');

    const northwind = card('Northwind Traders');
    expect(within(northwind).getByTestId('state').textContent).toBe('Retrying');
    // A retrying worker's error is shown, but not shouted.
    expect(within(northwind).queryByRole('alert')).toBeNull();
    expect(within(northwind).getByText(/i\/o timeout/)).toBeTruthy();
    expect(within(northwind).getByText(/retries by itself/)).toBeTruthy();
    const facts = within(northwind).getAllByRole('definition').map((d) => d.textContent?.trim());
    expect(facts.slice(2)).toEqual(['57', '3', '1']);

    const woodgrove = card('Woodgrove lab');
    expect(within(woodgrove).getByTestId('state').textContent).toBe('Disabled');
    expect(within(woodgrove).getByText(/Single-use VMRs are off/)).toBeTruthy();
    expect(within(woodgrove).queryByRole('button', { name: 'Start' })).toBeNull();
    expect(within(woodgrove).queryByRole('button', { name: 'Process now' })).toBeNull();
    expect(within(woodgrove).getByRole('button', { name: 'Test connection' })).toBeTruthy();
    expect(within(woodgrove).getByText('Never')).toBeTruthy();
  });

  it('stops and starts a worker, keeping focus on the button', async () => {
    const { user } = await seeded();
    const contoso = card('Contoso HQ');
    await user.click(within(contoso).getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(within(contoso).getByTestId('state').textContent).toBe('Stopped'));
    expect(fake.callsOf('Scheduler.StopWorker').map((c) => c.args)).toEqual([['Contoso HQ']]);
    const start = within(contoso).getByRole('button', { name: 'Start' });
    expect(document.activeElement).toBe(start);
    expect(toasts.map((t) => t.text)).toContain('Stopped the worker of Contoso HQ');

    await user.click(start);
    await waitFor(() => expect(within(contoso).getByTestId('state').textContent).toBe('Running'));
    expect(fake.callsOf('Scheduler.StartWorker').map((c) => c.args)).toEqual([['Contoso HQ']]);
    expect(fake.scheduler.statuses.get('Contoso HQ')?.state).toBe('running');
  });

  it('says why a worker did not start', async () => {
    const { user } = await seeded();
    // The integration was deleted in the meantime.
    fake.scheduler.statuses.delete('Fabrikam Office 365');
    const fabrikam = card('Fabrikam Office 365');
    await user.click(within(fabrikam).getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(within(fabrikam).getAllByRole('alert')).toHaveLength(2));
    const alerts = within(fabrikam).getAllByRole('alert').map((a) => a.textContent);
    // The fake answers an unknown integration with the real not_found.
    expect(alerts).toContain(`The worker did not start: ${golden('scheduler start missing').problem!.message}`);
  });

  it('processes the mailbox now, showing progress and then the summary', async () => {
    const { user } = await seeded();
    fake.latency = 30;
    const northwind = card('Northwind Traders');
    const workerLoads = fake.callsOf('Scheduler.Workers').length;
    await user.click(within(northwind).getByRole('button', { name: 'Process now' }));
    expect(within(northwind).getByRole('button', { name: 'Processing…' }).getAttribute('aria-busy')).toBe('true');
    expect(within(northwind).getByRole('progressbar', { name: 'Processing…' })).toBeTruthy();
    const done = await within(northwind).findByRole('status');
    expect(done.textContent).toContain('Processed: 3 decided, 0 skipped, 4 replies sent.');
    expect(fake.callsOf('Scheduler.RunOnce').map((c) => c.args)).toEqual([['Northwind Traders']]);
    // The page reloads what the pass changed.
    await waitFor(() => expect(fake.callsOf('Scheduler.Workers').length).toBeGreaterThan(workerLoads));
    await waitFor(() => expect(within(northwind).getAllByRole('definition')[3]!.textContent?.trim()).toBe('0'));
    expect(within(northwind).queryByRole('progressbar')).toBeNull();
  });

  it('shows a failed pass with its error and advice', async () => {
    fake.scheduler.failures.set('Contoso HQ', {
      error: 'ews: posting to https://mail.contoso.com/EWS/Exchange.asmx: x509: certificate signed by unknown authority',
      advice: 'Run `vmr-companion diagnose --integration NAME` or Test connection in the window to find the cause.',
    });
    const { user } = await seeded();
    const contoso = card('Contoso HQ');
    await user.click(within(contoso).getByRole('button', { name: 'Process now' }));
    const alert = await within(contoso).findByRole('alert');
    expect(alert.textContent).toContain('Processing stopped: ews: posting to https://mail.contoso.com/EWS/Exchange.asmx: x509: certificate signed by unknown authority');
    expect(alert.textContent).toContain('What to do: Run `vmr-companion diagnose');
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(within(contoso).queryByRole('alert')).toBeNull();
  });

  it('tests the connection: every check with its outcome in words, detail and fix', async () => {
    const { user } = await seeded();
    const fabrikam = card('Fabrikam Office 365');
    await user.click(within(fabrikam).getByRole('button', { name: 'Test connection' }));
    const report = await within(fabrikam).findByRole('region', { name: 'Connection test' });
    expect(within(report).getByRole('status').textContent).toMatch(/The connection test found problems\.\s*Failed: 1 · Warnings: 1 · Passed: 5 · Skipped: 1/);
    const checks = within(report).getAllByRole('listitem');
    expect(checks).toHaveLength(8);
    const auth = checks.find((li) => li.textContent?.includes('Service account signs in to EWS'))!;
    expect(auth.textContent).toContain('Failed:');
    expect(auth.textContent).toContain('answered 401: the access token was refused');
    expect(auth.textContent).toContain('Fix: grant the app the Exchange permission');
    expect(auth.querySelector('svg.icon')).toBeTruthy();
    const domains = checks.find((li) => li.textContent?.includes('EWS host in the Exchange domains'))!;
    expect(domains.textContent).toContain('Warning:');
    expect(checks.find((li) => li.textContent?.includes('Load balancer'))!.textContent).toContain('Skipped:');
    expect(checks[0]!.textContent).toContain('Passed:');
    expect(checks[0]!.textContent).not.toContain('Fix:');
    expect(fake.callsOf('Scheduler.TestConnection').map((c) => c.args)).toEqual([['Fabrikam Office 365']]);

    await user.click(within(report).getByRole('button', { name: 'Close' }));
    expect(within(fabrikam).queryByRole('region', { name: 'Connection test' })).toBeNull();
    expect(document.activeElement).toBe(within(fabrikam).getByRole('button', { name: 'Test connection' }));
  });

  it('saves the diagnostics where the user chose, and nothing when the dialog is cancelled', async () => {
    const { user } = await seeded();
    const contoso = card('Contoso HQ');
    await user.click(within(contoso).getByRole('button', { name: 'Save diagnostics…' }));
    await waitFor(() => expect(toasts.map((t) => t.text)).toContain('Saved the diagnostics to /home/admin/Documents/vmr-companion-diagnostics-Contoso HQ.json'));
    fake.scheduler.diagnosticsCancelled = true;
    const before = toasts.length;
    await user.click(within(contoso).getByRole('button', { name: 'Save diagnostics…' }));
    await waitFor(() => expect(fake.callsOf('Scheduler.SaveDiagnostics')).toHaveLength(2));
    await Promise.resolve();
    expect(toasts.length).toBe(before);
    expect(within(contoso).queryByRole('alert')).toBeNull();
  });

  it('reaches every worker action with the Tab key, in order, each with a name', async () => {
    const { user } = await seeded();
    const contoso = card('Contoso HQ');
    const buttons = tabSequence(contoso).map(name);
    expect(buttons).toEqual(['button(Stop)', 'button(Process now)', `#${within(contoso).getByRole('button', { name: 'Test connection' }).id}`, 'button(Save diagnostics…)']);
    within(contoso).getByRole('button', { name: 'Stop' }).focus();
    const visited: string[] = [];
    for (let i = 0; i < 3; i++) {
      await user.tab();
      visited.push(document.activeElement?.textContent?.trim() ?? '');
    }
    expect(visited).toEqual(['Process now', 'Test connection', 'Save diagnostics…']);
    expect(unlabelled(document.body)).toEqual([]);
  });

  it('keeps the busy card’s buttons in the tab order while one action runs', async () => {
    const { user } = await seeded();
    fake.latency = 50;
    const contoso = card('Contoso HQ');
    await user.click(within(contoso).getByRole('button', { name: 'Test connection' }));
    const testing = within(contoso).getByRole('button', { name: 'Testing…' });
    expect(document.activeElement).toBe(testing);
    expect(within(contoso).getByRole('button', { name: 'Stop' }).getAttribute('aria-disabled')).toBe('true');
    // A second action waits for the first.
    await user.click(within(contoso).getByRole('button', { name: 'Stop' }));
    await within(contoso).findByRole('region', { name: 'Connection test' });
    expect(fake.callsOf('Scheduler.StopWorker')).toHaveLength(0);
  });
});

describe('scheduled conferences: the table', () => {
  it('lists the upcoming conferences with alias, meeting, times, window and recurrence in words', async () => {
    await seeded();
    const table = await within(conferencesCard()).findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]!.textContent)).toEqual([
      expect.stringContaining('Weekly sales call'),
      expect.stringContaining('Team stand-up'),
      expect.stringContaining('Quarterly business review'),
      expect.stringContaining('Supplier negotiation'),
    ]);
    const qbr = rows[2]!;
    expect(qbr.textContent).toContain('meet.7304512@vc.contoso.com');
    expect(qbr.textContent).toContain('Numeric alias 7304512');
    expect(qbr.textContent).toContain('Alice Smith <alice.smith@contoso.com>');
    expect(qbr.textContent).toContain('Once');
    expect(qbr.textContent).toContain('Active');
    // Times in this computer's zone and the window's language, buffers included.
    const c = fake.scheduler.conferences.find((x) => x.id === 1)!;
    const fmt = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
    expect(within(qbr).getAllByRole('cell')[2]!.textContent?.trim()).toBe(fmt.formatRange(new Date(c.start), new Date(c.end)));
    expect(within(qbr).getAllByRole('cell')[3]!.textContent?.trim()).toBe(fmt.formatRange(new Date(c.valid_from), new Date(c.valid_until)));

    const standup = rows[1]!;
    expect(standup.textContent).toContain('Recurring');
    expect(standup.textContent).toContain('Weekly on Monday, Wednesday, and Friday, 30 times');
    expect(standup.textContent).toContain('2 occurrences cancelled');
    expect(standup.textContent).toContain('First occurrence');

    const sales = rows[0]!;
    expect(sales.textContent).toContain('Weekly on Thursday');
    expect(within(sales).getAllByRole('cell')[3]!.textContent).toMatch(/^from .*, no end$/);
    // With every integration shown, a row says which it belongs to.
    expect(sales.textContent).toContain('Northwind Traders');

    const cancelled = rows[3]!;
    expect(within(cancelled).getAllByRole('cell')[5]!.textContent?.trim()).toBe('Cancelled');

    // Where Pexip Infinity stands, with the reason of a wait.
    const onInfinity = (r: HTMLElement) => within(r).getAllByRole('cell')[6]!.textContent?.trim();
    expect(onInfinity(qbr)).toBe('Answered by policy');
    expect(onInfinity(sales)).toBe('Created, id 17');
    expect(onInfinity(standup)).toMatch(/^Waiting\s*not connected to Pexip Infinity: run vmr-companion infinity connect/);
  });

  it('switches to the conferences that ended in the last 24 hours', async () => {
    const { user } = await seeded();
    const card = conferencesCard();
    const upcoming = within(card).getByRole('button', { name: /Upcoming/ });
    const recent = within(card).getByRole('button', { name: /Last 24 hours/ });
    expect(upcoming.getAttribute('aria-pressed')).toBe('true');
    expect(recent.textContent).toContain('1');
    await user.click(recent);
    expect(recent.getAttribute('aria-pressed')).toBe('true');
    expect(upcoming.getAttribute('aria-pressed')).toBe('false');
    const rows = within(within(card).getByRole('table')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain('Onboarding: new starters');
  });

  it('filters the page by integration', async () => {
    const { user } = await seeded();
    await user.selectOptions(screen.getByLabelText('Integration'), 'Northwind Traders');
    await waitFor(() => expect(fake.callsOf('Scheduler.Conferences').at(-1)?.args).toEqual(['Northwind Traders']));
    expect(fake.callsOf('Scheduler.Log').at(-1)?.args).toEqual(['Northwind Traders', 200]);
    await waitFor(() => expect(within(within(conferencesCard()).getByRole('table')).getAllByRole('row')).toHaveLength(2));
    expect(screen.queryByRole('region', { name: 'Contoso HQ' })).toBeNull();
    expect(card('Northwind Traders')).toBeTruthy();
    expect(within(logCard()).getAllByRole('row')).toHaveLength(2);
    // One integration: no integration column.
    expect(within(logCard()).queryByRole('columnheader', { name: 'Integration' })).toBeNull();
  });
});

describe('scheduled conferences: the operations log', () => {
  it('lists the latest decisions with a result in words, a label per code and a copyable transaction id', async () => {
    const { user } = await seeded();
    const log = logCard();
    expect(fake.callsOf('Scheduler.Log')[0]!.args).toEqual(['', 200]);
    const rows = within(within(log).getByRole('table')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(8);
    expect(within(log).getByText('8 entries')).toBeTruthy();
    // Newest first.
    expect(rows[0]!.textContent).toContain('Accepted a new meeting');
    expect(rows[0]!.textContent).toContain('Succeeded');
    expect(rows[0]!.textContent).toContain('alice.smith@contoso.com');
    const conflict = rows.find((r) => r.textContent?.includes('Declined: alias already in use'))!;
    expect(conflict.textContent).toContain('Failed');
    expect(conflict.textContent).toContain('Northwind Traders');
    expect(conflict.textContent).toContain('the meeting already has the video room sales.4471@vc.northwind.local');
    expect(rows.at(-1)!.textContent).toContain('Ignored');

    const tx = fake.scheduler.log.find((e) => e.code === 'reject_general_error')!.transaction_uuid;
    await user.click(within(log).getByRole('button', { name: `Copy the transaction id ${tx}` }));
    await waitFor(() => expect(fake.clipboard).toBe(tx));
    expect(toasts.map((t) => t.text)).toContain(`Copied ${tx}`);
  });

  it('shows an unknown code as it is', async () => {
    fake.scheduler.seed();
    fake.scheduler.log = [{ ...fake.scheduler.log[0]!, code: 'something_new' }];
    renderPage();
    expect(await within(logCard()).findByText('something_new')).toBeTruthy();
  });
});

describe('scheduled conferences: empty and failing', () => {
  it('says what to do when there are no integrations, no meetings and no log yet', async () => {
    const onintegrations = vi.fn();
    const { user } = renderPage({ onintegrations });
    expect(await screen.findByText(/No integration has a room mailbox with single-use VMRs enabled: there are no integrations yet/)).toBeTruthy();
    expect(within(conferencesCard()).getByText(/No meetings scheduled yet: send a meeting with the add-in/)).toBeTruthy();
    expect(within(logCard()).getByText(/Nothing logged yet/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Open Integrations' }));
    expect(onintegrations).toHaveBeenCalledOnce();
  });

  it('says so when no integration can be scheduled, and still shows their cards', async () => {
    fake.scheduler.statuses.set('Woodgrove lab', blankStatus('Woodgrove lab'));
    fake.scheduler.ineligible.add('Woodgrove lab');
    renderPage();
    expect(await screen.findByText(/No integration has a room mailbox with single-use VMRs enabled: open an integration/)).toBeTruthy();
    expect(within(card('Woodgrove lab')).getByTestId('state').textContent).toBe('Disabled');
  });

  it('shows why a part did not load, and loads it again', async () => {
    fake.scheduler.seed();
    const workers = vi.spyOn(fake.scheduler, 'workers').mockImplementation(() => {
      throw { code: 'error', message: 'store: reading the scheduler state: database is locked' };
    });
    const { user } = renderPage();
    const alert = await screen.findByText('The workers could not be loaded: store: reading the scheduler state: database is locked');
    expect(alert.closest('[role="alert"]')).toBeTruthy();
    // The rest of the page loaded anyway.
    expect(await within(logCard()).findByText('8 entries')).toBeTruthy();
    workers.mockRestore();
    await user.click(within(alert.closest('[role="alert"]') as HTMLElement).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 3, name: 'Contoso HQ' })).toBeTruthy();
    expect(screen.queryByText(/could not be loaded/)).toBeNull();
  });
});

describe('scheduled conferences: refreshing', () => {
  afterEach(() => {
    vi.useRealTimers();
    Reflect.deleteProperty(document, 'hidden');
  });

  it('refreshes with the button', async () => {
    const { user } = await seeded();
    expect(fake.callsOf('Scheduler.Workers')).toHaveLength(1);
    fake.scheduler.statuses.get('Contoso HQ')!.processed = 129;
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await within(card('Contoso HQ')).findByText('129')).toBeTruthy();
    expect(screen.getByText(/^Updated /)).toBeTruthy();
  });

  it('refreshes every 10 seconds while the window is visible, and stops with the page', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    fake.scheduler.seed();
    const { unmount } = renderPage();
    await screen.findByRole('heading', { level: 3, name: 'Contoso HQ' });
    const loads = () => fake.callsOf('Scheduler.Workers').length;
    expect(loads()).toBe(1);

    vi.advanceTimersByTime(REFRESH_MS);
    await waitFor(() => expect(loads()).toBe(2));
    expect(fake.callsOf('Scheduler.Conferences')).toHaveLength(2);
    expect(fake.callsOf('Scheduler.Log')).toHaveLength(2);
    // The refresh has ended when the button no longer says busy (a refresh
    // in flight would make the timer skip one, whatever the test checks).
    const refreshed = () => waitFor(() => expect(screen.getByRole('button', { name: 'Refresh' }).getAttribute('aria-busy')).toBe('false'));
    await refreshed();

    // Hidden (minimised): no refresh; visible again: one at once. A refresh
    // asks for the workers at once (in the timer's callback), so absence
    // is seen right after the timers ran, without waiting.
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    vi.advanceTimersByTime(3 * REFRESH_MS);
    expect(loads()).toBe(2);
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
    expect(loads()).toBe(3);
    await refreshed();

    unmount();
    vi.advanceTimersByTime(5 * REFRESH_MS);
    document.dispatchEvent(new Event('visibilitychange'));
    expect(loads()).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('scheduled conferences: quarantine and other processes', () => {
  it('lists quarantined items with their reason, and Retry puts one back in line', async () => {
    fake.scheduler.seed();
    fake.scheduler.quarantine = [
      quarantinedItem({ integration: 'Contoso HQ', id: 'AAMkItem1', subject: 'Board meeting', organizer: 'alice.smith@contoso.com', attempts: 1 }),
      quarantinedItem({
        integration: 'Northwind Traders',
        id: '17',
        kind: 'outbox',
        what: 'update_body',
        subject: 'Weekly sales call',
        organizer: 'erin.green@northwind.local',
        reason: 'ews: FindItem failed: ErrorImpersonateUserDenied (The account does not have permission to impersonate the requested user.)',
        attempts: 1,
        last_failed: '2026-12-01T09:00:00Z',
        correlation_id: 'aa11bb22-0000-4000-8000-000000000017',
      }),
    ];
    const { user } = renderPage();
    const table = await screen.findByRole('region', { name: 'Quarantined' });
    expect(within(table).getByText('2 quarantined')).toBeTruthy();
    const rows = within(table).getAllByRole('row').slice(1);
    // Newest first, each with what it is, the reason and the correlation id.
    expect(rows[0]?.textContent).toContain('Reply: meeting update');
    expect(rows[0]?.textContent).toContain('ErrorImpersonateUserDenied');
    expect(rows[0]?.textContent).toContain('Correlation id aa11bb22-0000-4000-8000-000000000017');
    expect(rows[1]?.textContent).toContain('Meeting request');
    expect(rows[1]?.textContent).toContain('slice bounds out of range');
    expect(within(card('Contoso HQ')).getByTestId('quarantined').textContent).toContain('1 item set aside after failing');

    await user.click(within(table).getByRole('button', { name: 'Retry Board meeting' }));
    expect(fake.callsOf('Scheduler.Retry').map((c) => c.args)).toEqual([['Contoso HQ', 'item', 'AAMkItem1']]);
    await waitFor(() => expect(within(screen.getByRole('region', { name: 'Quarantined' })).getAllByRole('row')).toHaveLength(2));
    expect(within(screen.getByRole('region', { name: 'Quarantined' })).queryByText('Board meeting')).toBeNull();
    expect(within(card('Contoso HQ')).queryByTestId('quarantined')).toBeNull();
  });

  it('says why Retry failed', async () => {
    fake.scheduler.seed();
    fake.scheduler.quarantine = [quarantinedItem({ integration: 'Contoso HQ', id: 'AAMkItem1', subject: 'Board meeting' })];
    const retry = vi.spyOn(fake.scheduler, 'retry').mockImplementation(() => {
      throw { code: 'error', message: 'store: retrying a quarantined item: database is locked' };
    });
    const { user } = renderPage();
    const table = await screen.findByRole('region', { name: 'Quarantined' });
    await user.click(within(table).getByRole('button', { name: 'Retry Board meeting' }));
    expect((await within(table).findByRole('alert')).textContent).toContain('Could not retry: store: retrying a quarantined item: database is locked');
    retry.mockRestore();
  });

  it('shows no quarantine section when nothing is quarantined', async () => {
    await seeded();
    expect(screen.queryByRole('region', { name: 'Quarantined' })).toBeNull();
  });

  it('shows the process that works on the mailbox, and what Process now says then', async () => {
    fake.scheduler.seed();
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    fake.scheduler.statuses.get('Contoso HQ')!.lease = {
      pid: 4242,
      host: 'vmr-server-1',
      acquired_at: new Date().toISOString(),
      expires_at: inAMinute,
      poll: 0,
      backoff_until: '0001-01-01T00:00:00Z',
      this_process: false,
    };
    const { user } = renderPage();
    const contoso = await screen.findByRole('region', { name: 'Contoso HQ' });
    expect(within(contoso).getByTestId('lease').textContent).toContain('Process 4242 on vmr-server-1 has worked on this mailbox since');
    expect(within(card('Northwind Traders')).queryByTestId('lease')).toBeNull();
    await user.click(within(contoso).getByRole('button', { name: 'Process now' }));
    const done = await within(contoso).findByRole('status');
    expect(done.textContent).toContain('Nothing done here: the service in process 4242 on vmr-server-1 is working on this mailbox');
  });
});

describe('scheduled conferences: language', () => {
  it('speaks German', async () => {
    setLocale('de');
    fake.scheduler.seed();
    renderPage();
    expect(await screen.findByRole('heading', { level: 1, name: 'Geplante Konferenzen' })).toBeTruthy();
    const contoso = await screen.findByRole('region', { name: 'Contoso HQ' });
    expect(within(contoso).getByTestId('state').textContent).toBe('Läuft');
    expect(within(contoso).getByRole('button', { name: 'Verbindung testen' })).toBeTruthy();
    expect(await screen.findByText('Wöchentlich am Montag, Mittwoch und Freitag, 30-mal')).toBeTruthy();
  });
});
