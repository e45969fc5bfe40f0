// What the add-in's e2e scenarios share: Debian's Chromium, launched the
// way the tests need it, and a tiny test runner.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Both suites frame the pane in the same fake Outlook: the harness page, at
// an outlook.office.com address, and the recording Office.js at its CDN's.
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const fakeOffice = readFileSync(here('./fake-office.js'), 'utf8');
export const harness = readFileSync(here('./harness.html'), 'utf8');
export const CDN = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
export const HARNESS = 'https://outlook.office.com/e2e/harness.html';

/** env is a setting of the environment, or fails naming it. */
export function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`addin-e2e: set ${name}`);
  return v;
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/**
 * launch starts Chromium with a throwaway profile. home is a HOME whose
 * .pki/nssdb trusts the test's CAs: Chromium on Linux trusts what that
 * database trusts, so nothing here ignores certificate errors.
 */
export async function launch(home, executablePath = env('CHROMIUM', '/usr/bin/chromium')) {
  const userData = mkdtempSync(join(tmpdir(), 'addin-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath,
    headless: true,
    env: { ...process.env, HOME: home },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--password-store=basic',
    ],
    viewport: { width: 1000, height: 720 },
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(15000);
  // Chromium asks before a public site (Outlook on the web) frames a
  // loopback address; a developer who sideloads against a local host says
  // yes once.
  await context.grantPermissions(['local-network-access'], { origin: 'https://outlook.office.com' });
  const close = async () => {
    await context.close();
    rmSync(userData, { recursive: true, force: true });
  };
  return { context, close };
}

/** runner collects tests and runs them in order, printing ok / FAIL. */
export function runner(suite) {
  const tests = [];
  return {
    test: (name, fn) => tests.push({ name, fn }),
    async run() {
      let passed = 0;
      let failed = 0;
      for (const t of tests) {
        const started = Date.now();
        try {
          await t.fn();
          passed++;
          console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
        } catch (e) {
          failed++;
          console.log(`FAIL ${t.name}\n     ${String(e?.stack ?? e).split('\n').slice(0, 4).join('\n     ')}`);
        }
      }
      console.log(`${suite}: ${passed} passed, ${failed} failed`);
      return failed === 0;
    },
  };
}
