// The answers the real bound services gave for named scenarios, recorded
// by app/desktop's TestGolden into src/test/golden/ (`make golden`; never
// edited by hand). The fakes play them back instead of re-implementing the
// backend, so the window is tested against what the backend really says.
import type { Problem } from '../../lib/types';

export interface Golden<T = unknown> {
  scenario: string;
  binding: string;
  args?: unknown[];
  result?: T;
  problem?: Problem;
}

const files = import.meta.glob<Golden>('../golden/*.json', { eager: true, import: 'default' });
const byScenario = new Map<string, Golden>(Object.values(files).map((g) => [g.scenario, g]));

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** The recorded answer of a scenario; a missing one is a test's mistake. */
export function golden<T = unknown>(scenario: string): Golden<T> {
  const g = byScenario.get(scenario);
  if (!g) throw new Error(`no golden answer "${scenario}": record it in app/desktop/golden_*_test.go and run make golden`);
  return clone(g) as Golden<T>;
}

/** Plays a scenario back as the binding did: its result, or its Problem thrown. */
export function play<T>(scenario: string): T {
  const g = golden<T>(scenario);
  if (g.problem) throw g.problem;
  return g.result as T;
}
