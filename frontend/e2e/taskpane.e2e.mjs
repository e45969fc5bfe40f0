// End-to-end test of the Outlook add-in's task pane in Chromium against the
// real add-in host (scripts/addin-e2e.sh starts both). The pane is framed by
// a harness page served as https://outlook.office.com/… (as Outlook on the
// web frames it), and Office.js is replaced, at its CDN address, by a
// recording fake of the Outlook mailbox API (e2e/fake-office.js).
//
// Environment: ADDIN_E2E_URL (https://127.0.0.1:PORT), ADDIN_E2E_INTEGRATION
// (uuid), ADDIN_E2E_SERVE_PID (the host, stopped for the service-down test),
// ADDIN_E2E_HOME (a HOME whose .pki/nssdb trusts the host's CA),
// ADDIN_E2E_ARTIFACTS (screenshots), CHROMIUM (default /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';

import { assert, CDN, env, fakeOffice, harness, HARNESS, launch, runner } from './chromium.mjs';

const base = env('ADDIN_E2E_URL').replace(/\/$/, '');
const integration = env('ADDIN_E2E_INTEGRATION');
// The same with personal VMRs and the debug log (Alice owns two rooms).
const integrationPersonal = env('ADDIN_E2E_INTEGRATION_PERSONAL');
const servePID = Number(env('ADDIN_E2E_SERVE_PID'));
const home = env('ADDIN_E2E_HOME');
const artifacts = env('ADDIN_E2E_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

const paneURL = `${base}/addin/taskpane.html?integration=${integration}`;
const personalPaneURL = `${base}/addin/taskpane.html?integration=${integrationPersonal}`;
const ALIAS = /^meet\d+@vc\.contoso\.com$/;

const { test, run } = runner('addin-e2e');

// --- the browser (trusts the host's CA through $HOME/.pki/nssdb) -----------
const { context, close } = await launch(home);

/**
 * openPane opens the harness with the pane; office: fake options, or
 * 'cdn-down'; pane: fields that replace the host's /pane answer (how the
 * tests choose a sign-in method while the host runs with --auth none).
 */
async function openPane(office = {}, url = paneURL, pane = null) {
  const page = await context.newPage();
  const problems = [];
  const responses = [];
  const reservations = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/reservations')) reservations.push(r);
  });
  if (pane) {
    const api = url.replace(/\/addin\/taskpane\.html\?integration=/, '/api/v1/integrations/') + '/pane';
    const real = await paneConfig(api);
    await page.route(api, (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...real, ...pane }) }));
  }
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
  page.on('requestfailed', (r) => responses.push({ url: r.url(), status: 0 }));
  page.on('console', (m) => {
    if (process.env.ADDIN_E2E_VERBOSE) console.log(`     [console ${m.type()}] ${m.text()}`);
    if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  if (process.env.ADDIN_E2E_VERBOSE) {
    page.on('requestfailed', (r) => console.log(`     [failed] ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => console.log(`     [${r.status()}] ${r.url()}`));
  }
  await page.route(HARNESS + '*', (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: harness }));
  await page.route(CDN, (r) =>
    office === 'cdn-down'
      ? r.abort('internetdisconnected')
      : r.fulfill({ status: 200, contentType: 'text/javascript', body: `${fakeOffice}\ninstallFakeOffice(${JSON.stringify(office)});` }),
  );
  await page.goto(`${HARNESS}?pane=${encodeURIComponent(url)}`);
  const frame = page.frameLocator('#pane');
  const handle = await page.waitForSelector('#pane');
  let paneFrame = null;
  for (let i = 0; i < 100 && !paneFrame?.url().startsWith(base); i++) {
    paneFrame = await handle.contentFrame();
    if (!paneFrame?.url().startsWith(base)) await page.waitForTimeout(50);
  }
  assert(paneFrame, 'the pane frame did not load');
  return { page, frame, paneFrame, problems, responses, reservations, shot: (name) => handle.screenshot({ path: join(artifacts, `addin-${name}.png`) }) };
}

/**
 * paneConfig is the host's own /pane answer, read by Chromium (which trusts
 * the host's CA; Playwright's route.fetch would not).
 */
async function paneConfig(api) {
  const page = await context.newPage();
  try {
    const res = await page.goto(api);
    assert(res && res.status() === 200, `${api}: status ${res?.status()}`);
    return await res.json();
  } finally {
    await page.close();
  }
}

const recorded = (paneFrame) => paneFrame.evaluate(() => JSON.parse(JSON.stringify(window.__office)));
const inserts = (state) => state.calls.filter((c) => /^body\.(setSelectedDataAsync|prependAsync)$/.test(c.method));

function portClosed(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: hostname, port: Number(port) });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

// --- the tests --------------------------------------------------------------
test('the host serves every file the manifest names, over trusted HTTPS', async () => {
  const page = await context.newPage();
  try {
    const files = [
      ['/addin/taskpane.html', 'text/html'],
      ['/addin/commands.html', 'text/html'],
      ['/addin/support.html', 'text/html'],
      ['/addin/privacy.html', 'text/html'],
      ['/addin/terms.html', 'text/html'],
      ...[16, 32, 64, 80, 128].map((s) => [`/addin/assets/icon-${s}.png`, 'image/png']),
      ['/office-js/office.js', 'javascript'],
      ['/office-js/outlook-web-16.01.js', 'javascript'],
      ['/office-js/de-de/outlook_strings.js', 'javascript'],
    ];
    for (const [path, type] of files) {
      const res = await page.goto(base + path);
      assert(res && res.status() === 200, `${path}: status ${res?.status()}`);
      const ctype = res.headers()['content-type'] ?? '';
      assert(ctype.includes(type), `${path}: content-type ${ctype}`);
    }
    const res = await page.goto(paneURL);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert(csp.includes('frame-ancestors') && csp.includes('https://appsforoffice.microsoft.com'), `taskpane CSP: ${csp}`);
  } finally {
    await page.close();
  }
});

let shared = null; // the pane of the single-use tests, kept for the "already" test

test('the pane loads in an Outlook frame and shows the integration’s texts', async () => {
  shared = await openPane();
  await shared.frame.getByRole('heading', { level: 1, name: 'Video meeting' }).waitFor();
  await shared.frame.getByRole('button', { name: 'Add a meeting room' }).waitFor();
  await shared.shot('ready');
  assert(shared.problems.length === 0, `console errors: ${shared.problems.join(' | ')}`);
});

test('the single-use button inserts the instructions, sets the location and adds the room', async () => {
  const { frame, paneFrame, page } = shared;
  await frame.getByRole('button', { name: 'Add a meeting room' }).click();
  await frame.getByTestId('state-success').waitFor();
  const state = await recorded(paneFrame);
  assert(inserts(state).length === 1, `inserts: ${inserts(state).length}`);
  const [html, options] = inserts(state)[0].args;
  assert(options?.coercionType === 'html', `coercionType ${options?.coercionType}`);
  const alias = state.locations[0]?.id ?? state.location;
  assert(ALIAS.test(alias), `location ${JSON.stringify(state.locations)} / ${state.location}`);
  assert(/vmr-companion:[0-9a-f-]{36}/.test(html), 'the body has no vmr-companion:<uuid> token');
  assert(html.includes(alias), `the body does not name the alias ${alias}`);
  assert(state.body.includes(html), 'the body does not hold the inserted HTML');
  const rooms = [...state.required, ...state.resources].map((r) => r.emailAddress);
  assert(rooms.includes('vmr@contoso.com'), `room mailbox not added: ${rooms}`);
  const shown = await frame.getByTestId('state-success').innerText();
  assert(shown.includes(alias), `the success state does not name ${alias}: ${shown}`);
  await shared.shot('success');
  await page.screenshot({ path: join(artifacts, 'addin-harness.png') });
  assert(shared.problems.length === 0, `console errors: ${shared.problems.join(' | ')}`);
});

test('a second click says "already a video meeting" and inserts nothing', async () => {
  const { frame, paneFrame } = shared;
  await frame.getByRole('button', { name: 'Add a meeting room' }).click();
  await frame.getByTestId('state-already').waitFor();
  const state = await recorded(paneFrame);
  assert(inserts(state).length === 1, `inserts after the second click: ${inserts(state).length}`);
  assert(state.locations.length + (state.location ? 0 : 0) <= 1, 'the location was added twice');
  await shared.shot('already');
  await shared.page.close();
});

test('personal VMRs: the user’s rooms are listed and the chosen one goes in', async () => {
  const p = await openPane({ email: 'Alice@Contoso.com' }, personalPaneURL);
  try {
    const group = p.frame.getByRole('group', { name: 'Choose one of your personal rooms:' });
    await group.waitFor();
    const radios = group.getByRole('radio');
    assert((await radios.count()) === 2, `rooms listed: ${await radios.count()}`);
    await group.getByRole('radio', { name: /Alice's team room/ }).check();
    await p.frame.getByRole('button', { name: 'Use my room' }).click();
    await p.frame.getByTestId('state-success').waitFor();
    const state = await recorded(p.paneFrame);
    assert(inserts(state).length === 1, `inserts: ${inserts(state).length}`);
    assert(inserts(state)[0].args[0].includes('meet.alice.team@vc.contoso.com'), 'the body does not name the room');
    const where = state.locations.map((l) => l.id).concat(state.location);
    assert(where.includes('meet.alice.team@vc.contoso.com'), `location: ${JSON.stringify(where)}`);
    assert(state.required.length === 0, 'a personal VMR needs no room mailbox');
    // The integration asks for the debug log.
    await p.frame.getByText('Debug log').click();
    const log = await p.frame.getByTestId('debug').innerText();
    assert(log.includes('personal VMRs of alice@contoso.com: 2'), `debug log: ${log}`);
    await p.shot('personal');
    assert(p.problems.length === 0, `console errors: ${p.problems.join(' | ')}`);
  } finally {
    await p.page.close();
  }
});

// Sign-in (issue 12): the pane proves who the user is the way /pane says.
// The host runs with --auth none, so it ignores the token; the test checks
// what the pane sent with the reservation.
const NAA = {
  auth: 'naa',
  naa_client_id: '0b1d5c3e-0000-4000-8000-00000000000a',
  naa_authority: 'https://login.microsoftonline.com/common',
  naa_scopes: ['api://127.0.0.1/0b1d5c3e-0000-4000-8000-00000000000b/access_as_user'],
};

async function reserveWith(name, pane, office, wantToken, wantCall, msal = false) {
  const p = await openPane(office, paneURL, pane);
  try {
    await p.frame.getByRole('button', { name: 'Add a meeting room' }).click();
    await p.frame.getByTestId('state-success').waitFor();
    assert(p.reservations.length === 1, `reservations: ${p.reservations.length}`);
    const headers = await p.reservations[0].allHeaders();
    assert(headers['authorization'] === `Bearer ${wantToken}`, `authorization: ${headers['authorization']}`);
    assert(headers['x-vmr-user'] === 'alice@contoso.com', `x-vmr-user: ${headers['x-vmr-user']}`);
    const state = await recorded(p.paneFrame);
    const asked = state.calls.map((c) => c.method).filter((m) => /^(auth\.|mailbox\.getUserIdentity|bridge\.GetToken)/.test(m));
    assert(asked.length === 1 && asked[0] === wantCall, `token calls: ${JSON.stringify(asked)}`);
    // MSAL is loaded only for NAA: otherwise every script the pane ran is one taskpane.html names.
    const html = await p.paneFrame.evaluate(() => fetch(location.href).then((r) => r.text()));
    const scripts = p.responses.filter((r) => r.url.startsWith(`${base}/addin/assets/`) && r.url.endsWith('.js'));
    const extra = scripts.filter((r) => !html.includes(new URL(r.url).pathname));
    assert(scripts.length > 0, 'no scripts seen');
    if (msal) assert(extra.length > 0 && extra.every((r) => r.status === 200), `MSAL's script: ${JSON.stringify(extra)}`);
    else assert(extra.length === 0, `scripts beyond the page's: ${JSON.stringify(extra)}`);
    await p.shot(`signin-${name}`);
    assert(p.problems.length === 0, `console errors: ${p.problems.join(' | ')}`);
  } finally {
    await p.page.close();
  }
}

test('exchange: the reservation carries the Exchange identity token and the user', () =>
  reserveWith('exchange', { auth: 'exchange' }, { identityToken: 'e2e-exchange-token', ssoToken: 'e2e-sso-token' }, 'e2e-exchange-token', 'mailbox.getUserIdentityTokenAsync'));

test('sso: the reservation carries Office’s single sign-on token and the user', () =>
  reserveWith('sso', { auth: 'sso' }, { identityToken: 'e2e-exchange-token', ssoToken: 'e2e-sso-token' }, 'e2e-sso-token', 'auth.getAccessToken'));

test('naa where Outlook offers none: single sign-on stands in, MSAL is not loaded', () =>
  reserveWith('naa-fallback', NAA, { ssoToken: 'e2e-sso-token', requirementSets: ['Mailbox 1.8'] }, 'e2e-sso-token', 'auth.getAccessToken'));

test('naa: MSAL, loaded on demand, gets the token from Outlook’s bridge', async () => {
  await reserveWith('naa', NAA, { naaToken: 'e2e-naa-token', ssoToken: 'e2e-sso-token', requirementSets: ['NestedAppAuth 1.1'] }, 'e2e-naa-token', 'bridge.GetToken', true);
});

test('exchange: a token Outlook will not give is a sign-in error that says what to do', async () => {
  const p = await openPane({ identityTokenError: 'Legacy tokens are disabled.' }, paneURL, { auth: 'exchange' });
  try {
    await p.frame.getByRole('button', { name: 'Add a meeting room' }).click();
    const bar = p.frame.getByTestId('state-signin-error');
    await bar.waitFor();
    const text = await bar.innerText();
    assert(text.includes('(9017: Legacy tokens are disabled)') && text.includes('nested app authentication'), `sign-in error: ${text}`);
    assert(p.reservations.length === 0, 'a reservation was sent without a token');
    assert(inserts(await recorded(p.paneFrame)).length === 0, 'the body was written');
    await p.shot('signin-exchange-failed');
  } finally {
    await p.page.close();
  }
});

test('the pane follows Office’s language and dark theme', async () => {
  const p = await openPane(
    {
      displayLanguage: 'de-DE',
      theme: { bodyBackgroundColor: '#292929', bodyForegroundColor: '#FFFFFF', controlBackgroundColor: '#3D3D3D', controlForegroundColor: '#FFFFFF' },
    },
    personalPaneURL,
  );
  try {
    await p.frame.getByRole('heading', { level: 2, name: 'Besprechungsraum für diese Besprechung' }).waitFor();
    await p.frame.getByRole('heading', { level: 2, name: 'Meine persönlichen Räume' }).waitFor();
    const bg = await p.paneFrame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg === 'rgb(41, 41, 41)', `background ${bg}`);
    await p.frame.getByRole('button', { name: 'Add a meeting room' }).click();
    await p.frame.getByTestId('state-success').waitFor();
    const shown = await p.frame.getByTestId('state-success').innerText();
    assert(shown.includes('Raumadresse: meet'), `German success state: ${shown}`);
    await p.shot('dark-de');
  } finally {
    await p.page.close();
  }
});

test('without the CDN the pane loads Office.js from the host', async () => {
  const p = await openPane('cdn-down');
  try {
    // Outside Outlook, Office.js says so and the pane asks to be opened there.
    const bar = p.frame.getByTestId('state-not-in-outlook');
    await bar.waitFor({ timeout: 20000 });
    const text = await bar.innerText();
    assert(text.includes('This pane works in a meeting'), `not-in-Outlook text: ${text}`);
    const hosted = p.responses.filter((r) => r.url.startsWith(`${base}/office-js/`));
    assert(hosted.some((r) => r.url === `${base}/office-js/office.js` && r.status === 200), `hosted Office.js: ${JSON.stringify(hosted)}`);
    assert(hosted.every((r) => r.status === 200), `hosted Office.js files: ${JSON.stringify(hosted)}`);
    // Everything Office.js loads comes from the host, nothing more from the CDN.
    const cdn = p.responses.filter((r) => r.url.startsWith('https://appsforoffice.microsoft.com/') && !r.url.endsWith('/hosted/office.js'));
    assert(cdn.length === 0, `requests to the CDN after the fallback: ${JSON.stringify(cdn)}`);
    await p.shot('not-in-outlook');
  } finally {
    await p.page.close();
  }
});

test('with the host down the pane inserts the placeholder so the user can still send', async () => {
  const p = await openPane();
  try {
    await p.frame.getByRole('button', { name: 'Add a meeting room' }).waitFor();
    process.kill(servePID, 'SIGTERM');
    for (let i = 0; i < 100 && !(await portClosed(base)); i++) await new Promise((r) => setTimeout(r, 100));
    assert(await portClosed(base), 'the host did not stop');
    await p.frame.getByRole('button', { name: 'Add a meeting room' }).click();
    await p.frame.getByTestId('state-service-down').waitFor({ timeout: 20000 });
    const state = await recorded(p.paneFrame);
    assert(inserts(state).length === 1, `inserts: ${inserts(state).length}`);
    const html = inserts(state)[0].args[0];
    assert(/details are on their way/i.test(html), `placeholder: ${html}`);
    // No room reference, only the marker by which the scheduler reserves a room when the meeting arrives.
    assert(!/vmr-companion:[0-9a-f]{8}-/.test(html), 'the placeholder carries a room reference');
    assert(html.includes('vmr-companion:pending'), `the placeholder lacks the scheduler's marker: ${html}`);
    assert(state.required.some((r) => r.emailAddress === 'vmr@contoso.com'), 'room mailbox not added');
    await p.shot('service-down');
  } finally {
    await p.page.close();
  }
});

// --- run --------------------------------------------------------------------
const ok = await run();
await close();
process.exit(ok ? 0 : 1);
