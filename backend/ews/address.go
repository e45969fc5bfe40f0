package ews

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// MaxAddressLength bounds an SMTP address: RFC 5321 (4.5.3.1.3) allows 256
// octets for a path, which includes the angle brackets.
const MaxAddressLength = 254

// ErrInvalidAddress means a mailbox address is not a plain SMTP address.
var ErrInvalidAddress = errors.New("ews: invalid mailbox address")

// CheckAddress returns addr when it is one bare SMTP address (RFC 5322
// addr-spec, as net/mail reads it), of bounded length, with no control
// characters, else an error saying what is wrong. Every address taken from
// a message passes here before it reaches an HTTP header (X-AnchorMailbox)
// or the impersonation SOAP header.
func CheckAddress(addr string) (string, error) {
	switch {
	case addr == "":
		return "", fmt.Errorf("%w: the address is empty", ErrInvalidAddress)
	case len(addr) > MaxAddressLength:
		return "", fmt.Errorf("%w: the address is %d bytes long, more than the %d an SMTP address may have", ErrInvalidAddress, len(addr), MaxAddressLength)
	case !utf8.ValidString(addr):
		return "", fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidAddress, quoteAddress(addr))
	case strings.ContainsFunc(addr, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		// CR and LF would split an HTTP header.
		return "", fmt.Errorf("%w: %s holds control characters", ErrInvalidAddress, quoteAddress(addr))
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrInvalidAddress, quoteAddress(addr), err)
	}
	if a.Name != "" || a.Address != addr {
		return "", fmt.Errorf("%w: %s is not a bare address; use name@domain", ErrInvalidAddress, quoteAddress(addr))
	}
	return addr, nil
}

// quoteAddress quotes an address for an error message: Go-escaped and
// shortened, so a hostile one cannot forge log lines.
func quoteAddress(s string) string {
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "…"
	}
	return fmt.Sprintf("%q", s)
}
