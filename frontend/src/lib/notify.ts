// Desktop notifications through the Web Notification API, where the
// webview offers it and the user allowed it; the reminders fall back to a
// banner in the window otherwise.

/** 'desktop': notifications are allowed; 'ask': the user can still allow them; 'banner': not available or refused. */
export type NotificationMode = 'desktop' | 'ask' | 'banner';

export function notificationMode(): NotificationMode {
  if (typeof Notification === 'undefined') return 'banner';
  if (Notification.permission === 'granted') return 'desktop';
  if (Notification.permission === 'default') return 'ask';
  return 'banner';
}

/** requestNotifications asks once; the answer decides the mode. */
export async function requestNotifications(): Promise<NotificationMode> {
  if (typeof Notification === 'undefined') return 'banner';
  try {
    await Notification.requestPermission();
  } catch {
    // an old webview without the promise form: the permission tells
  }
  return notificationMode();
}

/** notify shows a desktop notification; false when it could not. */
export function notify(title: string, body: string): boolean {
  if (notificationMode() !== 'desktop') return false;
  try {
    new Notification(title, { body });
    return true;
  } catch {
    return false;
  }
}
