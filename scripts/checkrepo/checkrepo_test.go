package checkrepo

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const limit = 2 << 20 // the script's limit: 2 MB

// script is the guard under test, found from this package's directory.
func script(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../check-repo.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the guard is missing: %v", err)
	}
	return p
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// repo makes a git repository holding files (path → size in bytes), all
// committed.
func repo(t *testing.T, files map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	for name, size := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte("x"), size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "files")
	return dir
}

// run runs a guard script in dir and returns its exit code and output.
func run(t *testing.T, guard, dir string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", guard)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("running %s: %v", guard, err)
	return -1, ""
}

func TestCheckRepo(t *testing.T) {
	guard := script(t)

	tests := []struct {
		name  string
		files map[string]int
		fail  bool
		texts []string // in the output
	}{
		{"small source files pass", map[string]int{"main.go": 100, "docs/guide.md": 5000, "frontend/dist/.gitkeep": 0}, false, nil},
		{"a file of exactly 2 MB passes", map[string]int{"data/at-limit.bin": limit}, false, nil},
		{"a 3 MB file fails, named with what to do", map[string]int{"main.go": 100, "assets/big.bin": 3 << 20}, true,
			[]string{"assets/big.bin", "3.0 MB", "2 MB", "git rm --cached", ".gitignore", "ALLOWED_LARGE"}},
		{"one byte over 2 MB fails", map[string]int{"over.bin": limit + 1}, true, []string{"over.bin"}},
		{"a Go test binary fails even when small", map[string]int{"scheduler.test": 10}, true,
			[]string{"scheduler.test", "build output", "git rm --cached"}},
		{"a test binary in a folder fails", map[string]int{"backend/x/x.test": 10}, true, []string{"backend/x/x.test"}},
		{"the built binary fails", map[string]int{"build/bin/vmr-companion": 10}, true, []string{"build/bin/vmr-companion"}},
		{"built packages fail", map[string]int{"build/packages/vmr-companion_1.0.0_amd64.deb": 10}, true,
			[]string{"build/packages/vmr-companion_1.0.0_amd64.deb"}},
		{"the packaging files and the desktop entry pass", map[string]int{"packaging/nfpm-server.yaml": 10, "build/linux/vmr-companion.desktop": 10}, false, nil},
		{"built frontend files fail", map[string]int{"frontend/dist/index.html": 10, "frontend/dist/.gitkeep": 0}, true,
			[]string{"frontend/dist/index.html"}},
		{"installed npm packages fail", map[string]int{"frontend/node_modules/x/index.js": 10}, true, []string{"frontend/node_modules/x/index.js"}},
		{"a name that only contains .test passes", map[string]int{"docs/a.test.md": 10, "backend/x/x_test.go": 10}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := run(t, guard, repo(t, tt.files))
			if tt.fail != (code != 0) {
				t.Fatalf("exit code %d, want failure %v; output:\n%s", code, tt.fail, out)
			}
			for _, s := range tt.texts {
				if !strings.Contains(out, s) {
					t.Errorf("the output does not mention %q:\n%s", s, out)
				}
			}
		})
	}

	t.Run("every problem is listed, not only the first", func(t *testing.T) {
		code, out := run(t, guard, repo(t, map[string]int{"a.bin": 3 << 20, "b.bin": 3 << 20, "c.test": 1}))
		if code == 0 {
			t.Fatalf("passed:\n%s", out)
		}
		for _, s := range []string{"a.bin", "b.bin", "c.test"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s is not named:\n%s", s, out)
			}
		}
	})

	t.Run("a staged file counts before it is committed", func(t *testing.T) {
		dir := repo(t, map[string]int{"main.go": 10})
		if err := os.WriteFile(filepath.Join(dir, "late.bin"), bytes.Repeat([]byte("x"), 3<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, dir, "add", "late.bin")
		if code, out := run(t, guard, dir); code == 0 || !strings.Contains(out, "late.bin") {
			t.Fatalf("exit code %d:\n%s", code, out)
		}
	})

	t.Run("an untracked large file is none of its business", func(t *testing.T) {
		dir := repo(t, map[string]int{"main.go": 10})
		if err := os.WriteFile(filepath.Join(dir, "local.bin"), bytes.Repeat([]byte("x"), 3<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out := run(t, guard, dir); code != 0 {
			t.Fatalf("exit code %d:\n%s", code, out)
		}
	})

	t.Run("a file on the exception list passes", func(t *testing.T) {
		// A copy of the guard with one exception added, as a maintainer would.
		src, err := os.ReadFile(guard)
		if err != nil {
			t.Fatal(err)
		}
		const empty = "ALLOWED_LARGE=(\n)"
		if !bytes.Contains(src, []byte(empty)) {
			t.Fatalf("the guard has no empty ALLOWED_LARGE=( ) list to extend")
		}
		edited := bytes.Replace(src, []byte(empty), []byte("ALLOWED_LARGE=(\n\t\"assets/video.webm\" # the demo video, kept on purpose\n)"), 1)
		copyPath := filepath.Join(t.TempDir(), "check-repo.sh")
		if err := os.WriteFile(copyPath, edited, 0o755); err != nil {
			t.Fatal(err)
		}
		dir := repo(t, map[string]int{"assets/video.webm": 3 << 20, "assets/other.webm": 3 << 20})
		code, out := run(t, copyPath, dir)
		if code == 0 || strings.Contains(out, "assets/video.webm") || !strings.Contains(out, "assets/other.webm") {
			t.Fatalf("exit code %d, want only assets/other.webm reported:\n%s", code, out)
		}
	})

	t.Run("outside a git repository it says so", func(t *testing.T) {
		code, out := run(t, guard, t.TempDir())
		if code == 0 || !strings.Contains(out, "git") {
			t.Fatalf("exit code %d:\n%s", code, out)
		}
	})

	t.Run("this repository passes", func(t *testing.T) {
		if code, out := run(t, guard, "."); code != 0 {
			t.Fatalf("exit code %d:\n%s", code, out)
		}
	})
}
