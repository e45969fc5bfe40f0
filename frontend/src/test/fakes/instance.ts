// The one fake backend of a test run or a preview page.
import { FakeBackend, previewSamples, type Answered } from './backend';
import { previewVMRs } from './vmrs';

export const fake = new FakeBackend();

// `npm run preview:fake` (vite --mode fake): start with sample data. Query
// parameters shape the preview, e.g. /?fake=empty&keychain=off&latency=600
//   fake=empty      no integrations, VMRs or workers, the host stopped (the first-run state)
//   keychain=off    the keychain is unavailable (banner, failing saves, the CA key in a file)
//   latency=MS      each call takes MS milliseconds (default 150)
//   host=stopped    the add-in host is not running (it runs, without authentication, by default)
//   port=busy       another program holds 127.0.0.1:3443 (starting the host fails)
//   user=out        nobody is signed in (the sign-in card); user=wait: sign-in waits for the browser
//   refresh=fail    refreshing the meetings fails (the stale banner)
//   infinity=off    not connected to Pexip Infinity (connected, with a conflict, by default)
//   answer=M:S      IntegrationService.M answers with the golden scenario S, e.g.
//                   answer=Check:integration check http url (see src/test/golden)
if (import.meta.env.MODE === 'fake' && typeof location !== 'undefined') {
  const q = new URLSearchParams(location.search);
  const empty = q.get('fake') === 'empty';
  if (!empty) {
    fake.seed(previewSamples);
    fake.vmrs.seed(previewVMRs);
    fake.scheduler.seed();
    fake.user.seed();
    if (q.get('infinity') !== 'off') fake.infinity.seed();
    // Store one installed, as after "Install".
    const chromium = fake.host.cert.stores.find((s) => s.name.startsWith('Chrome'));
    if (chromium) Object.assign(chromium, { installed: true, detail: '' });
  }
  const first = fake.list()[0]?.uuid ?? '00000000-0000-0000-0000-000000000000';
  if (!empty && q.get('host') !== 'stopped') {
    fake.host.start('', 'none', 60);
    fake.host.seedTraffic(first);
  }
  fake.host.startTicker(first);
  if (q.get('port') === 'busy') fake.host.busy.add('127.0.0.1:3443');
  if (q.get('keychain') === 'off') {
    fake.info.keychain_ok = false;
    fake.info.keychain_issue = 'no Secret Service on the session bus: install and unlock gnome-keyring or KeePassXC';
    fake.answer('Create', 'integration create keychain unavailable');
    fake.host.keyInFile();
  }
  if (q.get('user') === 'out' || q.get('user') === 'wait') fake.user.signedIn = false;
  if (q.get('user') === 'wait') fake.user.signInOutcome = 'wait';
  if (q.get('refresh') === 'fail') fake.user.refreshOutcome = { error: 'calendar: the feed answered HTTP 503: try again later' };
  for (const a of q.getAll('answer')) {
    const i = a.indexOf(':');
    if (i > 0) fake.answer(a.slice(0, i) as Answered, a.slice(i + 1));
  }
  fake.latency = Number(q.get('latency') ?? 150) || 0;
  (globalThis as Record<string, unknown>).__fake = fake;
}
