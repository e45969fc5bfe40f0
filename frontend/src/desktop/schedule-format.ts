// How the Scheduled conferences page shows the scheduler's data: times in the
// window's language and the computer's time zone, recurrence rules in words,
// and log codes as short labels.
import { locale, t, tn, type MessageKey } from '../lib/i18n';

/** How often the Scheduled conferences page reloads by itself. */
export const REFRESH_MS = 10_000;
/** How many operations log entries the page shows (the latest). */
export const LOG_LIMIT = 200;

/** Go's zero time (year 1), and anything unparsable, is "never". */
export function isSet(iso: string | undefined | null): boolean {
  if (!iso) return false;
  const d = new Date(iso);
  return !Number.isNaN(d.getTime()) && d.getUTCFullYear() > 1;
}

const dateTime = () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' });

/** A moment as date and time; "" when unset. */
export function when(iso: string): string {
  return isSet(iso) ? dateTime().format(new Date(iso)) : '';
}

/** A span in one piece ("Nov 20, 2025, 10:00 – 11:00 AM"); an open end says so. */
export function span(from: string, until: string): string {
  if (!isSet(from)) return '';
  if (!isSet(until)) return t('sched.span_open', { from: when(from) });
  return dateTime().formatRange(new Date(from), new Date(until));
}

/** The time zone times are shown in, e.g. "Europe/Berlin". */
export function timeZone(): string {
  return new Intl.DateTimeFormat(locale()).resolvedOptions().timeZone;
}

/** A duration from nanoseconds: "412 ms", "1.2 s". */
export function elapsed(ns: number): string {
  const ms = ns / 1e6;
  const nf = (n: number, digits: number) => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
  if (ms < 1000) return t('sched.ms', { ms: nf(ms, ms < 10 ? 1 : 0) });
  return t('sched.seconds', { s: nf(ms / 1000, 1) });
}

/** The label of a scheduler.LogEntry code; the code itself when unknown. */
export function codeLabel(code: string): string {
  const key = `sched.code.${code}` as MessageKey;
  const label = t(key);
  return label === key ? code : label;
}

const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
type Weekday = (typeof weekdays)[number];

function weekdayName(day: Weekday): string {
  // 2024-01-01 was a Monday.
  const date = Date.UTC(2024, 0, 1 + weekdays.indexOf(day));
  return new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' }).format(date);
}

function list(items: string[]): string {
  return new Intl.ListFormat(locale(), { type: 'conjunction' }).format(items);
}

/** An RRULE's UNTIL (20251231 or 20251231T235959Z) as a date. */
function untilDate(v: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(v);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', z] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const date = z ? new Date(Date.UTC(...parts)) : new Date(...parts);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(date);
}

const ordinalKeys: Record<string, MessageKey> = {
  '1': 'sched.rrule.nth_1',
  '2': 'sched.rrule.nth_2',
  '3': 'sched.rrule.nth_3',
  '4': 'sched.rrule.nth_4',
  '-1': 'sched.rrule.nth_last',
};

/**
 * rruleText says an RFC 5545 RRULE in words ("Weekly on Monday and Friday,
 * 10 times"), or returns undefined for a rule it does not know how to say,
 * so the caller shows the rule as it is.
 */
export function rruleText(rule: string): string | undefined {
  const parts = new Map<string, string>();
  for (const p of rule.replace(/^RRULE:/i, '').split(';')) {
    if (!p) continue;
    const [k, v] = p.split('=');
    if (!k || v === undefined || parts.has(k.toUpperCase())) return undefined;
    parts.set(k.toUpperCase(), v.toUpperCase());
  }
  const known = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL', 'WKST']);
  if ([...parts.keys()].some((k) => !known.has(k))) return undefined;

  const interval = Number(parts.get('INTERVAL') ?? '1');
  if (!Number.isInteger(interval) || interval < 1) return undefined;
  const base = { DAILY: 'sched.rrule.daily', WEEKLY: 'sched.rrule.weekly', MONTHLY: 'sched.rrule.monthly', YEARLY: 'sched.rrule.yearly' } as const;
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') return undefined;
  let text = tn(base[freq], interval);

  const byday = parts.get('BYDAY');
  const bymonthday = parts.get('BYMONTHDAY');
  if (byday && bymonthday) return undefined;
  if (byday) {
    const days = byday.split(',').map((d) => /^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(d));
    if (days.some((m) => !m)) return undefined;
    const plain = days.every((m) => !m![1]);
    if (plain && (freq === 'WEEKLY' || freq === 'DAILY')) {
      text = t('sched.rrule.on_days', { rule: text, days: list(days.map((m) => weekdayName(m![2] as Weekday))) });
    } else if (freq === 'MONTHLY' && days.length === 1 && days[0]![1]) {
      const nth = ordinalKeys[String(Number(days[0]![1]))];
      if (!nth) return undefined;
      text = t('sched.rrule.on_nth', { rule: text, nth: t(nth), day: weekdayName(days[0]![2] as Weekday) });
    } else {
      return undefined;
    }
  } else if (bymonthday) {
    const day = Number(bymonthday);
    if (freq !== 'MONTHLY' || !Number.isInteger(day) || day < 1 || day > 31) return undefined;
    text = t('sched.rrule.on_monthday', { rule: text, day });
  }

  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count && until) return undefined;
  if (count) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1) return undefined;
    text = t('sched.rrule.ends', { rule: text, end: tn('sched.rrule.times', n) });
  } else if (until) {
    const date = untilDate(until);
    if (!date) return undefined;
    text = t('sched.rrule.ends', { rule: text, end: t('sched.rrule.until', { date }) });
  }
  return text;
}
