import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import MeetingReminders from './MeetingReminders.svelte';
import { fake } from '../../test/fakes/instance';
import { userState } from '../../lib/user.svelte';

describe('meeting reminders', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const now = new Date(2025, 10, 20, 9, 0).getTime();

  it('shows a banner N minutes before a video meeting when desktop notifications are not available, with Join', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    vi.setSystemTime(now);
    fake.user.seed(now); // Budget review at 11:00, reminders 5 minutes before
    fake.user.prefs.join = 'sip';
    render(MeetingReminders);
    await waitFor(() => expect(userState.upcoming?.meetings.length).toBe(3));
    await vi.advanceTimersByTimeAsync(114 * 60_000);
    expect(screen.queryByRole('alert')).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('Budget review starts soon');
    await fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    await waitFor(() => expect(fake.user.joined).toEqual(['sip:meet.alex@vc.example.com']));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('uses a desktop notification when the user allowed them', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    vi.setSystemTime(now);
    const shown: Array<{ title: string; body?: string }> = [];
    class FakeNotification {
      static permission = 'granted';
      static requestPermission = () => Promise.resolve('granted');
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body });
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    fake.user.seed(now);
    render(MeetingReminders);
    await waitFor(() => expect(userState.upcoming).not.toBeNull());
    await vi.advanceTimersByTimeAsync(115 * 60_000);
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('Budget review starts soon');
    expect(shown[0]!.body).toMatch(/^The video meeting starts at 11:00/);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('reminds of nothing when reminders are off, and clears its timers when it goes away', async () => {
    fake.user.seed(now);
    fake.user.prefs.notify_minutes = 0;
    const set = vi.spyOn(window, 'setTimeout');
    const first = render(MeetingReminders);
    await waitFor(() => expect(userState.prefs).not.toBeNull());
    expect(set.mock.calls.filter((c) => (c[1] ?? 0) > 60_000)).toHaveLength(0);
    first.unmount();

    userState.prefs = { ...userState.prefs!, notify_minutes: 5 };
    userState.upcoming = { ...userState.upcoming!, meetings: fake.user.sampleLater() };
    const clear = vi.spyOn(window, 'clearTimeout');
    const second = render(MeetingReminders);
    await waitFor(() => expect(set.mock.calls.some((c) => (c[1] ?? 0) > 60_000)).toBe(true));
    const timer = set.mock.results[set.mock.calls.findIndex((c) => (c[1] ?? 0) > 60_000)]!.value as unknown;
    second.unmount();
    expect(clear).toHaveBeenCalledWith(timer);
  });
});
