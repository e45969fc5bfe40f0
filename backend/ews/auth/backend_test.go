package auth_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews"
)

const roomMailbox = "room1@example.com"

// newEWS is the Exchange the tests talk to.
// TODO(switch): ewstest.New(roomMailbox) once it exists.
func newEWS(t testing.TB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Write([]byte("EWS"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), "GetFolder") {
			http.Error(w, "unexpected", 400)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>
<m:Folders><t:CalendarFolder><t:FolderId Id="AAMk" ChangeKey="AgAA"/><t:DisplayName>Calendar</t:DisplayName><t:TotalCount>0</t:TotalCount></t:CalendarFolder></m:Folders>
</m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>`)
	})
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
