package auth_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The NTLM server of these tests is Apache httpd with mod_auth_gssapi and
// the gss-ntlmssp mechanism: a real NTLM acceptor (MS-NLMP) that checks the
// client's NTLMv2 response against a user file, and binds the
// authentication to the TCP connection as IIS does
// (GssapiConnectionBound). Behind it, Apache proxies to the fake EWS.

const (
	apacheBin    = "/usr/sbin/apache2"
	apacheMods   = "/usr/lib/apache2/modules"
	apachePkgs   = "apache2 libapache2-mod-auth-gssapi gss-ntlmssp"
	ntlmMechGlob = "/usr/lib/*/gssntlmssp/gssntlmssp.so"
	ntlmDomain   = "EXAMPLE"
	ntlmUser     = "svc-vmr"
	ntlmUPN      = "svc-vmr@example.com"
)

type apacheServer struct {
	addr          string // 127.0.0.1:port
	url           string // https://127.0.0.1:port/EWS/Exchange.asmx
	password      string // the service account's password, made for this test
	accessLogPath string
}

const apacheConf = `# Written by the auth tests: Apache as an NTLM-protected Exchange front.
ServerRoot {{dir}}
ServerName 127.0.0.1
Listen {{addr}}
PidFile {{dir}}/apache.pid
DefaultRuntimeDir {{dir}}/run
Mutex file:{{dir}}/run default
ErrorLog {{dir}}/apache-error.log
LogLevel warn auth_gssapi:debug
{{user}}
LoadModule mpm_event_module {{mods}}/mod_mpm_event.so
LoadModule authn_core_module {{mods}}/mod_authn_core.so
LoadModule authz_core_module {{mods}}/mod_authz_core.so
LoadModule authz_user_module {{mods}}/mod_authz_user.so
LoadModule auth_gssapi_module {{mods}}/mod_auth_gssapi.so
LoadModule ssl_module {{mods}}/mod_ssl.so
LoadModule proxy_module {{mods}}/mod_proxy.so
LoadModule proxy_http_module {{mods}}/mod_proxy_http.so
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
KeepAlive On
KeepAliveTimeout 30
LogFormat "%h %{remote}p \"%r\" %>s %u" ntlm
CustomLog {{dir}}/apache-access.log ntlm
SSLEngine on
SSLCertificateFile {{dir}}/server.crt
SSLCertificateKeyFile {{dir}}/server.key
ProxyPass /EWS/ {{backend}}/EWS/
<Location /EWS/>
	AuthType GSSAPI
	AuthName "Exchange"
	GssapiAllowedMech ntlmssp
	GssapiConnectionBound On
	GssapiBasicAuth Off
	Require valid-user
</Location>
`

// startApache starts Apache on a free loopback port in front of backend
// (an http:// URL), with a user file holding one account.
func startApache(t testing.TB, ca *testCA, backend string) *apacheServer {
	t.Helper()
	for _, f := range []string{apacheBin, apacheMods + "/mod_auth_gssapi.so"} {
		requireTool(t, f, apachePkgs)
	}
	if m, _ := filepath.Glob(ntlmMechGlob); len(m) == 0 {
		t.Fatalf("the NTLM mechanism %s is missing: install the Debian packages %s (make deps-test)", ntlmMechGlob, apachePkgs)
	}
	dir := sharedDir(t)
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	a := &apacheServer{addr: "127.0.0.1:" + itoa(freePort(t)), password: randomPassword(t)}
	a.url = "https://" + a.addr + "/EWS/Exchange.asmx"
	a.accessLogPath = filepath.Join(dir, "apache-access.log")

	// Apache reads its certificate as root before workers switch to
	// www-data; the workers read the user file (gss-ntlmssp) on each login.
	writeFile(t, filepath.Join(dir, "server.crt"), ca.certPEM, 0o644)
	writeFile(t, filepath.Join(dir, "server.key"), ca.keyPEM, 0o600)
	users := filepath.Join(dir, "ntlm-users")
	// The account under both names a client may give: DOMAIN\user, and
	// user@domain (a UPN, sent with an empty domain).
	writeFile(t, users, []byte(ntlmDomain+":"+ntlmUser+":"+a.password+"\n"+
		":"+ntlmUPN+":"+a.password+"\n"), 0o644)

	user := ""
	if os.Geteuid() == 0 {
		user = "User www-data\nGroup www-data"
	}
	conf := filepath.Join(dir, "httpd.conf")
	writeFile(t, conf, []byte(render(apacheConf, map[string]string{
		"dir": dir, "addr": a.addr, "mods": apacheMods, "backend": strings.TrimSuffix(backend, "/"), "user": user,
	})), 0o644)

	env := []string{"NTLM_USER_FILE=" + users, "GSS_USE_PROXY=no",
		"APACHE_RUN_DIR=" + dir + "/run", "APACHE_LOCK_DIR=" + dir + "/run", "APACHE_LOG_DIR=" + dir, "APACHE_PID_FILE=" + dir + "/apache.pid"}
	startDaemon(t, "apache", a.addr, env, []string{filepath.Join(dir, "apache-error.log"), a.accessLogPath},
		apacheBin, "-f", conf, "-DFOREGROUND")
	return a
}

// randomPassword makes a password for one test, so none is ever committed.
func randomPassword(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Pw-" + hex.EncodeToString(b)
}

// accessEntry is one line of the access log: which connection (client
// port), what status, which authenticated user.
type accessEntry struct {
	port, request, status, user string
}

// waitAccessLog returns the entries after the first mark, once there are at
// least n of them: Apache logs a request just after answering it.
func (a *apacheServer) waitAccessLog(t testing.TB, mark, n int) []accessEntry {
	t.Helper()
	// Only stops a hang: the entries are there as soon as Apache writes them.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		log := a.accessLog(t)[mark:]
		if len(log) >= n || time.Now().After(deadline) {
			return log
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// accessLog reads the access log.
func (a *apacheServer) accessLog(t testing.TB) []accessEntry {
	t.Helper()
	b, err := os.ReadFile(a.accessLogPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []accessEntry
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		// 127.0.0.1 41234 "POST /EWS/Exchange.asmx HTTP/1.1" 200 EXAMPLE\svc-vmr
		head, rest, _ := strings.Cut(line, ` "`)
		request, tail, _ := strings.Cut(rest, `" `)
		f := strings.Fields(head)
		g := strings.Fields(tail)
		if len(f) != 2 || len(g) != 2 {
			t.Fatalf("access log line %q", line)
		}
		out = append(out, accessEntry{port: f[1], request: request, status: g[0], user: g[1]})
	}
	return out
}
