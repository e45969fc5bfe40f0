package exidtoken_test

import (
	"context"
	"slices"
	"testing"

	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/exidtoken/exidtokentest"
)

func TestMetadataURLs(t *testing.T) {
	got := exidtoken.MetadataURLs([]string{"mail.contoso.com", "MAIL.contoso.com.", "mail.contoso.com:443",
		"https://ex2.contoso.com:8443/autodiscover/metadata/json/1", "outlook.office365.com", " ", "[2001:db8::1]:444"})
	want := []string{"https://mail.contoso.com/autodiscover/metadata/json/1", "https://ex2.contoso.com:8443/autodiscover/metadata/json/1",
		"https://[2001:db8::1]:444/autodiscover/metadata/json/1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestProbe(t *testing.T) {
	ex := exidtokentest.Start(t)
	if n, err := exidtoken.Probe(context.Background(), ex.MetadataURL, ex.Client()); n != 1 || err != nil {
		t.Errorf("a working Exchange: %d keys, %v", n, err)
	}
	ex.Fail(true)
	if _, err := exidtoken.Probe(context.Background(), ex.MetadataURL, ex.Client()); err == nil {
		t.Error("a failing Exchange was probed without an error")
	}
}
