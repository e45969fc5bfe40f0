import { afterEach, describe, expect, it } from 'vitest';
import { Auth, methodOf, SignInError, type Msal, type NestedClient, type TokenRequest } from './auth';
import { translator } from './i18n';
import { paneConfig } from './testhost';
import { mockOffice, unmockOffice } from './testing';
import type { PaneConfig } from './api';

afterEach(unmockOffice);

const en = translator('en');
const NAA: Partial<PaneConfig> = {
  auth: 'naa',
  naa_client_id: '0b1d5c3e-0000-4000-8000-00000000000a',
  naa_authority: 'https://login.microsoftonline.com/common',
  naa_scopes: ['api://addin.contoso.com/0b1d5c3e-0000-4000-8000-00000000000b/access_as_user'],
};

/** An MSAL error as the library makes them: errorCode, errorMessage, a name per class. */
function msalError(errorCode: string, errorMessage = '', name = 'AuthError') {
  return Object.assign(new Error(`${errorCode}: ${errorMessage}`), { name, errorCode, errorMessage });
}

class InteractionRequired extends Error {
  override name = 'InteractionRequiredAuthError';
  errorCode = 'interaction_required';
  errorMessage = 'AADSTS65001: The user has not consented.';
}

interface FakeMsal {
  msal: Msal;
  loads: number;
  configs: unknown[];
  silent: TokenRequest[];
  popup: TokenRequest[];
}

/** fakeMsal answers acquireTokenSilent / acquireTokenPopup with a token or an error. */
function fakeMsal(silent: string | Error, popup: string | Error = 'naa-popup-token'): FakeMsal {
  const f: FakeMsal = {
    loads: 0,
    configs: [],
    silent: [],
    popup: [],
    msal: {
      createNestablePublicClientApplication: async (config) => {
        f.configs.push(config);
        const client: NestedClient = {
          acquireTokenSilent: async (r) => {
            f.silent.push(r);
            if (silent instanceof Error) throw silent;
            return { accessToken: silent };
          },
          acquireTokenPopup: async (r) => {
            f.popup.push(r);
            if (popup instanceof Error) throw popup;
            return { accessToken: popup };
          },
        };
        return client;
      },
      InteractionRequiredAuthError: InteractionRequired,
    },
  };
  return f;
}

function authFor(cfg: Partial<PaneConfig>, msal?: FakeMsal, lines: string[] = []) {
  const load = async () => {
    if (!msal) throw new Error('MSAL must not be loaded here');
    msal.loads++;
    return msal.msal;
  };
  return new Auth(paneConfig(cfg), en, (l) => lines.push(l), load);
}

async function failure(p: Promise<unknown>): Promise<SignInError> {
  const e = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(SignInError);
  return e as SignInError;
}

describe('methodOf', () => {
  it.each([
    ['none', 'none'],
    ['exchange', 'exchange'],
    ['sso', 'sso'],
    ['naa', 'naa'],
    ['something-newer', 'none'],
    [undefined, 'none'],
  ])('reads %j as %j', (auth, want) => {
    expect(methodOf(auth)).toBe(want);
  });
});

describe('auth none', () => {
  it('has no token and asks Office for none', async () => {
    const { rec } = mockOffice({ token: 'sso-token' });
    expect(await authFor({ auth: 'none' }).token(true)).toBeUndefined();
    expect(rec.tokenRequests).toEqual([]);
    expect(rec.identityRequests).toBe(0);
  });
});

describe('auth exchange', () => {
  it('takes Outlook’s Exchange identity token', async () => {
    const { rec } = mockOffice({ identityToken: 'exchange-token-1' });
    expect(await authFor({ auth: 'exchange' }).token(false)).toBe('exchange-token-1');
    expect(rec.identityRequests).toBe(1);
    expect(rec.tokenRequests).toEqual([]);
  });

  it('says what failed and what IT can change when Outlook gives no token', async () => {
    mockOffice({ identityToken: { code: 9017, message: 'Legacy tokens are disabled for this organisation.' } });
    const e = await failure(authFor({ auth: 'exchange' }).token(true));
    expect(e.message).toBe(en('signin_exchange_failed', { detail: '9017: Legacy tokens are disabled for this organisation' }));
    expect(e.message).toMatch(/nested app authentication/);
    expect(e.code).toBe(9017);
  });

  it('says so when this Outlook has no identity tokens at all', async () => {
    mockOffice({ noIdentityToken: true });
    expect((await failure(authFor({ auth: 'exchange' }).token(true))).message).toBe(en('signin_exchange_unsupported'));
  });
});

