// What the pane's buttons do, without the drawing: each action reads and
// writes the meeting through ./office and talks to the host through ./api,
// and answers an Outcome the pane shows.
import * as office from './office';
import { ApiError, serviceDown, signInRequired, unauthorized, type Api, type Credentials, type PaneConfig, type PersonalVMR } from './api';
import { Auth } from './auth';
import type { Translator } from './i18n';
import { preflight, type Preflight } from './preflight';
import { PersonalSession, SignInError } from './signin';

export type Outcome =
  | { kind: 'success'; alias: string; notes: string[] }
  | { kind: 'already' }
  | { kind: 'service-down'; notes: string[] }
  | { kind: 'error'; detail: string }
  | { kind: 'signin-error'; detail: string };

/** What the UI-less button did: an Outcome, or why it added nothing. */
export type CommandOutcome = Outcome | { kind: 'nothing-enabled' } | { kind: 'personal-none' } | { kind: 'personal-signin' };

export type PersonalList =
  | { kind: 'list'; user: string; vmrs: PersonalVMR[]; signedIn: boolean }
  | { kind: 'signin-needed' }
  | { kind: 'signin-error'; detail: string }
  | { kind: 'error'; detail: string };

function message(e: unknown): string {
  if (e instanceof ApiError) return e.detail;
  if (e instanceof Error) return e.message;
  return String(e);
}

function randomKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Flow holds what one pane instance knows about its meeting: the item key
 * for reservations, who the user is, and whether the placeholder is in.
 */
export class Flow {
  private key: string | null = null;
  private placeholderInserted = false;
  private owner: string | null | undefined;

  constructor(
    private readonly api: Api,
    private readonly config: PaneConfig,
    private readonly t: Translator,
    private readonly log: (line: string) => void = () => {},
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null = safeSessionStorage(),
    private readonly auth: Auth = new Auth(config, t, log),
  ) {}

  /**
   * itemKey names the meeting for the host: the Exchange item id when it has
   * one, else a random key kept in sessionStorage for this pane (a compose
   * window has no id until saved), so a retry gets the same reservation.
   */
  async itemKey(): Promise<string> {
    if (this.key) return this.key;
    const id = await office.itemId();
    if (id) {
      this.key = ('item:' + id).slice(0, 512);
      return this.key;
    }
    const name = 'vmr-companion:item-key:' + this.config.integration;
    let stored: string | null = null;
    try {
      stored = this.storage?.getItem(name) ?? null;
    } catch {
      stored = null;
    }
    this.key = stored || 'pane:' + randomKey();
    if (!stored) {
      try {
        this.storage?.setItem(name, this.key);
      } catch {
        // Storage blocked: the key lives as long as the pane.
      }
    }
    return this.key;
  }

  /** sharedOwner is the calendar owner when a delegate composes, else null (cached). */
  async sharedOwner(): Promise<string | null> {
    if (this.owner === undefined) {
      this.owner = await office.sharedOwner();
      if (this.owner) this.log(`shared calendar of ${this.owner}`);
    }
    return this.owner;
  }

  /**
   * preflight checks, in a shared or delegate calendar, whether a room can
   * be booked for the calendar's owner (./preflight); null in the user's
   * own calendar, where the pane works as it always did. Each call asks
   * Outlook again, so a delegate who was just given rights can check again.
   */
  async preflight(): Promise<Preflight | null> {
    const shared = await office.sharedProperties();
    if (!shared) return null;
    this.owner = shared.owner.trim() || null;
    const saved = (await office.itemId()) !== null;
    const result = preflight(
      { shared, domains: this.config.domains, roomMailbox: this.config.room_mailbox, canInvite: office.canInvite(), saved },
      this.t,
    );
    this.log(
      `shared calendar of ${shared.owner || '(no owner)'}, permissions ${shared.permissions}` +
        `${saved ? ', saved item' : ''}: ${result.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}`,
    );
    return result;
  }

