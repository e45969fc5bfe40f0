// Stands in for src/wailsjs/go/desktop/SchedulerService (served by bridge.ts).
import { fake } from './instance';

export const Conferences = (integration: string) => fake.run('Scheduler.Conferences', [integration], () => fake.scheduler.scheduled(integration));
export const Log = (integration: string, limit: number) => fake.run('Scheduler.Log', [integration, limit], () => fake.scheduler.entries(integration, limit));
export const Quarantined = (integration: string) => fake.run('Scheduler.Quarantined', [integration], () => fake.scheduler.quarantinedOf(integration));
export const Retry = (integration: string, kind: string, id: string) =>
  fake.run('Scheduler.Retry', [integration, kind, id], () => fake.scheduler.retry(integration, kind, id));
export const RunOnce = (integration: string) => fake.run('Scheduler.RunOnce', [integration], () => fake.scheduler.runOnce(integration));
export const SaveDiagnostics = (integration: string) =>
  fake.run('Scheduler.SaveDiagnostics', [integration], () => fake.scheduler.saveDiagnostics(integration));
export const StartWorker = (integration: string) => fake.run('Scheduler.StartWorker', [integration], () => fake.scheduler.startWorker(integration));
export const StopWorker = (integration: string) => fake.run('Scheduler.StopWorker', [integration], () => fake.scheduler.stopWorker(integration));
export const TestConnection = (integration: string) =>
  fake.run('Scheduler.TestConnection', [integration], () => fake.scheduler.testConnection(integration));
export const Workers = () => fake.run('Scheduler.Workers', [], () => fake.scheduler.workers());
