// The pane's own words, in English and German; it follows Office's display
// language. The integration's texts (titles, messages) come from the API in
// the admin's wording and are not translated here.
import type { PaneTextKey } from './api';

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
  debug_heading: 'Debug-Protokoll',
  debug_copy: 'Protokoll kopieren',
  debug_copied: 'Kopiert',
  dismiss: 'Schließen',
};

export const catalogues = { en, de } satisfies Record<string, Messages>;
export type Locale = keyof typeof catalogues;

/** pickLocale maps an Office display language ("de-DE") to a catalogue, English if none fits. */
export function pickLocale(tag: string | undefined | null): Locale {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return base in catalogues ? (base as Locale) : 'en';
}

/** Translator returns the message for key with {placeholders} filled. */
export type Translator = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translator {
  const messages: Messages = catalogues[locale];
  return (key, params) => {
    const text = messages[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  };
}


/**
 * paneDefaults stand in for an integration text the admin left empty: the
 * product's default wording (backend/integration/defaults.go) and its German.
 */
export const paneDefaults: Record<Locale, Record<PaneTextKey, string>> = {
  en: {
    addin_pane_title: 'Video meeting',
    addin_pane_description: 'Give this meeting its own virtual meeting room, or use your personal one.',
    addin_pane_button_title: 'Add a meeting room',
    addin_pane_success_heading: 'Room added',
    addin_pane_success_message: 'The joining details are in the invitation. Send it as usual.',
    addin_pane_already_video_meeting_heading: 'Already a video meeting',
    addin_pane_already_video_meeting_message: 'This meeting already has joining details for a virtual meeting room.',
    addin_pane_general_error_heading: 'Something went wrong',
    addin_pane_general_error_message: 'The room could not be added. Try again, and tell your IT team if it keeps happening.',
    addin_pane_management_node_down_heading: 'Room service unavailable',
    addin_pane_management_node_down_message:
      'The invitation now says the details will follow. Send it; it is updated when a room is ready.',
    addin_pane_personal_vmr_add_button: 'Use my room',
    addin_pane_personal_vmr_sign_in_button: 'Sign in to see your rooms',
    addin_pane_personal_vmr_select_message: 'Choose one of your personal rooms:',
    addin_pane_personal_vmr_none_message: 'You have no personal room yet. Ask your IT team for one.',
    addin_pane_personal_vmr_error_getting_message: 'Your personal rooms could not be loaded. Try again in a moment.',
    addin_pane_personal_vmr_error_signing_in_message: 'Signing in did not work. Try again, or ask your IT team.',
    addin_pane_personal_vmr_error_inserting_meeting_message: 'The room details could not be added to this meeting. Try again.',
  },
  de: {
    addin_pane_title: 'Videobesprechung',
    addin_pane_description: 'Geben Sie dieser Besprechung einen eigenen virtuellen Besprechungsraum, oder nutzen Sie Ihren persönlichen.',
    addin_pane_button_title: 'Besprechungsraum hinzufügen',
    addin_pane_success_heading: 'Raum hinzugefügt',
    addin_pane_success_message: 'Die Einwahldaten stehen in der Einladung. Senden Sie sie wie gewohnt.',
    addin_pane_already_video_meeting_heading: 'Bereits eine Videobesprechung',
    addin_pane_already_video_meeting_message: 'Diese Besprechung enthält bereits Einwahldaten für einen virtuellen Besprechungsraum.',
    addin_pane_general_error_heading: 'Etwas ist schiefgegangen',
    addin_pane_general_error_message:
      'Der Raum konnte nicht hinzugefügt werden. Versuchen Sie es erneut, und melden Sie sich bei Ihrer IT, wenn es wieder passiert.',
    addin_pane_management_node_down_heading: 'Raumdienst nicht erreichbar',
    addin_pane_management_node_down_message:
      'In der Einladung steht jetzt, dass die Einwahldaten folgen. Senden Sie sie; sie wird aktualisiert, sobald ein Raum bereit ist.',
    addin_pane_personal_vmr_add_button: 'Meinen Raum verwenden',
    addin_pane_personal_vmr_sign_in_button: 'Anmelden, um Ihre Räume zu sehen',
    addin_pane_personal_vmr_select_message: 'Wählen Sie einen Ihrer persönlichen Räume:',
    addin_pane_personal_vmr_none_message: 'Sie haben noch keinen persönlichen Raum. Fragen Sie Ihre IT danach.',
    addin_pane_personal_vmr_error_getting_message: 'Ihre persönlichen Räume konnten nicht geladen werden. Versuchen Sie es gleich noch einmal.',
    addin_pane_personal_vmr_error_signing_in_message: 'Die Anmeldung hat nicht geklappt. Versuchen Sie es erneut, oder fragen Sie Ihre IT.',
    addin_pane_personal_vmr_error_inserting_meeting_message:
      'Die Raumdaten konnten nicht in diese Besprechung eingefügt werden. Versuchen Sie es erneut.',
  },
};
