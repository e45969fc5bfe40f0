// Package ewstest is a fake Exchange server for tests and demos: an
// http.Handler answering EWS SOAP requests (/EWS/Exchange.asmx) and SOAP
// Autodiscover (/autodiscover/autodiscover.svc) for a room mailbox and the
// organizers who send it meetings.
//
// Meeting requests carry Outlook-like MIME (multipart/alternative with the
// rewrapped HTML body and a text/calendar part with VTIMEZONE, RRULE,
// EXDATE, RECURRENCE-ID, SENT-BY...). Sync states are cursors into each
// folder's change log, so a sync pass with nothing new costs one request
// whatever the mailbox size. Responses are built in the shapes of
// Microsoft's published examples (shared/fixtures/ews). Faults can be
// injected per operation, every request is recorded, and the state can be
// saved and loaded.
//
// It models what VMR Companion uses, not all of Exchange: no permissions
// beyond the impersonation check, no attachments, no free/busy.
//
// Product code reaches it only through backend/demo (serve --demo), which a
// build with -tags nodemo leaves out; everything else that imports it is a
// test.
package ewstest
