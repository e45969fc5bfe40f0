// Package pgtest runs a private, throw-away PostgreSQL server for tests, so
// that the store is tested against the real database it runs on in
// production rather than a fake.
//
// One cluster is started per test binary (Start) and each test gets its own
// empty database (NewDatabase), which keeps tests independent yet fast. The
// server listens on a Unix socket only and runs with fsync off: its data is
// thrown away anyway.
//
// PostgreSQL refuses to run as root. When the tests run as root (as here and
// in CI), the server runs as the "postgres" system user that Debian's
// postgresql-15 package creates.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// installHint is what to do when PostgreSQL is missing.
const installHint = "apt-get install postgresql-15"

// superuser is the role initdb creates; every database belongs to it.
const superuser = "vmrtest"

// Cluster is a private, temporary PostgreSQL server for tests.
type Cluster struct {
	binDir  string // folder of initdb, pg_ctl and postgres
	version string // major version of the server, e.g. "15"
	root    string // temp folder holding everything below
	dataDir string
	sockDir string
	logFile string
	port    int
	runAs   string // system user to run the binaries as ("" means the current user)

	admin *sql.DB // connection to the "postgres" database, for CREATE/DROP DATABASE

	mu      sync.Mutex
	stopped bool
}

var (
	sharedMu  sync.Mutex
	shared    *Cluster
	sharedErr error // why the first Start failed; later callers fail the same way

	dbCounter atomic.Int64
)

// Start starts (once per test binary: later calls return the same cluster) a private cluster.
// It fails the test (t.Fatal, never Skip) with the install command `apt-get install postgresql-15` when the binaries are missing.
func Start(t testing.TB) *Cluster {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedErr != nil {
		t.Fatalf("pgtest: %v", sharedErr)
	}
	if shared != nil {
		// A server that died would make every later test fail in obscure
		// ways; say why once, here, with the server's own words.
		if err := shared.check(); err != nil {
			t.Fatalf("pgtest: the cluster is no longer usable: %v", err)
		}
		return shared
	}
	c, err := start()
	if err != nil {
		sharedErr = err
		t.Fatalf("pgtest: %v", err)
	}
	shared = c
	return c
}

// start does Start's work, without a testing.TB so that the error can be kept.
func start() (*Cluster, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{binDir: binDir}
	if c.version, err = c.serverVersion(); err != nil {
		return nil, err
	}

	var uid, gid = -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no postgres user to run it as (%v); %s creates the postgres user", err, installHint)
		}
		if uid, err = strconv.Atoi(u.Uid); err != nil {
			return nil, fmt.Errorf("postgres user's uid %q: %v", u.Uid, err)
		}
		if gid, err = strconv.Atoi(u.Gid); err != nil {
			return nil, fmt.Errorf("postgres user's gid %q: %v", u.Gid, err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("runuser (util-linux) is needed to run PostgreSQL as the postgres user: %v", err)
		}
		c.runAs = "postgres"
	}

	if c.root, err = makeRoot(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			c.shutdown() // not Stop: Start holds sharedMu
		}
	}()
	c.dataDir = filepath.Join(c.root, "data")
	c.sockDir = filepath.Join(c.root, "sock")
	c.logFile = filepath.Join(c.root, "server.log")
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	if err := os.Mkdir(c.sockDir, 0o700); err != nil {
		return nil, err
	}
	if c.runAs != "" {
		for _, p := range []string{c.root, c.sockDir} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, fmt.Errorf("giving %s to the postgres user: %v", p, err)
			}
		}
	}

	if out, err := c.run("initdb", "-D", c.dataDir, "--auth=trust", "--username="+superuser,
		"--encoding=UTF8", "--locale=C", "-N"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := c.writeConfig(); err != nil {
		return nil, err
	}
	if out, err := c.run("pg_ctl", "-D", c.dataDir, "-l", c.logFile, "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\nserver log (%s):\n%s", err, out, c.logFile, c.logTail())
	}

	c.admin, err = sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.admin.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connecting to the new server: %v\nserver log:\n%s", err, c.logTail())
	}
	ok = true
	return c, nil
}

