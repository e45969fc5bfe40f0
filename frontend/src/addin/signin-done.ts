// The sign-in dialog's last page (addin/signin-done.html): the host sends
// the dialog here with the outcome in the fragment, which reaches no
// server; this passes it to the pane and takes it out of the address.
import * as office from './office';
import { pickLocale, translator } from './i18n';
import { parseDone, relay } from './signin';

const done = parseDone(location.hash);
// The session must not stay in the dialog's history.
history.replaceState(null, '', location.pathname);
const t = translator(pickLocale(navigator.language));
const status = document.getElementById('status');
if (status) status.textContent = 'session' in done ? t('signin_done') : t('signin_failed', { detail: done.error });

void (async () => {
  if (!(await office.loadScript())) return;
  await office.ready(10000);
  relay(done);
})();
