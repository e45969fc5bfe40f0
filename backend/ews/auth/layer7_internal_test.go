package auth

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"testing"
)

func TestLayer7Evidence(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   []string
	}{
		{"Exchange itself shows nothing", http.Header{"Server": {"Microsoft-IIS/10.0"}, "X-Feserver": {"EX01"}, "X-Beserver": {"EX02"}}, nil},
		{"Apache shows nothing", http.Header{"Server": {"Apache/2.4.71 (Debian)"}}, nil},
		{"nginx is named by its Server header", http.Header{"Server": {"nginx/1.22.1"}}, []string{"Server: nginx/1.22.1"}},
		{"a BIG-IP by its Server header and affinity cookie", http.Header{"Server": {"BigIP"}, "Set-Cookie": {"BIGipServerpool_ews=123.456.0000; path=/"}},
			[]string{"Server: BigIP", "a load balancer affinity cookie (BIGipServerpool_ews)"}},
		{"a NetScaler by its cookie", http.Header{"Set-Cookie": {"NSC_ews=ffffffff; path=/"}}, []string{"a load balancer affinity cookie (NSC_ews)"}},
		{"an AWS load balancer by Server and cookie", http.Header{"Server": {"awselb/2.0"}, "Set-Cookie": {"AWSALB=abc; Path=/"}},
			[]string{"Server: awselb/2.0", "a load balancer affinity cookie (AWSALB)"}},
		{"a Via header, whatever the Server", http.Header{"Server": {"Microsoft-IIS/10.0"}, "Via": {"1.1 proxy.example.com"}}, []string{"Via: 1.1 proxy.example.com"}},
		{"a cache header", http.Header{"X-Cache": {"MISS from squid"}}, []string{"X-Cache: MISS from squid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layer7Evidence(&http.Response{Header: tt.header})
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNTLMMessageType(t *testing.T) {
	msg := func(typ byte) string {
		return base64.StdEncoding.EncodeToString([]byte{'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, typ, 0, 0, 0, 0, 0})
	}
	tests := []struct {
		header string
		want   uint32
	}{
		{"NTLM " + msg(1), 1},
		{"Negotiate " + msg(2), 2},
		{"negotiate " + msg(3), 3},
		{"Negotiate", 0},
		{"Basic " + msg(1), 0},
		{"Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnY=", 0}, // SPNEGO (Kerberos), not raw NTLM
		{"NTLM not-base64!", 0},
	}
	for _, tt := range tests {
		if got := ntlmMessageType(tt.header); got != tt.want {
			t.Errorf("ntlmMessageType(%q) = %d, want %d", tt.header, got, tt.want)
		}
	}
}

func TestPastAuthentication(t *testing.T) {
	for status, want := range map[int]bool{200: true, 405: true, 400: true, 500: true,
		401: false, 403: false, 404: false, 302: false, 502: false, 503: false, 407: false} {
		if got := pastAuthentication(status); got != want {
			t.Errorf("pastAuthentication(%d) = %v", status, got)
		}
	}
}
