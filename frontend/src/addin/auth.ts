// How the pane proves who the user is, the way the integration says (the
// pane config's auth, issue 12): an Exchange identity token, Office single
// sign-on, or MSAL nested app authentication (NAA). Every failure becomes a
// SignInError whose message tells the user, in their language, what went
// wrong and who can fix it. Tokens are only returned, never logged.
import * as office from './office';
import type { PaneAuth, PaneConfig } from './api';
import type { MessageKey, Translator } from './i18n';

export type Method = 'none' | 'exchange' | 'sso' | 'naa';

/** methodOf reads the pane config's auth. */
export function methodOf(auth: PaneAuth | string | undefined): Method {
  switch (auth) {
    case 'exchange':
    case 'sso':
    case 'naa':
      return auth;
    default:
      // "none", or a method this pane does not know: the host says with a
      // 401 what it expected.
      return 'none';
  }
}

/** SignInError is a failed token request; its message is for the user. */
export class SignInError extends Error {
  readonly code: string | number | undefined;
  constructor(message: string, code?: string | number) {
    super(message);
    this.name = 'SignInError';
    this.code = code;
  }
}

/** The part of @azure/msal-browser the pane uses; tests pass a fake. */
export interface Msal {
  createNestablePublicClientApplication(config: {
    auth: { clientId: string; authority?: string };
    cache?: { cacheLocation?: string };
  }): Promise<NestedClient>;
  InteractionRequiredAuthError?: abstract new (...args: never[]) => Error;
}

export interface TokenRequest {
  scopes: string[];
  authority?: string;
}

export interface NestedClient {
  acquireTokenSilent(request: TokenRequest): Promise<{ accessToken: string }>;
  acquireTokenPopup(request: TokenRequest): Promise<{ accessToken: string }>;
}

// MSAL is large: it is fetched only when an integration uses NAA, so the
// pane's first paint does not wait for it.
const loadMsal = (): Promise<Msal> => import('@azure/msal-browser');

/** At most this much of a library's error text reaches the pane. */
const DETAIL_MAX = 300;

function short(s: string): string {
  // The messages put the detail in brackets before their own full stop.
  const one = s.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return one.length > DETAIL_MAX ? one.slice(0, DETAIL_MAX - 1) + '…' : one;
}

/** describe is an error's code and message, bounded: what the user may pass on to IT. */
function describe(e: unknown): string {
  if (e && typeof e === 'object') {
    const { errorCode, errorMessage, code, message } = e as Record<string, unknown>;
    // MSAL: errorCode + errorMessage (its message starts with the code already).
    if (typeof errorCode === 'string' && errorCode && typeof errorMessage === 'string' && errorMessage.trim()) {
      return short(`${errorCode}: ${errorMessage}`);
    }
    if (typeof message === 'string' && message.trim()) {
      // Office: a number beside a sentence; the number is what Microsoft documents.
      return short(typeof code === 'number' ? `${code}: ${message}` : message);
    }
  }
  return short(String(e));
}

function codeOf(e: unknown): string | number | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const c = (e as { errorCode?: unknown; code?: unknown }).errorCode ?? (e as { code?: unknown }).code;
  return typeof c === 'string' || typeof c === 'number' ? c : undefined;
}

/** Office's single sign-on error codes (13000–13013), by what the user can do. */
function officeKey(e: unknown): MessageKey {
  switch (Number(codeOf(e))) {
    case 13000:
    case 13012:
      return 'signin_sso_unsupported';
    case 13001:
      return 'signin_not_signed_in';
    case 13002:
      return 'signin_cancelled';
    case 13003:
      return 'signin_account_type';
    case 13004:
    case 13005:
    case 13007:
      return 'signin_setup';
    case 13008:
    case 13013:
      return 'signin_busy';
    case 13010:
      return 'signin_zones';
    default:
      return 'signin_office_failed';
  }
}

/** MSAL's error codes (and Entra's AADSTS codes inside them), by what the user can do. */
function msalKey(e: unknown): MessageKey {
  const code = String(codeOf(e) ?? '');
  switch (code) {
    case 'user_cancelled':
    case 'user_canceled':
      return 'signin_cancelled';
    case 'interaction_in_progress':
      return 'signin_busy';
    case 'no_network_connectivity':
      return 'signin_no_network';
    case 'consent_required':
    case 'invalid_client':
    case 'unauthorized_client':
      return 'signin_setup';
  }
  // AADSTS65001 (no consent), 50011 (redirect URI), 700016 (app unknown in
  // the tenant), 500011 (web API unknown): the app registration needs work.
  return /AADSTS\d+/.test(describe(e)) ? 'signin_setup' : 'signin_naa_failed';
}

export class Auth {
  readonly method: Method;
  private client: Promise<NestedClient> | null = null;
  private msal: Msal | null = null;

  constructor(
    private readonly config: PaneConfig,
    private readonly t: Translator,
    private readonly log: (line: string) => void = () => {},
    private readonly load: () => Promise<Msal> = loadMsal,
  ) {
    this.method = methodOf(config.auth);
  }