describe('auth sso', () => {
  it('takes Office’s token, with prompts only when interactive', async () => {
    const { rec } = mockOffice({ token: 'sso-token' });
    const auth = authFor({ auth: 'sso' });
    expect(await auth.token(false)).toBe('sso-token');
    expect(await auth.token(true)).toBe('sso-token');
    expect(rec.tokenRequests).toEqual([
      { allowSignInPrompt: false, allowConsentPrompt: false, forMSGraphAccess: false },
      { allowSignInPrompt: true, allowConsentPrompt: true, forMSGraphAccess: false },
    ]);
    expect(rec.identityRequests).toBe(0);
  });

  it.each([
    [13000, 'signin_sso_unsupported'],
    [13001, 'signin_not_signed_in'],
    [13002, 'signin_cancelled'],
    [13003, 'signin_account_type'],
    [13004, 'signin_setup'],
    [13005, 'signin_setup'],
    [13006, 'signin_office_failed'],
    [13007, 'signin_setup'],
    [13008, 'signin_busy'],
    [13010, 'signin_zones'],
    [13012, 'signin_sso_unsupported'],
    [13013, 'signin_busy'],
  ] as const)('explains Office error %i', async (code, key) => {
    mockOffice({ token: Object.assign(new Error('Office said no.'), { code }) });
    const e = await failure(authFor({ auth: 'sso' }).token(true));
    expect(e.message).toBe(en(key, { detail: `${code}: Office said no` }));
    expect(e.code).toBe(code);
  });

  it('says so when Office has no single sign-on', async () => {
    mockOffice({ noSSO: true });
    const e = await failure(authFor({ auth: 'sso' }).token(true));
    expect(e.message).toBe(en('signin_sso_unsupported', { detail: '13000: no Office.auth' }));
  });
});

