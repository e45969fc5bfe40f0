// The fake user side (app/desktop/user.go): sign-in with its waiting state
// and errors, the signed-in user's VMRs, the cached meetings with refresh
// (which can fail and leave the copy stale), preferences and export. What
// the backend decides (the user's VMR as rendered, refused sign-ins and
// preferences, the errors) is played back from the goldens "user …".
import { golden, play } from './golden';
import type { Meeting, MyVMR, Preferences, Problem, SignInOption, Upcoming, UserSession } from '../../lib/types';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const sampleIntegrations: SignInOption[] = [
  { uuid: '7d1f6c2e-0000-4000-8000-000000000001', name: 'Contoso HQ' },
  { uuid: '7d1f6c2e-0000-4000-8000-000000000002', name: 'Fabrikam' },
];

/** Alex Morgan's VMR as the real MyVMRs renders it. */
export const sampleVMR: MyVMR = golden<MyVMR[]>('user my VMRs signed in').result![0]!;

const hour = 3600_000;

/** sampleMeetings are today's and the next days' meetings around now: two video meetings, one in the past of today. */
export function sampleMeetings(now: number): Meeting[] {
  const day = new Date(now);
  const at = (days: number, h: number, m = 0) => new Date(day.getFullYear(), day.getMonth(), day.getDate() + days, h, m).getTime();
  const iso = (t: number) => new Date(t).toISOString();
  const video = { alias: 'meet.alex@vc.example.com', web_url: 'https://addins.example.com/webapp/m/meet.alex@vc.example.com', sip_uri: 'sip:meet.alex@vc.example.com' };
  return [
    { uid: 'review@example.com', summary: 'Budget review', location: 'meet.alex@vc.example.com', organizer: 'alex.morgan@example.com', start: iso(now + 2 * hour), end: iso(now + 3 * hour), all_day: false, video },
    { uid: 'lunch@example.com', summary: 'Team lunch', location: 'Canteen', organizer: 'sam@example.com', start: iso(at(1, 12)), end: iso(at(1, 13)), all_day: false, video: null },
    {
      uid: 'standup@example.com',
      recurrence_id: iso(at(1, 9)),
      summary: 'Stand-up',
      location: 'https://addins.example.com/webapp/m/meet.alex@vc.example.com',
      organizer: 'alex.morgan@example.com',
      start: iso(at(1, 9)),
      end: iso(at(1, 9, 15)),
      all_day: false,
      video,
    },
  ];
}

export class FakeUser {
  integrations: SignInOption[] = [];
  chosen = '';
  signedIn = false;
  email = 'alex.morgan@example.com';
  name = 'Alex Morgan';
  available = true;
  /** The code of a stored sign-in that stopped working (sign_in_again). */
  sessionError: { code: Problem['code']; message: string } | null = null;
  /** How the next sign-in ends: at once, with a problem, or waiting for the browser until finishSignIn/cancel. */
  signInOutcome: 'ok' | 'wait' | Problem = 'ok';
  private pending: { resolve: () => void; reject: (p: Problem) => void } | null = null;
  vmrs: MyVMR[] = [];
  vmrsProblem: Problem | null = null;
  meetings: Meeting[] = [];
  fetchedAt = '';
  lastError = '';
  /** What the next refresh does: new meetings, or fail with a message (the copy stays, stale). */
  refreshOutcome: { meetings: Meeting[] } | { error: string } | 'wait' = { meetings: [] };
  private refreshPending: (() => void) | null = null;
  prefs: Preferences = golden<Preferences>('user preferences').result!;
  /** Scenarios of the next SetPreferences calls, one per call; the last one keeps answering. */
  preferencesAnswers: string[] = [];
  chosenFile = golden<string>('user choose calendar file').result!;
  exportPath = '/home/alex/Documents/Budget review.ics';
  exported: Array<{ uid: string; recurrenceID: string }> = [];
  joined: string[] = [];
  clock: () => number = () => Date.now();

  reset() {
    Object.assign(this, new FakeUser());
  }

  /** seed: two integrations, signed in to the first, a VMR, meetings from an .ics file. */
  seed(now = Date.now()) {
    this.integrations = clone(sampleIntegrations);
    this.chosen = sampleIntegrations[0]!.uuid;
    this.signedIn = true;
    this.vmrs = [clone(sampleVMR)];
    this.meetings = sampleMeetings(now);
    this.fetchedAt = new Date(now - 10 * 60_000).toISOString();
    this.prefs = { join: 'web', notify_minutes: 5, calendar_kind: 'file', calendar_value: this.chosenFile };
    this.refreshOutcome = { meetings: this.meetings };
  }

