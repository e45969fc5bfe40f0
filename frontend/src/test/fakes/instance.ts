// The one fake backend of a test run or a preview page.
import { FakeBackend, previewSamples } from './backend';

export const fake = new FakeBackend();

// `npm run preview:fake` (vite --mode fake): start with sample data. Query
// parameters shape the preview, e.g. /?fake=empty&keychain=off&latency=600
//   fake=empty      no integrations (the first-run state)
//   keychain=off    the keychain is unavailable (banner, failing saves)
//   latency=MS      each call takes MS milliseconds (default 150)
if (import.meta.env.MODE === 'fake' && typeof location !== 'undefined') {
  const q = new URLSearchParams(location.search);
  if (q.get('fake') !== 'empty') fake.seed(previewSamples);
  if (q.get('keychain') === 'off') {
    fake.info.keychain_ok = false;
    fake.info.keychain_issue = 'no Secret Service on the session bus: install and unlock gnome-keyring or KeePassXC';
  }
  fake.latency = Number(q.get('latency') ?? 150) || 0;
  (globalThis as Record<string, unknown>).__fake = fake;
}
