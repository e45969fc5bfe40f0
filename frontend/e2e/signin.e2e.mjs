// End to end, the personal VMR sign-in (docs/addin-api.md, "Personal VMR
// sign-in"): the task pane in Chromium, framed by the fake Outlook harness,
// opens the sign-in in an Office dialog (the fake's displayDialogAsync: a
// real popup window), the host sends it to a real OpenID provider
// (e2e/oidc-provider.mjs), the user signs in there, the host's callback
// makes a session and its done page hands it to the pane (messageParent).
// The host runs with --auth oidc, so without the sign-in no rooms are
// listed; with it, only the signed-in user's.
//
// Environment: ADDIN_E2E_URL (the host, https://127.0.0.1:PORT),
// ADDIN_E2E_INTEGRATION (uuid of an integration whose personal VMR sign-in
// is the provider), ADDIN_E2E_IDP (the provider's issuer), ADDIN_E2E_HOME
// (a HOME whose .pki/nssdb trusts the host's and the provider's CAs),
// ADDIN_E2E_ARTIFACTS (screenshots), CHROMIUM (default /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { assert, CDN, env, fakeOffice, harness, HARNESS, launch, runner } from './chromium.mjs';

const base = env('ADDIN_E2E_URL').replace(/\/$/, '');
const integration = env('ADDIN_E2E_INTEGRATION');
const idp = env('ADDIN_E2E_IDP').replace(/\/$/, '');
const artifacts = env('ADDIN_E2E_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

const paneURL = `${base}/addin/taskpane.html?integration=${integration}`;
const api = `${base}/api/v1/integrations/${integration}`;
const startURL = `${base}/signin/${integration}/start`;
const SIGN_IN = 'Sign in to see your rooms';

const { context, close } = await launch(env('ADDIN_E2E_HOME'));
// Office.js at its CDN address is the recording fake, in the pane and in
// the dialog alike (context routes reach popups; page routes do not).
await context.route(CDN, (r) =>
  r.fulfill({ status: 200, contentType: 'text/javascript', body: `${fakeOffice}\ninstallFakeOffice(${JSON.stringify({ email: 'alice@contoso.com' })});` }),
);
await context.route(HARNESS + '*', (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: harness }));

// Every request of every page: the navigations of the dialog, and proof
// that nothing went to the internet (only the two fakes above are not on
// 127.0.0.1, and those never leave the browser).
const requests = [];
const external = [];
context.on('request', (r) => {
  const u = new URL(r.url());
  if (!/^https?:$/.test(u.protocol)) return;
  requests.push(r);
  if (u.hostname !== '127.0.0.1' && r.url() !== CDN && !r.url().startsWith(HARNESS)) external.push(r.url());
});
const navigations = () => requests.filter((r) => r.isNavigationRequest()).map((r) => r.url());

const { test, run } = runner('addin-e2e sign-in');

/** One pane for every test: sign-in, sign-out, two failures, another user. */
let pane = null;

