// A recording stand-in for Office.js's Outlook API, served by the e2e test
// in place of https://appsforoffice.microsoft.com/lib/1/hosted/office.js.
// It models one appointment being composed: the body (HTML), the location,
// enhanced locations and attendees; every write is recorded in
// window.__office.calls and posted to the harness page.
// Office.actions.associate keeps the function files' functions in
// window.__office.actions, for the test to run as Outlook would.
// The test appends `installFakeOffice({...options})`. Sign-in options:
// identityToken (getUserIdentityTokenAsync's token; identityTokenError
// makes it fail with that message), ssoToken (Office.auth.getAccessToken's;
// without it that fails with 13001), requirementSets (["NestedAppAuth 1.1"]),
// naaToken (installs Outlook's nested app authentication bridge, which MSAL
// talks to, answering every token request with this access token).
// shared: {owner, delegatePermissions} puts the appointment in that
// owner's shared calendar (getSharedPropertiesAsync, which Outlook offers
// only there; Office.MailboxEnums.DelegatePermissions bits).
// Office.context.ui's dialog API is real enough for the personal VMR
// sign-in: displayDialogAsync opens the URL in a popup window, the
// popup's messageParent posts to the window that opened it, whose dialog
// passes it on as DialogMessageReceived ({message, origin}), and a popup
// the user closes is DialogEventReceived 12006.
/* eslint-disable */
function installFakeOffice(opts) {
  opts = opts || {};
  var state = {
    body: opts.body || '<div><br></div>',
    location: '',
    locations: [],
    required: [],
    resources: [],
    calls: [],
    // UI-less commands: functions registered with Office.actions.associate
    // (by name; not serialised) and the notification bar's messages.
    actions: {},
    notices: [],
  };
  window.__office = state;
  function publish(method, args) {
    state.calls.push({ method: method, args: args });
    try {
      window.parent.postMessage(
        { type: 'fake-office', method: method, body: state.body, location: state.location, locations: state.locations, required: state.required },
        '*',
      );
    } catch (e) {}
  }
  function later(cb, value) {
    setTimeout(function () {
      cb({ status: 'succeeded', value: value });
    }, 5);
  }
  function laterFailed(cb, code, message) {
    setTimeout(function () {
      cb({ status: 'failed', error: { code: code, message: message } });
    }, 5);
  }
  var CoercionType = { Html: 'html', Text: 'text' };
  var item = {
    itemType: 'appointment',
    body: {
      getAsync: function (type, options, cb) {
        if (typeof options === 'function') cb = options;
        publish('body.getAsync', [type]);
        later(cb, type === 'text' ? state.body.replace(/<[^>]*>/g, '') : state.body);
      },
      getTypeAsync: function (options, cb) {
        if (typeof options === 'function') cb = options;
        later(cb, 'html');
      },
      setSelectedDataAsync: function (data, options, cb) {
        state.body = data + state.body;
        publish('body.setSelectedDataAsync', [data, options]);
        later(cb);
      },
      prependAsync: function (data, options, cb) {
        state.body = data + state.body;
        publish('body.prependAsync', [data, options]);
        later(cb);
      },
    },
    location: {
      setAsync: function (value, options, cb) {
        if (typeof options === 'function') cb = options;
        state.location = value;
        publish('location.setAsync', [value]);
        later(cb);
      },
    },
    enhancedLocation: {
      addAsync: function (list, options, cb) {
        if (typeof options === 'function') cb = options;
        list.forEach(function (l) {
          state.locations.push(l);
        });
        state.location = state.locations.map(function (l) { return l.id; }).join('; ');
        publish('enhancedLocation.addAsync', [list]);
        later(cb);
      },
    },
    requiredAttendees: {
      addAsync: function (list, options, cb) {
        if (typeof options === 'function') cb = options;
        list.forEach(function (r) {
          state.required.push(r);
        });
        publish('requiredAttendees.addAsync', [list]);
        later(cb);
      },
    },
    notificationMessages: {
      replaceAsync: function (key, details, options, cb) {
        if (typeof options === 'function') cb = options;
        state.notices.push({ key: key, details: details });
        publish('notificationMessages.replaceAsync', [key, details]);
        later(cb);
      },
    },
    getItemIdAsync: function (options, cb) {
      if (typeof options === 'function') cb = options;
      setTimeout(function () {
        cb({ status: 'failed', error: { code: 9049, message: 'The item has not been saved.' } });
      }, 5);
    },
  };
  if (opts.shared) {
    item.getSharedPropertiesAsync = function (options, cb) {
      if (typeof options === 'function') cb = options;
      publish('item.getSharedPropertiesAsync', []);
      later(cb, {
        owner: opts.shared.owner,
        targetMailbox: opts.shared.owner,
        targetRestUrl: 'https://outlook.office.com/api',
        delegatePermissions: opts.shared.delegatePermissions,
      });
    };
  }
  if (opts.naaToken) installBridge(opts.naaToken, state);
  var ui = fakeDialogs(publish, laterFailed, later);
  window.Office = {
    CoercionType: CoercionType,
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    HostType: { Outlook: 'Outlook' },
    EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    MailboxEnums: {
      LocationType: { Custom: 'custom', Room: 'room' },
      DelegatePermissions: { Read: 1, Write: 2, DeleteOwn: 4, DeleteAll: 8, EditOwn: 16, EditAll: 32 },
      ItemNotificationMessageType: { InformationalMessage: 'informationalMessage', ErrorMessage: 'errorMessage' },
    },
    actions: {
      associate: function (name, fn) {
        state.actions[name] = fn;
        publish('actions.associate', [name]);
      },
    },
    context: {
      displayLanguage: opts.displayLanguage || 'en-US',
      officeTheme: opts.theme || undefined,
      ui: ui,
      mailbox: {
        userProfile: { emailAddress: opts.email || 'alice@contoso.com', displayName: 'Alice Example' },
        item: item,
        getUserIdentityTokenAsync: function (cb) {
          publish('mailbox.getUserIdentityTokenAsync', []);
          if (opts.identityTokenError) laterFailed(cb, 9017, opts.identityTokenError);
          else later(cb, opts.identityToken || 'e2e-exchange-identity-token');
        },
      },
      requirements: {
        isSetSupported: function (name, version) {
          return (opts.requirementSets || []).some(function (r) {
            var p = r.split(' ');
            return p[0] === name && Number(p[1] || 0) >= Number(version || 0);
          });
        },
      },
    },
    auth: {
      getAccessToken: function (options) {
        publish('auth.getAccessToken', [options]);
        if (opts.ssoToken) return Promise.resolve(opts.ssoToken);
        var e = new Error('The user is not signed in.');
        e.code = 13001;
        return Promise.reject(e);
      },
    },
    onReady: function (cb) {
      var info = { host: 'Outlook', platform: 'OfficeOnline' };
      if (cb) setTimeout(function () { cb(info); }, 0);
      return Promise.resolve(info);
    },
  };
}

