// The delegate's pre-flight: before the pane reserves a room in someone
// else's calendar (a shared or delegate calendar), it checks what the
// scheduler will check when the meeting arrives, and what Outlook must let
// the pane do, so the delegate learns what is missing before sending
// instead of from a declined meeting. Pure logic: ./flow gathers the facts
// from Office.js, the pane draws the answer.
import type { MessageKey, Translator } from './i18n';

/**
 * The bits of Office.MailboxEnums.DelegatePermissions: what Office.js
 * reports (getSharedPropertiesAsync's delegatePermissions) the delegate may
 * do in the owner's folder.
 */
export const Permission = { Read: 1, Write: 2, DeleteOwn: 4, DeleteAll: 8, EditOwn: 16, EditAll: 32 } as const;

/** What Office.js says about an item in a shared folder. */
export interface Shared {
  /** The owner's address ("" when Outlook did not say). */
  owner: string;
  /** A bit mask of Permission (0 when Outlook did not say). */
  permissions: number;
}

/** The facts the pre-flight judges. */
export interface Situation {
  shared: Shared;
  /** The names of the integration's Exchange domains (the pane's configuration). */
  domains: readonly string[];
  /** The integration's room mailbox ("" when it has none). */
  roomMailbox: string;
  /** The item can take the room mailbox as a resource or attendee. */
  canInvite: boolean;
  /** The item was saved (it has an Exchange id): writing to it is editing, not creating. */
  saved: boolean;
}

export type CheckName = 'owner' | 'domain' | 'write' | 'room';

/** One line of the pre-flight: what was checked, and how to fix it when it failed. */
export interface Check {
  name: CheckName;
  ok: boolean;
  text: string;
  /** What the delegate can do about it (failed checks only). */
  fix?: string;
}

export interface Preflight {
  owner: string;
  /** Every check passed: the pane may reserve. */
  ok: boolean;
  checks: Check[];
}

// A plain address: what the host takes in X-VMR-User (one address, no
// display name), bounded as there.
const ADDRESS = /^[^\s@<>,;"()]+@[^\s@<>,;"()]+$/;

/** ownerDomain is the lower-case domain of a plain address, or null. */
export function ownerDomain(address: string): string | null {
  const a = address.trim();
  if (a.length > 254 || !ADDRESS.test(a)) return null;
  const domain = a.slice(a.lastIndexOf('@') + 1).replace(/\.$/, '').toLowerCase();
  return domain || null;
}

/**
 * inDomains tells whether the address's domain is one of the integration's
 * domains, matched exactly as the scheduler matches an organizer
 * (contoso.com does not cover eu.contoso.com).
 */
export function inDomains(address: string, domains: readonly string[]): boolean {
  const domain = ownerDomain(address);
  return domain !== null && domains.some((d) => d.trim().replace(/\.$/, '').toLowerCase() === domain);
}

/**
 * canWrite tells whether the permissions let the pane write the room into
 * the item: a new meeting needs Write (create items); a saved one needs
 * EditAll, or EditOwn when the delegate created it (which only Exchange
 * knows, so EditOwn is given the benefit of the doubt).
 */
export function canWrite(permissions: number, saved: boolean): boolean {
  const p = Number.isInteger(permissions) ? permissions : 0;
  if (saved) return (p & (Permission.EditOwn | Permission.EditAll)) !== 0;
  return (p & Permission.Write) !== 0;
}

/** preflight judges the situation; each check says what it found, failed ones what to do. */
export function preflight(s: Situation, t: Translator): Preflight {
  const owner = s.shared.owner.trim();
  const checks: Check[] = [];
  const fail = (name: CheckName, text: MessageKey, fix: MessageKey, params: Record<string, string>) =>
    checks.push({ name, ok: false, text: t(text, params), fix: t(fix, params) });
  const pass = (name: CheckName, text: MessageKey, params: Record<string, string>) => checks.push({ name, ok: true, text: t(text, params) });

  const domain = ownerDomain(owner);
  if (domain === null) {
    fail('owner', 'preflight_owner_unknown', 'preflight_owner_unknown_fix', { owner });
  } else {
    pass('owner', 'preflight_owner_ok', { owner });
    const domains = s.domains.join(', ') || t('preflight_no_domains');
    if (inDomains(owner, s.domains)) pass('domain', 'preflight_domain_ok', { owner, domain });
    else fail('domain', 'preflight_domain_outside', 'preflight_domain_outside_fix', { owner, domain, domains });
  }
  const who = owner || t('preflight_the_owner');
  if (canWrite(s.shared.permissions, s.saved)) pass('write', 'preflight_write_ok', { owner: who });
  else fail('write', s.saved ? 'preflight_edit_missing' : 'preflight_write_missing', 'preflight_write_missing_fix', { owner: who });

  const room = s.roomMailbox.trim();
  if (!room) fail('room', 'preflight_room_missing', 'preflight_room_missing_fix', { owner: who });
  else if (!s.canInvite) fail('room', 'preflight_room_cannot_invite', 'preflight_room_cannot_invite_fix', { owner: who, room });
  else pass('room', 'preflight_room_ok', { room });

  return { owner, ok: checks.every((c) => c.ok), checks };
}
