// A recording stand-in for Office.js's Outlook API, served by the e2e test
// in place of https://appsforoffice.microsoft.com/lib/1/hosted/office.js.
// It models one appointment being composed: the body (HTML), the location,
// enhanced locations and attendees; every write is recorded in
// window.__office.calls and posted to the harness page.
// The test appends `installFakeOffice({...options})`.
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
    getItemIdAsync: function (options, cb) {
      if (typeof options === 'function') cb = options;
      setTimeout(function () {
        cb({ status: 'failed', error: { code: 9049, message: 'The item has not been saved.' } });
      }, 5);
    },
  };
  window.Office = {
    CoercionType: CoercionType,
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    HostType: { Outlook: 'Outlook' },
    MailboxEnums: { LocationType: { Custom: 'custom', Room: 'room' } },
    context: {
      displayLanguage: opts.displayLanguage || 'en-US',
      officeTheme: opts.theme || undefined,
      mailbox: {
        userProfile: { emailAddress: opts.email || 'alice@contoso.com', displayName: 'Alice Example' },
        item: item,
      },
    },
    onReady: function (cb) {
      var info = { host: 'Outlook', platform: 'OfficeOnline' };
      if (cb) setTimeout(function () { cb(info); }, 0);
      return Promise.resolve(info);
    },
  };
}
