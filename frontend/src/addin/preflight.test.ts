import { describe, expect, it } from 'vitest';
import { translator } from './i18n';
import { canWrite, inDomains, ownerDomain, Permission, preflight, type Situation } from './preflight';

const t = translator('en');
const EDITOR = 63; // Read, Write, DeleteOwn, DeleteAll, EditOwn, EditAll
const AUTHOR = Permission.Read | Permission.Write | Permission.DeleteOwn | Permission.EditOwn;
const REVIEWER = Permission.Read;

function situation(over: Partial<Situation> = {}, shared: Partial<Situation['shared']> = {}): Situation {
  return {
    shared: { owner: 'boss@contoso.com', permissions: EDITOR, ...shared },
    domains: ['contoso.com'],
    roomMailbox: 'vmr@contoso.com',
    canInvite: true,
    saved: false,
    ...over,
  };
}

function failed(s: Situation) {
  return preflight(s, t).checks.filter((c) => !c.ok);
}

describe('the permission bits Office.js reports', () => {
  it.each([
    ['Editor, a new meeting', EDITOR, false, true],
    ['Editor, a saved meeting', EDITOR, true, true],
    ['Author, a new meeting', AUTHOR, false, true],
    ['Author, a saved meeting (maybe their own)', AUTHOR, true, true],
    ['Reviewer, a new meeting', REVIEWER, false, false],
    ['Reviewer, a saved meeting', REVIEWER, true, false],
    ['Write alone, a saved meeting (create, not edit)', Permission.Write, true, false],
    ['EditAll alone, a new meeting (edit, not create)', Permission.EditAll, false, false],
    ['delete rights only', Permission.DeleteAll | Permission.DeleteOwn, false, false],
    ['nothing reported', 0, false, false],
    ['not a number', Number.NaN, false, false],
  ])('%s', (_, permissions, saved, want) => {
    expect(canWrite(permissions, saved)).toBe(want);
  });
});

describe('the owner and the domains', () => {
  it.each([
    ['boss@contoso.com', 'contoso.com'],
    [' Boss@Contoso.COM ', 'contoso.com'],
    ['boss@contoso.com.', 'contoso.com'],
    ['', null],
    ['boss', null],
    ['Boss <boss@contoso.com>', null],
    ['a@b@contoso.com', null],
    ['boss@contoso.com, eve@evil.example', null],
    ['x'.repeat(250) + '@contoso.com', null],
  ])('%j has the domain %j', (address, want) => {
    expect(ownerDomain(address)).toBe(want);
  });

  it('matches a domain exactly, as the scheduler does', () => {
    expect(inDomains('boss@contoso.com', ['fabrikam.com', 'Contoso.com'])).toBe(true);
    expect(inDomains('boss@contoso.com', ['contoso.com.'])).toBe(true);
    expect(inDomains('boss@eu.contoso.com', ['contoso.com'])).toBe(false);
    expect(inDomains('boss@contoso.com', ['eu.contoso.com'])).toBe(false);
    expect(inDomains('boss@notcontoso.com', ['contoso.com'])).toBe(false);
    expect(inDomains('boss@contoso.com', [])).toBe(false);
  });
});

