/// <reference types="office-js" />
// The ONLY module that touches Office.js: everything else in the add-in asks
// it. Each call is guarded, so the pane still draws (and says why it can't
// act) when it is opened outside Outlook or in an Outlook that lacks a newer
// requirement set. Unit tests drive it with office-addin-mock.

/** Where the host serves its own copy of Office.js (offline deployments). */
export const HOSTED_OFFICE_JS = '/office-js/office.js';

/** The token every single-use instructions body carries ("vmr-companion:<alias uuid>"). */
export const TOKEN_PREFIX = 'vmr-companion:';
/** Marks the placeholder text: the scheduler reserves a room for the meeting later. */
export const PLACEHOLDER_TOKEN = TOKEN_PREFIX + 'pending';

/** OfficeError is a failed Office.js call, with Office's error code and message. */
export class OfficeError extends Error {
  readonly code: number | string | undefined;
  constructor(message: string, code?: number | string) {
    super(message);
    this.name = 'OfficeError';
    this.code = code;
  }
}

export interface Theme {
  bodyBackgroundColor: string;
  bodyForegroundColor: string;
  controlBackgroundColor: string;
  controlForegroundColor: string;
}

export interface Readiness {
  /** Office.js is on the page (it may still be outside any Office host). */
  office: boolean;
  /** Running in Outlook with an item (a meeting being composed). */
  outlook: boolean;
}

// Office.js is a script global; tests install a mock on globalThis.
function office(): typeof Office | undefined {
  return (globalThis as { Office?: typeof Office }).Office;
}

function mailbox(): Office.Mailbox | undefined {
  try {
    return office()?.context?.mailbox;
  } catch {
    return undefined;
  }
}

// The compose appointment. Its type is loose on purpose: which methods exist
// depends on the Outlook and its requirement sets, so each is checked.
type Item = Partial<Office.AppointmentCompose> & {
  itemId?: string;
  resources?: Partial<Office.Recipients>;
  getItemIdAsync?: (cb: (r: Office.AsyncResult<string>) => void) => void;
  getSharedPropertiesAsync?: (cb: (r: Office.AsyncResult<Office.SharedProperties>) => void) => void;
};

function item(): Item {
  const it = mailbox()?.item as Item | null | undefined;
  if (!it) throw new OfficeError('no Outlook item: open the add-in from a meeting');
  return it;
}

function failed(status: unknown): boolean {
  const o = office();
  return status === (o?.AsyncResultStatus?.Failed ?? 'failed') || status === 'failed';
}

/** call wraps one Office.js callback method in a promise. */
function call<T>(start: (cb: (r: Office.AsyncResult<T>) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((r) => {
        if (!r || failed(r.status)) {
          reject(new OfficeError(r?.error?.message || 'the Office call failed', r?.error?.code));
        } else {
          resolve(r.value);
        }
      });
    } catch (e) {
      reject(e instanceof Error ? e : new OfficeError(String(e)));
    }
  });
}

function htmlType(): Office.CoercionType {
  return office()?.CoercionType?.Html ?? ('html' as Office.CoercionType);
}

function textType(): Office.CoercionType {
  return office()?.CoercionType?.Text ?? ('text' as Office.CoercionType);
}

/**
 * loadScript makes sure Office.js is on the page: the page's <script> loads
 * it from Microsoft's CDN; if that failed (no internet), this loads the
 * host's own copy. Inline onerror handlers are not allowed by the host's
 * Content-Security-Policy, so the check runs here, after the blocking
 * <script> has either run or failed.
 */
export function loadScript(src = HOSTED_OFFICE_JS, timeoutMs = 15000): Promise<boolean> {
  if (office()) return Promise.resolve(true);
  if (typeof document === 'undefined') return Promise.resolve(false);
  // Office.js loads its host files from where its own <script> came from,
  // taking the first office.js it finds: drop the failed CDN tag first.
  for (const old of Array.from(document.querySelectorAll<HTMLScriptElement>('script[src]'))) {
    if (/\/office(\.debug)?\.js(\?|$)/i.test(old.src)) old.remove();
  }
  return new Promise((resolve) => {
    const s = document.createElement('script');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok && !!office());
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.src = src;
    s.onload = () => done(true);
    s.onerror = () => done(false);
    document.head.appendChild(s);
  });
}