async function openPane() {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (process.env.ADDIN_E2E_VERBOSE) console.log(`     [console ${m.type()}] ${m.text()}`);
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${HARNESS}?pane=${encodeURIComponent(paneURL)}`);
  const frame = page.frameLocator('#pane');
  const handle = await page.waitForSelector('#pane');
  return {
    page,
    frame,
    problems,
    // The pane's frame, once it shows the host's page.
    paneFrame: () => {
      const f = page.frames().find((f) => f.url().startsWith(paneURL));
      assert(f, 'the pane frame is not loaded');
      return f;
    },
    shot: (name) => handle.screenshot({ path: join(artifacts, `addin-personal-signin-${name}.png`) }),
  };
}

const calls = async (p) => (await p.paneFrame().evaluate(() => window.__office.calls)).map((c) => c.method);
/** session is the session token the pane sent last (X-VMR-Session). */
async function session() {
  const sent = requests.filter((r) => r.url() === `${api}/personal-vmrs`).at(-1);
  return (await sent?.allHeaders())?.['x-vmr-session'];
}

const dialogs = [];
/** clickSignIn clicks the pane's sign-in button and returns the dialog's window. */
async function clickSignIn(p) {
  // A dialog a failed test left open would keep Office from opening another.
  for (const d of dialogs) if (!d.isClosed()) await d.close();
  const [popup] = await Promise.all([p.page.waitForEvent('popup'), p.frame.getByRole('button', { name: SIGN_IN }).click()]);
  if (process.env.ADDIN_E2E_VERBOSE) {
    popup.on('console', (m) => console.log(`     [dialog console ${m.type()}] ${m.text()}`));
    popup.on('framenavigated', (f) => f === popup.mainFrame() && console.log(`     [dialog] ${f.url().replace(/#.*/, '#…')}`));
  }
  popup.on('pageerror', (e) => p.problems.push(`dialog: ${e}`));
  dialogs.push(popup);
  return popup;
}

/** signInAt fills in the provider's login and consent forms in the dialog. */
async function signInAt(popup, login, shots = false) {
  await popup.getByLabel('User name').fill(login);
  await popup.getByLabel('Password').fill('any password will do');
  if (shots) await popup.screenshot({ path: join(artifacts, 'addin-personal-signin-dialog-login.png') });
  await popup.getByRole('button', { name: 'Sign in' }).click();
  const allow = popup.getByRole('button', { name: 'Allow' });
  await allow.waitFor();
  if (shots) await popup.screenshot({ path: join(artifacts, 'addin-personal-signin-dialog-consent.png') });
  // The pane closes the dialog when the done page's message arrives.
  const closed = popup.waitForEvent('close');
  await allow.click();
  await closed;
}

/** inOrder tells whether the URLs hold this order of prefixes (others between). */
function inOrder(urls, prefixes) {
  let i = 0;
  for (const u of urls) if (i < prefixes.length && u.startsWith(prefixes[i])) i++;
  return i === prefixes.length;
}

test('without a sign-in the host lists no rooms: the pane offers the sign-in', async () => {
  pane = await openPane();
  await pane.frame.getByRole('button', { name: SIGN_IN }).waitFor();
  const asked = requests.filter((r) => r.url() === `${api}/personal-vmrs`);
  assert(asked.length === 1, `personal-vmrs requests: ${asked.length}`);
  const res = await asked[0].response();
  assert(res?.status() === 401, `personal-vmrs without a session: ${res?.status()}`);
  assert((await res.json()).type === 'https://vmr-companion.invalid/problems/sign-in-required', 'not a sign-in-required problem');
  await pane.shot('needed');
});

test('the dialog signs Alice in at the OpenID provider and the pane lists only her rooms', async () => {
  const p = pane;
  const popup = await clickSignIn(p);
  await signInAt(popup, 'alice', true);
  await p.frame.getByTestId('signed-in').waitFor();
  const shown = await p.frame.getByTestId('signed-in').innerText();
  assert(shown.includes('Signed in as alice@contoso.com'), `signed-in line: ${shown}`);
  const rooms = await p.frame.getByRole('radio').evaluateAll((els) => els.map((e) => e.closest('label')?.innerText ?? ''));
  assert(rooms.length === 2 && rooms.every((r) => r.startsWith("Alice's")), `rooms: ${JSON.stringify(rooms)}`);

  // The dialog went the whole way: the host's start, the provider, the
  // host's callback, the done page.
  const nav = navigations();
  const steps = [startURL, `${idp}/auth?`, `${idp}/interaction/`, `${base}/signin/callback?code=`, `${base}/addin/signin-done.html`];
  assert(inOrder(nav, steps), `the dialog's way: ${JSON.stringify(nav.map((u) => u.replace(/\?.*/, '?…')))}`);
  const auth = new URL(nav.find((u) => u.startsWith(`${idp}/auth?`)));
  const q = auth.searchParams;
  assert(q.get('client_id') === 'vmr-e2e' && q.get('code_challenge_method') === 'S256' && q.get('code_challenge'), `PKCE: ${auth.search}`);
  assert(q.get('redirect_uri') === `${base}/signin/callback` && q.get('nonce') && q.get('state'), `authorization request: ${auth.search}`);
  assert(q.get('scope')?.split(' ').sort().join(' ') === 'email openid profile', `scope: ${q.get('scope')}`);

  // The pane's Office calls: the dialog on the host's start page, its
  // message from the host's origin, then the pane closed it.
  const methods = await calls(p);
  assert(inOrder(methods, ['ui.displayDialogAsync', 'dialog.messageReceived', 'dialog.close']), `Office calls: ${methods}`);
  const state = await p.paneFrame().evaluate(() => window.__office.calls);
  assert(state.find((c) => c.method === 'ui.displayDialogAsync').args[0] === startURL, 'the dialog did not open the host start page');
  assert(state.find((c) => c.method === 'dialog.messageReceived').args[0] === base, 'the message came from elsewhere');

  // The personal VMR call carries the session as a header, never in an address.
  const token = await session();
  assert(/^[A-Za-z0-9_-]{43}$/.test(token ?? ''), 'the personal VMR call carries no session');
  const listed = requests.filter((r) => r.url() === `${api}/personal-vmrs`).at(-1);
  assert((await listed.response())?.status() === 200, 'the personal VMR call failed');
  assert(!requests.some((r) => r.url().includes(token)), 'the session appeared in a request URL');
  const debug = (await p.frame.getByTestId('debug').textContent()) ?? '';
  assert(debug.includes('signed in as alice@contoso.com') && !debug.includes(token), `debug log: ${debug}`);
  await p.shot('signed-in');
  assert(p.problems.length === 0, `console errors: ${p.problems.join(' | ')}`);
});

test('the provider’s answer replayed in another window is refused without a session', async () => {
  const answer = navigations().find((u) => u.startsWith(`${base}/signin/callback?code=`));
  const page = await context.newPage();
  try {
    await page.goto(answer);
    // The host took the state once: the replay ends on the done page with the reason.
    const status = page.locator('#status');
    await status.filter({ hasText: 'already used' }).waitFor();
    assert(new URL(page.url()).pathname === '/addin/signin-done.html' && !page.url().includes('#'), `replay ended at ${page.url()}`);
    const text = await status.innerText();
    assert(text.includes('sign in again from the add-in') && !/session=/.test(text), `done page: ${text}`);
  } finally {
    await page.close();
  }
});

test('sign-out ends the session at the host and offers the sign-in again', async () => {
  const p = pane;
  const token = await session();
  const deleted = p.page.waitForRequest((r) => r.method() === 'DELETE' && r.url() === `${api}/session`);
  await p.frame.getByTestId('sign-out').click();
  const del = await deleted;
  assert((await del.allHeaders())['x-vmr-session'] === token, 'DELETE /session without the session');
  assert((await del.response())?.status() === 204, `DELETE /session: ${(await del.response())?.status()}`);
  await p.frame.getByRole('button', { name: SIGN_IN }).waitFor();
  // The host has forgotten it.
  const status = await p.paneFrame().evaluate(
    async ([url, t]) => (await fetch(url, { headers: { 'X-VMR-Session': t } })).status,
    [`${api}/personal-vmrs`, token],
  );
  assert(status === 401, `the ended session still lists rooms: ${status}`);
  await p.shot('signed-out');
});

test('cancelling at the provider: the pane says the sign-in was refused and stays usable', async () => {
  const p = pane;
  // Signing out of the host leaves the provider's own session (as with AD
  // FS): forget it, so that the provider asks again.
  await context.clearCookies();
  const popup = await clickSignIn(p);
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'Cancel' }).click();
  await closed;
  const bar = p.frame.getByTestId('state-signin-error');
  await bar.waitFor();
  const text = await bar.innerText();
  assert(text.includes('The sign-in was refused'), `error shown: ${text}`);
  await p.frame.getByRole('button', { name: SIGN_IN }).waitFor();
  assert(navigations().some((u) => u.startsWith(`${base}/signin/callback?error=access_denied`)), 'the provider did not answer access_denied');
  await p.shot('cancelled');
});

