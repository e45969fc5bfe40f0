// Test helpers: an Outlook compose appointment built on office-addin-mock's
// OfficeMockObject, which records what the add-in writes. Only tests import
// this file.
import { OfficeMockObject } from 'office-addin-mock';

type Callback = (r: { status: string; value?: unknown; error?: { code: number; message: string } }) => void;

export interface MockOptions {
  body?: string;
  bodyType?: 'html' | 'text';
  displayLanguage?: string;
  email?: string;
  /** Omit Mailbox 1.8 features (enhancedLocation, getItemIdAsync). */
  old?: boolean;
  /** The item lives in this owner's shared calendar. */
  sharedOwner?: string;
  /** The delegate's permissions there (Office.MailboxEnums.DelegatePermissions bits; Editor's 63 by default). */
  sharedPermissions?: number;
  /** The item offers no way to add attendees (neither requiredAttendees nor resources). */
  noAttendees?: boolean;
  itemId?: string;
  /** Methods that fail, by name ("setSelectedDataAsync", "addAsync:enhancedLocation", …). */
  fail?: string[];
  theme?: Record<string, string> | null;
  /** What Office.auth.getAccessToken answers (single sign-on); a failure with code 13001 by default. */
  token?: string | Error;
  /** Office has no Office.auth at all. */
  noSSO?: boolean;
  /** What getUserIdentityTokenAsync answers: a token, or a failure with this message. */
  identityToken?: string | { code: number; message: string };
  /** Outlook offers no getUserIdentityTokenAsync. */
  noIdentityToken?: boolean;
  /** Requirement sets Office supports, as "Name 1.1" (NestedAppAuth for NAA). */
  requirementSets?: string[];
  resources?: boolean;
  host?: string | null;
  /** Office.onReady never answers (Office.js outside any Office host). */
  neverReady?: boolean;
}

export interface Recorded {
  body: string;
  inserts: { method: string; data: string; coercionType: unknown }[];
  location: string;
  locations: { id: string; type: unknown }[];
  required: unknown[];
  resources: unknown[];
  tokenRequests: unknown[];
  identityRequests: number;
  /** What notificationMessages.replaceAsync was given, by key. */
  notices: { key: string; details: Record<string, unknown> }[];
  /** The functions Office.actions.associate registered. */
  actions: Map<string, (event: { completed(): void }) => void>;
}