// fakeDialogs is Office.context.ui: the pane's side (displayDialogAsync)
// and the dialog's (messageParent). One dialog at a time, as in Office.
function fakeDialogs(publish, laterFailed, later) {
  var open = null; // the dialog this window opened: { popup, handlers, stop }
  return {
    displayDialogAsync: function (url, options, cb) {
      if (typeof options === 'function') {
        cb = options;
        options = {};
      }
      publish('ui.displayDialogAsync', [url, options]);
      var target;
      try {
        target = new URL(url, location.href);
      } catch (e) {
        return laterFailed(cb, 12003, 'The dialog box URL is not valid.');
      }
      // Office opens only HTTPS pages of the add-in's own domain.
      if (target.protocol !== 'https:') return laterFailed(cb, 12003, 'The dialog box was directed to a URL with the HTTP protocol. HTTPS is required.');
      if (target.origin !== location.origin) return laterFailed(cb, 12004, 'The domain of the URL passed to displayDialogAsync is not trusted.');
      if (open) return laterFailed(cb, 12007, 'A dialog box is already opened from this host window.');
      var popup = window.open(target.href, 'fake-office-dialog', 'popup,width=480,height=640');
      if (!popup) return laterFailed(cb, 12009, 'The user chose to ignore the dialog box.');
      var handlers = {};
      function onMessage(e) {
        if (e.source !== popup || !e.data || e.data.type !== 'fake-office-dialog') return;
        // The message may hold a session: only where it came from is recorded.
        publish('dialog.messageReceived', [e.origin]);
        if (handlers.dialogMessageReceived) handlers.dialogMessageReceived({ type: 'dialogMessageReceived', message: e.data.message, origin: e.origin });
      }
      // A window gives no event when the user closes it: Office watches it.
      var watch = setInterval(function () {
        if (!popup.closed) return;
        stop();
        publish('dialog.closedByUser', [12006]);
        if (handlers.dialogEventReceived) handlers.dialogEventReceived({ type: 'dialogEventReceived', error: 12006 });
      }, 50);
      function stop() {
        clearInterval(watch);
        window.removeEventListener('message', onMessage);
        if (open && open.popup === popup) open = null;
      }
      window.addEventListener('message', onMessage);
      open = { popup: popup, stop: stop };
      later(cb, {
        addEventHandler: function (type, handler) {
          handlers[type] = handler;
        },
        // After close, as in Office, the dialog sends no more events.
        close: function () {
          publish('dialog.close', []);
          stop();
          if (!popup.closed) popup.close();
        },
      });
    },
    messageParent: function (message, options) {
      publish('ui.messageParent', []);
      if (!window.opener) throw new Error('messageParent is for the page of a dialog box');
      // As in Office, the message goes to the dialog's own origin unless targetOrigin names another.
      window.opener.postMessage({ type: 'fake-office-dialog', message: String(message) }, (options && options.targetOrigin) || location.origin);
    },
  };
}

