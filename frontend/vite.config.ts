/// <reference types="vitest/config" />
import { defineConfig, type Alias, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';
import { cpSync, mkdirSync, rmSync, statSync } from 'node:fs';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The Outlook add-in is a second build (`vite build --mode addin`, run by
// `npm run build` after the window's): addin/*.html with src/addin/ into
// dist/addin/, served by the add-in host under /addin/.
const addinPages = ['taskpane', 'commands', 'support', 'privacy', 'terms', 'signin-done'];

// Office.js for offline deployments, served by the host at /office-js/: the
// loader and what it loads for Outlook only (the npm package is 87 MB with
// every Office app, locale and debug build). office.js picks a host file
// from the host's "_host_Info" (outlook-<platform>-<version>.js, versions
// capped by its HostSpecificFileVersionMap), or, for hosts that use the
// Office 2013 protocol (Outlook 2013/2016 MSI, Exchange 2016/2019 Outlook on
// the web), o15apptofilemappingtable.js and one of outlook(webapp)-15*.js;
// then <locale>/office_strings.js and outlook_strings.js, falling back to
// en-us for a locale it does not find. Telemetry scripts are left out:
// offline, their collector is out of reach anyway.
const officeJSFiles = [
  'office.js',
  'o15apptofilemappingtable.js',
  'outlook-15.js',
  'outlook-15.01.js',
  'outlook-15.02.js',
  'outlook-15.03.js',
  'outlook-15.04.js',
  'outlookwebapp-15.js',
  'outlookwebapp-15.01.js',
  'outlook-web-16.01.js',
  'outlook-win32-16.00.js',
  'outlook-win32-16.01.js',
  'outlook-win32-16.02.js',
  'outlook-mac-16.00.js',
  'outlook-ios-16.00.js',
  'outlook-android-16.00.js',
  ...['en-us', 'de-de'].flatMap((l) => [`${l}/office_strings.js`, `${l}/outlook_strings.js`]),
];

function copyOfficeJS(): Plugin {
  return {
    name: 'vmr-companion:office-js',
    apply: 'build',
    closeBundle() {
      const from = here('./node_modules/@microsoft/office-js/dist/');
      const to = here('./dist/office-js/');
      rmSync(to, { recursive: true, force: true });
      mkdirSync(to, { recursive: true });
      let bytes = 0;
      for (const f of officeJSFiles) {
        cpSync(from + f, to + f);
        bytes += statSync(to + f).size;
      }
      this.info(`office-js: ${officeJSFiles.length} files, ${(bytes / 1e6).toFixed(2)} MB in dist/office-js/`);
    },
  };
}

// The generated Wails bindings call window.go.*, which exists only inside
// the Wails window. Tests (vitest) and `npm run preview:fake` (mode "fake")
// swap them for an in-memory fake backend, as tiny-rdm does. Only
// src/lib/api.ts imports the bindings, so that is all that changes.
const fakeBindings: Alias[] = [
  { find: /^.*\/wailsjs\/go\/desktop\/IntegrationService(\.js)?$/, replacement: here('./src/test/fakes/IntegrationService.ts') },
  { find: /^.*\/wailsjs\/go\/desktop\/SystemService(\.js)?$/, replacement: here('./src/test/fakes/SystemService.ts') },
  { find: /^.*\/wailsjs\/runtime\/runtime(\.js)?$/, replacement: here('./src/test/fakes/runtime.ts') },
];

export default defineConfig(({ mode }) => {
  if (mode === 'addin') {
    return {
      root: here('./addin'),
      // The host serves the add-in under /addin/ (manifests point there).
      base: '/addin/',
      // Icons, copied as they are to dist/addin/assets/.
      publicDir: here('./addin/public'),
      plugins: [svelte({ configFile: here('./svelte.config.js') }), copyOfficeJS()],
      build: {
        outDir: here('./dist/addin'),
        emptyOutDir: true,
        target: 'es2022',
        rolldownOptions: {
          input: Object.fromEntries(addinPages.map((p) => [p, here(`./addin/${p}.html`)])),
          checks: { bundlerTimings: false },
        },
      },
    };
  }
  const fake = mode === 'fake' || mode === 'test';
  return {
    plugins: [svelte(), ...(mode === 'test' ? [svelteTesting()] : [])],
    resolve: { alias: fake ? fakeBindings : [] },
    // Relative asset URLs: Wails serves dist/ from its own asset server.
    base: './',
    server: { port: 5173, strictPort: false },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      target: 'es2022',
      // Vite 8's name for build.rollupOptions. One entry per HTML page of
      // the desktop window; the Outlook add-in is the `addin` mode above.
      rolldownOptions: {
        input: {
          index: here('./index.html'),
        },
        // Svelte's compiler is most of a small build; its timing note is noise.
        checks: { bundlerTimings: false },
      },
    },
    test: {
      environment: 'jsdom',
      include: ['src/**/*.test.ts'],
      setupFiles: ['./src/test/setup.ts'],
      restoreMocks: true,
      // jsdom is slow with a form of 100 fields; typing tests take a few
      // seconds, and ten times that on a loaded machine (a 30 s limit failed
      // the form's tests beside go test -race). The limit only stops a test
      // that hangs, so it is far above what a passing test takes.
      testTimeout: 120_000,
    },
  };
});