test('closing the dialog cancels quietly', async () => {
  const p = pane;
  const popup = await clickSignIn(p);
  await popup.getByLabel('User name').waitFor();
  await popup.close(); // as the user closes the window
  await p.paneFrame().waitForFunction(() => window.__office.calls.some((c) => c.method === 'dialog.closedByUser'));
  await p.frame.getByRole('button', { name: SIGN_IN }).waitFor();
  assert((await p.frame.getByTestId('state-signin-error').count()) === 0, 'closing the dialog shows an error');
});

test('then Bob signs in in the same pane and sees only his room', async () => {
  const p = pane;
  const popup = await clickSignIn(p);
  await signInAt(popup, 'bob');
  await p.frame.getByTestId('signed-in').getByText('Signed in as bob@contoso.com').waitFor();
  const rooms = await p.frame.getByRole('radio').evaluateAll((els) => els.map((e) => e.closest('label')?.innerText ?? ''));
  assert(rooms.length === 1 && rooms[0].startsWith("Bob's room"), `rooms: ${JSON.stringify(rooms)}`);
  await p.shot('bob');
  assert(p.problems.length === 0, `console errors: ${p.problems.join(' | ')}`);
});

test('nothing went to the internet', () => {
  assert(external.length === 0, `requests beyond 127.0.0.1: ${JSON.stringify(external)}`);
});

const ok = await run();
await close();
process.exit(ok ? 0 : 1);
