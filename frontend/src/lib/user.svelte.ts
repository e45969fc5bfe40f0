// The user's meetings and preferences, shared by the Upcoming meetings page
// (which loads and refreshes them) and the reminders, which run wherever
// the window is.
import type { Preferences, Upcoming } from './types';

export const userState = $state<{ upcoming: Upcoming | null; prefs: Preferences | null }>({ upcoming: null, prefs: null });

/** resetUserState forgets both (tests). */
export function resetUserState(): void {
  userState.upcoming = null;
  userState.prefs = null;
}