  /** sampleLater is one video meeting an hour from now. */
  sampleLater(): Meeting[] {
    const now = this.clock();
    return [{ ...sampleMeetings(now)[0]!, start: new Date(now + hour).toISOString(), end: new Date(now + 2 * hour).toISOString() }];
  }

  session(): UserSession {
    const s: UserSession = {
      integrations: this.integrations,
      integration: this.chosen || (this.integrations.length === 1 ? this.integrations[0]!.uuid : ''),
      signed_in: this.signedIn,
      email: this.signedIn ? this.email : '',
      name: this.signedIn ? this.name : '',
      available: this.available,
      error_code: this.sessionError?.code ?? '',
      error: this.sessionError?.message ?? '',
    };
    return s;
  }

  async signIn(integration: string): Promise<UserSession> {
    if (!this.integrations.some((i) => i.uuid === integration)) play('user sign in unknown');
    const outcome = this.signInOutcome;
    if (outcome === 'wait') {
      await new Promise<void>((resolve, reject) => (this.pending = { resolve, reject }));
    } else if (outcome !== 'ok') {
      throw clone(outcome);
    }
    this.chosen = integration;
    this.signedIn = true;
    this.sessionError = null;
    return clone(this.session());
  }

  /** finishSignIn completes a waiting sign-in, as the browser would. */
  finishSignIn() {
    this.pending?.resolve();
    this.pending = null;
  }

  get waiting(): boolean {
    return this.pending !== null;
  }

  cancelSignIn() {
    this.pending?.reject({ code: 'error', message: 'context canceled' });
    this.pending = null;
  }

  signOut() {
    this.signedIn = false;
  }

  myVMRs(): MyVMR[] {
    if (!this.signedIn) play('user my VMRs signed out');
    if (this.vmrsProblem) throw this.vmrsProblem;
    return this.vmrs;
  }

  cached(): Upcoming {
    const now = this.clock();
    const day = new Date(now);
    const from = new Date(day.getFullYear(), day.getMonth(), day.getDate());
    const to = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 15);
    return {
      meetings: this.prefs.calendar_kind ? this.meetings.filter((m) => Date.parse(m.end) > now) : [],
      from: from.toISOString(),
      to: to.toISOString(),
      fetched_at: this.prefs.calendar_kind ? this.fetchedAt : '',
      stale: this.lastError !== '',
      error: this.lastError,
      warning: '',
      source: this.prefs.calendar_kind,
    };
  }

  async refresh(): Promise<Upcoming> {
    if (!this.prefs.calendar_kind) play('user refresh no source');
    if (this.refreshOutcome === 'wait') await new Promise<void>((resolve) => (this.refreshPending = resolve));
    const outcome = this.refreshOutcome;
    if (outcome !== 'wait' && 'error' in outcome) {
      this.lastError = outcome.error;
    } else if (outcome !== 'wait') {
      this.meetings = clone(outcome.meetings);
      this.fetchedAt = new Date(this.clock()).toISOString();
      this.lastError = '';
    }
    return clone(this.cached());
  }

  /** finishRefresh lets a waiting refresh end with `outcome`. */
  finishRefresh(outcome: { meetings: Meeting[] } | { error: string }) {
    this.refreshOutcome = outcome;
    this.refreshPending?.();
    this.refreshPending = null;
  }

  cancelRefresh() {
    this.refreshOutcome = { meetings: this.meetings };
    this.refreshPending?.();
    this.refreshPending = null;
  }

  /** Plays the chosen scenario back; without one (the preview), keeps what was sent. */
  setPreferences(p: Preferences): Preferences {
    const q = this.preferencesAnswers;
    const scenario = q.length > 1 ? q.shift() : q[0];
    this.prefs = scenario ? play<Preferences>(scenario) : p;
    return this.prefs;
  }

  exportMeeting(uid: string, recurrenceID: string): string {
    this.exported.push({ uid, recurrenceID });
    return this.exportPath;
  }

  /** Records what the window asked to open; refusing other schemes is the backend's (golden "user join other scheme"). */
  join(url: string) {
    this.joined.push(url);
  }
}
