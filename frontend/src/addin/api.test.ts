import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, integrationFromURL, serviceDown, unauthorized } from './api';
import { fakeHost, paneConfig } from './testhost';

const ID = paneConfig().integration;

describe('integrationFromURL', () => {
  it.each([
    ['?integration=6F1C2A3E-0000-4000-8000-000000000001', '6f1c2a3e-0000-4000-8000-000000000001'],
    ['?integration=not-a-uuid', null],
    ['', null],
    ['?et=abc', null],
  ])('reads %j as %j', (search, want) => {
    expect(integrationFromURL(search)).toBe(want);
  });
});

describe('Api', () => {
  it('reads the pane config from the integration’s path', async () => {
    const host = fakeHost();
    expect(await new Api(ID, { fetch: host.fetch }).pane()).toMatchObject({ name: 'Contoso' });
    expect(host.calls[0]).toMatchObject({ method: 'GET', path: `/api/v1/integrations/${ID}/pane` });
  });

  it('posts the item key with the user header', async () => {
    const host = fakeHost();
    await new Api(ID, { fetch: host.fetch }).reserve('pane:1', { user: 'alice@contoso.com' });
    expect(host.calls[0]).toMatchObject({
      method: 'POST',
      body: '{"item_key":"pane:1"}',
      headers: { 'Content-Type': 'application/json', 'X-VMR-User': 'alice@contoso.com' },
    });
  });

  it('sends the token and the claimed address together', async () => {
    const host = fakeHost();
    await new Api(ID, { fetch: host.fetch }).reserve('pane:1', { user: 'alice@contoso.com', token: 'eyJ.id' });
    expect(host.calls[0]?.headers).toMatchObject({ Authorization: 'Bearer eyJ.id', 'X-VMR-User': 'alice@contoso.com' });
    await new Api(ID, { fetch: host.fetch }).personalVMRs({});
    expect(host.calls[1]?.headers).toEqual({ Accept: 'application/json' });
  });

  it('reads the NAA settings of the pane config, with no scopes where the host sent none', async () => {
    const naa = { auth: 'naa' as const, naa_client_id: 'c1', naa_authority: 'https://login.microsoftonline.com/common', naa_scopes: ['api://x/y'] };
    expect(await new Api(ID, { fetch: fakeHost({ pane: paneConfig(naa) }).fetch }).pane()).toMatchObject(naa);
    expect((await new Api(ID, { fetch: fakeHost({ pane: paneConfig({ naa_scopes: null as unknown as string[] }) }).fetch }).pane()).naa_scopes).toEqual([]);
  });

  it('turns problems into ApiErrors with their detail', async () => {
    const err = await new Api(ID, { fetch: fakeHost({ reserve: 429 }).fetch }).reserve('k', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, detail: 'at most 60 reservations a minute per user; try again in 3 s' });
    expect(serviceDown(err)).toBe(false);
  });

  it('treats network errors, timeouts and 5xx as the service being down', async () => {
    const net = await new Api(ID, { fetch: fakeHost({ reserve: 'network' }).fetch }).reserve('k', {}).catch((e: unknown) => e);
    expect(net).toMatchObject({ status: 0 });
    expect(serviceDown(net)).toBe(true);
    const failing = await new Api(ID, { fetch: fakeHost({ pane: 500 }).fetch }).pane().catch((e: unknown) => e);
    expect(serviceDown(failing)).toBe(true);
    expect(unauthorized(failing)).toBe(false);
  });

  it('gives up on a host that never answers when its time is up, and not before', async () => {
    // A host that answers only by failing when the request is aborted; the
    // test moves the clock, so nothing depends on how fast the machine is.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let aborted = false;
      const silent = ((_: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          }),
        )) as typeof fetch;
      const pending = new Api(ID, { fetch: silent, timeoutMs: 15_000 }).pane().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(14_999);
      expect(aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const timeout = await pending;
      expect(aborted).toBe(true);
      expect(timeout).toMatchObject({ status: 0, detail: 'no answer within 15 s' });
      expect(serviceDown(timeout)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('recognises a refused token', async () => {
    const err = await new Api(ID, { fetch: fakeHost({ personal: 401 }).fetch }).personalVMRs({ token: 't' }).catch((e: unknown) => e);
    expect(unauthorized(err)).toBe(true);
  });
});
