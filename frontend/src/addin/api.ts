// The add-in API (docs/addin-api.md): the pane's configuration, single-use
// reservations and the user's personal VMRs. Paths are relative: the host
// that serves the pane answers the API.

import type * as Go from '../lib/contract.gen';
import type { Filled } from '../lib/types';

// The shapes of the answers are generated from backend/addinhost's types
// (src/lib/contract.gen.ts); Api puts [] and {} where Go sent null.
export type { PaneTextKey, ReservationRequest, Reservation, ApiProblem as Problem } from '../lib/contract.gen';

/** The texts of the pane, in the admin's wording (every addin_pane_* field). */
export type PaneTexts = NonNullable<Go.PaneConfig['texts']>;
/**
 * How the pane proves who the user is: "none" (the claimed address only),
 * "exchange" (Exchange identity token), "sso" (Office single sign-on) or
 * "naa" (MSAL nested app authentication); with NAA, naa_client_id,
 * naa_authority and naa_scopes say what to ask Entra ID for.
 */
export type { PaneAuth } from '../lib/contract.gen';
export type PaneConfig = Filled<Go.PaneConfig, 'texts' | 'domains'>;
export type PersonalVMR = Filled<Go.PersonalVMR, 'aliases'>;
export type PersonalVMRs = Omit<Go.PersonalVMRs, 'vmrs'> & { vmrs: PersonalVMR[] };

/**
 * ApiError is a failed call. status is 0 when the host could not be reached
 * (network error, timeout); problem is the host's answer otherwise.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Go.ApiProblem | undefined;
  constructor(status: number, message: string, problem?: Go.ApiProblem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
  /** detail is the most useful sentence for the user. */
  get detail(): string {
    return this.problem?.detail || this.problem?.title || this.message;
  }
}

/** serviceDown: the host is unreachable or failing, so the user gets the placeholder. */
export function serviceDown(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status >= 500);
}

/** unauthorized: a sign-in is needed or the token was refused. */
export function unauthorized(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

/**
 * Credentials of a call: the address the user claims (X-VMR-User, the
 * calendar owner's when a delegate composes) and, except with auth "none",
 * the token that proves who they are (Authorization: Bearer).
 */
export interface Credentials {
  user?: string;
  token?: string;
  /** The personal VMR sign-in's session (X-VMR-Session), for the personal VMR calls. */
  session?: string;
}

/** The problem type of a 401 that asks for the personal VMR sign-in. */
export const SIGN_IN_REQUIRED = 'https://vmr-companion.invalid/problems/sign-in-required';

/** signInRequired: the host wants the personal VMR sign-in (again). */
export function signInRequired(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401 && e.problem?.type === SIGN_IN_REQUIRED;
}

export interface ApiOptions {
  base?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** integrationFromURL reads ?integration=<uuid> from the pane's address. */
export function integrationFromURL(search: string): string | null {
  const id = new URLSearchParams(search).get('integration')?.trim() ?? '';
  return UUID.test(id) ? id.toLowerCase() : null;
}

export class Api {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetcher: typeof fetch;
  private readonly log: (line: string) => void;

  constructor(
    readonly integration: string,
    opts: ApiOptions = {},
  ) {
    this.base = (opts.base ?? '').replace(/\/$/, '') + '/api/v1/integrations/' + encodeURIComponent(integration);
    this.timeoutMs = opts.timeoutMs ?? 15000;
    this.fetcher = opts.fetch ?? ((...args) => fetch(...args));
    this.log = opts.log ?? (() => {});
  }

  async pane(): Promise<PaneConfig> {
    const c = await this.request<Go.PaneConfig>('GET', '/pane');
    return { ...c, texts: c.texts ?? {}, naa_scopes: c.naa_scopes ?? [], domains: c.domains ?? [] };
  }

  reserve(itemKey: string, creds: Credentials): Promise<Go.Reservation> {
    return this.request<Go.Reservation>('POST', '/reservations', creds, { item_key: itemKey } satisfies Go.ReservationRequest);
  }

  async personalVMRs(creds: Credentials): Promise<PersonalVMRs> {
    const r = await this.request<Go.PersonalVMRs>('GET', '/personal-vmrs', creds);
    return { ...r, vmrs: (r.vmrs ?? []).map((v) => ({ ...v, aliases: v.aliases ?? [] })) };
  }

  /** signOut ends the personal VMR sign-in's session at the host. */
  async signOut(session: string): Promise<void> {
    await this.request<unknown>('DELETE', '/session', { session });
  }

  // T is the generated type of what the host answers on this path.
  private async request<T>(method: string, path: string, creds: Credentials = {}, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (creds.token) headers['Authorization'] = 'Bearer ' + creds.token;
    if (creds.user) headers['X-VMR-User'] = creds.user;
    if (creds.session) headers['X-VMR-Session'] = creds.session;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    const started = Date.now();
    let res: Response;
    try {
      res = await this.fetcher(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctrl.signal,
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      const why = ctrl.signal.aborted ? `no answer within ${this.timeoutMs / 1000} s` : String((e as Error)?.message ?? e);
      this.log(`${method} ${path}: unreachable (${why})`);
      throw new ApiError(0, why);
    } finally {
      clearTimeout(timer);
    }
    this.log(`${method} ${path}: ${res.status} in ${Date.now() - started} ms`);
    let data: unknown = null;
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const problem = data && typeof data === 'object' ? (data as Go.ApiProblem) : undefined;
      throw new ApiError(res.status, problem?.detail || problem?.title || `HTTP ${res.status}`, problem);
    }
    if (res.status === 204) return undefined as T; // DELETE /session
    if (data === null) throw new ApiError(res.status, 'the host answered something that is not JSON');
    return data as T;
  }
}
