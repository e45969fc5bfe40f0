// The fake Pexip Infinity side (app/desktop/infinity.go). Every answer is
// one the real InfinityService gave against a fake Management Node,
// recorded by app/desktop's TestGolden (the "infinity …" scenarios); the
// fake only remembers which of them the window's calls have reached
// (connected or not, pulled, resolved) and emits the recorded progress of
// a pull. A pull or push can be held ('wait') until finish() or Cancel.
import { play } from './golden';
import type { FakeBackend } from './backend';
import { EVENT_INFINITY_PROGRESS } from '../../lib/contract.gen';
import type { InfinityProgress, InfinityStatus, SyncDiff, SyncHistoryRow, SyncResult } from '../../lib/types';

type Method = 'Test' | 'Connect' | 'Pull' | 'Push' | 'Diff';

/** The scenarios a call answers with when a test has not chosen one. */
const defaultAnswers: Record<Method, string> = {
  Test: 'infinity test ok',
  Connect: 'infinity connect',
  Pull: 'infinity pull',
  Push: 'infinity push',
  Diff: 'infinity diff conflict',
};

export class FakeInfinity {
  /** The scenario Status answers with: it follows connect, pull, resolve, push and disconnect. */
  statusScenario = 'infinity status disconnected';
  private answers = new Map<Method, string[]>();
  /** What a pull or push does: answer at once, or wait for finish() or Cancel. */
  outcome: 'ok' | 'wait' = 'ok';
  private pending: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  chosenCAFile = '/home/admin/infinity-ca.pem';
  resolved = false;

  constructor(private backend: FakeBackend) {}

  reset() {
    this.statusScenario = 'infinity status disconnected';
    this.answers.clear();
    this.outcome = 'ok';
    this.pending = null;
    this.chosenCAFile = '/home/admin/infinity-ca.pem';
    this.resolved = false;
  }

  /** seed: connected, pulled, then a push that met a conflict (the preview and most tests). */
  seed() {
    this.statusScenario = 'infinity status conflict';
  }

  /** The next calls of method answer as these golden scenarios, one per call; the last one keeps answering. */
  answer(method: Method, ...scenarios: string[]) {
    this.answers.set(method, scenarios);
  }

  private scenario(method: Method): string {
    const q = this.answers.get(method);
    if (!q?.length) return defaultAnswers[method];
    return (q.length > 1 ? q.shift() : q[0])!;
  }

  status(): InfinityStatus {
    return play<InfinityStatus>(this.statusScenario);
  }

  test() {
    return play(this.scenario('Test'));
  }

  connect(): InfinityStatus {
    const s = play<InfinityStatus>(this.scenario('Connect'));
    this.statusScenario = 'infinity connect';
    return s;
  }

  disconnect(): InfinityStatus {
    const s = play<InfinityStatus>('infinity disconnect');
    this.statusScenario = 'infinity disconnect';
    return s;
  }

  /** The recorded progress events of the golden pull. */
  progress(): InfinityProgress[] {
    return play<InfinityProgress[]>('infinity pull progress');
  }

  private async held() {
    if (this.outcome !== 'wait') return;
    await new Promise<void>((resolve, reject) => (this.pending = { resolve, reject }));
  }

  get waiting(): boolean {
    return this.pending !== null;
  }

  /** finish lets a held pull or push answer. */
  finish() {
    this.pending?.resolve();
    this.pending = null;
  }

  cancel() {
    if (!this.pending) return;
    const p = this.pending;
    this.pending = null;
    try {
      play('infinity pull cancelled');
    } catch (problem) {
      p.reject(problem);
    }
  }

  async pull(): Promise<SyncResult> {
    for (const p of this.progress()) this.backend.emit(EVENT_INFINITY_PROGRESS, p);
    await this.held();
    const r = play<SyncResult>(this.scenario('Pull'));
    // A test may have set the status a later Status answers with.
    if (this.statusScenario === 'infinity status disconnected' || this.statusScenario === 'infinity connect') this.statusScenario = 'infinity status after pull';
    return r;
  }

  async push(): Promise<SyncResult> {
    await this.held();
    // Until the conflict is resolved, a push meets it again.
    const name = this.answers.has('Push') || this.resolved || this.statusScenario !== 'infinity status conflict' ? this.scenario('Push') : 'infinity push conflict';
    const r = play<SyncResult>(name);
    this.statusScenario = r.conflicts?.length ? 'infinity status conflict' : 'infinity status connected';
    return r;
  }

  diff(): SyncDiff {
    return play<SyncDiff>(this.resolved ? 'infinity diff after resolve' : this.scenario('Diff'));
  }

  resolve() {
    play('infinity resolve');
    this.resolved = true;
    this.statusScenario = 'infinity status after resolve';
  }

  history(): SyncHistoryRow[] {
    return play<SyncHistoryRow[]>('infinity history');
  }
}
