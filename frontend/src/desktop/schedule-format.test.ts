import { afterEach, describe, expect, it } from 'vitest';
import { codeLabel, elapsed, isSet, rruleText, span, when } from './schedule-format';
import { setLocale } from '../lib/i18n';

describe('recurrence rules in words', () => {
  afterEach(() => setLocale('en'));

  it.each([
    ['FREQ=DAILY', 'Daily'],
    ['FREQ=DAILY;INTERVAL=2;COUNT=1', 'Every 2 days, once'],
    ['FREQ=WEEKLY;BYDAY=TU', 'Weekly on Tuesday'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU', 'Every 2 weeks on Monday and Thursday'],
    ['RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=30', 'Weekly on Monday, Wednesday, and Friday, 30 times'],
    ['FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20261231', 'Monthly on day 15, until Dec 31, 2026'],
    ['FREQ=MONTHLY;BYDAY=2TU', 'Monthly on the second Tuesday'],
    ['FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260630T220000Z', 'Monthly on the last Friday, until Jun 30, 2026'],
    ['FREQ=YEARLY;INTERVAL=1', 'Yearly'],
  ])('says %s as “%s”', (rule, words) => {
    expect(rruleText(rule)).toBe(words);
  });

  it.each([
    'FREQ=HOURLY',
    'FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO',
    'FREQ=MONTHLY;BYDAY=MO,TU',
    'FREQ=WEEKLY;COUNT=3;UNTIL=20261231',
    'FREQ=WEEKLY;INTERVAL=0',
    'FREQ=MONTHLY;BYDAY=5MO',
    'FREQ=WEEKLY;FREQ=DAILY',
    'INTERVAL=2',
    'nonsense',
  ])('leaves %s to be shown as it is', (rule) => {
    expect(rruleText(rule)).toBeUndefined();
  });

  it('speaks German', () => {
    setLocale('de');
    expect(rruleText('FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=30')).toBe('Wöchentlich am Montag, Mittwoch und Freitag, 30-mal');
    expect(rruleText('FREQ=MONTHLY;BYDAY=-1FR')).toBe('Monatlich am letzten Freitag');
  });
});

describe('times and labels', () => {
  it('treats Go’s zero time as never', () => {
    expect(isSet('0001-01-01T00:00:00Z')).toBe(false);
    expect(isSet('')).toBe(false);
    expect(isSet('2025-11-20T09:30:00Z')).toBe(true);
    expect(when('0001-01-01T00:00:00Z')).toBe('');
  });

  it('shows a window with no end as open', () => {
    const from = '2025-11-20T09:30:00Z';
    expect(span(from, '0001-01-01T00:00:00Z')).toBe(`from ${when(from)}, no end`);
    expect(span(from, '2025-11-20T10:30:00Z')).toContain('–');
  });

  it('labels log codes, and leaves unknown ones as they are', () => {
    expect(codeLabel('accept_new_single')).toBe('Accepted a new meeting');
    expect(codeLabel('reject_series_past')).toBe('Declined: series in the past');
    expect(codeLabel('brand_new_code')).toBe('brand_new_code');
  });

  it('shows check durations in ms or s', () => {
    expect(elapsed(412_000_000)).toBe('412 ms');
    expect(elapsed(1_250_000)).toBe('1.3 ms');
    expect(elapsed(2_345_000_000)).toBe('2.3 s');
  });
});
