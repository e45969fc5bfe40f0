// What the window loads once and reuses: the form's schema and a new
// integration's defaults. They are fetched at start-up so that the
// new-integration form opens at once (Ctrl+N, then typing, must not lose keys).
import { api } from './api';
import type { Schema, Values } from './types';

let schema: Schema | undefined;
let defaults: Values | undefined;
let schemaLoad: Promise<Schema> | undefined;
let defaultsLoad: Promise<Values> | undefined;

export function loadSchema(): Promise<Schema> {
  schemaLoad ??= api.schema().then(
    (s) => (schema = s),
    (e: unknown) => {
      schemaLoad = undefined; // let a later attempt retry
      throw e;
    },
  );
  return schemaLoad;
}

export function loadDefaults(): Promise<Values> {
  defaultsLoad ??= api.defaults().then(
    (d) => (defaults = d),
    (e: unknown) => {
      defaultsLoad = undefined;
      throw e;
    },
  );
  return defaultsLoad.then((d) => structuredClone(d));
}

/** The schema if it has loaded already. */
export function cachedSchema(): Schema | undefined {
  return schema;
}

/** A copy of the defaults if they have loaded already. */
export function cachedDefaults(): Values | undefined {
  return defaults === undefined ? undefined : structuredClone(defaults);
}

/** preload starts both loads; failures surface when the form asks again. */
export function preload(): Promise<unknown> {
  return Promise.allSettled([loadSchema(), loadDefaults()]);
}

/** forget drops the cache (tests). */
export function forget(): void {
  schema = defaults = undefined;
  schemaLoad = defaultsLoad = undefined;
}
