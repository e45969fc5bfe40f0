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
  // Sign-in (auth.ts): what failed and who can fix it.
  signin_exchange_failed:
    'Outlook could not get an Exchange identity token to prove who you are ({detail}). If your mailbox is in Exchange Online, where Microsoft has turned these tokens off, ask your IT team to switch the integration to nested app authentication (NAA).',
  signin_exchange_unsupported:
    'This Outlook cannot give the add-in an Exchange identity token. Ask your IT team to choose another add-in sign-in method for this integration.',
  signin_sso_unsupported:
    'This Outlook does not offer single sign-on to add-ins ({detail}). Ask your IT team to choose another add-in sign-in method for this integration.',
  signin_not_signed_in: 'You are not signed in to Office yet. Sign in to Outlook, then try again.',
  signin_cancelled: 'The sign-in was cancelled. Try again and complete it.',
  signin_account_type: 'Sign in to Office with your work or school account: this add-in accepts no other kind of account.',
  signin_setup:
    'The add-in’s sign-in is not set up for your organisation yet ({detail}). Ask your IT team to check the add-in’s app registration in Entra ID and to grant consent.',
  signin_busy: 'Another sign-in is still in progress. Wait a moment, then try again.',
  signin_zones:
    'Your browser puts Outlook and the add-in in different security zones, so single sign-on cannot work. Ask your IT team to put both sites in the same zone.',
  signin_office_failed: 'Office could not sign you in ({detail}). Try again; if it keeps failing, restart Outlook.',
  signin_no_network: 'Signing in needs a network connection. Check your connection, then try again.',
  signin_naa_failed: 'The Microsoft sign-in failed ({detail}). Try again; if it keeps failing, give this message to your IT team.',
  signin_naa_config:
    'The integration does not say which application to sign in to: nested app authentication needs its application id and web API scopes. Ask your IT team to complete the integration’s add-in sign-in settings.',
  signin_no_method:
    'This Outlook offers neither nested app authentication nor single sign-on ({detail}). Ask your IT team to update Outlook, to set up single sign-on for the add-in (its application id in the manifest), or to choose Exchange identity tokens as the integration’s add-in sign-in method.',
  signin_refused: 'The add-in host did not accept your sign-in: {detail}',
  // The delegate's pre-flight (preflight.ts): what was checked before
  // booking in someone else's calendar, and what to do about a failure.
  preflight_blocked_heading: 'The room cannot be booked for {owner} yet',
  preflight_blocked_message: 'Fix what is marked below, then check again.',
  preflight_recheck: 'Check again',
  preflight_passed: 'In order: ',
  preflight_failed: 'Missing: ',
  preflight_the_owner: 'the calendar’s owner',
  preflight_no_domains: 'none are listed',
  preflight_owner_ok: 'The meeting is in {owner}’s calendar: the room is booked for them, not for you.',
  preflight_owner_unknown: 'Outlook did not say whose calendar this meeting is in.',
  preflight_owner_unknown_fix: 'Close the meeting and open it again from the shared calendar, or ask the calendar’s owner to add the room.',
  preflight_domain_ok: '{owner} is in {domain}, which this room service serves.',
  preflight_domain_outside: '{owner} is not in a domain this room service serves (it serves: {domains}), so the meeting would be declined.',
  preflight_domain_outside_fix: 'Ask your IT team to add {domain} to the integration’s Exchange domains, or ask {owner} to book the room with their own add-in.',
  preflight_write_ok: 'You may change meetings in {owner}’s calendar.',
  preflight_write_missing: 'Outlook says you may not create meetings in {owner}’s calendar, so the room’s joining details could not be saved in it.',
  preflight_edit_missing: 'Outlook says you may not change existing meetings in {owner}’s calendar, so the room’s joining details could not be saved in this one.',
  preflight_write_missing_fix: 'Ask {owner} to give you Editor rights on the calendar (Outlook: calendar permissions or delegate access), then check again.',
  preflight_room_ok: 'The room mailbox {room} will be invited.',
  preflight_room_missing: 'The integration names no room mailbox, so nothing would invite the room and no video room would be set up.',
  preflight_room_missing_fix: 'Ask your IT team to set the integration’s room mailbox.',
  preflight_room_cannot_invite: 'This Outlook cannot add {room} to a meeting in {owner}’s calendar.',
  preflight_room_cannot_invite_fix: 'Use Outlook on the web or a current Outlook, or ask {owner} to book the room.',
  // The phone's button (mobile.ts): Outlook shows these in the meeting's
  // notification bar, at most 150 characters.
  command_done: 'Video meeting added: {alias}',
  command_placeholder: 'No room could be reserved now; the invitation is updated when one is ready.',
  command_failed: 'No video meeting was added: {detail}',
  command_nothing_enabled: 'This integration offers neither single-use nor personal rooms.',
  command_personal_none: 'You have no personal room to add.',
  command_personal_signin: 'Personal rooms need a sign-in: add one from Outlook on a computer or on the web.',
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
  signin_exchange_failed:
    'Outlook konnte kein Exchange-Identitätstoken abrufen, das Ihre Identität nachweist ({detail}). Liegt Ihr Postfach in Exchange Online, wo Microsoft diese Tokens abgeschaltet hat, bitten Sie Ihre IT, die Integration auf Nested App Authentication (NAA) umzustellen.',
  signin_exchange_unsupported:
    'Dieses Outlook kann dem Add-in kein Exchange-Identitätstoken geben. Bitten Sie Ihre IT, für diese Integration eine andere Anmeldemethode des Add-ins zu wählen.',
  signin_sso_unsupported:
    'Dieses Outlook bietet Add-ins keine einmalige Anmeldung (SSO) ({detail}). Bitten Sie Ihre IT, für diese Integration eine andere Anmeldemethode des Add-ins zu wählen.',
  signin_not_signed_in: 'Sie sind noch nicht bei Office angemeldet. Melden Sie sich in Outlook an und versuchen Sie es erneut.',
  signin_cancelled: 'Die Anmeldung wurde abgebrochen. Versuchen Sie es erneut und schließen Sie sie ab.',
  signin_account_type: 'Melden Sie sich mit Ihrem Geschäfts- oder Schulkonto bei Office an: Dieses Add-in akzeptiert keine anderen Konten.',
  signin_setup:
    'Die Anmeldung des Add-ins ist für Ihre Organisation noch nicht eingerichtet ({detail}). Bitten Sie Ihre IT, die App-Registrierung des Add-ins in Entra ID zu prüfen und die Zustimmung zu erteilen.',
  signin_busy: 'Eine andere Anmeldung läuft noch. Warten Sie einen Moment und versuchen Sie es dann erneut.',
  signin_zones:
    'Ihr Browser ordnet Outlook und das Add-in verschiedenen Sicherheitszonen zu, daher funktioniert die einmalige Anmeldung nicht. Bitten Sie Ihre IT, beide Seiten derselben Zone zuzuordnen.',
  signin_office_failed: 'Office konnte Sie nicht anmelden ({detail}). Versuchen Sie es erneut; klappt es weiterhin nicht, starten Sie Outlook neu.',
  signin_no_network: 'Die Anmeldung braucht eine Netzwerkverbindung. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  signin_naa_failed: 'Die Microsoft-Anmeldung ist fehlgeschlagen ({detail}). Versuchen Sie es erneut; klappt es weiterhin nicht, geben Sie diese Meldung an Ihre IT weiter.',
  signin_naa_config:
    'Die Integration nennt keine Anwendung für die Anmeldung: Nested App Authentication braucht deren Anwendungs-ID und die Bereiche (Scopes) der Web-API. Bitten Sie Ihre IT, die Anmeldeeinstellungen des Add-ins in der Integration zu vervollständigen.',
  signin_no_method:
    'Dieses Outlook bietet weder Nested App Authentication noch einmalige Anmeldung (SSO) ({detail}). Bitten Sie Ihre IT, Outlook zu aktualisieren, die einmalige Anmeldung für das Add-in einzurichten (seine Anwendungs-ID im Manifest) oder Exchange-Identitätstokens als Anmeldemethode des Add-ins der Integration zu wählen.',
  signin_refused: 'Der Add-in-Host hat Ihre Anmeldung nicht angenommen: {detail}',
  preflight_blocked_heading: 'Der Raum kann noch nicht für {owner} gebucht werden',
  preflight_blocked_message: 'Beheben Sie, was unten markiert ist, und prüfen Sie dann erneut.',
  preflight_recheck: 'Erneut prüfen',
  preflight_passed: 'In Ordnung: ',
  preflight_failed: 'Fehlt: ',
  preflight_the_owner: 'den Besitzer des Kalenders',
  preflight_no_domains: 'keine eingetragen',
  preflight_owner_ok: 'Die Besprechung liegt im Kalender von {owner}: Der Raum wird für diese Person gebucht, nicht für Sie.',
  preflight_owner_unknown: 'Outlook hat nicht gesagt, in wessen Kalender diese Besprechung liegt.',
  preflight_owner_unknown_fix: 'Schließen Sie die Besprechung und öffnen Sie sie erneut aus dem freigegebenen Kalender, oder bitten Sie den Besitzer des Kalenders, den Raum hinzuzufügen.',
  preflight_domain_ok: '{owner} gehört zu {domain}, für die dieser Raumdienst bucht.',
  preflight_domain_outside: '{owner} gehört zu keiner Domäne, für die dieser Raumdienst bucht (er bucht für: {domains}), daher würde die Besprechung abgelehnt.',
  preflight_domain_outside_fix: 'Bitten Sie Ihre IT, {domain} zu den Exchange-Domänen der Integration hinzuzufügen, oder bitten Sie {owner}, den Raum mit dem eigenen Add-in zu buchen.',
  preflight_write_ok: 'Sie dürfen Besprechungen im Kalender von {owner} ändern.',
  preflight_write_missing: 'Laut Outlook dürfen Sie im Kalender von {owner} keine Besprechungen anlegen, daher könnten die Einwahldaten des Raums dort nicht gespeichert werden.',
  preflight_edit_missing: 'Laut Outlook dürfen Sie bestehende Besprechungen im Kalender von {owner} nicht ändern, daher könnten die Einwahldaten des Raums in dieser nicht gespeichert werden.',
  preflight_write_missing_fix: 'Bitten Sie {owner}, Ihnen Bearbeitungsrechte (Editor) für den Kalender zu geben (in Outlook: Kalenderberechtigungen oder Stellvertretungszugriff), und prüfen Sie dann erneut.',
  preflight_room_ok: 'Das Raumpostfach {room} wird eingeladen.',
  preflight_room_missing: 'Die Integration nennt kein Raumpostfach, daher würde niemand den Raum einladen und kein Videoraum eingerichtet.',
  preflight_room_missing_fix: 'Bitten Sie Ihre IT, das Raumpostfach der Integration einzutragen.',
  preflight_room_cannot_invite: 'Dieses Outlook kann {room} nicht zu einer Besprechung im Kalender von {owner} hinzufügen.',
  preflight_room_cannot_invite_fix: 'Verwenden Sie Outlook im Web oder ein aktuelles Outlook, oder bitten Sie {owner}, den Raum zu buchen.',
  command_done: 'Videobesprechung hinzugefügt: {alias}',
  command_placeholder: 'Gerade ist kein Raum frei; die Einladung wird aktualisiert, sobald einer bereit ist.',
  command_failed: 'Keine Videobesprechung hinzugefügt: {detail}',
  command_nothing_enabled: 'Diese Integration bietet weder Einmal- noch persönliche Räume.',
  command_personal_none: 'Sie haben keinen persönlichen Raum zum Hinzufügen.',
  command_personal_signin: 'Persönliche Räume brauchen eine Anmeldung: Fügen Sie einen in Outlook am Computer oder im Web hinzu.',
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
