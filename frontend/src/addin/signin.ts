/// <reference types="office-js" />
// The personal VMR sign-in (docs/addin-api.md, "Personal VMR sign-in"): an
// Office dialog opens the host's /signin/<uuid>/start, which runs the
// integration's identity provider sign-in; the host's last page
// (signin-done.html) passes the session it made back with messageParent.
// With ./office.ts, the only module that touches Office.js: the dialog API
// is all it uses.

/** A session token of the host: 32 random bytes in unpadded base64url. */
const SESSION = /^[A-Za-z0-9_-]{43}$/;
/** Messages longer than this are not ours. */
const MAX_MESSAGE = 2048;

/** SignedIn is what the dialog hands the pane. */
export interface SignedIn {
  session: string;
  email: string;
}

/** The outcome the done page reads from its address's fragment. */
export type Done = SignedIn | { error: string };

/** SignInError is a sign-in that did not give a session; cancelled when the user closed the dialog. */
export class SignInError extends Error {
  readonly cancelled: boolean;
  readonly code: number | undefined;
  constructor(message: string, opts: { cancelled?: boolean; code?: number } = {}) {
    super(message);
    this.name = 'SignInError';
    this.cancelled = opts.cancelled ?? false;
    this.code = opts.code;
  }
}

// Office's dialog error codes (Office Add-ins, "Errors and events in the
// Office dialog box").
const DIALOG_ALREADY_OPEN = 12007;
const DIALOG_IGNORED = 12009;
const DIALOG_BLOCKED = 12011;
const DIALOG_NOT_LOADED = 12002;
const DIALOG_NOT_HTTPS = 12003;
const DIALOG_CLOSED = 12006;

function office(): typeof Office | undefined {
  return (globalThis as { Office?: typeof Office }).Office;
}

/** signInURL is where the dialog starts: the host that serves the pane. */
export function signInURL(integration: string, origin: string = globalThis.location?.origin ?? ''): string {
  return `${origin}/signin/${encodeURIComponent(integration)}/start`;
}

/** parseMessage reads a dialog message; anything not of our shape is an error. */
export function parseMessage(message: unknown): Done {
  if (typeof message !== 'string' || message.length > MAX_MESSAGE) return { error: 'the sign-in window sent an unexpected message' };
  let data: unknown;
  try {
    data = JSON.parse(message);
  } catch {
    return { error: 'the sign-in window sent an unexpected message' };
  }
  const d = (data ?? {}) as Record<string, unknown>;
  if (typeof d.session === 'string' && SESSION.test(d.session)) {
    return { session: d.session, email: typeof d.email === 'string' ? d.email.slice(0, 254) : '' };
  }
  if (typeof d.error === 'string' && d.error) return { error: d.error.slice(0, 500) };
  return { error: 'the sign-in window sent an unexpected message' };
}

/** parseDone reads the done page's fragment (#session=…&email=… or #error=…). */
export function parseDone(hash: string): Done {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const session = q.get('session') ?? '';
  if (SESSION.test(session)) return { session, email: (q.get('email') ?? '').slice(0, 254) };
  return { error: (q.get('error') || 'the sign-in did not finish; close this window and try again').slice(0, 500) };
}

/**
 * relay passes the done page's outcome to the pane that opened the dialog;
 * false outside an Office dialog (the page was opened some other way).
 */
export function relay(done: Done): boolean {
  const ui = office()?.context?.ui;
  if (!ui || typeof ui.messageParent !== 'function') return false;
  try {
    ui.messageParent(JSON.stringify(done));
    return true;
  } catch {
    return false;
  }
}

/**
 * openSignInDialog opens the sign-in in an Office dialog and waits for the
 * done page's message. It rejects with a SignInError: cancelled when the
 * user closed the dialog.
 */