describe('preflight', () => {
  it('passes when everything is in place, and says so line by line', () => {
    const p = preflight(situation(), t);
    expect(p.ok).toBe(true);
    expect(p.owner).toBe('boss@contoso.com');
    expect(p.checks.map((c) => [c.name, c.ok])).toEqual([
      ['owner', true],
      ['domain', true],
      ['write', true],
      ['room', true],
    ]);
    expect(p.checks.every((c) => c.fix === undefined)).toBe(true);
    expect(p.checks.map((c) => c.text)).toEqual([
      'The meeting is in boss@contoso.com’s calendar: the room is booked for them, not for you.',
      'boss@contoso.com is in contoso.com, which this room service serves.',
      'You may change meetings in boss@contoso.com’s calendar.',
      'The room mailbox vmr@contoso.com will be invited.',
    ]);
  });

  it('an owner outside the domains: names the domains and who can add theirs', () => {
    const [c, ...rest] = failed(situation({ domains: ['fabrikam.com', 'mail.fabrikam.com'] }));
    expect(rest).toEqual([]);
    expect(c).toEqual({
      name: 'domain',
      ok: false,
      text: 'boss@contoso.com is not in a domain this room service serves (it serves: fabrikam.com, mail.fabrikam.com), so the meeting would be declined.',
      fix: 'Ask your IT team to add contoso.com to the integration’s Exchange domains, or ask boss@contoso.com to book the room with their own add-in.',
    });
  });

  it('an integration without domains serves nobody', () => {
    const [c] = failed(situation({ domains: [] }));
    expect(c?.name).toBe('domain');
    expect(c?.text).toContain('(it serves: none are listed)');
  });

  it('read-only rights: asks the owner for Editor rights', () => {
    const [c, ...rest] = failed(situation({}, { permissions: REVIEWER }));
    expect(rest).toEqual([]);
    expect(c).toEqual({
      name: 'write',
      ok: false,
      text: 'Outlook says you may not create meetings in boss@contoso.com’s calendar, so the room’s joining details could not be saved in it.',
      fix: 'Ask boss@contoso.com to give you Editor rights on the calendar (Outlook: calendar permissions or delegate access), then check again.',
    });
  });

  it('a saved meeting without edit rights: says changing is what is missing', () => {
    const [c] = failed(situation({ saved: true }, { permissions: Permission.Read | Permission.Write }));
    expect(c?.name).toBe('write');
    expect(c?.text).toBe(
      'Outlook says you may not change existing meetings in boss@contoso.com’s calendar, so the room’s joining details could not be saved in this one.',
    );
    expect(c?.fix).toContain('Editor rights');
  });

  it('no room mailbox: the IT team sets one', () => {
    const [c, ...rest] = failed(situation({ roomMailbox: ' ' }));
    expect(rest).toEqual([]);
    expect(c).toEqual({
      name: 'room',
      ok: false,
      text: 'The integration names no room mailbox, so nothing would invite the room and no video room would be set up.',
      fix: 'Ask your IT team to set the integration’s room mailbox.',
    });
  });

  it('an item that takes no attendees: the room could not be invited', () => {
    const [c] = failed(situation({ canInvite: false }));
    expect(c).toEqual({
      name: 'room',
      ok: false,
      text: 'This Outlook cannot add vmr@contoso.com to a meeting in boss@contoso.com’s calendar.',
      fix: 'Use Outlook on the web or a current Outlook, or ask boss@contoso.com to book the room.',
    });
  });

  it('an owner Outlook did not name: no domain check, the other checks speak of the owner', () => {
    const p = preflight(situation({}, { owner: '', permissions: REVIEWER }), t);
    expect(p.ok).toBe(false);
    expect(p.checks.map((c) => [c.name, c.ok])).toEqual([
      ['owner', false],
      ['write', false],
      ['room', true],
    ]);
    expect(p.checks[0]?.text).toBe('Outlook did not say whose calendar this meeting is in.');
    expect(p.checks[0]?.fix).toContain('open it again from the shared calendar');
    expect(p.checks[1]?.fix).toBe(
      'Ask the calendar’s owner to give you Editor rights on the calendar (Outlook: calendar permissions or delegate access), then check again.',
    );
  });

  it('an owner that is not one plain address is not trusted', () => {
    const p = preflight(situation({}, { owner: 'boss@contoso.com, eve@evil.example' }), t);
    expect(p.ok).toBe(false);
    expect(p.checks[0]).toMatchObject({ name: 'owner', ok: false });
  });

  it('reports every failure at once', () => {
    const names = failed(situation({ domains: ['fabrikam.com'], roomMailbox: '' }, { permissions: 0 })).map((c) => c.name);
    expect(names).toEqual(['domain', 'write', 'room']);
  });

  it('speaks German', () => {
    const p = preflight(situation({}, { permissions: REVIEWER }), translator('de'));
    expect(p.checks.find((c) => c.name === 'write')?.fix).toBe(
      'Bitten Sie boss@contoso.com, Ihnen Bearbeitungsrechte (Editor) für den Kalender zu geben (in Outlook: Kalenderberechtigungen oder Stellvertretungszugriff), und prüfen Sie dann erneut.',
    );
  });
});
