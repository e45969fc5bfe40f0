//go:build webkit2_41

package desktop

import "context"

// fakeDialogs answers the file dialogs with fixed paths ("" = cancelled).
type fakeDialogs struct{ open, save string }

func (f fakeDialogs) Open(context.Context, string, string) (string, error) { return f.open, nil }
func (f fakeDialogs) Save(context.Context, string, string, string) (string, error) {
	return f.save, nil
}