describe('auth naa', () => {
  it('signs in silently with MSAL’s nested app authentication', async () => {
    const { rec } = mockOffice({ requirementSets: ['NestedAppAuth 1.1'], token: 'sso-token' });
    const msal = fakeMsal('naa-silent-token');
    const auth = authFor(NAA, msal);
    expect(await auth.token(true)).toBe('naa-silent-token');
    expect(await auth.token(true)).toBe('naa-silent-token');
    expect(msal.configs).toEqual([
      {
        auth: { clientId: NAA.naa_client_id, authority: 'https://login.microsoftonline.com/common' },
        cache: { cacheLocation: 'memoryStorage' },
      },
    ]);
    expect(msal.silent).toEqual([{ scopes: NAA.naa_scopes, authority: NAA.naa_authority }, { scopes: NAA.naa_scopes, authority: NAA.naa_authority }]);
    expect(msal.popup).toEqual([]);
    // MSAL is loaded once, and Office's own SSO is not asked.
    expect(msal.loads).toBe(1);
    expect(rec.tokenRequests).toEqual([]);
  });

  it('prompts when MSAL needs the user, and only when interactive', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const msal = fakeMsal(new InteractionRequired(), 'naa-popup-token');
    const auth = authFor(NAA, msal);
    const e = await failure(auth.token(false));
    expect(e.message).toBe(en('signin_not_signed_in'));
    expect(msal.popup).toEqual([]);
    expect(await auth.token(true)).toBe('naa-popup-token');
    expect(msal.popup).toEqual([{ scopes: NAA.naa_scopes, authority: NAA.naa_authority }]);
  });

  it('recognises the interaction-required error by its class from the library', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.2'] });
    class FromLibrary extends InteractionRequired {}
    const err = Object.assign(new FromLibrary(), { name: 'Renamed' });
    const msal = fakeMsal(err, 'naa-popup-token');
    expect(await authFor(NAA, msal).token(true)).toBe('naa-popup-token');
  });

  it('does not prompt when silent sign-in fails for another reason', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const msal = fakeMsal(msalError('no_network_connectivity', 'No network connectivity.'));
    const e = await failure(authFor(NAA, msal).token(true));
    expect(e.message).toBe(en('signin_no_network'));
    expect(msal.popup).toEqual([]);
  });

  it.each([
    [msalError('user_cancelled', 'User cancelled the flow.'), 'signin_cancelled'],
    [msalError('interaction_in_progress', 'Interaction is currently in progress.'), 'signin_busy'],
    [msalError('invalid_request', 'AADSTS50011: The redirect URI brk-multihub://x does not match.'), 'signin_setup'],
    [msalError('persistent_error', 'The bridge failed.'), 'signin_naa_failed'],
  ] as const)('explains a failed prompt: %s', async (err, key) => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const e = await failure(authFor(NAA, fakeMsal(new InteractionRequired(), err)).token(true));
    expect(e.message).toBe(en(key, { detail: `${err.errorCode}: ${err.errorMessage}`.replace(/\.$/, '') }));
    expect(e.code).toBe(err.errorCode);
  });

  it('bounds a long library message', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const e = await failure(authFor(NAA, fakeMsal(msalError('server_error', 'x'.repeat(5000)))).token(true));
    expect(e.message.length).toBeLessThan(en('signin_naa_failed', { detail: '' }).length + 301);
  });

  it('says what IT must set when the integration has no NAA application', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const msal = fakeMsal('never');
    expect((await failure(authFor({ ...NAA, naa_client_id: '' }, msal).token(true))).message).toBe(en('signin_naa_config'));
    expect((await failure(authFor({ ...NAA, naa_scopes: [] }, msal).token(true))).message).toBe(en('signin_naa_config'));
    expect(msal.loads).toBe(0);
  });

  it('loads MSAL again after a failed load', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const msal = fakeMsal('naa-silent-token');
    let fail = true;
    const auth = new Auth(paneConfig(NAA), en, () => {}, async () => {
      msal.loads++;
      if (fail) throw new TypeError('Failed to fetch dynamically imported module');
      return msal.msal;
    });
    const e = await failure(auth.token(true));
    expect(e.message).toBe(en('signin_naa_failed', { detail: 'Failed to fetch dynamically imported module' }));
    fail = false;
    expect(await auth.token(true)).toBe('naa-silent-token');
    expect(msal.loads).toBe(2);
  });

  it('falls back to single sign-on where Outlook offers no NAA, without loading MSAL', async () => {
    const { rec } = mockOffice({ requirementSets: ['NestedAppAuth 1.0'], token: 'sso-token' });
    const msal = fakeMsal('never');
    expect(await authFor(NAA, msal).token(true)).toBe('sso-token');
    expect(rec.tokenRequests).toHaveLength(1);
    expect(msal.loads).toBe(0);
  });

  it('says what the admin must change when neither NAA nor single sign-on works', async () => {
    mockOffice({ noSSO: true });
    let e = await failure(authFor(NAA, fakeMsal('never')).token(true));
    expect(e.message).toBe(en('signin_no_method', { detail: '13000: no Office.auth' }));
    mockOffice({ token: Object.assign(new Error('This platform does not support getAccessToken.'), { code: 13012 }) });
    e = await failure(authFor(NAA, fakeMsal('never')).token(true));
    expect(e.message).toBe(en('signin_no_method', { detail: '13012: This platform does not support getAccessToken' }));
    expect(e.message).toMatch(/IT team/);
  });

  it('lets the user retry a fallback they cancelled', async () => {
    mockOffice({ token: Object.assign(new Error('The user cancelled.'), { code: 13002 }) });
    const e = await failure(authFor(NAA, fakeMsal('never')).token(true));
    expect(e.message).toBe(en('signin_cancelled'));
  });

  it('works with the real library’s exports', async () => {
    // The lazily loaded module has what Auth uses (the types are checked by tsc).
    const real: Msal = await import('@azure/msal-browser');
    expect(typeof real.createNestablePublicClientApplication).toBe('function');
    expect(typeof real.InteractionRequiredAuthError).toBe('function');
  });
});

