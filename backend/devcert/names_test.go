package devcert

import (
	"slices"
	"strings"
	"testing"
)

func TestExtraNames(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantErr string
	}{
		{"names are lowercased, sorted and deduplicated", []string{"B.test", "a.test.", "b.test"}, []string{"a.test", "b.test"}, ""},
		{"names under localhost are dropped as localhost covers them", []string{"app.localhost", "localhost"}, nil, ""},
		{"a company dev host is accepted", []string{"vmr.dev.example.com"}, []string{"vmr.dev.example.com"}, ""},
		{"a top-level domain is refused", []string{"com"}, nil, "public suffix"},
		{"a country's second-level suffix is refused", []string{"co.uk"}, nil, "public suffix"},
		{"a shared hosting suffix is refused", []string{"github.io"}, nil, "public suffix"},
		{"a bare single label is refused", []string{"devbox"}, nil, "public suffix"},
		{"an IPv4 address is refused", []string{"192.168.1.10"}, nil, "IP address"},
		{"an IPv6 address is refused", []string{"::1"}, nil, "IP address"},
		{"a wildcard is refused", []string{"*.dev.example.com"}, nil, "wildcard"},
		{"an underscore is refused", []string{"my_host.test"}, nil, "only letters"},
		{"a label starting with a hyphen is refused", []string{"-x.test"}, nil, "hyphen"},
		{"an empty label is refused", []string{"a..test"}, nil, "empty"},
		{"an empty name is refused", []string{" "}, nil, "empty"},
		{"a label over 63 characters is refused", []string{strings.Repeat("a", 64) + ".test"}, nil, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := normalizeExtraNames(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "devcert: ") {
					t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLeafNames(t *testing.T) {
	permitted := []string{"localhost", "dev.example.com"}
	tests := []struct {
		name    string
		in      []string
		wantDNS []string
		wantIPs string
		wantErr bool
	}{
		{"no names give localhost and both loopback addresses", nil, []string{"localhost"}, "127.0.0.1 ::1", false},
		{"duplicates and case are folded", []string{"LOCALHOST", "127.0.0.1", "[::1]"}, []string{"localhost"}, "127.0.0.1 ::1", false},
		{"an IPv4-mapped loopback address becomes IPv4", []string{"::ffff:127.0.0.5"}, []string{"localhost"}, "127.0.0.1 ::1 127.0.0.5", false},
		{"names below a permitted domain are accepted", []string{"a.dev.example.com"}, []string{"localhost", "a.dev.example.com"}, "127.0.0.1 ::1", false},
		{"a zoned address is refused", []string{"::1%lo"}, nil, "", true},
		{"the parent of a permitted domain is refused", []string{"example.com"}, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns, ips, err := leafNames(tt.in, permitted)
			if tt.wantErr {
				if err == nil {
					t.Errorf("accepted %v", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dns, tt.wantDNS) || ipList(ips) != tt.wantIPs {
				t.Errorf("got %v %s, want %v %s", dns, ipList(ips), tt.wantDNS, tt.wantIPs)
			}
		})
	}
}