export function openSignInDialog(url: string): Promise<SignedIn> {
  const o = office();
  const ui = o?.context?.ui;
  if (!ui || typeof ui.displayDialogAsync !== 'function') {
    return Promise.reject(new SignInError('this Outlook cannot open the sign-in window (no dialog support)'));
  }
  return new Promise<SignedIn>((resolve, reject) => {
    let settled = false;
    let dialog: Office.Dialog | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      try {
        dialog?.close();
      } catch {
        // Already closed.
      }
      fn();
    };
    const messageEvent = o?.EventType?.DialogMessageReceived ?? ('dialogMessageReceived' as unknown as Office.EventType);
    const closedEvent = o?.EventType?.DialogEventReceived ?? ('dialogEventReceived' as unknown as Office.EventType);
    try {
      ui.displayDialogAsync(url, { height: 60, width: 30, displayInIframe: false }, (r) => {
        if (!r || r.status === (o?.AsyncResultStatus?.Failed ?? 'failed') || !r.value) {
          const code = Number(r?.error?.code);
          const why =
            code === DIALOG_ALREADY_OPEN
              ? 'a sign-in window is already open; finish or close it first'
              : code === DIALOG_IGNORED || code === DIALOG_BLOCKED
                ? 'the sign-in window was blocked; allow it and try again'
                : r?.error?.message || 'the sign-in window could not be opened';
          finish(() => reject(new SignInError(why, { code, cancelled: code === DIALOG_IGNORED })));
          return;
        }
        dialog = r.value;
        dialog.addEventHandler(messageEvent, (arg) => {
          const a = arg as { message?: unknown; origin?: string };
          // Only the host's own done page may answer.
          if (a.origin && globalThis.location && a.origin !== globalThis.location.origin) return;
          const done = parseMessage(a.message);
          if ('session' in done) finish(() => resolve(done));
          else finish(() => reject(new SignInError(done.error)));
        });
        dialog.addEventHandler(closedEvent, (arg) => {
          const code = Number((arg as { error?: number }).error);
          const why =
            code === DIALOG_CLOSED
              ? 'the sign-in window was closed'
              : code === DIALOG_NOT_LOADED || code === DIALOG_NOT_HTTPS
                ? 'the sign-in page could not be loaded; check the connection and try again'
                : `the sign-in window ended (${code})`;
          finish(() => reject(new SignInError(why, { code, cancelled: code === DIALOG_CLOSED })));
        });
      });
    } catch (e) {
      finish(() => reject(new SignInError(e instanceof Error ? e.message : String(e))));
    }
  });
}

type SessionStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function safeSessionStorage(): SessionStorage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * PersonalSession is the pane's personal VMR sign-in: the host's session
 * token, kept in memory and in sessionStorage, which Outlook clears with
 * the pane's window (so it survives the pane's reloads, not the window).
 */
export class PersonalSession {
  private token: string | null = null;
  private email = '';
  private readonly key: string;

  constructor(
    private readonly integration: string,
    private readonly storage: SessionStorage | null = safeSessionStorage(),
    private readonly open: (url: string) => Promise<SignedIn> = openSignInDialog,
  ) {
    this.key = 'vmr-companion:session:' + integration;
    try {
      const stored = parseMessage(this.storage?.getItem(this.key) ?? '');
      if ('session' in stored) [this.token, this.email] = [stored.session, stored.email];
    } catch {
      // Storage blocked: the session lives as long as the pane.
    }
  }

  /** current is the session token, or null before a sign-in. */
  get current(): string | null {
    return this.token;
  }

  /** user is the address the sign-in verified. */
  get user(): string {
    return this.email;
  }

  /** signIn opens the dialog and keeps the session it gives. */
  async signIn(): Promise<SignedIn> {
    const s = await this.open(signInURL(this.integration));
    [this.token, this.email] = [s.session, s.email];
    try {
      this.storage?.setItem(this.key, JSON.stringify(s));
    } catch {
      // Storage blocked: kept in memory only.
    }
    return s;
  }

  /** clear forgets the session (signed out, or the host no longer knows it). */
  clear(): void {
    [this.token, this.email] = [null, ''];
    try {
      this.storage?.removeItem(this.key);
    } catch {
      // Nothing stored.
    }
  }
}
