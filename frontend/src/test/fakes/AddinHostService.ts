// Stands in for src/wailsjs/go/desktop/AddinHostService: same functions,
// same arguments. Served through window.go by bridge.ts.
import { fake } from './instance';

export const Certificate = () => fake.run('Certificate', [], () => fake.host.certificate());
export const DeleteCertificateAuthority = () => fake.run('DeleteCertificateAuthority', [], () => fake.host.deleteCA());
export const InstallCertificate = () => fake.run('InstallCertificate', [], () => fake.host.install());
export const RecentRequests = () => fake.run('RecentRequests', [], () => fake.host.recentRequests());
export const SaveManifest = (uuid: string, dev: boolean, format: string) =>
  fake.run('SaveManifest', [uuid, dev, format], () => fake.host.saveManifest(uuid, dev, format));
export const Start = (listen: string, auth: string, reservationRate: number, allowSharedHost: boolean) =>
  fake.run('Start', [listen, auth, reservationRate, allowSharedHost], () => fake.host.start(listen, auth, reservationRate, allowSharedHost));
export const Status = () => fake.run('Status', [], () => fake.host.status());
export const Stop = () => fake.run('Stop', [], () => fake.host.stop());
export const UninstallCertificate = () => fake.run('UninstallCertificate', [], () => fake.host.uninstall());
