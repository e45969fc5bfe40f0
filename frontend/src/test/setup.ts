// Vitest setup: what jsdom lacks, and a clean fake backend for every test.
import { beforeEach } from 'vitest';
import { configure } from '@testing-library/svelte';
import { fake } from './fakes/instance';
import { forget } from '../lib/session';
import { clearToasts } from '../lib/toasts.svelte';
import { setLocale } from '../lib/i18n';
import { resetUserState } from '../lib/user.svelte';

// findBy* and waitFor wait for something to appear; their limit only stops
// a test that would otherwise hang. Testing Library's default (1 s) made it
// a race on a loaded machine, so it sits well below vitest's testTimeout
// (30 s) and far above anything a passing test waits.
configure({ asyncUtilTimeout: 15_000 });

// jsdom has <dialog> but not its modal methods.
const dialogProto = HTMLDialogElement.prototype as HTMLDialogElement & { __polyfilled?: boolean };
if (typeof dialogProto.showModal !== 'function') {
  dialogProto.showModal = function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  dialogProto.show = dialogProto.showModal;
  dialogProto.close = function (this: HTMLDialogElement, returnValue?: string) {
    if (!this.hasAttribute('open')) return;
    this.removeAttribute('open');
    if (returnValue !== undefined) this.returnValue = returnValue;
    this.dispatchEvent(new Event('close'));
  };
}
if (typeof Element.prototype.scrollIntoView !== 'function') {
  Element.prototype.scrollIntoView = function () {};
}

beforeEach(() => {
  fake.reset();
  forget();
  clearToasts();
  setLocale('en');
  resetUserState();
});
