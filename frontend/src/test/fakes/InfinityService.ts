// Stands in for src/wailsjs/go/desktop/InfinityService (served by bridge.ts).
import { fake } from './instance';
import type { InfinityConnection } from '../../lib/types';

export const Status = () => fake.run('Infinity.Status', [], () => fake.infinity.status());
export const Test = (conn: InfinityConnection, secret: string) => fake.run('Infinity.Test', [conn, secret], () => fake.infinity.test());
export const Connect = (conn: InfinityConnection, secret: string) => fake.run('Infinity.Connect', [conn, secret], () => fake.infinity.connect());
export const Disconnect = () => fake.run('Infinity.Disconnect', [], () => fake.infinity.disconnect());
export const ChooseCAFile = () => fake.run('Infinity.ChooseCAFile', [], () => fake.infinity.chosenCAFile);
export const Pull = () => fake.run('Infinity.Pull', [], () => undefined).then(() => fake.infinity.pull());
export const Push = (withSecrets: boolean) => fake.run('Infinity.Push', [withSecrets], () => undefined).then(() => fake.infinity.push());
export const Cancel = () => fake.run('Infinity.Cancel', [], () => fake.infinity.cancel());
export const Diff = () => fake.run('Infinity.Diff', [], () => fake.infinity.diff());
export const Resolve = (kind: string, name: string, field: string, take: string) =>
  fake.run('Infinity.Resolve', [kind, name, field, take], () => fake.infinity.resolve());
export const History = () => fake.run('Infinity.History', [], () => fake.infinity.history());