/** mockOffice installs globalThis.Office and returns what it records. */
export function mockOffice(o: MockOptions = {}): { office: OfficeMockObject; rec: Recorded } {
  const rec: Recorded = { body: o.body ?? '<div><br></div>', inserts: [], location: '', locations: [], required: [], resources: [], tokenRequests: [], identityRequests: 0, notices: [], actions: new Map() };
  const fails = new Set(o.fail ?? []);
  const answer = (name: string, cb: Callback, value?: unknown) => {
    if (fails.has(name)) cb({ status: 'failed', error: { code: 9000, message: `${name} failed` } });
    else cb({ status: 'succeeded', value });
  };
  const item: Record<string, unknown> = {
    itemType: 'appointment',
    body: {
      getAsync(type: unknown, cb: Callback) {
        answer('getAsync', cb, type === 'text' ? rec.body.replace(/<[^>]*>/g, '') : rec.body);
      },
      getTypeAsync(cb: Callback) {
        answer('getTypeAsync', cb, o.bodyType ?? 'html');
      },
      setSelectedDataAsync(data: string, opts: { coercionType: unknown }, cb: Callback) {
        if (!fails.has('setSelectedDataAsync')) {
          rec.body = data + rec.body;
          rec.inserts.push({ method: 'setSelectedDataAsync', data, coercionType: opts.coercionType });
        }
        answer('setSelectedDataAsync', cb);
      },
      prependAsync(data: string, opts: { coercionType: unknown }, cb: Callback) {
        if (!fails.has('prependAsync')) {
          rec.body = data + rec.body;
          rec.inserts.push({ method: 'prependAsync', data, coercionType: opts.coercionType });
        }
        answer('prependAsync', cb);
      },
    },
    location: {
      setAsync(value: string, cb: Callback) {
        if (!fails.has('setAsync:location')) rec.location = value;
        answer('setAsync:location', cb);
      },
    },
    requiredAttendees: {
      addAsync(list: unknown[], cb: Callback) {
        if (!fails.has('addAsync:requiredAttendees')) rec.required.push(...list);
        answer('addAsync:requiredAttendees', cb);
      },
    },
  };
  if (o.noAttendees) delete item.requiredAttendees;
  item.notificationMessages = {
    replaceAsync(key: string, details: Record<string, unknown>, cb: Callback) {
      if (!fails.has('replaceAsync:notificationMessages')) rec.notices.push({ key, details });
      answer('replaceAsync:notificationMessages', cb);
    },
  };
  if (!o.old) {
    item.enhancedLocation = {
      addAsync(list: { id: string; type: unknown }[], cb: Callback) {
        if (!fails.has('addAsync:enhancedLocation')) rec.locations.push(...list);
        answer('addAsync:enhancedLocation', cb);
      },
    };
    item.getItemIdAsync = (cb: Callback) => {
      if (o.itemId) cb({ status: 'succeeded', value: o.itemId });
      else cb({ status: 'failed', error: { code: 9049, message: 'the item is not saved' } });
    };
  }
  if (o.resources) {
    item.resources = {
      addAsync(list: unknown[], cb: Callback) {
        rec.resources.push(...list);
        answer('addAsync:resources', cb);
      },
    };
  }
  if (o.sharedOwner) {
    item.getSharedPropertiesAsync = (cb: Callback) =>
      answer('getSharedPropertiesAsync', cb, { owner: o.sharedOwner, targetMailbox: o.sharedOwner, delegatePermissions: o.sharedPermissions ?? 63 });
  }
  const mailbox: Record<string, unknown> = {
    userProfile: { emailAddress: o.email ?? 'alice@contoso.com', displayName: 'Alice' },
    item,
  };
  if (!o.noIdentityToken) {
    mailbox.getUserIdentityTokenAsync = (cb: Callback) => {
      rec.identityRequests++;
      const id = o.identityToken ?? 'exchange-identity-token';
      if (typeof id === 'string') cb({ status: 'succeeded', value: id });
      else cb({ status: 'failed', error: id });
    };
  }
  const data = {
    host: 'outlook',
    context: {
      displayLanguage: o.displayLanguage ?? 'en-US',
      ...(o.theme === null
        ? {}
        : {
            officeTheme: o.theme ?? {
              bodyBackgroundColor: '#FFFFFF',
              bodyForegroundColor: '#000000',
              controlBackgroundColor: '#FFFFFF',
              controlForegroundColor: '#242424',
            },
          }),
      mailbox,
      requirements: {
        isSetSupported: (name: string, version?: string) =>
          (o.requirementSets ?? []).some((r) => {
            const [n, v] = r.split(' ');
            return n === name && Number(v ?? 0) >= Number(version ?? 0);
          }),
      },
    },
    ...(o.noSSO
      ? {}
      : {
          auth: {
            getAccessToken: (opts: unknown) => {
              rec.tokenRequests.push(opts);
              if (o.token instanceof Error) return Promise.reject(o.token);
              if (o.token) return Promise.resolve(o.token);
              return Promise.reject(Object.assign(new Error('The user is not signed in.'), { code: 13001 }));
            },
          },
        }),
    onReady: () =>
      o.neverReady ? new Promise(() => {}) : Promise.resolve({ host: o.host === undefined ? 'Outlook' : o.host, platform: 'OfficeOnline' }),
    CoercionType: { Html: 'html', Text: 'text' },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    MailboxEnums: {
      LocationType: { Custom: 'custom', Room: 'room' },
      ItemNotificationMessageType: { InformationalMessage: 'informationalMessage', ErrorMessage: 'errorMessage' },
    },
    actions: {
      associate: (name: string, fn: (event: { completed(): void }) => void) => void rec.actions.set(name, fn),
    },
  };
  const office = new OfficeMockObject(data, 'outlook' as never);
  (globalThis as { Office?: unknown }).Office = office;
  return { office, rec };
}

export function unmockOffice(): void {
  delete (globalThis as { Office?: unknown }).Office;
}
