package ews

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOversizeAnswersAreRefused(t *testing.T) {
	old := maxResponseBytes
	maxResponseBytes = 4096
	t.Cleanup(func() { maxResponseBytes = old })
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolderResponse><!--` + strings.Repeat("x", 8192) + `--></m:GetFolderResponse></s:Body></s:Envelope>`))
	}))
	defer ts.Close()
	c, err := New(Config{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFolder(context.Background(), Inbox)
	if !errors.Is(err, ErrTooLarge) || IsTransient(err) || !strings.Contains(err.Error(), "larger than 4096 bytes") {
		t.Errorf("err = %v", err)
	}
}

func TestXMLEscapeDropsControlCharacters(t *testing.T) {
	var b strings.Builder
	xmlEscape(&b, "a<b>&\"'\x01\tz")
	if got := b.String(); got != "a&lt;b&gt;&amp;&quot;&apos;&#x9;z" {
		t.Errorf("got %q", got)
	}
}
