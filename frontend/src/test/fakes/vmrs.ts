// The fake personal VMRs (app/desktop/vmrs.go over backend/conference):
// every answer is one the real VMRService gave (goldens "vmr …", recorded by
// app/desktop's TestGolden); the fake only keeps the list that creating,
// importing and deleting change. A test picks the scenario of the next
// calls with answer().
import { golden, play } from './golden';
import type { Conference, VMRImport } from '../../lib/types';

/** Every VMR a test or the preview can seed, as the real List gave them. */
const world = golden<Conference[]>('vmrs').result!;

const defaultAnswers = {
  Create: 'vmr create Priya',
  ImportCSVFile: 'vmr import csv',
} as const;
export type VMRAnswered = keyof typeof defaultAnswers | 'Update';

export class FakeVMRs {
  items = new Map<number, Conference>();
  private answers = new Map<string, string[]>();

  reset() {
    this.items.clear();
    this.answers.clear();
  }

  /** The next calls of method answer as these scenarios, one per call; the last one keeps answering. */
  answer(method: VMRAnswered, ...scenarios: string[]) {
    this.answers.set(method, scenarios);
  }

  private scenario(method: VMRAnswered): string | undefined {
    const q = this.answers.get(method);
    if (!q?.length) return method === 'Update' ? undefined : defaultAnswers[method];
    return q.length > 1 ? q.shift() : q[0];
  }

  /** The stored VMRs; with an owner, the ones whose owner address is it (any case). */
  list(owner: string): Conference[] {
    const o = owner.trim().toLowerCase();
    return [...this.items.values()].filter((c) => !o || c.primary_owner_email_address === o);
  }

  private store(c: Conference) {
    this.items.set(c.id, c);
    this.items = new Map([...this.items.entries()].sort((a, b) => a[1].name.localeCompare(b[1].name)));
  }

  create(): Conference {
    const c = play<Conference>(this.scenario('Create')!);
    this.store(c);
    return c;
  }

  /** Without a chosen scenario, the fake stores what was sent (the preview). */
  update(sent: Conference): Conference {
    const name = this.scenario('Update');
    const c = name ? play<Conference>(name) : sent;
    this.store(c);
    return c;
  }

  delete(id: number): void {
    if (!this.items.delete(id)) play('vmr delete missing');
  }

  importCSVFile(): VMRImport {
    const res = play<VMRImport>(this.scenario('ImportCSVFile')!);
    for (const c of res.created ?? []) this.store(c);
    return res;
  }

  /** Stores these VMRs of the golden "vmrs", by name. */
  seed(names: string[]) {
    for (const n of names) {
      const c = world.find((v) => v.name === n);
      if (!c) throw new Error(`golden: no VMR "${n}" in the golden "vmrs"`);
      this.store(JSON.parse(JSON.stringify(c)) as Conference);
    }
  }
}

/** The VMRs of the preview. */
export const previewVMRs = world.map((c) => c.name);
