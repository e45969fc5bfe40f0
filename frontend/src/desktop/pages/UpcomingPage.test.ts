import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import UpcomingPage from './UpcomingPage.svelte';
import { fake } from '../../test/fakes/instance';
import { sampleMeetings } from '../../test/fakes/user';
import { setLocale } from '../../lib/i18n';
import { toasts } from '../../lib/toasts.svelte';
import { unlabelled } from '../../test/dom';

function renderPage() {
  const user = userEvent.setup({ delay: null });
  const view = render(UpcomingPage, { session: fake.user.session() });
  return { ...view, user };
}

describe('upcoming meetings', () => {
  afterEach(() => vi.useRealTimers());

  it('groups the meetings by day in order, with organizer, location and the video ones marked', async () => {
    fake.user.seed();
    renderPage();
    const days = await screen.findAllByRole('region', { name: /^(Today|Tomorrow)/ });
    expect(days).toHaveLength(2);
    const today = within(days[0]!).getAllByRole('listitem');
    expect(today.map((li) => li.querySelector('.summary')?.textContent)).toEqual(['Budget review']);
    const tomorrow = within(days[1]!).getAllByRole('listitem');
    expect(tomorrow.map((li) => li.querySelector('.summary')?.textContent)).toEqual(['Stand-up', 'Team lunch']);
    expect(today[0]!.textContent).toContain('Video meeting');
    expect(today[0]!.textContent).toContain('Organizer: alex.morgan@example.com');
    expect(tomorrow[1]!.textContent).toContain('Location: Canteen');
    expect(tomorrow[1]!.textContent).not.toContain('Video meeting');
    expect(within(tomorrow[1]!).queryByRole('button', { name: /^Join/ })).toBeNull();
    expect(unlabelled(document.querySelector('.page')!)).toEqual([]);
  });

  it.each([
    ['web', 'https://addins.example.com/webapp/m/meet.alex@vc.example.com'],
    ['sip', 'sip:meet.alex@vc.example.com'],
    ['pexip', 'pexip://meet.alex@vc.example.com'],
  ] as const)('joins with one click the way the user prefers (%s)', async (join, link) => {
    fake.user.seed();
    fake.user.prefs.join = join;
    const { user } = renderPage();
    const day = (await screen.findAllByRole('region', { name: /^Today/ }))[0]!;
    await user.click(within(day).getByRole('button', { name: 'Join Budget review' }));
    await waitFor(() => expect(fake.user.joined).toEqual([link]));
  });

  it('counts down to the next video meeting', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const now = new Date(2025, 10, 20, 9, 0).getTime();
    vi.setSystemTime(now);
    fake.user.seed(now);
    renderPage();
    const countdown = await screen.findByTestId('countdown');
    expect(countdown.textContent?.trim()).toBe('Starts in 2 h 0 min');
    await vi.advanceTimersByTimeAsync(61 * 60_000);
    await waitFor(() => expect(screen.getByTestId('countdown').textContent?.trim()).toBe('Starts in 59 min'));
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    await waitFor(() => expect(screen.getByTestId('countdown').textContent?.trim()).toBe('On now'));
  });

  it('shows progress while refreshing, and the last good copy with a stale banner when the calendar fails', async () => {
    fake.user.seed();
    fake.user.refreshOutcome = 'wait';
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('Reading your calendar…')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Refresh' })).toBeNull();
    fake.user.finishRefresh({ error: 'calendar: the feed answered HTTP 503: try again later' });
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('This is an older copy.');
    expect(banner.textContent).toContain('HTTP 503');
    expect(banner.textContent).toMatch(/Showing the meetings as of .*2\d\d\d|Showing the meetings as of/);
    // The last good copy stays on the page.
    expect(screen.getAllByRole('region', { name: /^(Today|Tomorrow)/ })).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeTruthy();
  });

  it('cancels a refresh that takes too long', async () => {
    fake.user.seed();
    fake.user.refreshOutcome = 'wait';
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Refresh' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(await screen.findByRole('button', { name: 'Refresh' })).toBeTruthy();
    expect(fake.callsOf('User.CancelRefresh')).toHaveLength(1);
  });

  it('exports one meeting as .ics', async () => {
    fake.user.seed();
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Export Stand-up as .ics' }));
    const standup = sampleMeetings(Date.now()).find((m) => m.summary === 'Stand-up')!;
    await waitFor(() => expect(fake.user.exported).toEqual([{ uid: 'standup@example.com', recurrenceID: standup.recurrence_id }]));
    await waitFor(() => expect(toasts.at(-1)?.text).toBe(`Saved to ${fake.user.exportPath}`));
  });

  it('asks for a calendar first, reports wrong values by field, and refreshes from the new source', async () => {
    fake.user.preferencesAnswers = ['user preferences http link', 'user preferences file'];
    const { user } = renderPage();
    const settings = await screen.findByRole('region', { name: 'Calendar and reminders' });
    await user.click(within(settings).getByRole('radio', { name: /A calendar link/ }));
    await user.type(within(settings).getByLabelText('Calendar link'), 'http://example.com/cal.ics');
    await user.click(within(settings).getByRole('button', { name: 'Save' }));
    expect(await within(settings).findByText(/must use https/)).toBeTruthy();
    await user.click(within(settings).getByRole('radio', { name: /An .ics file/ }));
    await user.click(within(settings).getByRole('button', { name: 'Choose file…' }));
    expect(await within(settings).findByText(fake.user.chosenFile)).toBeTruthy();
    await user.selectOptions(within(settings).getByLabelText('Join video meetings with'), 'sip');
    await user.selectOptions(within(settings).getByLabelText('Reminder before a video meeting'), '10');
    fake.user.refreshOutcome = { meetings: sampleMeetings(Date.now()) };
    await user.click(within(settings).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fake.user.prefs).toEqual({ join: 'sip', notify_minutes: 10, calendar_kind: 'file', calendar_value: fake.user.chosenFile }));
    await waitFor(() => expect(fake.callsOf('User.Refresh')).toHaveLength(1));
    expect(await screen.findAllByRole('region', { name: /^(Today|Tomorrow)/ })).toHaveLength(2);
  });

  it('keeps a calendar link out of sight once saved: only its host is shown, and saving again keeps it', async () => {
    fake.user.preferencesAnswers = ['user preferences calendar link'];
    const { user } = renderPage();
    const settings = await screen.findByRole('region', { name: 'Calendar and reminders' });
    await user.click(within(settings).getByRole('radio', { name: /A calendar link/ }));
    await user.type(within(settings).getByLabelText('Calendar link'), 'webcal://outlook.example.com/owa/calendar/SECRET123/calendar.ics');
    fake.user.refreshOutcome = { meetings: sampleMeetings(Date.now()) };
    await user.click(within(settings).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fake.user.prefs.calendar_value).toBe('https://outlook.example.com/…'));
    await user.click(await screen.findByRole('button', { name: 'Calendar and reminders' }));
    const again = await screen.findByRole('region', { name: 'Calendar and reminders' });
    const field = within(again).getByLabelText('Calendar link') as HTMLInputElement;
    expect(field.value).toBe('https://outlook.example.com/…');
    expect(again.textContent).toContain('kept in the system keychain');
    expect(document.body.innerHTML).not.toContain('SECRET123');
  });

  it('says how reminders will appear', async () => {
    fake.user.seed();
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Calendar and reminders' }));
    // jsdom has no Notification API: the in-window banner it is.
    expect(screen.getByTestId('notify-mode').textContent).toContain('as a banner in this window');
  });

  it('speaks German', async () => {
    setLocale('de');
    fake.user.seed();
    renderPage();
    expect(await screen.findByRole('heading', { level: 1, name: 'Nächste Besprechungen' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Aktualisieren' })).toBeTruthy();
    expect(screen.getAllByText('Video-Besprechung').length).toBeGreaterThan(0);
    expect(screen.getAllByRole('button', { name: 'Budget review beitreten' })).toHaveLength(2);
  });

  it('stops its countdown timer when it goes away', async () => {
    fake.user.seed();
    const clear = vi.spyOn(window, 'clearInterval');
    const set = vi.spyOn(window, 'setInterval');
    const { unmount } = renderPage();
    await screen.findByTestId('countdown');
    const timer = set.mock.results.find((_, i) => set.mock.calls[i]![1] === 15_000)?.value as unknown;
    expect(timer).toBeDefined();
    unmount();
    expect(clear).toHaveBeenCalledWith(timer);
  });
});
