// The UI-less command of Outlook on phones (the manifest's MobileFormFactor:
// an online-meeting provider's button on the new-meeting form). It does
// what the pane's button does, through the same Flow, and says the outcome
// in the meeting's notification bar, as it has no pane to draw in.
import * as office from './office';
import { Api, ApiError, integrationFromURL, serviceDown } from './api';
import { Flow, type CommandOutcome } from './flow';
import { pickLocale, translator, type Translator } from './i18n';

/** FUNCTION_NAME is the manifest's FunctionName (backend/manifest.MobileFunctionName). */
export const FUNCTION_NAME = 'vmrcAddVideoMeeting';

export type CommandResult = CommandOutcome | { kind: 'no-integration' } | { kind: 'config-failed'; detail: string };

export interface CommandOptions {
  fetch?: typeof fetch;
  log?: (line: string) => void;
  officeTimeoutMs?: number;
}

/**
 * addVideoMeeting runs the command for the integration named in search
 * (?integration=<uuid>, the function file's address in the manifest) and
 * shows what happened. It never throws: Office must get completed() after it.
 */
export async function addVideoMeeting(search: string, opts: CommandOptions = {}): Promise<CommandResult> {
  const log = opts.log ?? (() => {});
  const t = translator(pickLocale(office.displayLanguage() || globalThis.navigator?.language));
  const result = await run(search, t, opts, log);
  log(`command: ${result.kind}`);
  const notice = noticeOf(result, t);
  if (notice) {
    try {
      await office.notify(notice.kind, notice.text);
    } catch (e) {
      log(`the notification failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return result;
}

async function run(search: string, t: Translator, opts: CommandOptions, log: (line: string) => void): Promise<CommandResult> {
  const integration = integrationFromURL(search);
  if (!integration) return { kind: 'no-integration' };
  const api = new Api(integration, { fetch: opts.fetch, log });
  try {
    const [config] = await Promise.all([api.pane(), office.ready(opts.officeTimeoutMs ?? 10000)]);
    // No session storage for the item key: a command's storage may outlive
    // one meeting, and a key reused for another meeting would hand it this
    // meeting's room. A retry in the same meeting finds the token instead.
    const flow = new Flow(api, config, t, log, null);
    return await flow.addFromCommand();
  } catch (e) {
    // Without the settings the command knows no room mailbox, so no
    // placeholder either: the user is told to try again.
    const detail = e instanceof ApiError ? (serviceDown(e) ? `${t('network_error')} ${e.detail}` : e.detail) : String(e);
    return { kind: 'config-failed', detail };
  }
}

/** noticeOf is the notification line for a result, or null when the meeting shows it. */
export function noticeOf(r: CommandResult, t: Translator): { kind: office.Notice; text: string } | null {
  switch (r.kind) {
    case 'success':
      return { kind: 'info', text: t('command_done', { alias: r.alias }) };
    case 'already':
      return null;
    case 'service-down':
      return { kind: 'info', text: t('command_placeholder') };
    case 'nothing-enabled':
      return { kind: 'error', text: t('command_nothing_enabled') };
    case 'personal-none':
      return { kind: 'error', text: t('command_personal_none') };
    case 'personal-signin':
      return { kind: 'error', text: t('command_personal_signin') };
    case 'no-integration':
      return { kind: 'error', text: t('no_integration') };
    case 'config-failed':
      return { kind: 'error', text: t('command_failed', { detail: `${t('config_failed')} ${r.detail}` }) };
    case 'error':
    case 'signin-error':
      return { kind: 'error', text: t('command_failed', { detail: r.detail }) };
  }
}