/**
 * ready waits for Office.onReady and tells where the pane runs. Outside any
 * Office host (a plain browser, a foreign frame) Office.js may never answer:
 * after timeoutMs the pane is taken to be outside Outlook.
 */
export async function ready(timeoutMs = 10000): Promise<Readiness> {
  const o = office();
  if (!o || typeof o.onReady !== 'function') return { office: false, outlook: false };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const info = await Promise.race([
    Promise.resolve(o.onReady()).catch(() => null),
    new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!info) return { office: true, outlook: false };
  const outlook = String(info.host ?? '').toLowerCase() === 'outlook' && !!mailbox()?.item;
  return { office: true, outlook };
}

/** readBodyHtml is the body of the item as HTML. */
export async function readBodyHtml(): Promise<string> {
  const body = item().body;
  if (!body?.getAsync) throw new OfficeError('this Outlook cannot read the body');
  return String((await call<string>((cb) => body.getAsync(htmlType(), cb))) ?? '');
}

/** hasToken tells whether the body already holds a VMR (our token); the placeholder's marker does not count. */
export function hasToken(html: string): boolean {
  return html.toLowerCase().split(TOKEN_PREFIX).slice(1).some((rest) => !rest.startsWith('pending'));
}

/** htmlToText turns instructions into plain text for plain-text bodies. */
export function htmlToText(html: string): string {
  const withBreaks = html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(p|div|li|h[1-6]|tr)\s*>/gi, '\n');
  let text: string;
  if (typeof DOMParser !== 'undefined') {
    text = new DOMParser().parseFromString(withBreaks, 'text/html').body.textContent ?? '';
  } else {
    text = withBreaks.replace(/<[^>]*>/g, '');
  }
  return text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** How insertHtml put the text in. */
export type Inserted = 'selection' | 'prepend' | 'text';

/**
 * insertHtml puts html into the body at the cursor (at the top when the
 * cursor is elsewhere); if that fails it prepends. A plain-text body gets
 * the text of the html.
 */
export async function insertHtml(html: string): Promise<Inserted> {
  const body = item().body;
  if (!body) throw new OfficeError('this Outlook cannot write the body');
  let plain = false;
  if (typeof body.getTypeAsync === 'function') {
    try {
      const type = await call<Office.CoercionType>((cb) => body.getTypeAsync(cb));
      plain = String(type).toLowerCase() === 'text';
    } catch {
      // Assume HTML, which every current Outlook composes in.
    }
  }
  const data = plain ? htmlToText(html) : html;
  const options = { coercionType: plain ? textType() : htmlType() };
  if (typeof body.setSelectedDataAsync === 'function') {
    try {
      await call<void>((cb) => body.setSelectedDataAsync(data, options, cb));
      return plain ? 'text' : 'selection';
    } catch (e) {
      if (typeof body.prependAsync !== 'function') throw e;
    }
  }
  if (typeof body.prependAsync !== 'function') throw new OfficeError('this Outlook cannot write the body');
  await call<void>((cb) => body.prependAsync(data, options, cb));
  return plain ? 'text' : 'prepend';
}

/** How setLocation set it. */
export type Located = 'enhanced' | 'location';

/**
 * setLocation adds the meeting's location: a custom location beside any the
 * user chose (enhancedLocation, Mailbox 1.8), else the Location text.
 */
export async function setLocation(location: string): Promise<Located> {
  const it = item();
  const enhanced = it.enhancedLocation;
  if (enhanced && typeof enhanced.addAsync === 'function') {
    const custom = office()?.MailboxEnums?.LocationType?.Custom ?? ('custom' as Office.MailboxEnums.LocationType);
    try {
      await call<void>((cb) => enhanced.addAsync([{ id: location, type: custom }], cb));
      return 'enhanced';
    } catch (e) {
      if (typeof it.location?.setAsync !== 'function') throw e;
    }
  }
  const loc = it.location;
  if (!loc || typeof loc.setAsync !== 'function') throw new OfficeError('this Outlook cannot set the location');
  await call<void>((cb) => loc.setAsync(location, cb));
  return 'location';
}

/** Where addResource put the room. */
export type Added = 'resources' | 'required';

/**
 * addResource adds the room mailbox to the meeting: as a resource where the
 * Outlook offers one, else as a required attendee (Exchange books a room
 * mailbox from any attendee field).
 */
export async function addResource(email: string, displayName = ''): Promise<Added> {
  const it = item();
  const who: Office.EmailAddressDetails = {
    emailAddress: email,
    displayName: displayName || email,
  } as Office.EmailAddressDetails;
  const resources = it.resources;
  if (resources && typeof resources.addAsync === 'function') {
    await call<void>((cb) => resources.addAsync!([who], cb));
    return 'resources';
  }
  const required = it.requiredAttendees;
  if (!required || typeof required.addAsync !== 'function') {
    throw new OfficeError('this Outlook cannot add attendees');
  }
  await call<void>((cb) => required.addAsync([who], cb));
  return 'required';
}

/** userEmail is the signed-in user's address, or "". */
export function userEmail(): string {
  try {
    return mailbox()?.userProfile?.emailAddress ?? '';
  } catch {
    return '';
  }
}

/** What Office.js reports about an item in a shared folder. */
export interface SharedProperties {
  /** The owner's address ("" when Outlook did not say). */
  owner: string;
  /** Office.MailboxEnums.DelegatePermissions bits (0 when Outlook did not say). */
  permissions: number;
}

/**
 * sharedProperties are the owner and the delegate's permissions when the
 * item is in a shared or delegate calendar, or null when the item is the
 * user's own: getSharedPropertiesAsync exists only where the manifest
 * declares SupportsSharedFolders (Mailbox 1.8), and fails for an item that
 * is not shared.
 */
export async function sharedProperties(): Promise<SharedProperties | null> {
  const it = mailbox()?.item as Item | null | undefined;
  if (!it || typeof it.getSharedPropertiesAsync !== 'function') return null;
  try {
    const props = await call<Office.SharedProperties>((cb) => it.getSharedPropertiesAsync!(cb));
    if (!props) return null;
    const permissions = Number(props.delegatePermissions);
    return { owner: typeof props.owner === 'string' ? props.owner : '', permissions: Number.isInteger(permissions) ? permissions : 0 };
  } catch {
    return null;
  }
}

/**
 * sharedOwner is the owner of a shared calendar the item is in (a delegate
 * composing for someone else), or null when the item is the user's own.
 */
export async function sharedOwner(): Promise<string | null> {
  return (await sharedProperties())?.owner || null;
}

/** canInvite tells whether the item can take the room mailbox (a resource or a required attendee). */
export function canInvite(): boolean {
  const it = mailbox()?.item as Item | null | undefined;
  return typeof it?.resources?.addAsync === 'function' || typeof it?.requiredAttendees?.addAsync === 'function';
}

/**
 * itemId is the item's Exchange id when it has one: items being composed
 * have none until saved, so the caller keeps its own key then.
 */
export async function itemId(): Promise<string | null> {
  const it = mailbox()?.item as Item | null | undefined;
  if (!it) return null;
  if (typeof it.itemId === 'string' && it.itemId) return it.itemId;
  if (typeof it.getItemIdAsync !== 'function') return null;
  try {
    const id = await call<string>((cb) => it.getItemIdAsync!(cb));
    return id || null;
  } catch {
    return null;
  }
}

/** theme is Office's theme colours, when the host offers them. */
export function theme(): Theme | null {
  try {
    const t = office()?.context?.officeTheme;
    if (!t || !t.bodyBackgroundColor || !t.bodyForegroundColor) return null;
    return {
      bodyBackgroundColor: t.bodyBackgroundColor,
      bodyForegroundColor: t.bodyForegroundColor,
      controlBackgroundColor: t.controlBackgroundColor || t.bodyBackgroundColor,
      controlForegroundColor: t.controlForegroundColor || t.bodyForegroundColor,
    };
  } catch {
    return null;
  }
}

/** displayLanguage is Office's UI language ("de-DE"), or "" outside Office. */
export function displayLanguage(): string {
  try {
    return office()?.context?.displayLanguage ?? '';
  } catch {
    return '';
  }
}

/**
 * supports tells whether this Office offers a requirement set at a version
 * ("NestedAppAuth", "1.1"); false outside Office or where it cannot tell.
 */
export function supports(set: string, version: string): boolean {
  try {
    const req = office()?.context?.requirements;
    return typeof req?.isSetSupported === 'function' && req.isSetSupported(set, version) === true;
  } catch {
    return false;
  }
}

/** canIdentify tells whether Outlook offers Exchange identity tokens. */
export function canIdentify(): boolean {
  return typeof mailbox()?.getUserIdentityTokenAsync === 'function';
}

/**
 * identityToken is Exchange's identity token for the signed-in user
 * (getUserIdentityTokenAsync): the host checks it against the Exchange
 * server's published keys. Outlook caches it, so each call may ask again.
 */
export async function identityToken(): Promise<string> {
  const mb = mailbox();
  if (!mb || typeof mb.getUserIdentityTokenAsync !== 'function') {
    throw new OfficeError('this Outlook offers no Exchange identity token');
  }
  const token = await call<string>((cb) => mb.getUserIdentityTokenAsync(cb));
  if (typeof token !== 'string' || !token) throw new OfficeError('Outlook gave an empty Exchange identity token');
  return token;
}

/** canSignIn tells whether Office offers single sign-on (Office.auth). */
export function canSignIn(): boolean {
  return typeof office()?.auth?.getAccessToken === 'function';
}

/**
 * accessToken asks Office for the user's token (single sign-on). interactive
 * lets Office show its sign-in and consent prompts; without it the call
 * fails when the user has not signed in yet.
 */
export async function accessToken(interactive: boolean): Promise<string> {
  const auth = office()?.auth;
  if (!auth || typeof auth.getAccessToken !== 'function') {
    throw new OfficeError('this Outlook offers no single sign-on');
  }
  try {
    return await auth.getAccessToken({ allowSignInPrompt: interactive, allowConsentPrompt: interactive, forMSGraphAccess: false });
  } catch (e) {
    const err = e as { message?: string; code?: number | string };
    throw new OfficeError(err?.message || String(e), err?.code);
  }
}

/** The event Office passes to a UI-less command; completed() must be called once. */
export interface CommandEvent {
  completed(options?: { allowEvent?: boolean }): void;
}

/**
 * associate registers a UI-less command's function under the name the
 * manifest's ExecuteFunction gives (Office.actions.associate: Outlook on
 * phones finds functions only this way, not as globals). False when this
 * Office has no Office.actions.
 */
export function associate(name: string, handler: (event: CommandEvent) => void): boolean {
  const actions = (office() as { actions?: { associate?: (n: string, h: (e: CommandEvent) => void) => void } } | undefined)?.actions;
  if (!actions || typeof actions.associate !== 'function') return false;
  actions.associate(name, handler);
  return true;
}

/** How a notification looks: information (with the add-in's icon) or an error. */
export type Notice = 'info' | 'error';

/** NOTICE_ICON is the manifest's 16 px icon resource, which informational notifications must name. */
export const NOTICE_ICON = 'vmrcIcon16';

/**
 * notify shows one line in the meeting's notification bar, replacing the
 * add-in's earlier one: the only way a UI-less command can tell the user
 * anything. Outlook takes at most 150 characters.
 */
export async function notify(kind: Notice, text: string): Promise<void> {
  const messages = (item() as { notificationMessages?: Partial<Office.NotificationMessages> }).notificationMessages;
  if (!messages || typeof messages.replaceAsync !== 'function') throw new OfficeError('this Outlook cannot show notifications');
  const types = office()?.MailboxEnums?.ItemNotificationMessageType;
  const one = text.replace(/\s+/g, ' ').trim();
  const details =
    kind === 'error'
      ? { type: types?.ErrorMessage ?? ('errorMessage' as Office.MailboxEnums.ItemNotificationMessageType), message: one.length > 150 ? one.slice(0, 149) + '…' : one }
      : {
          type: types?.InformationalMessage ?? ('informationalMessage' as Office.MailboxEnums.ItemNotificationMessageType),
          message: one.length > 150 ? one.slice(0, 149) + '…' : one,
          icon: NOTICE_ICON,
          persistent: false,
        };
  await call<void>((cb) => messages.replaceAsync!('vmr-companion', details as Office.NotificationMessageDetails, cb));
}
