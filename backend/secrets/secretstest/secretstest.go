// Package secretstest replaces the keychain with go-keyring's in-memory
// mock for tests.
package secretstest

import (
	"github.com/zalando/go-keyring"

	"vmr-companion/backend/secrets"
)

// MockInit gives the process an empty in-memory keychain. It first waits
// for keychain operations an earlier test abandoned (a cancelled serve),
// so they never read the mock while it is being replaced.
func MockInit() {
	secrets.Settle()
	keyring.MockInit()
}

// MockInitWithError gives the process a keychain whose every operation
// fails with err, after the same wait.
func MockInitWithError(err error) {
	secrets.Settle()
	keyring.MockInitWithError(err)
}
