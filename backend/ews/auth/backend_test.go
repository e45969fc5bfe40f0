package auth_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

const roomMailbox = "room1@example.com"

// newEWS is the Exchange behind the authentication layers of the tests:
// the project's fake EWS, serving the room mailbox.
func newEWS(t testing.TB) http.Handler {
	return ewstest.New(roomMailbox)
}

// getFolder reads the room's calendar folder through hc with the real EWS
// client, as the service does.
func getFolder(t testing.TB, hc *http.Client, url string) (*ews.Folder, error) {
	t.Helper()
	// The client's own retry policy stays on (a refused login must not be
	// retried); only its waits are skipped.
	c, err := ews.New(ews.Config{URL: url, HTTPClient: hc, Mailbox: roomMailbox,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c.GetFolder(context.Background(), ews.Calendar)
}

// getFolderRequest is a GetFolder of the calendar, as a client without the
// ews package would send it.
const getFolderRequest = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header>
<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>
<m:FolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>` + roomMailbox + `</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds>
</m:GetFolder></soap:Body></soap:Envelope>`

// countCalls counts the requests hc's transport is asked to send.
func countCalls(hc *http.Client) *int {
	n := new(int)
	next := hc.Transport
	hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		*n++
		return next.RoundTrip(r)
	})
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
