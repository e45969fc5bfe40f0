package addinhost

import (
	"encoding/json"
	"testing"
)

func TestIdentityFromClaims(t *testing.T) {
	cases := []struct {
		name, claims, key, email string
	}{
		{"a verified email", `{"email":"A@Example.com","email_verified":true}`, "oidc:https://op#s1", "a@example.com"},
		{"a verified email sent as a string, as some providers do", `{"email":"a@example.com","email_verified":"true"}`, "oidc:https://op#s1", "a@example.com"},
		{"an email said to be unverified", `{"email":"a@example.com","email_verified":false}`, "oidc:https://op#s1", ""},
		{"an email with nothing said about it", `{"email":"a@example.com"}`, "oidc:https://op#s1", ""},
		{"a verified claim that is no address", `{"email":"Alice <a@example.com>","email_verified":true}`, "oidc:https://op#s1", ""},
		{"preferred_username is never an address", `{"preferred_username":"a@example.com"}`, "oidc:https://op#s1", ""},
		{"Entra ID: keyed on tenant and object id, the member's upn", `{"tid":"t1","oid":"o1","upn":"A@Contoso.example","email":"x@evil.example"}`, "entra:t1/o1", "a@contoso.example"},
		{"Entra ID: a guest's upn", `{"tid":"t1","oid":"o1","upn":"a_x.example#EXT#@contoso.example"}`, "entra:t1/o1", ""},
		{"Entra ID: an email whose domain the tenant verified", `{"tid":"t1","oid":"o1","email":"a@contoso.example","xms_edov":true}`, "entra:t1/o1", "a@contoso.example"},
		{"Entra ID: an email whose domain the tenant did not verify", `{"tid":"t1","oid":"o1","email":"a@contoso.example","xms_edov":false}`, "entra:t1/o1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c tokenClaims
			if err := json.Unmarshal([]byte(tc.claims), &c); err != nil {
				t.Fatal(err)
			}
			got := c.identity("https://op", "s1")
			if got.Key != tc.key || got.Email != tc.email {
				t.Fatalf("identity = %+v, want key %q and email %q", got, tc.key, tc.email)
			}
		})
	}
}