  /**
   * credentials for an API call, the way the integration says (auth.ts):
   * always the address the user claims — the calendar owner's when a
   * delegate composes — and, except with auth "none", the token that proves
   * who they are (interactive lets Office or MSAL prompt). A failed token
   * request throws a SignInError whose message is for the user.
   */
  async credentials(interactive: boolean): Promise<Credentials> {
    const token = await this.auth.token(interactive);
    const owner = await this.sharedOwner();
    return { user: owner || office.userEmail() || undefined, token };
  }

  /**
   * addSingleUse reserves a single-use VMR and writes it into the meeting.
   * interactive lets the sign-in prompt (the pane's button); the phone's
   * UI-less button asks silently first, as Office may show no prompt there.
   */
  async addSingleUse(interactive = true): Promise<Outcome> {
    let body: string;
    try {
      body = await office.readBodyHtml();
    } catch (e) {
      this.log(`reading the body failed: ${message(e)}`);
      return { kind: 'error', detail: message(e) };
    }
    if (office.hasToken(body)) {
      this.log('the body already holds a vmr-companion token');
      return { kind: 'already' };
    }
    let creds: Credentials;
    try {
      creds = await this.credentials(interactive).catch((e) => (interactive ? Promise.reject(e) : this.credentials(true)));
    } catch (e) {
      this.log(`sign-in failed: ${message(e)}`);
      return { kind: 'signin-error', detail: message(e) };
    }
    const key = await this.itemKey();
    let res;
    try {
      res = await this.api.reserve(key, creds);
    } catch (e) {
      if (serviceDown(e)) return this.insertPlaceholder(e as ApiError);
      if (unauthorized(e)) {
        // The host's problem says which check failed (audience, expiry, …).
        this.log(`the host refused the sign-in: ${message(e)}`);
        return { kind: 'signin-error', detail: this.t('signin_refused', { detail: message(e) }) };
      }
      return { kind: 'error', detail: message(e) };
    }
    this.log(`reserved ${res.alias} (${res.created ? 'new' : 'again'})`);
    try {
      const how = await office.insertHtml(res.instructions_html);
      this.log(`instructions inserted (${how})`);
    } catch (e) {
      this.log(`inserting failed: ${message(e)}`);
      return { kind: 'error', detail: message(e) };
    }
    const notes: string[] = [];
    if (res.location) {
      try {
        this.log(`location set (${await office.setLocation(res.location)})`);
      } catch (e) {
        notes.push(this.t('location_not_set', { detail: message(e) }));
      }
    }
    if (res.room_mailbox) {
      notes.push(...(await this.addRoom(res.room_mailbox, res.room_mailbox_name)));
    }
    return { kind: 'success', alias: res.alias, notes };
  }

  private async addRoom(email: string, name?: string): Promise<string[]> {
    try {
      this.log(`room ${email} added (${await office.addResource(email, name)})`);
      return [];
    } catch (e) {
      return [this.t('room_not_added', { detail: message(e) })];
    }
  }

  /**
   * insertPlaceholder: the host is down, so the meeting gets the placeholder
   * text and the room mailbox; the scheduler reserves a room when the
   * invitation reaches the mailbox and updates the meeting.
   */
  private async insertPlaceholder(cause: ApiError): Promise<Outcome> {
    this.log(`host unavailable (${cause.status || 'network'}: ${cause.detail}); inserting the placeholder`);
    const notes: string[] = [];
    if (!this.placeholderInserted) {
      let html = this.config.placeholder_html?.trim() || this.t('placeholder_html');
      // The scheduler recognises a meeting waiting for a room by this marker.
      if (!html.includes(office.PLACEHOLDER_TOKEN)) html += `<p style="color:#707070;font-size:smaller">${office.PLACEHOLDER_TOKEN}</p>`;
      try {
        await office.insertHtml(html);
        this.placeholderInserted = true;
      } catch (e) {
        return { kind: 'error', detail: message(e) };
      }
      if (this.config.room_mailbox) {
        notes.push(...(await this.addRoom(this.config.room_mailbox, this.config.room_mailbox_name)));
      }
    }
    return { kind: 'service-down', notes };
  }

