/// <reference types="vitest/config" />
import { defineConfig, type Alias } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

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
      // Vite 8's name for build.rollupOptions. One entry per HTML page: the
      // desktop window now; the Outlook add-in's task pane goes beside it
      // (e.g. taskpane: here('./taskpane.html')).
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
      // jsdom is slow with a form of 100 fields; typing tests take a few seconds.
      testTimeout: 30000,
    },
  };
});
