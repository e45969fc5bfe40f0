// Message catalogues for the window's own text. The language follows
// navigator.language (German for de-*, English otherwise).
import { en, type MessageKey, type Messages } from './en';
import { de } from './de';
import { pickLocale as pick, translate, type Params } from './core';

export type { MessageKey, Messages } from './en';

export const catalogues = { en, de } satisfies Record<string, Messages>;
export type Locale = keyof typeof catalogues;

/** pickLocale chooses the catalogue for a list of BCP 47 tags, English if none fits. */
export function pickLocale(languages: readonly string[] | undefined): Locale {
  return pick(languages, ['en', 'de'] as const satisfies readonly Locale[], 'en');
}

function browserLanguages(): string[] {
  if (typeof navigator === 'undefined') return [];
  return [navigator.language, ...(navigator.languages ?? [])].filter(Boolean);
}

let current: Locale = pickLocale(browserLanguages());
let messages: Messages = catalogues[current];

export function locale(): Locale {
  return current;
}

/** setLocale switches the catalogue (tests; the window picks it once at start). */
export function setLocale(l: Locale): void {
  current = l;
  messages = catalogues[l];
}

/** t returns the message for key with {placeholders} filled. */
export function t(key: MessageKey, params?: Params): string {
  return translate(messages, en, key, params);
}

/** has tells whether the catalogue has a text for key (a key built at run time). */
export function has(key: string): key is MessageKey {
  return key in messages;
}

type PluralBase = {
  [K in MessageKey]: K extends `${infer B}_one` ? (`${B}_other` extends MessageKey ? B : never) : never;
}[MessageKey];

/** tn picks the plural form of base (base_one / base_other) for count, with {count} filled. */
export function tn(base: PluralBase, count: number, params?: Params): string {
  const rule = new Intl.PluralRules(current).select(count);
  const key = (rule === 'one' ? `${base}_one` : `${base}_other`) as MessageKey;
  return t(key, { count, ...params });
}

/** optionLabel names an enum value of the schema for people, falling back to the value. */
export function optionLabel(value: string): string {
  const key = `opt.${value}` as MessageKey;
  return key in messages ? t(key) : value;
}

/** authLabel is the short name of an authentication method, for lists. */
export function authLabel(value: string): string {
  const key = `auth.${value}` as MessageKey;
  return key in messages ? t(key) : value;
}

/** formatDate shows a timestamp in the window's language. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getFullYear() <= 1) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** formatDay shows the date of a timestamp, without the time. */
export function formatDay(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getFullYear() <= 1) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium' }).format(d);
}

/** formatTime shows the time of day of a timestamp, to the second. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getFullYear() <= 1) return '';
  return new Intl.DateTimeFormat(current, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d);
}