  /**
   * addFromCommand is what the UI-less button does (Outlook on phones, where
   * there is no pane): a single-use VMR when the integration offers them, as
   * the pane's button; else the user's first personal VMR. Personal VMRs
   * are listed only for a signed-in user, and a command cannot open the
   * sign-in dialog, so outside a development host (auth none) that ends in
   * personal-signin. No placeholder then: with single-use VMRs off the
   * scheduler does not watch the room mailbox, so nothing would replace it.
   */
  async addFromCommand(): Promise<CommandOutcome> {
    if (this.config.single_use_enabled) return this.addSingleUse(false);
    if (!this.config.personal_enabled) return { kind: 'nothing-enabled' };
    try {
      if (office.hasToken(await office.readBodyHtml())) return { kind: 'already' };
    } catch (e) {
      return { kind: 'error', detail: message(e) };
    }
    const list = await this.loadPersonal(false);
    switch (list.kind) {
      case 'list': {
        const first = list.vmrs[0];
        return first ? this.addPersonal(first) : { kind: 'personal-none' };
      }
      case 'signin-needed':
        return { kind: 'personal-signin' };
      default:
        return { kind: 'error', detail: list.detail };
    }
  }

  /** personal is the personal VMR sign-in; tests set their own. */
  personal: PersonalSession | null = null;

  private personalSession(): PersonalSession {
    this.personal ??= new PersonalSession(this.config.integration);
    return this.personal;
  }

  /**
   * loadPersonal lists the user's personal VMRs. interactive first runs the
   * personal VMR sign-in (an Office dialog); without it, the list is asked
   * with the session the pane holds, or on a development host (auth none)
   * with the user's address, and a host that wants a sign-in answers
   * signin-needed.
   */
  async loadPersonal(interactive: boolean): Promise<PersonalList> {
    const session = this.personalSession();
    if (interactive) {
      try {
        const s = await session.signIn();
        this.log(`personal VMRs: signed in as ${s.email}`);
      } catch (e) {
        this.log(`personal VMRs: sign-in ended (${message(e)})`);
        if (e instanceof SignInError && e.cancelled) return { kind: 'signin-needed' };
        return { kind: 'signin-error', detail: message(e) };
      }
    }
    let creds: Credentials = {};
    const token = session.current;
    if (token) {
      creds = { session: token };
    } else if (this.config.auth === 'none') {
      creds = await this.credentials(false).catch(() => ({}));
    }
    try {
      const list = await this.api.personalVMRs(creds);
      this.log(`personal VMRs of ${list.user}: ${list.vmrs.length}`);
      return { kind: 'list', user: list.user, vmrs: list.vmrs, signedIn: !!token };
    } catch (e) {
      if (signInRequired(e)) {
        if (token) this.log('personal VMRs: the sign-in has ended');
        session.clear();
        return interactive ? { kind: 'signin-error', detail: message(e) } : { kind: 'signin-needed' };
      }
      if (unauthorized(e)) return { kind: 'signin-error', detail: message(e) };
      return { kind: 'error', detail: message(e) };
    }
  }

  /** signOutPersonal forgets the personal VMR sign-in, here and at the host. */
  async signOutPersonal(): Promise<void> {
    const session = this.personalSession();
    const token = session.current;
    session.clear();
    if (!token) return;
    try {
      await this.api.signOut(token);
      this.log('personal VMRs: signed out');
    } catch (e) {
      // The session ends on its own at the host (8 hours); here it is gone.
      this.log(`personal VMRs: the host did not confirm the sign-out (${message(e)})`);
    }
  }

  /** addPersonal writes a personal VMR's instructions and location into the meeting. */
  async addPersonal(vmr: PersonalVMR): Promise<Outcome> {
    try {
      if (office.hasToken(await office.readBodyHtml())) return { kind: 'already' };
      await office.insertHtml(vmr.instructions_html);
    } catch (e) {
      this.log(`personal VMR: inserting failed: ${message(e)}`);
      return { kind: 'error', detail: message(e) };
    }
    const notes: string[] = [];
    if (vmr.location) {
      try {
        this.log(`location set (${await office.setLocation(vmr.location)})`);
      } catch (e) {
        notes.push(this.t('location_not_set', { detail: message(e) }));
      }
    }
    return { kind: 'success', alias: vmr.location || vmr.aliases[0] || vmr.name, notes };
  }
}

function safeSessionStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
