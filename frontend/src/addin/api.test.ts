import { describe, expect, it } from 'vitest';
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
    const slow = (() => new Promise<Response>((_, reject) => setTimeout(() => reject(new DOMException('aborted', 'AbortError')), 30))) as typeof fetch;
    const timeout = await new Api(ID, { fetch: slow, timeoutMs: 10 }).pane().catch((e: unknown) => e);
    expect(serviceDown(timeout)).toBe(true);
    const failing = await new Api(ID, { fetch: fakeHost({ pane: 500 }).fetch }).pane().catch((e: unknown) => e);
    expect(serviceDown(failing)).toBe(true);
    expect(unauthorized(failing)).toBe(false);
  });

  it('recognises a refused token', async () => {
    const err = await new Api(ID, { fetch: fakeHost({ personal: 401 }).fetch }).personalVMRs({ token: 't' }).catch((e: unknown) => e);
    expect(unauthorized(err)).toBe(true);
  });
});
