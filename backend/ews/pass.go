package ews

import (
	"context"
	"fmt"
)

// PassHeader names, on every request, the scheduler pass that sent it: with
// the User-Agent's host and pid, an Exchange admin can tell in the server's
// logs which instance worked in a mailbox and when.
const PassHeader = "X-VMR-Pass"

type passKey struct{}

// WithPass returns ctx whose requests carry id in PassHeader. An id that
// is not 1 to 64 letters, digits or dashes is left out.
func WithPass(ctx context.Context, id string) context.Context {
	if !validPassID(id) {
		return ctx
	}
	return context.WithValue(ctx, passKey{}, id)
}

// PassOf is the pass id ctx carries ("" for none).
func PassOf(ctx context.Context) string {
	id, _ := ctx.Value(passKey{}).(string)
	return id
}

// InstanceUserAgent names the product and this instance in a User-Agent:
// "product (host; pid N)". Characters a User-Agent comment cannot hold are
// dropped from host.
func InstanceUserAgent(product, host string, pid int) string {
	clean := make([]rune, 0, len(host))
	for _, r := range host {
		if r > ' ' && r < 0x7f && r != '(' && r != ')' && r != ';' && r != '\\' {
			clean = append(clean, r)
		}
	}
	return fmt.Sprintf("%s (%s; pid %d)", product, string(clean), pid)
}

func validPassID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
