import { afterEach, describe, expect, it, vi } from 'vitest';
import { byDay, countdownParts, htmlToText, joinLink, nextVideo, sanitizeHTML, scheduleReminders } from './meetings';
import type { Meeting } from './types';

const video = { alias: 'meet.alex@vc.example.com', web_url: 'https://addins.example.com/webapp/m/meet.alex@vc.example.com', sip_uri: 'sip:meet.alex@vc.example.com' };
const meeting = (summary: string, start: string, end: string, withVideo = true): Meeting => ({
  uid: summary, summary, location: '', organizer: '', start, end, all_day: false, video: withVideo ? video : null,
});

describe('joinLink', () => {
  it('follows the preference, and falls back to SIP without a web link', () => {
    expect(joinLink(video, 'web')).toBe(video.web_url);
    expect(joinLink(video, 'sip')).toBe('sip:meet.alex@vc.example.com');
    expect(joinLink(video, 'pexip')).toBe('pexip://meet.alex@vc.example.com');
    expect(joinLink({ alias: 'room@vc.example.com' }, 'web')).toBe('sip:room@vc.example.com');
    expect(joinLink(null, 'web')).toBe('');
  });
});

describe('byDay and nextVideo', () => {
  const now = new Date(2025, 10, 20, 9, 0);
  const at = (d: number, h: number) => new Date(2025, 10, 20 + d, h).toISOString();
  const ms = [meeting('B', at(1, 10), at(1, 11)), meeting('A', at(0, 14), at(0, 15), false), meeting('C', at(1, 8), at(1, 9)), meeting('Z', at(0, 8), at(0, 10))];

  it('sorts by start and groups by local day', () => {
    const days = byDay(ms, now);
    expect(days.map((d) => [d.key, d.meetings.map((m) => m.summary)])).toEqual([
      ['2025-11-20', ['Z', 'A']],
      ['2025-11-21', ['C', 'B']],
    ]);
  });

  it('finds the next video meeting, on now when it has started', () => {
    expect(nextVideo(ms, now.getTime())).toMatchObject({ meeting: { summary: 'Z' }, running: true });
    expect(nextVideo(ms, new Date(2025, 10, 20, 11).getTime())).toMatchObject({ meeting: { summary: 'C' }, running: false });
  });

  it('counts down in days, hours and whole minutes (rounded up)', () => {
    expect(countdownParts(61_000)).toEqual({ days: 0, hours: 0, minutes: 2 });
    expect(countdownParts(26 * 3600_000 + 5 * 60_000)).toEqual({ days: 1, hours: 2, minutes: 5 });
  });
});

describe('scheduleReminders', () => {
  afterEach(() => vi.useRealTimers());

  it('reminds N minutes before each video meeting, once, and cancels', () => {
    vi.useFakeTimers();
    const now = Date.parse('2025-11-20T09:00:00Z');
    vi.setSystemTime(now);
    const ms = [
      meeting('Soon', '2025-11-20T09:03:00Z', '2025-11-20T10:00:00Z'),
      meeting('Later', '2025-11-20T10:00:00Z', '2025-11-20T11:00:00Z'),
      meeting('No video', '2025-11-20T09:30:00Z', '2025-11-20T10:00:00Z', false),
      meeting('Started', '2025-11-20T08:30:00Z', '2025-11-20T09:30:00Z'),
    ];
    const reminded: string[] = [];
    const seen = new Set<string>();
    const cancel = scheduleReminders(ms, 5, now, (m) => reminded.push(m.summary), seen);
    vi.advanceTimersByTime(0);
    expect(reminded).toEqual(['Soon']);
    vi.advanceTimersByTime(54 * 60_000);
    expect(reminded).toEqual(['Soon']);
    vi.advanceTimersByTime(60_000);
    expect(reminded).toEqual(['Soon', 'Later']);
    cancel();
    // A new schedule (after a refresh) does not remind the same meetings again.
    const again: string[] = [];
    scheduleReminders(ms, 5, now, (m) => again.push(m.summary), seen)();
    vi.runAllTimers();
    expect(again).toEqual([]);
  });

  it('does nothing when reminders are off, and cancel stops pending ones', () => {
    vi.useFakeTimers();
    const now = Date.parse('2025-11-20T09:00:00Z');
    const ms = [meeting('Later', '2025-11-20T10:00:00Z', '2025-11-20T11:00:00Z')];
    const reminded: string[] = [];
    scheduleReminders(ms, 0, now, (m) => reminded.push(m.summary));
    scheduleReminders(ms, 5, now, (m) => reminded.push(m.summary))();
    vi.runAllTimers();
    expect(reminded).toEqual([]);
  });
});

describe('the personal instructions', () => {
  const html =
    '<p style="color:red" onclick="alert(1)">Join <b>Alex’s room</b>:</p><script>alert(2)</script><img src="https://tracker.example/x.png"><ul><li><a href="https://addins.example.com/webapp/m/x" target="_blank">in the browser</a></li><li><a href="javascript:alert(3)">bad</a></li><li>Phone: 8123456</li></ul><iframe src="https://evil.example"></iframe>';

  it('keeps formatting and safe links, and drops scripts, handlers, styles, images and frames', () => {
    const clean = sanitizeHTML(html);
    expect(clean).toBe(
      '<p>Join <b>Alex’s room</b>:</p><ul><li><a href="https://addins.example.com/webapp/m/x">in the browser</a></li><li><a>bad</a></li><li>Phone: 8123456</li></ul>',
    );
  });

  it('has a plain-text version with a line per block and link addresses', () => {
    expect(htmlToText(sanitizeHTML(html))).toBe('Join Alex’s room:\n• in the browser (https://addins.example.com/webapp/m/x)\n• bad\n• Phone: 8123456');
  });
});
