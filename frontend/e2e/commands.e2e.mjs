// End-to-end test of the UI-less command of Outlook on phones (the
// manifest's MobileFormFactor): the real function file, commands.html
// from the real add-in host, framed by the harness as the pane is, with
// the recording fake of Office.js. The test runs the function registered
// with Office.actions.associate as Outlook does, with an event whose
// completed() it counts, and reads what the function wrote into the
// meeting. scripts/addin-e2e.sh runs it before taskpane.e2e.mjs, which
// stops the host.
//
// Environment: ADDIN_E2E_URL, ADDIN_E2E_INTEGRATION,
// ADDIN_E2E_INTEGRATION_PERSONAL, ADDIN_E2E_HOME, ADDIN_E2E_ARTIFACTS,
// CHROMIUM (see taskpane.e2e.mjs).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { assert, CDN, env, fakeOffice, harness, HARNESS, launch, runner } from './chromium.mjs';

const base = env('ADDIN_E2E_URL').replace(/\/$/, '');
const integration = env('ADDIN_E2E_INTEGRATION');
const integrationPersonal = env('ADDIN_E2E_INTEGRATION_PERSONAL');
const home = env('ADDIN_E2E_HOME');
const artifacts = env('ADDIN_E2E_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

// backend/manifest.MobileFunctionName, the manifest's FunctionName.
const FUNCTION = 'vmrcAddVideoMeeting';
const commandsURL = (id) => `${base}/addin/commands.html?integration=${id}`;
const ALIAS = /^meet\d+@vc\.contoso\.com$/;

const { test, run } = runner('addin-e2e commands');
const { context, close } = await launch(home);

/**
 * openCommands frames the function file in the harness; routes: extra
 * page.route handlers ([url, handler]) set before it loads.
 */
async function openCommands(id = integration, routes = []) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (process.env.ADDIN_E2E_VERBOSE) console.log(`     [console ${m.type()}] ${m.text()}`);
    if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  for (const [url, handler] of routes) await page.route(url, handler);
  await page.route(HARNESS + '*', (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: harness }));
  await page.route(CDN, (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body: `${fakeOffice}\ninstallFakeOffice({});` }));
  await page.goto(`${HARNESS}?pane=${encodeURIComponent(commandsURL(id))}`);
  const handle = await page.waitForSelector('#pane');
  let frame = null;
  for (let i = 0; i < 100 && !frame?.url().startsWith(base); i++) {
    frame = await handle.contentFrame();
    if (!frame?.url().startsWith(base)) await page.waitForTimeout(50);
  }
  assert(frame, 'the function file did not load');
  // Outlook runs the function only once the file has registered it.
  await frame.waitForFunction((name) => typeof window.__office?.actions?.[name] === 'function', FUNCTION);
  return { page, frame, problems };
}

/** press runs the function as Outlook does and waits for completed(); returns what Office recorded. */
async function press(frame) {
  return frame.evaluate(
    (name) =>
      new Promise((resolve) => {
        let completed = 0;
        window.__office.actions[name]({
          completed: () => {
            completed++;
            // A second completed() would show up in the count.
            setTimeout(() => resolve({ completed, state: JSON.parse(JSON.stringify(window.__office)) }), 50);
          },
        });
      }),
    FUNCTION,
  );
}

const inserts = (state) => state.calls.filter((c) => /^body\.(setSelectedDataAsync|prependAsync)$/.test(c.method));

test('the host serves the function file and the grayscale mobile icons', async () => {
  const page = await context.newPage();
  try {
    for (const px of [25, 32, 48, 50, 64, 75, 96, 144]) {
      const res = await page.goto(`${base}/addin/assets/mobile-icon-${px}.png`);
      assert(res && res.status() === 200, `mobile-icon-${px}.png: status ${res?.status()}`);
      assert((res.headers()['content-type'] ?? '').includes('image/png'), `mobile-icon-${px}.png: ${res.headers()['content-type']}`);
    }
    const res = await page.goto(commandsURL(integration));
    assert(res && res.status() === 200, `commands.html: status ${res?.status()}`);
  } finally {
    await page.close();
  }
});