// findBinDir finds the PostgreSQL binaries: $VMR_PG_BIN, else version 15
// (what production runs), else the newest installed version.
func findBinDir() (string, error) {
	if dir := os.Getenv("VMR_PG_BIN"); dir != "" {
		if err := hasBinaries(dir); err != nil {
			return "", fmt.Errorf("VMR_PG_BIN=%s: %v", dir, err)
		}
		return dir, nil
	}
	const preferred = "/usr/lib/postgresql/15/bin"
	if hasBinaries(preferred) == nil {
		return preferred, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if hasBinaries(dir) == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL server binaries not found in %s or /usr/lib/postgresql/*/bin (set VMR_PG_BIN to their folder); install them with: %s", preferred, installHint)
}

// versionOf returns the major version in /usr/lib/postgresql/VERSION/bin, or -1.
func versionOf(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return -1
	}
	return v
}

func hasBinaries(dir string) error {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("no executable %s in %s; install PostgreSQL with: %s", name, dir, installHint)
		}
	}
	return nil
}

// serverVersion asks the postgres binary for its major version, so that the
// tests can check they talk to the server they started.
func (c *Cluster) serverVersion() (string, error) {
	out, err := exec.Command(filepath.Join(c.binDir, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v", filepath.Join(c.binDir, "postgres"), err)
	}
	// "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		return "", fmt.Errorf("unexpected postgres --version output %q", out)
	}
	major, _, _ := strings.Cut(fields[2], ".")
	return major, nil
}

// makeRoot makes the cluster's folder. It is short because the socket's
// path, inside it, may not exceed 107 bytes; it is named vmrpg-* so that a
// folder left behind by a killed test binary is recognisable.
func makeRoot() (string, error) {
	parent := os.TempDir()
	if len(parent) > 40 {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "vmrpg-")
	if err != nil {
		return "", err
	}
	// MkdirTemp already makes it 0700; say so for whoever reads this.
	return dir, os.Chmod(dir, 0o700)
}

// freePort picks a port number nobody listens on. The server listens on no
// TCP port at all, but the port names its socket file (.s.PGSQL.PORT) and
// its lock, so distinct ports keep clusters apart even in a shared folder.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("picking a port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeConfig appends the test settings to postgresql.conf: later lines win.
func (c *Cluster) writeConfig() error {
	conf := fmt.Sprintf(`
# pgtest: a throw-away server for tests.
listen_addresses = ''
unix_socket_directories = '%s'
port = %d
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
`, c.sockDir, c.port)
	f, err := os.OpenFile(filepath.Join(c.dataDir, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// run runs one of the PostgreSQL binaries, as the postgres user when we are root.
func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	bin := filepath.Join(c.binDir, name)
	var cmd *exec.Cmd
	if c.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.runAs, "--", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	// The postgres user may not be able to enter the test's working folder.
	cmd.Dir = c.root
	// PG* variables of the developer's shell must not steer our server.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// Should the server ever keep our output pipe open, do not hang on it.
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

// logTail returns the end of the server's log, which says why it failed.
func (c *Cluster) logTail() string {
	data, err := os.ReadFile(c.logFile)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	const max = 4000
	if len(data) > max {
		data = data[len(data)-max:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

// check tells whether the server is still there and answers.
func (c *Cluster) check() error {
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return errors.New("it was stopped")
	}
	if pid, err := c.postmasterPID(); err != nil {
		return fmt.Errorf("server not running (%v)\nserver log:\n%s", err, c.logTail())
	} else if !alive(pid) {
		return fmt.Errorf("server process %d is gone\nserver log:\n%s", pid, c.logTail())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.admin.PingContext(ctx); err != nil {
		return fmt.Errorf("server does not answer: %v\nserver log:\n%s", err, c.logTail())
	}
	return nil
}

// alive tells whether a process runs. A dead server is not reaped by us
// (pg_ctl detached it), so a zombie counts as dead.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// "PID (COMM) STATE ...": COMM may hold spaces and parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// postmasterPID reads the server's process id from its postmaster.pid file.
func (c *Cluster) postmasterPID() (int, error) {
	data, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// NewDatabase creates a fresh, empty database with a unique name and returns its URL
// (postgres://USER@/DBNAME?host=SOCKETDIR&sslmode=disable style, usable by pgx), dropped in t.Cleanup.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("vmrtest_%d_%d", os.Getpid(), dbCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// template0 rather than template1: guaranteed empty, and not locked by
	// another test that happens to be connected to template1.
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: creating database %s: %v\nserver log:\n%s", name, err, c.logTail())
	}
	t.Cleanup(func() {
		c.mu.Lock()
		stopped := c.stopped
		c.mu.Unlock()
		if stopped {
			return // the whole server is gone already
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// FORCE: a test's connection pool may still be open.
		if _, err := c.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return c.URL(name)
}

// URL returns the URL of an existing database name on this cluster.
func (c *Cluster) URL(dbname string) string {
	q := url.Values{}
	q.Set("host", c.sockDir)
	q.Set("port", strconv.Itoa(c.port))
	q.Set("sslmode", "disable")
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Path:     "/" + dbname,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// SocketDir returns the folder of the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.sockDir }

// Port returns the server's port number, which names its socket file
// (.s.PGSQL.PORT in SocketDir); the server listens on no TCP port.
func (c *Cluster) Port() int { return c.port }

// Stop stops the server and removes its folder (idempotent). Tests call it from TestMain after m.Run.
// A later Start starts a new cluster.
func (c *Cluster) Stop() {
	sharedMu.Lock()
	if shared == c {
		shared = nil
	}
	sharedMu.Unlock()
	c.shutdown()
}

// shutdown stops the server and removes its folder, once.
func (c *Cluster) shutdown() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	c.mu.Unlock()

	if c.admin != nil {
		c.admin.Close()
	}
	if c.dataDir != "" {
		if pid, err := c.postmasterPID(); err == nil && alive(pid) {
			// immediate: the data is thrown away, no need for a clean shutdown.
			if out, err := c.run("pg_ctl", "-D", c.dataDir, "-m", "immediate", "-w", "-t", "30", "stop"); err != nil {
				fmt.Fprintf(os.Stderr, "pgtest: pg_ctl stop: %v\n%s", err, out)
			}
		}
	}
	if c.root != "" {
		if err := os.RemoveAll(c.root); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: removing %s: %v\n", c.root, err)
		}
	}
}
