// Stands in for src/wailsjs/go/desktop/VMRService (served by bridge.ts).
import { fake } from './instance';
import type { Conference } from '../../lib/types';

export const Create = (c: Conference) => fake.run('VMR.Create', [c], () => fake.vmrs.create());
export const Delete = (id: number) => fake.run('VMR.Delete', [id], () => fake.vmrs.delete(id));
export const ImportCSVFile = () => fake.run('VMR.ImportCSVFile', [], () => fake.vmrs.importCSVFile());
export const List = (owner: string) => fake.run('VMR.List', [owner], () => fake.vmrs.list(owner));
export const Update = (c: Conference) => fake.run('VMR.Update', [c], () => fake.vmrs.update(c));
