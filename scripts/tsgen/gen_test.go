package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// root is the repository, seen from this package.
const root = "../.."

// TestCommittedFilesAreCurrent fails when a Go type changed and the
// generated files were not regenerated: plain go test catches the drift.
func TestCommittedFilesAreCurrent(t *testing.T) {
	files, err := render(contract())
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(root, files); err != nil {
		t.Fatal(err)
	}
}

// meetingBefore and meetingAfter are one Go type, meeting, before and
// after someone renamed its field (local types keep the same name).
func meetingBefore() any {
	type meeting struct {
		Subject string `json:"subject"`
	}
	return meeting{}
}

func meetingAfter() any {
	type meeting struct {
		Title string `json:"title"`
	}
	return meeting{}
}

// TestRenamedFieldFailsTheCheck: the contract of a type, committed, then
// the Go field renamed: the generated file differs and Check says so.
func TestRenamedFieldFailsTheCheck(t *testing.T) {
	dir := t.TempDir()
	gen := func(v any) map[string][]byte {
		t.Helper()
		out, err := Generate(Contract{Types: []any{v}})
		if err != nil {
			t.Fatal(err)
		}
		return map[string][]byte{"contract.gen.ts": out}
	}
	before := gen(meetingBefore())
	if err := write(dir, before); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir, before); err != nil {
		t.Fatalf("the committed file is current, but Check says %v", err)
	}
	after := gen(meetingAfter())
	if string(after["contract.gen.ts"]) == string(before["contract.gen.ts"]) {
		t.Fatal("renaming a field did not change the contract")
	}
	err := Check(dir, after)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("Check after the rename = %v, want ErrStale", err)
	}
	for _, want := range []string{"run make bindings and commit", "contract.gen.ts: line 8", `subject: string;`, `title: string;`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check's message lacks %q:\n%v", want, err)
		}
	}
}

func TestCheckReportsAMissingFile(t *testing.T) {
	err := Check(t.TempDir(), map[string][]byte{"x.ts": []byte("x\n")})
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "x.ts") {
		t.Fatalf("Check = %v", err)
	}
}

type inner struct {
	Shared string `json:"shared"`
	Deep   int    `json:"deep"`
}

type extra struct {
	Note string `json:"note"`
}

type shape struct {
	inner
	*extra
	Plain     string            `json:"plain"`
	Omitted   string            `json:"omitted,omitempty"`
	Ptr       *inner            `json:"ptr"`
	OptPtr    *inner            `json:"opt_ptr,omitempty"`
	List      []string          `json:"list"`
	OptList   []string          `json:"opt_list,omitempty"`
	Ptrs      []*inner          `json:"ptrs"`
	Map       map[string]int    `json:"map"`
	IntKeys   map[int]bool      `json:"int_keys"`
	When      time.Time         `json:"when"`
	WhenOmit  time.Time         `json:"when_omit,omitempty"` // omitempty never drops a struct
	WhenZero  time.Time         `json:"when_zero,omitzero"`
	Took      time.Duration     `json:"took"`
	Any       any               `json:"any"`
	Bytes     []byte            `json:"bytes"`
	Quoted    int               `json:"quoted,string"`
	NoTag     bool              //
	Skipped   string            `json:"-"`
	private   string            //
	Shared    string            `json:"shared"` // shadows inner's
	Kind      string            `json:"kind"`
	Texts     map[string]string `json:"texts"`
	Anonymous struct {
		A string `json:"a"`
	} `json:"anonymous"`
	Hyphen string `json:"with-hyphen"`
}

func TestTypesFollowEncodingJSON(t *testing.T) {
	_ = shape{}.private
	_ = extra{}.Note
	out, err := Generate(Contract{
		Types: []any{shape{}},
		Enums: []Enum{
			{Name: "Kind", Doc: "kinds", Values: []string{"a", "b"}, Fields: []FieldRef{Field(shape{}, "Kind")}},
			{Name: "TextKey", Doc: "keys", Values: []string{"x"}, Fields: []FieldRef{Key(shape{}, "Texts")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		"export type Kind = 'a' | 'b';",
		"/** tsgen.shape (vmr-companion/scripts/tsgen) */\nexport interface shape {\n  deep: number;\n  note?: string;\n  plain: string;\n",
		"  note?: string;\n", // a nil embedded pointer writes nothing
		"  omitted?: string;\n",
		"  ptr: inner | null;\n",
		"  opt_ptr?: inner;\n",
		"  list: string[] | null;\n",
		"  opt_list?: string[];\n",
		"  ptrs: (inner | null)[] | null;\n",
		"  map: Record<string, number> | null;\n",
		"  int_keys: Record<string, boolean> | null;\n",
		"  when: string;\n",
		"  when_omit: string;\n",
		"  when_zero?: string;\n",
		"  took: number;\n",
		"  any: unknown;\n",
		"  bytes: string | null;\n",
		"  quoted: string;\n",
		"  NoTag: boolean;\n",
		"  shared: string;\n",
		"  kind: Kind;\n",
		"  texts: Partial<Record<TextKey, string>> | null;\n",
		"  anonymous: {\n    a: string;\n  };\n",
		"  'with-hyphen': string;\n",
		"export interface inner {\n  shared: string;\n  deep: number;\n}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, bad := range []string{"Skipped", "private"} {
		if strings.Contains(got, bad) {
			t.Errorf("%s is not JSON but was written:\n%s", bad, got)
		}
	}
	if strings.Count(got, "  shared: string;") != 2 { // once in shape, once in inner
		t.Errorf("the shadowed field was written twice:\n%s", got)
	}
}

type clashA struct{ X string }

func TestEnumOnAMissingFieldFails(t *testing.T) {
	_, err := Generate(Contract{Types: []any{clashA{}}, Enums: []Enum{{Name: "E", Values: []string{"a"}, Fields: []FieldRef{Field(clashA{}, "Gone")}}}})
	if err == nil || !strings.Contains(err.Error(), "has no field Gone") {
		t.Fatalf("Generate = %v", err)
	}
}

type service struct{}

func (*service) Get(id string, n int) (*inner, error) { return nil, nil }
func (*service) List() []inner                        { return nil }
func (*service) Drop(ids []string) error              { return nil }
func (*service) Put(v inner) error                    { return nil }

func TestServicesBecomeInterfaces(t *testing.T) {
	out, err := Generate(Contract{Services: []any{(*service)(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	want := "export interface service {\n" +
		"  Drop(arg1: string[]): Promise<void>;\n" +
		"  Get(arg1: string, arg2: number): Promise<inner | null>;\n" +
		"  List(): Promise<inner[] | null>;\n" +
		"  Put(arg1: Partial<inner>): Promise<void>;\n}\n"
	if !strings.Contains(string(out), want) {
		t.Fatalf("missing\n%s\nin\n%s", want, out)
	}
}
