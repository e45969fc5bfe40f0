package infinitysync

// FieldError is a connection refused because of one of its fields (the
// JSON name: url, username, client_id, secret, ca_file), so the window can
// show it beside that field; its text is Err's.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldError(field string, err error) error {
	if err == nil {
		return nil
	}
	return &FieldError{Field: field, Err: err}
}
