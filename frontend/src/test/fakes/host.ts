// The fake add-in host (app/desktop/addinhost.go over backend/addinhost and
// backend/devcert): start and stop, the local CA and its trust stores,
// manifests, and the request log with its "addinhost:request" event. What
// Start and Status answer is the real host's, played back from the goldens
// "host …" by the arguments the window sends; the busy port and the shared
// machine are conditions a test sets.
import { golden, play, type Golden } from './golden';
import type { CertInfo, HostStatus, Problem, RequestLog, TrustStatus } from '../../lib/types';
import type { FakeBackend } from './backend';

export const DEFAULT_LISTEN = '127.0.0.1:3443';
export const EVENT_HOST_REQUEST = 'addinhost:request';
const RECENT_LIMIT = 200;

const fail = (message: string): Problem => ({ code: 'error', message });

/** The recorded starts that depend on the arguments only. */
const starts = ['host start running', 'host start oidc', 'host start oidc default', 'host start integration', 'host start beyond machine', 'host start shared allowed'].map((s) =>
  golden<HostStatus>(s),
);
const stopped = golden<HostStatus>('host status stopped').result!;
const saves = [
  ...['dev xml', 'dev json', 'prod xml', 'prod json'].map((v) => `host save manifest Contoso ${v}`),
  'host save manifest Woodgrove prod xml',
  'host save manifest missing',
].map((s) => golden<string>(s));

function sampleStores(): TrustStatus[] {
  return [
    {
      name: 'System CA bundle (update-ca-certificates)',
      path: '/usr/local/share/ca-certificates/vmr-companion-local-ca.crt',
      installed: false,
      available: false,
      detail: 'needs root: run the install again with sudo',
    },
    { name: 'Chrome, Chromium and Edge', path: '/home/admin/.pki/nssdb', installed: false, available: true, detail: 'not installed' },
    { name: 'Firefox profile 8k2x1f0q.default-release', path: '/home/admin/.mozilla/firefox/8k2x1f0q.default-release', installed: false, available: true, detail: 'not installed' },
  ];
}

