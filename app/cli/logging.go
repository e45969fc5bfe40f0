package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/spf13/pflag"
)

// Log formats of --log-format.
const (
	logText = "text"
	logJSON = "json"
)

// logLevels are the names --log-level takes.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// logging is the process log as --log-format and --log-level choose it.
// It goes to standard error: standard output carries what commands print
// for scripts (--json, manifests), and under systemd both streams reach
// the journal anyway. With json, each record is one line of
// slog.JSONHandler (keys time, level, msg, then the record's fields), and
// the lines a person would read on standard error (and serve's banner)
// become records too, so that a journal holds JSON only.
type logging struct {
	format string
	level  slog.Level
	// out is the process's standard error, shared by the log and the
	// lines printed for people so that writes never interleave.
	out  *lockedWriter
	once sync.Once
	log  *slog.Logger
}

func newLogging(stderr io.Writer) *logging {
	return &logging{format: logText, level: slog.LevelInfo, out: &lockedWriter{w: stderr}}
}

// flags adds --log-format and --log-level. Their values check themselves,
// so a wrong one is a usage error whichever way it is set.
func (l *logging) flags(fs *pflag.FlagSet) {
	fs.Var(formatFlag{&l.format}, "log-format", "log records as text (key=value) or json (one object per line: time, level, msg and fields), on standard error")
	fs.Var(levelFlag{&l.level}, "log-level", "least important records logged: debug, info, warn or error")
}

func (l *logging) json() bool { return l.format == logJSON }

// logger is built on first use, after the flags are read.
func (l *logging) logger() *slog.Logger {
	l.once.Do(func() {
		opts := &slog.HandlerOptions{Level: l.level}
		if l.json() {
			l.log = slog.New(slog.NewJSONHandler(l.out, opts))
		} else {
			l.log = slog.New(slog.NewTextHandler(l.out, opts))
		}
	})
	return l.log
}

// console is what a person reads on w: written as it is in text format,
// one log record per line in json.
func (l *logging) console(w io.Writer) io.Writer { return &console{l: l, plain: w} }

type console struct {
	l     *logging
	plain io.Writer
}

// Write makes each line a record. Commands print whole lines in one write
// (fmt.Fprintln, Fprintf ending in a newline); a prompt without one is a
// record of its own rather than waiting for an answer it asks for.
func (c *console) Write(p []byte) (int, error) {
	if !c.l.json() {
		return c.plain.Write(p)
	}
	for line := range strings.SplitSeq(string(p), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		level := slog.LevelInfo
		if strings.HasPrefix(strings.ToUpper(line), "WARNING:") {
			level = slog.LevelWarn
		}
		c.l.logger().Log(context.Background(), level, line)
	}
	return len(p), nil
}

// warn says msg on w as a warning: a WARN record in json, a line for
// people otherwise.
func (l *logging) warn(w io.Writer, msg string) {
	if l.json() {
		l.logger().Warn(msg)
		return
	}
	fmt.Fprintln(w, "vmr-companion: warning:", msg)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type formatFlag struct{ p *string }

func (f formatFlag) String() string { return *f.p }
func (f formatFlag) Type() string   { return "text|json" }
func (f formatFlag) Set(v string) error {
	if v != logText && v != logJSON {
		return fmt.Errorf("the log format is text or json, not %q", v)
	}
	*f.p = v
	return nil
}

type levelFlag struct{ p *slog.Level }

func (f levelFlag) String() string { return strings.ToLower(f.p.String()) }
func (f levelFlag) Type() string   { return "level" }
func (f levelFlag) Set(v string) error {
	level, ok := logLevels[strings.ToLower(v)]
	if !ok {
		return fmt.Errorf("the log level is debug, info, warn or error, not %q", v)
	}
	*f.p = level
	return nil
}
