// Stands in for src/wailsjs/go/desktop/IntegrationService in tests and the
// fake preview (aliased in vite.config.ts); same functions, same arguments,
// recorded in fake.calls; the answers are golden ones (backend.ts).
import { fake } from './instance';
import './bridge';
import type { Values } from '../../lib/types';

export const Check = (uuid: string, values: Values, secrets: Record<string, string>) =>
  fake.run('Check', [uuid, values, secrets], () => fake.check());
export const Create = (values: Values, secrets: Record<string, string>) =>
  fake.run('Create', [values, secrets], () => fake.create());
export const Defaults = () => fake.run('Defaults', [], () => fake.defaults());
export const Delete = (uuid: string) => fake.run('Delete', [uuid], () => fake.delete(uuid));
export const ExportFile = (uuids: string[]) => fake.run('ExportFile', [uuids], () => fake.exportFile(uuids));
export const Get = (uuid: string) => fake.run('Get', [uuid], () => fake.get(uuid));
export const ImportFile = () => fake.run('ImportFile', [], () => fake.importFile());
export const ImportText = (text: string) => fake.run('ImportText', [text], () => fake.importText());
export const List = () => fake.run('List', [], () => fake.list());
export const Schema = () => fake.run('Schema', [], () => fake.schema());
export const Update = (uuid: string, values: Values, secrets: Record<string, string>, clearSecrets: string[]) =>
  fake.run('Update', [uuid, values, secrets, clearSecrets], () => fake.update(uuid));