  /**
   * token proves the user for one API call, or is undefined with auth
   * "none". interactive lets Office or MSAL show sign-in and consent
   * prompts; without it a token that needs them fails.
   */
  async token(interactive: boolean): Promise<string | undefined> {
    switch (this.method) {
      case 'none':
        return undefined;
      case 'exchange':
        return this.exchange();
      case 'sso':
        return this.sso(interactive);
      case 'naa':
        if (!office.supports('NestedAppAuth', '1.1')) return this.naaFallback(interactive);
        return this.naa(interactive);
    }
  }

  private async exchange(): Promise<string> {
    if (!office.canIdentify()) {
      this.log('this Outlook offers no Exchange identity token');
      throw new SignInError(this.t('signin_exchange_unsupported'));
    }
    try {
      const token = await office.identityToken();
      this.log('signed in with an Exchange identity token');
      return token;
    } catch (e) {
      this.log(`Exchange identity token failed: ${describe(e)}`);
      throw new SignInError(this.t('signin_exchange_failed', { detail: describe(e) }), codeOf(e));
    }
  }

  private async sso(interactive: boolean): Promise<string> {
    try {
      return await this.ssoToken(interactive);
    } catch (e) {
      throw new SignInError(this.t(officeKey(e), { detail: describe(e) }), codeOf(e));
    }
  }

  /** ssoToken is Office's token, or Office's own error. */
  private async ssoToken(interactive: boolean): Promise<string> {
    if (!office.canSignIn()) {
      this.log('single sign-on: this Outlook has no Office.auth');
      throw new office.OfficeError('no Office.auth', 13000);
    }
    try {
      const token = await office.accessToken(interactive);
      this.log('signed in with Office single sign-on');
      return token;
    } catch (e) {
      this.log(`single sign-on failed: ${describe(e)}`);
      throw e;
    }
  }

  /** naaFallback: this Outlook has no NAA, so single sign-on stands in; if that fails too the admin must act. */
  private async naaFallback(interactive: boolean): Promise<string> {
    this.log('this Outlook offers no nested app authentication (NestedAppAuth 1.1): trying single sign-on');
    try {
      return await this.ssoToken(interactive);
    } catch (e) {
      const key = officeKey(e);
      // A user who cancelled, is not signed in yet or was too quick can simply try again.
      if (key === 'signin_cancelled' || key === 'signin_busy' || key === 'signin_not_signed_in') {
        throw new SignInError(this.t(key, { detail: describe(e) }), codeOf(e));
      }
      throw new SignInError(this.t('signin_no_method', { detail: describe(e) }), codeOf(e));
    }
  }

  private async naa(interactive: boolean): Promise<string> {
    const scopes = (this.config.naa_scopes ?? []).filter((s) => typeof s === 'string' && s.trim() !== '');
    const clientId = this.config.naa_client_id?.trim() ?? '';
    if (!clientId || scopes.length === 0) {
      this.log(`nested app authentication is not configured (client id ${clientId ? 'set' : 'missing'}, ${scopes.length} scopes)`);
      throw new SignInError(this.t('signin_naa_config'));
    }
    // The bridge takes the authority from each request, not from MSAL's configuration.
    const request: TokenRequest = { scopes, authority: this.authority() };
    let client: NestedClient;
    try {
      client = await this.nestedClient(clientId);
    } catch (e) {
      this.client = null;
      this.log(`MSAL could not start: ${describe(e)}`);
      throw new SignInError(this.t(msalKey(e), { detail: describe(e) }), codeOf(e));
    }
    try {
      const r = await client.acquireTokenSilent(request);
      this.log('signed in with nested app authentication (silent)');
      return r.accessToken;
    } catch (e) {
      if (!this.interactionRequired(e)) {
        this.log(`nested app authentication failed: ${describe(e)}`);
        throw new SignInError(this.t(msalKey(e), { detail: describe(e) }), codeOf(e));
      }
      if (!interactive) {
        this.log('nested app authentication needs the user: sign-in waits for a click');
        throw new SignInError(this.t('signin_not_signed_in'), codeOf(e));
      }
    }
    try {
      const r = await client.acquireTokenPopup(request);
      this.log('signed in with nested app authentication (prompt)');
      return r.accessToken;
    } catch (e) {
      this.log(`nested app authentication prompt failed: ${describe(e)}`);
      throw new SignInError(this.t(msalKey(e), { detail: describe(e) }), codeOf(e));
    }
  }

  private nestedClient(clientId: string): Promise<NestedClient> {
    this.client ??= this.load().then((msal) => {
      this.msal = msal;
      return msal.createNestablePublicClientApplication({
        auth: { clientId, authority: this.authority() },
        // The pane lives as long as the meeting window: tokens stay in memory.
        cache: { cacheLocation: 'memoryStorage' },
      });
    });
    return this.client;
  }

  private authority(): string | undefined {
    return this.config.naa_authority?.trim() || undefined;
  }

  private interactionRequired(e: unknown): boolean {
    const cls = this.msal?.InteractionRequiredAuthError;
    if (cls && e instanceof cls) return true;
    if ((e as { name?: unknown })?.name === 'InteractionRequiredAuthError') return true;
    // No account yet: the first sign-in in this Outlook needs the user.
    return codeOf(e) === 'no_account_found';
  }
}