// installBridge is Outlook's side of nested app authentication: MSAL posts
// JSON requests to window.nestedAppAuthBridge and waits for the answers.
function installBridge(accessToken, state) {
  var listeners = [];
  function b64(o) {
    return btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  }
  var now = Math.floor(Date.now() / 1000);
  // Shaped like Entra's ID token; nothing checks its signature in the pane.
  var idToken = b64({ alg: 'none', typ: 'JWT' }) + '.' + b64({ oid: 'oid-e2e', tid: 'tid-e2e', preferred_username: 'alice@contoso.com', iat: now, exp: now + 3600 }) + '.sig';
  window.nestedAppAuthBridge = {
    addEventListener: function (_, cb) {
      listeners.push(cb);
    },
    removeEventListener: function () {},
    postMessage: function (message) {
      var req = JSON.parse(message);
      state.calls.push({ method: 'bridge.' + req.method, args: [req.tokenParams ? { clientId: req.tokenParams.clientId, scope: req.tokenParams.scope, authority: req.tokenParams.authority } : null] });
      var res = { messageType: 'NestedAppAuthResponse', requestId: req.requestId, success: true };
      if (req.method === 'GetInitContext') {
        res.initContext = { sdkName: 'fake-outlook', sdkVersion: '1.0.0', capabilities: {} };
      } else {
        res.token = { access_token: accessToken, expires_in: 3600, id_token: idToken, properties: null, scope: req.tokenParams && req.tokenParams.scope };
        res.account = { environment: 'login.microsoftonline.com', homeAccountId: 'oid-e2e.tid-e2e', tenantId: 'tid-e2e', localAccountId: 'oid-e2e', username: 'alice@contoso.com' };
      }
      setTimeout(function () {
        listeners.forEach(function (cb) {
          cb(JSON.stringify(res));
        });
      }, 5);
    },
  };
}
