// Stands in for src/wailsjs/go/desktop/UserService (served by bridge.ts).
import { fake } from './instance';
import type { Preferences as Prefs } from '../../lib/types';

export const Session = () => fake.run('User.Session', [], () => fake.user.session());
export const SignIn = (integration: string) => fake.run('User.SignIn', [integration], () => undefined).then(() => fake.user.signIn(integration));
export const CancelSignIn = () => fake.run('User.CancelSignIn', [], () => fake.user.cancelSignIn());
export const SignOut = () => fake.run('User.SignOut', [], () => fake.user.signOut());
export const MyVMRs = () => fake.run('User.MyVMRs', [], () => fake.user.myVMRs());
export const Upcoming = () => fake.run('User.Upcoming', [], () => fake.user.cached());
export const Refresh = () => fake.run('User.Refresh', [], () => undefined).then(() => fake.user.refresh());
export const CancelRefresh = () => fake.run('User.CancelRefresh', [], () => fake.user.cancelRefresh());
export const Preferences = () => fake.run('User.Preferences', [], () => fake.user.prefs);
export const SetPreferences = (p: Prefs) => fake.run('User.SetPreferences', [p], () => fake.user.setPreferences(p));
export const ChooseCalendarFile = () => fake.run('User.ChooseCalendarFile', [], () => fake.user.chosenFile);
export const ExportMeeting = (uid: string, recurrenceID: string) =>
  fake.run('User.ExportMeeting', [uid, recurrenceID], () => fake.user.exportMeeting(uid, recurrenceID));
export const Join = (url: string) => fake.run('User.Join', [url], () => fake.user.join(url));
