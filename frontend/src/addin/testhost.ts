// Test helpers: a fake add-in host answering the pane's fetches with the
// shapes of docs/addin-api.md. Only tests import this file.
import type { PaneConfig, PersonalVMRs, Reservation } from './api';

export function paneConfig(over: Partial<PaneConfig> = {}): PaneConfig {
  return {
    integration: '6f1c2a3e-0000-4000-8000-000000000001',
    name: 'Contoso',
    single_use_enabled: true,
    personal_enabled: false,
    debug: false,
    auth: 'none',
    auth_provider: 'ADFS',
    room_mailbox: 'vmr@contoso.com',
    room_mailbox_name: 'VMR room',
    domains: ['contoso.com'],
    texts: {
      addin_pane_title: 'Video meeting',
      addin_pane_button_title: 'Add a meeting room',
      addin_pane_success_heading: 'Room added',
      addin_pane_already_video_meeting_heading: 'Already a video meeting',
      addin_pane_management_node_down_heading: 'Room service unavailable',
      addin_pane_general_error_heading: 'Something went wrong',
    },
    placeholder_html: '<p>Video meeting details are on their way</p>',
    ...over,
  };
}

export function reservation(over: Partial<Reservation> = {}): Reservation {
  return {
    alias: 'meet482913@vc.contoso.com',
    numeric_alias: '482913',
    alias_uuid: '2b0d',
    instructions_html: '<div><p>Call <a href="sip:meet482913@vc.contoso.com">meet482913@vc.contoso.com</a></p><p>vmr-companion:2b0d</p></div>',
    location: 'meet482913@vc.contoso.com',
    room_mailbox: 'vmr@contoso.com',
    room_mailbox_name: 'VMR room',
    token: 'vmr-companion:2b0d',
    expires_at: '2026-11-25T09:12:00Z',
    created: true,
    ...over,
  };
}

export function personalVMRs(): PersonalVMRs {
  return {
    user: 'alice@contoso.com',
    vmrs: [
      {
        id: 3,
        name: "Alice's room",
        description: 'Daily stand-ups',
        aliases: ['meet.alice@vc.contoso.com', '4711'],
        instructions_html: "<div><p>Join Alice's room</p></div>",
        location: 'meet.alice@vc.contoso.com',
      },
      {
        id: 4,
        name: 'Team room',
        description: '',
        aliases: ['meet.team@vc.contoso.com'],
        instructions_html: '<div><p>Join Team room</p></div>',
        location: 'meet.team@vc.contoso.com',
      },
    ],
  };
}

type Answer = number | 'network';

export interface FakeHostOptions {
  pane?: Answer | PaneConfig;
  reserve?: Answer;
  personal?: Answer | PersonalVMRs;
}

export interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const problems: Record<number, object> = {
  401: { type: 'https://vmr-companion.invalid/problems/unauthorized', title: 'Invalid token', status: 401, detail: 'the ID token was not accepted' },
  403: { type: 'https://vmr-companion.invalid/problems/forbidden', title: 'Single-use VMRs are off', status: 403, detail: 'the integration Contoso does not offer single-use VMRs' },
  404: { type: 'https://vmr-companion.invalid/problems/not-found', title: 'Unknown integration', status: 404, detail: 'no integration has uuid 6f1c…' },
  429: { type: 'https://vmr-companion.invalid/problems/rate-limited', title: 'Too many reservations', status: 429, detail: 'at most 60 reservations a minute per user; try again in 3 s' },
  500: { type: 'https://vmr-companion.invalid/problems/internal', title: 'Internal error', status: 500, detail: 'the error was logged with correlation id 42' },
  503: { type: 'https://vmr-companion.invalid/problems/unavailable', title: 'No alias available', status: 503, detail: 'no free single-use alias could be found' },
};

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

function answer(a: Answer | object | undefined, ok: () => object, okStatus = 200): Response {
  if (a === 'network') throw new TypeError('Failed to fetch');
  if (typeof a === 'number') return json(a, problems[a] ?? { status: a, title: 'Error' }, 'application/problem+json');
  return json(okStatus, a ?? ok());
}

/** fakeHost answers the API and records every call. */
export function fakeHost(o: FakeHostOptions = {}) {
  const calls: Call[] = [];
  const reservations = new Map<string, Reservation>();
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'https://127.0.0.1:3443');
    const method = init.method ?? 'GET';
    const headers = { ...(init.headers as Record<string, string>) };
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    calls.push({ method, path: url.pathname, headers, body });
    if (url.pathname.endsWith('/pane')) return answer(o.pane, () => paneConfig());
    if (url.pathname.endsWith('/reservations')) {
      const key = JSON.parse(body ?? '{}').item_key as string;
      return answer(o.reserve, () => {
        const again = reservations.get(key);
        const r = again ? { ...again, created: false } : reservation();
        reservations.set(key, r);
        return r;
      }, 201);
    }
    if (url.pathname.endsWith('/personal-vmrs')) return answer(o.personal, () => personalVMRs());
    return json(404, problems[404]);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}