export class FakeHost {
  /** What Status answers while the host runs: the status its Start gave. */
  started: HostStatus | null = null;
  lastError = '';
  recent: RequestLog[] = [];
  /** Listen addresses another program holds ("address already in use"). */
  busy = new Set<string>();
  /** Several people are signed in to this machine (addinhost.ErrSharedHost). */
  sharedMachine = false;
  cert: CertInfo = this.freshCert();
  /** The next Install/Uninstall fails with this message (after changing what it could). */
  trustFailure = '';
  /** SaveManifest acts as a cancelled dialog. */
  manifestCancelled = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly backend: FakeBackend) {}

  reset() {
    this.stopTicker();
    this.started = null;
    this.lastError = '';
    this.recent = [];
    this.busy = new Set();
    this.sharedMachine = false;
    this.cert = this.freshCert();
    this.trustFailure = '';
    this.manifestCancelled = false;
  }

  freshCert(): CertInfo {
    return {
      name: 'VMR Companion local CA 3f9a61c2',
      file: '/home/admin/.local/share/vmr-companion/ca.pem',
      key_location: 'keychain',
      key_in_file: false,
      key_state: '',
      key_notice: '',
      replaced: '',
      not_after: '2027-11-20T09:30:00Z',
      stores: sampleStores(),
      deleted: false,
    };
  }

  /** The CA key fell back to a file, as backend/devcert does, for the keychain state given. */
  keyInFile(state: 'locked' | 'timed_out' | 'no_keychain' | 'keychain_error' = 'no_keychain') {
    this.cert.key_location = '/home/admin/.local/share/vmr-companion/ca-key.pem';
    this.cert.key_in_file = true;
    this.cert.key_state = state;
    this.cert.key_notice = `The local CA's private key is in the file ${this.cert.key_location}, not in the keychain.`;
  }

  /** The system store (which the window may not change) trusts the CA, as after `sudo vmr-companion cert install --system`. */
  systemInstalled() {
    const s = this.cert.stores[0]!;
    s.installed = true;
    s.detail = 'needs root: run the install again with sudo';
  }

  /** Uninstalls where it can, then deletes the CA (backend/devcert Authority.Delete). */
  deleteCA(): CertInfo {
    let err: Problem | undefined;
    try {
      this.uninstall();
    } catch (e) {
      err = e as Problem;
    }
    this.cert = { ...this.cert, deleted: true, key_in_file: false, key_state: '', key_notice: '' };
    if (err) throw err;
    return this.cert;
  }

  get running(): boolean {
    return this.started !== null;
  }

  status(): HostStatus {
    return this.started ? { ...this.started } : { ...stopped, error: this.lastError };
  }

  start(listen: string, auth: string, rate: number, allowSharedHost = false): HostStatus {
    if (this.started) return this.status();
    const args = [listen || DEFAULT_LISTEN, auth || 'none', rate, allowSharedHost];
    let g: Golden<HostStatus> | undefined;
    if (this.busy.has(String(args[0]))) g = golden('host start busy');
    else if (this.sharedMachine && args[1] === 'none' && !allowSharedHost) g = golden('host start shared');
    else g = starts.find((s) => JSON.stringify(s.args) === JSON.stringify(args));
    if (!g) throw new Error(`no golden answer for AddinHostService.Start(${JSON.stringify(args)}): record it in app/desktop/golden_host_test.go`);
    try {
      this.started = play<HostStatus>(g.scenario);
    } catch (e) {
      this.lastError = (e as Problem).message;
      throw e;
    }
    this.lastError = '';
    return this.status();
  }

  stop(): HostStatus {
    this.started = null;
    return play('host stop');
  }

  /** Records a handled request and emits it, as the host's middleware does. */
  record(entry: Partial<RequestLog> & Pick<RequestLog, 'method' | 'path' | 'status'>) {
    const full: RequestLog = {
      time: new Date().toISOString(),
      duration_ms: 1.8,
      bytes: 512,
      remote: '127.0.0.1:51234',
      ...entry,
    };
    this.recent.push(full);
    if (this.recent.length > RECENT_LIMIT) this.recent = this.recent.slice(-RECENT_LIMIT);
    this.backend.emit(EVENT_HOST_REQUEST, JSON.parse(JSON.stringify(full)));
    return full;
  }

  recentRequests(): RequestLog[] {
    return [...this.recent];
  }

  certificate(): CertInfo {
    return this.cert;
  }

  install(): CertInfo {
    for (const s of this.cert.stores) {
      if (s.available && !s.installed) {
        s.installed = true;
        s.detail = '';
      }
    }
    if (this.trustFailure) {
      const message = this.trustFailure;
      this.trustFailure = '';
      throw fail(message);
    }
    if (!this.cert.stores.some((s) => s.installed)) {
      throw fail(
        'devcert: the CA is installed in no trust store: ' +
          this.cert.stores.map((s) => `${s.name}: ${s.detail || 'unavailable'}`).join('; '),
      );
    }
    return this.cert;
  }

  uninstall(): CertInfo {
    for (const s of this.cert.stores) {
      if (s.available && s.installed) {
        s.installed = false;
        s.detail = 'not installed';
      }
    }
    if (this.trustFailure) {
      const message = this.trustFailure;
      this.trustFailure = '';
      throw fail(message);
    }
    // As devcert.UninstallAll: a store this process may not change that still trusts the CA.
    const left = this.cert.stores.filter((s) => s.installed && !s.available);
    if (left.length) {
      throw fail(
        `devcert: the CA is still trusted in ${left.map((s) => s.name).join(', ')}, which this process may not change; run sudo vmr-companion cert uninstall --system`,
      );
    }
    return this.cert;
  }

  /** The path the real SaveManifest gave for these arguments (goldens "host save manifest …"). */
  saveManifest(uuid: string, dev: boolean, format: string): string {
    const args = JSON.stringify([uuid, dev, format]);
    const g = saves.find((s) => JSON.stringify(s.args) === args);
    if (!g) throw new Error(`no golden answer for AddinHostService.SaveManifest(${args}): record it in app/desktop/golden_host_test.go`);
    if (this.manifestCancelled) return '';
    return play<string>(g.scenario);
  }

  // ---- the preview's live traffic ----

  /** Seeds a few past requests (preview). */
  seedTraffic(uuid: string) {
    const now = Date.now();
    const past: Array<[number, string, string, number, number]> = [
      [-95_000, 'GET', '/healthz', 200, 0.4],
      [-80_000, 'GET', `/integrations/${uuid}/manifest-dev.xml`, 200, 3.1],
      [-62_000, 'GET', '/addin/taskpane.html', 200, 1.2],
      [-61_800, 'GET', '/addin/assets/taskpane.js', 200, 2.6],
      [-61_500, 'GET', `/api/v1/integrations/${uuid}/pane`, 200, 14.9],
      [-40_000, 'POST', `/api/v1/integrations/${uuid}/reservations`, 201, 38.4],
      [-21_000, 'GET', `/api/v1/integrations/${uuid}/personal-vmrs`, 200, 9.7],
      [-9_000, 'GET', '/api/v1/integrations/00000000-0000-0000-0000-000000000000/pane', 404, 0.9],
    ];
    for (const [dt, method, path, status, ms] of past) {
      this.recent.push({ time: new Date(now + dt).toISOString(), method, path, status, duration_ms: ms, bytes: 300 + Math.round(ms * 97), remote: '127.0.0.1:51234' });
    }
  }

  /** Emits a plausible request every few seconds while the host runs (preview only). */
  startTicker(uuid: string, everyMs = 3500) {
    this.stopTicker();
    const paths: Array<[string, string, number]> = [
      ['GET', `/api/v1/integrations/${uuid}/pane`, 200],
      ['GET', '/addin/taskpane.html', 200],
      ['POST', `/api/v1/integrations/${uuid}/reservations`, 201],
      ['GET', `/api/v1/integrations/${uuid}/personal-vmrs`, 200],
      ['POST', `/api/v1/integrations/${uuid}/reservations`, 429],
      ['GET', '/addin/commands.html', 304],
    ];
    let i = 0;
    this.ticker = setInterval(() => {
      if (!this.running) return;
      const [method, path, status] = paths[i++ % paths.length]!;
      this.record({ method, path, status, duration_ms: Math.round((2 + Math.random() * 40) * 10) / 10 });
    }, everyMs);
  }

  stopTicker() {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