describe('tokens stay out of the log', () => {
  it.each([
    ['exchange', { auth: 'exchange' as const }, { identityToken: 'SECRET-exchange' }],
    ['sso', { auth: 'sso' as const }, { token: 'SECRET-sso' }],
    ['naa fallback', NAA, { token: 'SECRET-sso' }],
    ['naa', NAA, { requirementSets: ['NestedAppAuth 1.1'] }],
  ])('%s', async (_, cfg, opts) => {
    mockOffice(opts);
    const lines: string[] = [];
    const token = await authFor(cfg, fakeMsal(new InteractionRequired(), 'SECRET-naa'), lines).token(true);
    expect(token).toMatch(/^SECRET-/);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('SECRET');
  });
});

describe('auth naa with the real MSAL library', () => {
  // Outlook's side of nested app authentication is window.nestedAppAuthBridge
  // (JSON messages); this fake answers it the way MSAL expects, so the test
  // runs the library the pane ships, not a stand-in.
  type BridgeRequest = { method: string; requestId: string; tokenParams?: { clientId: string; scope: string; authority?: string } };
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  // An ID token shaped like Entra's; nothing checks a signature on this side.
  const idToken = () =>
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ oid: 'oid-1', tid: 'tid-1', preferred_username: 'alice@contoso.com', aud: NAA.naa_client_id, exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;

  function installBridge(silentNeedsUser: boolean) {
    const requests: BridgeRequest[] = [];
    const listeners: ((r: string) => void)[] = [];
    const answer = (req: BridgeRequest): object => {
      if (req.method === 'GetInitContext') return { success: true, initContext: { sdkName: 'fake-outlook', sdkVersion: '1.0.0', capabilities: {} } };
      if (req.method === 'GetToken' && silentNeedsUser) {
        return { success: false, error: { status: 'USER_INTERACTION_REQUIRED', code: 'interaction_required', description: 'AADSTS65001: consent needed' } };
      }
      return {
        success: true,
        token: { access_token: `NAA-${req.method}`, expires_in: 3600, id_token: idToken(), properties: null, scope: req.tokenParams?.scope },
        account: { environment: 'login.microsoftonline.com', homeAccountId: 'oid-1.tid-1', tenantId: 'tid-1', localAccountId: 'oid-1', username: 'alice@contoso.com' },
      };
    };
    (window as unknown as { nestedAppAuthBridge: unknown }).nestedAppAuthBridge = {
      addEventListener: (_: string, cb: (r: string) => void) => listeners.push(cb),
      removeEventListener: () => {},
      postMessage: (message: string) => {
        const req = JSON.parse(message) as BridgeRequest;
        requests.push(req);
        const res = JSON.stringify({ messageType: 'NestedAppAuthResponse', requestId: req.requestId, ...answer(req) });
        queueMicrotask(() => listeners.forEach((cb) => cb(res)));
      },
    };
    return requests;
  }

  afterEach(() => {
    delete (window as unknown as { nestedAppAuthBridge?: unknown }).nestedAppAuthBridge;
  });

  it('gets the web API token from Outlook’s bridge, silently', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const requests = installBridge(false);
    const lines: string[] = [];
    expect(await new Auth(paneConfig(NAA), en, (l) => lines.push(l)).token(false)).toBe('NAA-GetToken');
    const get = requests.find((r) => r.method === 'GetToken');
    expect(get?.tokenParams).toMatchObject({ clientId: NAA.naa_client_id, authority: 'https://login.microsoftonline.com/common' });
    expect(get?.tokenParams?.scope).toContain(NAA.naa_scopes![0]);
    expect(requests.some((r) => r.method === 'GetTokenPopup')).toBe(false);
    expect(lines.join('\n')).not.toContain('NAA-');
  });

  it('prompts through the bridge when Outlook says the user must act, and only when interactive', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    const requests = installBridge(true);
    const auth = new Auth(paneConfig(NAA), en);
    expect((await failure(auth.token(false))).message).toBe(en('signin_not_signed_in'));
    expect(requests.some((r) => r.method === 'GetTokenPopup')).toBe(false);
    expect(await auth.token(true)).toBe('NAA-GetTokenPopup');
  });
});
