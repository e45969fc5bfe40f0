// End-to-end test of the delegate's pre-flight in Chromium against the real
// add-in host (scripts/addin-e2e.sh starts both): the appointment is in a
// shared calendar (the fake Office.js's getSharedPropertiesAsync), and the
// pane checks, before reserving, the owner's domain against the
// integration's and the delegate's rights. A failed check keeps the button
// off with the fix shown; when all pass, the room is reserved for the owner.
//
// Environment: ADDIN_E2E_URL (https://127.0.0.1:PORT),
// ADDIN_E2E_INTEGRATION_DELEGATE (an integration whose domains hold
// contoso.com, not fabrikam.com), ADDIN_E2E_HOME (a HOME whose .pki/nssdb
// trusts the host's CA), ADDIN_E2E_ARTIFACTS (screenshots), CHROMIUM.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { assert, CDN, env, fakeOffice, harness, HARNESS, launch, runner } from './chromium.mjs';

const base = env('ADDIN_E2E_URL').replace(/\/$/, '');
const integration = env('ADDIN_E2E_INTEGRATION_DELEGATE');
const home = env('ADDIN_E2E_HOME');
const artifacts = env('ADDIN_E2E_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

const paneURL = `${base}/addin/taskpane.html?integration=${integration}`;
const ALIAS = /^meet\d+@vc\.contoso\.com$/;
// Office.MailboxEnums.DelegatePermissions: Outlook's Editor has every bit,
// a Reviewer only Read.
const EDITOR = 1 | 2 | 4 | 8 | 16 | 32;
const REVIEWER = 1;

const { test, run } = runner('addin-e2e delegate');
const { context, close } = await launch(home);

/** openPane frames the pane in the harness with the fake Office.js set up by office. */
async function openPane(office) {
  const page = await context.newPage();
  const problems = [];
  const reservations = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/reservations')) reservations.push(r);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.route(HARNESS + '*', (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: harness }));
  await page.route(CDN, (r) =>
    r.fulfill({ status: 200, contentType: 'text/javascript', body: `${fakeOffice}\ninstallFakeOffice(${JSON.stringify(office)});` }),
  );
  await page.goto(`${HARNESS}?pane=${encodeURIComponent(paneURL)}`);
  const handle = await page.waitForSelector('#pane');
  let paneFrame = null;
  for (let i = 0; i < 100 && !paneFrame?.url().startsWith(base); i++) {
    paneFrame = await handle.contentFrame();
    if (!paneFrame?.url().startsWith(base)) await page.waitForTimeout(50);
  }
  assert(paneFrame, 'the pane frame did not load');
  return {
    page,
    frame: page.frameLocator('#pane'),
    paneFrame,
    problems,
    reservations,
    shot: (name) => handle.screenshot({ path: join(artifacts, `addin-delegate-${name}.png`) }),
  };
}

const recorded = (paneFrame) => paneFrame.evaluate(() => JSON.parse(JSON.stringify(window.__office)));
const writes = (state) => state.calls.filter((c) => /^(body\.(setSelectedDataAsync|prependAsync)|requiredAttendees\.addAsync|location\.setAsync|enhancedLocation\.addAsync)$/.test(c.method));

/**
 * blocked checks that the pre-flight failed on exactly the check named,
 * with its fix shown, and that the reserve button stays off: a click
 * reserves nothing and writes nothing into the meeting.
 */
async function blocked(p, name, fix) {
  const bar = p.frame.getByTestId('preflight-blocked');
  await bar.waitFor();
  const failed = await p.frame.locator('[data-testid^="check-"][data-ok="false"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
  assert(JSON.stringify(failed) === JSON.stringify([`check-${name}`]), `failed checks: ${JSON.stringify(failed)}`);
  const shown = await p.frame.getByTestId(`fix-${name}`).innerText();
  assert(shown.includes(fix), `the fix: ${shown}`);
  const button = p.frame.getByRole('button', { name: 'Add a meeting room' });
  assert((await button.getAttribute('aria-disabled')) === 'true', 'the reserve button is not disabled');
  // force: Playwright itself would not click a button marked disabled.
  await button.click({ force: true });
  // A reserve starts by reading the body, within the click's own event
  // handler: no read, no reservation.
  const state = await recorded(p.paneFrame);
  assert(!state.calls.some((c) => c.method === 'body.getAsync'), 'the click started a reservation');
  assert(p.reservations.length === 0, `reservations sent: ${p.reservations.length}`);
  assert(writes(state).length === 0, 'the meeting was written');
  assert(p.problems.length === 0, `console problems: ${p.problems.join('; ')}`);
}

test('a delegate with Editor rights for an owner inside the domains reserves the room for the owner', async () => {
  const p = await openPane({ email: 'assistant@contoso.com', shared: { owner: 'boss@contoso.com', delegatePermissions: EDITOR } });
  try {
    const owner = p.frame.getByTestId('owner');
    await owner.waitFor();
    assert((await owner.innerText()) === 'Scheduling for boss@contoso.com', `owner: ${await owner.innerText()}`);
    const checks = await p.frame.locator('[data-testid^="check-"]').evaluateAll((els) => els.map((e) => `${e.dataset.testid}=${e.dataset.ok}`));
    assert(JSON.stringify(checks) === JSON.stringify(['check-owner=true', 'check-domain=true', 'check-write=true', 'check-room=true']), `checks: ${checks}`);
    const room = await p.frame.getByTestId('check-room').innerText();
    assert(room.includes('The room mailbox vmr@contoso.com will be invited.'), `room check: ${room}`);
    assert((await p.frame.getByTestId('preflight-blocked').count()) === 0, 'the pre-flight says blocked');
    await p.shot('ready');

    await p.frame.getByRole('button', { name: 'Add a meeting room' }).click();
    const bar = p.frame.getByTestId('state-success');
    await bar.waitFor();
    assert(p.reservations.length === 1, `reservations: ${p.reservations.length}`);
    const req = p.reservations[0];
    // The reservation is the owner's: the scheduler binds it to the meeting's organizer.
    assert(req.headers()['x-vmr-user'] === 'boss@contoso.com', `X-VMR-User: ${req.headers()['x-vmr-user']}`);
    const res = await req.response();
    assert(res && res.status() === 201, `reservation status ${res?.status()}`);
    const body = await res.json();
    assert(ALIAS.test(body.alias), `alias ${body.alias}`);
    const state = await recorded(p.paneFrame);
    assert(state.body.includes(body.token), 'the joining details are not in the owner’s meeting');
    assert(state.required.some((r) => r.emailAddress === 'vmr@contoso.com'), `attendees: ${JSON.stringify(state.required)}`);
    assert(state.calls.some((c) => c.method === 'item.getSharedPropertiesAsync'), 'the pane never asked for the shared properties');
    assert(p.problems.length === 0, `console problems: ${p.problems.join('; ')}`);
    await p.shot('reserved');
  } finally {
    await p.page.close();
  }
});

test('an owner outside the integration’s domains: the button stays off and the fix names the domain', async () => {
  const p = await openPane({ email: 'assistant@contoso.com', shared: { owner: 'boss@fabrikam.com', delegatePermissions: EDITOR } });
  try {
    await blocked(p, 'domain', 'Ask your IT team to add fabrikam.com to the integration’s Exchange domains');
    const text = await p.frame.getByTestId('check-domain').innerText();
    assert(text.includes('contoso.com') && !text.includes('https://'), `domain check: ${text}`);
    await p.shot('outside-domains');
  } finally {
    await p.page.close();
  }
});

test('a delegate who may only read the calendar: the button stays off and the fix asks the owner for Editor rights', async () => {
  const p = await openPane({ email: 'assistant@contoso.com', shared: { owner: 'boss@contoso.com', delegatePermissions: REVIEWER } });
  try {
    await blocked(p, 'write', 'Ask boss@contoso.com to give you Editor rights on the calendar');
    await p.shot('read-only');
  } finally {
    await p.page.close();
  }
});

test('the pre-flight speaks German in a German Outlook', async () => {
  const p = await openPane({ displayLanguage: 'de-DE', shared: { owner: 'boss@contoso.com', delegatePermissions: REVIEWER } });
  try {
    await p.frame.getByTestId('preflight-blocked').waitFor();
    const fix = await p.frame.getByTestId('fix-write').innerText();
    assert(fix.includes('Bitten Sie boss@contoso.com, Ihnen Bearbeitungsrechte'), `German fix: ${fix}`);
    await p.frame.getByRole('button', { name: 'Erneut prüfen' }).waitFor();
  } finally {
    await p.page.close();
  }
});

test('in the user’s own calendar the pane shows no pre-flight and reserves as before', async () => {
  const p = await openPane({ email: 'alice@contoso.com' });
  try {
    await p.frame.getByRole('button', { name: 'Add a meeting room' }).click();
    await p.frame.getByTestId('state-success').waitFor();
    assert((await p.frame.getByTestId('preflight').count()) === 0, 'a pre-flight is shown');
    assert(p.reservations.length === 1 && p.reservations[0].headers()['x-vmr-user'] === 'alice@contoso.com', 'not reserved for the user');
  } finally {
    await p.page.close();
  }
});

const ok = await run();
await close();
process.exit(ok ? 0 : 1);
