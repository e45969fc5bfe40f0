package account

// What the external tests (package account_test) read of the inside.
var (
	SignInErrorOf = signInError
	SealRetry     = sealRetry
)
