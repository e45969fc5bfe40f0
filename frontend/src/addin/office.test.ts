import { afterEach, describe, expect, it } from 'vitest';
import * as office from './office';
import { mockOffice, unmockOffice } from './testing';

afterEach(unmockOffice);

describe('office outside Office', () => {
  it('reports no Office and no Outlook when Office.js is missing', async () => {
    expect(await office.ready(50)).toEqual({ office: false, outlook: false });
    expect(office.userEmail()).toBe('');
    expect(office.displayLanguage()).toBe('');
    expect(office.theme()).toBeNull();
    expect(await office.sharedOwner()).toBeNull();
    expect(await office.itemId()).toBeNull();
    expect(office.canSignIn()).toBe(false);
    await expect(office.readBodyHtml()).rejects.toThrow(/no Outlook item/);
    await expect(office.accessToken(false)).rejects.toThrow(/single sign-on/);
  });

  it('reports Office but not Outlook when Office never answers', async () => {
    mockOffice({ neverReady: true });
    expect(await office.ready(20)).toEqual({ office: true, outlook: false });
  });

  it('reports Office but not Outlook in another host', async () => {
    mockOffice({ host: 'Word' });
    expect(await office.ready(50)).toEqual({ office: true, outlook: false });
  });
});

describe('office in Outlook', () => {
  it('is ready in Outlook with an item', async () => {
    mockOffice();
    expect(await office.ready(50)).toEqual({ office: true, outlook: true });
  });

  it('reads the body as HTML and finds the token', async () => {
    mockOffice({ body: '<p>Agenda</p><p>vmr-companion:2b0d</p>' });
    const html = await office.readBodyHtml();
    expect(html).toContain('Agenda');
    expect(office.hasToken(html)).toBe(true);
    expect(office.hasToken('<p>Agenda</p>')).toBe(false);
    // The placeholder's marker is not a room: the user may still add one.
    expect(office.hasToken('<p>Details follow</p><p>vmr-companion:pending</p>')).toBe(false);
    expect(office.hasToken('<p>vmr-companion:pending</p><p>vmr-companion:2b0d</p>')).toBe(true);
  });

  it('inserts HTML at the cursor', async () => {
    const { rec } = mockOffice();
    expect(await office.insertHtml('<p>join</p>')).toBe('selection');
    expect(rec.inserts).toEqual([{ method: 'setSelectedDataAsync', data: '<p>join</p>', coercionType: 'html' }]);
  });

  it('prepends when inserting at the cursor fails', async () => {
    const { rec } = mockOffice({ fail: ['setSelectedDataAsync'] });
    expect(await office.insertHtml('<p>join</p>')).toBe('prepend');
    expect(rec.inserts).toEqual([{ method: 'prependAsync', data: '<p>join</p>', coercionType: 'html' }]);
  });

  it('inserts text into a plain-text body', async () => {
    const { rec } = mockOffice({ bodyType: 'text' });
    expect(await office.insertHtml('<div><p><strong>Join</strong></p><p>call <a href="sip:a@b">a@b</a></p></div>')).toBe('text');
    expect(rec.inserts[0]).toEqual({ method: 'setSelectedDataAsync', data: 'Join\ncall a@b\n', coercionType: 'text' });
  });

  it('rejects with Office’s message when writing fails', async () => {
    mockOffice({ fail: ['setSelectedDataAsync', 'prependAsync'] });
    await expect(office.insertHtml('<p>x</p>')).rejects.toMatchObject({ name: 'OfficeError', message: 'prependAsync failed', code: 9000 });
  });

  it('adds a custom location with enhancedLocation', async () => {
    const { rec } = mockOffice();
    expect(await office.setLocation('meet1@vc.contoso.com')).toBe('enhanced');
    expect(rec.locations).toEqual([{ id: 'meet1@vc.contoso.com', type: 'custom' }]);
    expect(rec.location).toBe('');
  });

  it('sets the location text where enhancedLocation is missing or fails', async () => {
    let { rec } = mockOffice({ old: true });
    expect(await office.setLocation('meet1@vc.contoso.com')).toBe('location');
    expect(rec.location).toBe('meet1@vc.contoso.com');
    ({ rec } = mockOffice({ fail: ['addAsync:enhancedLocation'] }));
    expect(await office.setLocation('meet2@vc.contoso.com')).toBe('location');
    expect(rec.location).toBe('meet2@vc.contoso.com');
  });

  it('adds the room as a resource where Outlook has resources', async () => {
    const { rec } = mockOffice({ resources: true });
    expect(await office.addResource('vmr@contoso.com', 'VMR room')).toBe('resources');
    expect(rec.resources).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'VMR room' }]);
    expect(rec.required).toEqual([]);
  });

  it('adds the room as a required attendee otherwise', async () => {
    const { rec } = mockOffice();
    expect(await office.addResource('vmr@contoso.com')).toBe('required');
    expect(rec.required).toEqual([{ emailAddress: 'vmr@contoso.com', displayName: 'vmr@contoso.com' }]);
  });

  it('tells the user, the shared calendar’s owner, the language and the theme', async () => {
    mockOffice({ email: 'delegate@contoso.com', sharedOwner: 'boss@contoso.com', displayLanguage: 'de-DE' });
    expect(office.userEmail()).toBe('delegate@contoso.com');
    expect(await office.sharedOwner()).toBe('boss@contoso.com');
    expect(office.displayLanguage()).toBe('de-DE');
    expect(office.theme()).toEqual({
      bodyBackgroundColor: '#FFFFFF',
      bodyForegroundColor: '#000000',
      controlBackgroundColor: '#FFFFFF',
      controlForegroundColor: '#242424',
    });
  });

  it('reads the owner and the delegate’s permissions of a shared calendar', async () => {
    mockOffice({ sharedOwner: 'boss@contoso.com', sharedPermissions: 1 });
    expect(await office.sharedProperties()).toEqual({ owner: 'boss@contoso.com', permissions: 1 });
  });

  it('takes an item Outlook says is not shared as the user’s own', async () => {
    mockOffice({ sharedOwner: 'boss@contoso.com', fail: ['getSharedPropertiesAsync'] });
    expect(await office.sharedProperties()).toBeNull();
    expect(await office.sharedOwner()).toBeNull();
  });

  it('tells whether the item can take the room mailbox', () => {
    mockOffice();
    expect(office.canInvite()).toBe(true);
    mockOffice({ noAttendees: true, resources: true });
    expect(office.canInvite()).toBe(true);
    mockOffice({ noAttendees: true });
    expect(office.canInvite()).toBe(false);
  });

  it('has no owner for the user’s own calendar and no theme where Office gives none', async () => {
    mockOffice({ theme: null });
    expect(await office.sharedOwner()).toBeNull();
    expect(office.theme()).toBeNull();
  });

  it('uses the item id when the item has one', async () => {
    mockOffice({ itemId: 'AAMkAD=' });
    expect(await office.itemId()).toBe('AAMkAD=');
    mockOffice();
    expect(await office.itemId()).toBeNull();
    mockOffice({ old: true });
    expect(await office.itemId()).toBeNull();
  });

  it('asks Office for a token, with prompts only when interactive', async () => {
    const { rec } = mockOffice({ token: 'eyJ.token' });
    expect(office.canSignIn()).toBe(true);
    expect(await office.accessToken(false)).toBe('eyJ.token');
    expect(await office.accessToken(true)).toBe('eyJ.token');
    expect(rec.tokenRequests).toEqual([
      { allowSignInPrompt: false, allowConsentPrompt: false, forMSGraphAccess: false },
      { allowSignInPrompt: true, allowConsentPrompt: true, forMSGraphAccess: false },
    ]);
  });

  it('gets the Exchange identity token, and Office’s error when Outlook gives none', async () => {
    const { rec } = mockOffice({ identityToken: 'exchange-token' });
    expect(office.canIdentify()).toBe(true);
    expect(await office.identityToken()).toBe('exchange-token');
    expect(rec.identityRequests).toBe(1);
    mockOffice({ identityToken: { code: 9017, message: 'An internal error occurred.' } });
    await expect(office.identityToken()).rejects.toMatchObject({ name: 'OfficeError', code: 9017, message: 'An internal error occurred.' });
    mockOffice({ identityToken: '' });
    await expect(office.identityToken()).rejects.toThrow(/empty Exchange identity token/);
    mockOffice({ noIdentityToken: true });
    expect(office.canIdentify()).toBe(false);
    await expect(office.identityToken()).rejects.toThrow(/no Exchange identity token/);
  });

  it('tells which requirement sets Office supports', async () => {
    mockOffice({ requirementSets: ['NestedAppAuth 1.1'] });
    expect(office.supports('NestedAppAuth', '1.1')).toBe(true);
    expect(office.supports('NestedAppAuth', '1.2')).toBe(false);
    mockOffice();
    expect(office.supports('NestedAppAuth', '1.1')).toBe(false);
    unmockOffice();
    expect(office.supports('NestedAppAuth', '1.1')).toBe(false);
  });

  it('turns a failed sign-in into an OfficeError with its code', async () => {
    mockOffice();
    await expect(office.accessToken(false)).rejects.toMatchObject({ name: 'OfficeError', code: 13001 });
  });
});

describe('loadScript', () => {
  it('does nothing when Office.js is already there', async () => {
    mockOffice();
    expect(await office.loadScript('/nowhere.js', 50)).toBe(true);
    expect(document.querySelector('script[src="/nowhere.js"]')).toBeNull();
  });

  it('adds the host’s Office.js and reports when it does not load', async () => {
    const cdn = document.createElement('script');
    cdn.src = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
    document.head.appendChild(cdn);
    const loading = office.loadScript('/office-js/office.js', 50);
    const s = document.querySelector<HTMLScriptElement>('script[src="/office-js/office.js"]');
    expect(s).not.toBeNull();
    // The failed CDN tag is gone, so Office.js takes its base path from ours.
    expect(cdn.isConnected).toBe(false);
    s?.dispatchEvent(new Event('error'));
    expect(await loading).toBe(false);
    s?.remove();
  });
});
