// The generated bindings of the newer services (AddinHostService,
// VMRService, TemplateService, SchedulerService, UserService, InfinityService) call window.go.desktop.<Service>.<Method>,
// as inside the Wails window. Where vite.config.ts does not alias them to
// the fakes, this puts the fakes there, so tests and `npm run preview:fake`
// reach the fake backend through the real binding modules. Imported by the
// aliased fakes (IntegrationService.ts, SystemService.ts), so it runs
// whenever the fake backend is in use, and never in a real build.
import * as AddinHostService from './AddinHostService';
import * as VMRService from './VMRService';
import * as TemplateService from './TemplateService';
import * as SchedulerService from './SchedulerService';
import * as UserService from './UserService';
import * as InfinityService from './InfinityService';

type Bridge = { go?: { desktop?: Record<string, unknown> } };
const w = globalThis as typeof globalThis & Bridge;
w.go ??= {};
w.go.desktop ??= {};
w.go.desktop.AddinHostService ??= { ...AddinHostService };
w.go.desktop.VMRService ??= { ...VMRService };
w.go.desktop.TemplateService ??= { ...TemplateService };
w.go.desktop.SchedulerService ??= { ...SchedulerService };
w.go.desktop.UserService ??= { ...UserService };
w.go.desktop.InfinityService ??= { ...InfinityService };
