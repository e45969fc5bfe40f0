// The pane's own words, in English and German; it follows Office's display
// language. The integration's texts (titles, messages) come from the API in
// the admin's wording and are not translated here; where the admin left one
// empty, the product's default in the user's language stands in
// (pane-defaults.gen.json, written from backend/integration/defaults.go).
import type { PaneTextKey } from './api';
import { pickLocale as pick, translate, type Params } from '../lib/i18n/core';
import defaults from './pane-defaults.gen.json';

export const en = {
  loading: 'Loading…',
  working: 'Working on it…',
  retry: 'Try again',
  no_integration: 'This add-in address names no integration. Ask your IT team for a new manifest.',
  config_failed: 'The add-in could not load its settings.',
  not_in_outlook_heading: 'Open this in Outlook',
  not_in_outlook_message: 'This pane works in a meeting you are writing in Outlook.',
  office_missing: 'Office.js could not be loaded, so the pane cannot reach Outlook.',
  single_use_heading: 'Meeting room for this meeting',
  personal_heading: 'My personal rooms',
  reserved_alias: 'Room address: {alias}',
  location_not_set: 'The location could not be set: {detail}',
  room_not_added: 'The room could not be added as a resource: {detail}',
  placeholder_html:
    '<div class="vmr-companion-instructions"><p><strong>Video meeting details to follow</strong></p>' +
    '<p>A meeting room could not be reserved just now. This invitation is updated with how to join as soon as one is ready.</p></div>',
  problem_detail: 'Details: {detail}',
  network_error: 'The add-in host could not be reached.',
  personal_loading: 'Loading your rooms…',
  personal_aliases: 'Addresses: {aliases}',
  sign_in_unavailable: 'This Outlook does not offer single sign-on.',
  acting_for: 'Scheduling for {owner}',
  signed_in_as: 'Signed in as {email}',
  sign_out: 'Sign out',
  signin_done: 'You are signed in. This window closes by itself; if it stays open, close it.',
  signin_failed: 'The sign-in did not work: {detail} Close this window and try again.',
  debug_heading: 'Debug log',
  debug_copy: 'Copy log',
  debug_copied: 'Copied',
  dismiss: 'Dismiss',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = { readonly [K in MessageKey]: string };

export const de: Messages = {
  loading: 'Wird geladen …',
  working: 'Einen Moment …',
  retry: 'Erneut versuchen',
  no_integration: 'Diese Add-in-Adresse nennt keine Integration. Bitten Sie Ihre IT um ein neues Manifest.',
  config_failed: 'Das Add-in konnte seine Einstellungen nicht laden.',
  not_in_outlook_heading: 'In Outlook öffnen',
  not_in_outlook_message: 'Dieser Bereich funktioniert in einer Besprechung, die Sie in Outlook verfassen.',
  office_missing: 'Office.js konnte nicht geladen werden, daher erreicht der Bereich Outlook nicht.',
  single_use_heading: 'Besprechungsraum für diese Besprechung',
  personal_heading: 'Meine persönlichen Räume',
  reserved_alias: 'Raumadresse: {alias}',
  location_not_set: 'Der Ort konnte nicht gesetzt werden: {detail}',
  room_not_added: 'Der Raum konnte nicht als Ressource hinzugefügt werden: {detail}',
  placeholder_html:
    '<div class="vmr-companion-instructions"><p><strong>Einwahldaten folgen</strong></p>' +
    '<p>Gerade konnte kein Besprechungsraum reserviert werden. Diese Einladung wird mit den Einwahldaten aktualisiert, sobald einer bereit ist.</p></div>',
  problem_detail: 'Details: {detail}',
  network_error: 'Der Add-in-Host ist nicht erreichbar.',
  personal_loading: 'Ihre Räume werden geladen …',
  personal_aliases: 'Adressen: {aliases}',
  sign_in_unavailable: 'Dieses Outlook bietet keine einmalige Anmeldung (SSO).',
  acting_for: 'Planung für {owner}',
  signed_in_as: 'Angemeldet als {email}',
  sign_out: 'Abmelden',
  signin_done: 'Sie sind angemeldet. Dieses Fenster schließt sich von selbst; bleibt es offen, schließen Sie es.',
  signin_failed: 'Die Anmeldung hat nicht geklappt: {detail} Schließen Sie dieses Fenster und versuchen Sie es erneut.',
  debug_heading: 'Debug-Protokoll',
  debug_copy: 'Protokoll kopieren',
  debug_copied: 'Kopiert',
  dismiss: 'Schließen',
};

export const catalogues = { en, de } satisfies Record<string, Messages>;
export type Locale = keyof typeof catalogues;

/** pickLocale maps an Office display language ("de-DE") to a catalogue, English if none fits. */
export function pickLocale(tag: string | undefined | null): Locale {
  return pick(tag, ['en', 'de'] as const satisfies readonly Locale[], 'en');
}

/** Translator returns the message for key with {placeholders} filled. */
export type Translator = (key: MessageKey, params?: Params) => string;

export function translator(locale: Locale): Translator {
  const messages: Messages = catalogues[locale];
  return (key, params) => translate(messages, en, key, params);
}

/**
 * paneDefaults stand in for an integration text the admin left empty: the
 * product's default wording and its German, from the Go side (the one copy).
 */
export const paneDefaults: Record<Locale, Record<PaneTextKey, string>> = defaults;
