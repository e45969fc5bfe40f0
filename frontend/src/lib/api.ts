// The one module that calls the Go backend. Every function resolves with
// plain typed data or rejects with a Problem (see toProblem), never with
// whatever the bridge happened to throw. In tests and `npm run preview:fake`
// the two binding modules are aliased to src/test/fakes (vite.config.ts).
import * as Integrations from '../wailsjs/go/desktop/IntegrationService';
import * as System from '../wailsjs/go/desktop/SystemService';
import { toProblem } from './problem';
import type { Detail, ImportOutcome, ImportResult, Report, Schema, Summary, SystemInfo, Values } from './types';

export { toProblem, isProblem } from './problem';

async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toProblem(e);
  }
}

// The generated classes are structurally the JSON the backend sends; these
// casts only narrow strings such as Field.kind to their known values.
const as = <T>(v: unknown) => v as T;

function detail(d: unknown): Detail {
  const r = as<Partial<Detail> | null>(d);
  return { integration: r?.integration ?? {}, warnings: r?.warnings ?? [] };
}

export const api = {
  schema: () => call(async () => as<Schema>(await Integrations.Schema())),
  defaults: () => call(async () => as<Values>(await Integrations.Defaults())),
  list: () => call(async () => as<Summary[] | null>(await Integrations.List()) ?? []),
  get: (uuid: string) => call(async () => detail(await Integrations.Get(uuid))),
  check: (uuid: string, values: Values, secrets: Record<string, string>) =>
    call(async () => {
      const r = as<Partial<Report> | null>(await Integrations.Check(uuid, values, secrets));
      return { errors: r?.errors ?? {}, warnings: r?.warnings ?? [] } satisfies Report;
    }),
  create: (values: Values, secrets: Record<string, string>) =>
    call(async () => detail(await Integrations.Create(values, secrets))),
  update: (uuid: string, values: Values, secrets: Record<string, string>, clearSecrets: string[]) =>
    call(async () => detail(await Integrations.Update(uuid, values, secrets, clearSecrets))),
  remove: (uuid: string) => call(() => Integrations.Delete(uuid)),
  importText: (json: string) => call(async () => as<ImportResult>(await Integrations.ImportText(json))),
  importFile: () => call(async () => as<ImportOutcome>(await Integrations.ImportFile())),
  /** Writes the integrations (all for []) to a file the user picks; "" when cancelled. */
  exportFile: (uuids: string[]) => call(() => Integrations.ExportFile(uuids)),
  info: () => call(async () => as<SystemInfo>(await System.Info())),
  ready: () => call(() => System.Ready()),
};

export type Api = typeof api;
