package problem

import (
	"testing"
)

func TestErrorfNamesParams(t *testing.T) {
	fe := TooLong.Errorf(Args("Name", 300, 250), "%s is %d characters long; the limit is %d", "Name", 300, 250)
	want := FieldError{Code: "too_long", Params: map[string]string{"label": "Name", "length": "300", "max": "250"},
		Message: "Name is 300 characters long; the limit is 250"}
	if fe.Code != want.Code || fe.Message != want.Message || len(fe.Params) != 3 ||
		fe.Params["label"] != "Name" || fe.Params["length"] != "300" || fe.Params["max"] != "250" {
		t.Fatalf("got %+v, want %+v", fe, want)
	}
	if fe := NeedsVMRKind.Errorf(nil, "enable one"); fe.Params != nil {
		t.Fatalf("a code without parameters sends none, got %v", fe.Params)
	}
}

func TestErrorfPanicsOnWrongParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("want a panic for a missing parameter")
		}
	}()
	TooLong.Errorf(Args("Name"), "x")
}