let shared = null;

test('the button reserves a single-use VMR: instructions, location and room, then completed()', async () => {
  shared = await openCommands();
  const { completed, state } = await press(shared.frame);
  assert(completed === 1, `completed() ${completed} times`);
  assert(inserts(state).length === 1, `inserts: ${inserts(state).length}`);
  const [html, options] = inserts(state)[0].args;
  assert(options?.coercionType === 'html', `coercionType ${options?.coercionType}`);
  assert(/vmr-companion:[0-9a-f-]{36}/.test(html), 'the body has no vmr-companion:<uuid> token');
  const alias = state.locations[0]?.id ?? state.location;
  assert(ALIAS.test(alias), `location ${JSON.stringify(state.locations)} / ${state.location}`);
  assert(html.includes(alias), `the body does not name ${alias}`);
  assert(state.required.some((r) => r.emailAddress === 'vmr@contoso.com'), 'room mailbox not added');
  const notice = state.notices.at(-1)?.details;
  assert(notice?.type === 'informationalMessage' && notice.message.includes(alias), `notice ${JSON.stringify(notice)}`);
  await shared.page.screenshot({ path: join(artifacts, 'addin-mobile-command.png') });
  assert(shared.problems.length === 0, `console errors: ${shared.problems.join(' | ')}`);
});

test('a second press finds the VMR, inserts nothing and still calls completed()', async () => {
  const { completed, state } = await press(shared.frame);
  assert(completed === 1, `completed() ${completed} times`);
  assert(inserts(state).length === 1, `inserts: ${inserts(state).length}`);
  await shared.page.close();
});

test('with no alias free the button inserts the placeholder and the room, as the desktop does', async () => {
  const p = await openCommands(integration, [
    [
      '**/reservations',
      (r) =>
        r.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({ title: 'No alias available', status: 503, detail: 'no free single-use alias could be found' }),
        }),
    ],
  ]);
  try {
    const { completed, state } = await press(p.frame);
    assert(completed === 1, `completed() ${completed} times`);
    const [html] = inserts(state)[0]?.args ?? [];
    assert(html?.includes('vmr-companion:pending'), `the placeholder lacks the marker: ${html}`);
    assert(state.required.some((r) => r.emailAddress === 'vmr@contoso.com'), 'room mailbox not added');
    assert(state.locations.length === 0 && !state.location, 'a location was set without a room');
  } finally {
    await p.page.close();
  }
});

test('with single-use VMRs off the button inserts the user’s first personal VMR', async () => {
  const api = `${base}/api/v1/integrations/${integrationPersonal}/pane`;
  const real = await (async () => {
    const page = await context.newPage();
    try {
      const res = await page.goto(api);
      assert(res && res.status() === 200, `${api}: status ${res?.status()}`);
      return await res.json();
    } finally {
      await page.close();
    }
  })();
  const p = await openCommands(integrationPersonal, [
    [api, (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...real, single_use_enabled: false }) })],
  ]);
  try {
    const { completed, state } = await press(p.frame);
    assert(completed === 1, `completed() ${completed} times`);
    assert(inserts(state).length === 1, `inserts: ${inserts(state).length}`);
    assert(/Alice/.test(inserts(state)[0].args[0]), `not Alice's room: ${inserts(state)[0].args[0]}`);
    assert(!state.calls.some((c) => c.method === 'requiredAttendees.addAsync'), 'a personal VMR does not invite the room mailbox');
  } finally {
    await p.page.close();
  }
});

test('an unknown integration calls completed() and says so in the notification bar', async () => {
  const p = await openCommands('00000000-0000-4000-8000-000000000000');
  try {
    const { completed, state } = await press(p.frame);
    assert(completed === 1, `completed() ${completed} times`);
    assert(inserts(state).length === 0, 'something was inserted');
    assert(state.notices.at(-1)?.details?.type === 'errorMessage', `notice ${JSON.stringify(state.notices)}`);
  } finally {
    await p.page.close();
  }
});

const ok = await run();
await close();
process.exit(ok ? 0 : 1);
