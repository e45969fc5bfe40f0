package auth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/ews/auth"
)

// nginx stands in for the load balancer in front of Exchange, in the three
// ways deployments have it: Layer 7 (HTTP) proxying that opens a new
// upstream connection per request, which breaks NTLM; Layer 4 (TCP)
// passthrough, which keeps it; and Layer 7 with pooled upstream
// connections, which seems to work while it serves the service account's
// authenticated connection to anyone.

const (
	nginxBin    = "/usr/sbin/nginx"
	nginxStream = "/usr/lib/nginx/modules/ngx_stream_module.so"
	nginxPkgs   = "nginx libnginx-mod-stream"
)

const nginxConf = `# Written by the auth tests.
daemon off;
master_process off;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log {{dir}}/nginx-error.log warn;
load_module {{stream_module}};
events { worker_connections 64; }
{{body}}
`

// Layer 7: TLS ends at nginx, which proxies HTTP to Apache over verified TLS.
const nginxHTTP = `http {
	access_log {{dir}}/nginx-access.log;
	client_body_temp_path {{dir}}/tmp/body;
	proxy_temp_path {{dir}}/tmp/proxy;
	fastcgi_temp_path {{dir}}/tmp/fastcgi;
	uwsgi_temp_path {{dir}}/tmp/uwsgi;
	scgi_temp_path {{dir}}/tmp/scgi;
	upstream exchange {
		server {{apache}};
		{{keepalive}}
	}
	server {
		listen {{addr}} ssl;
		ssl_certificate {{dir}}/server.crt;
		ssl_certificate_key {{dir}}/server.key;
		location / {
			proxy_pass https://exchange;
			proxy_ssl_verify on;
			proxy_ssl_trusted_certificate {{dir}}/ca.crt;
			proxy_ssl_name localhost;
			proxy_ssl_session_reuse on;
			{{pooling}}
		}
	}
}`

// Layer 4: nginx passes the TCP connection through; TLS ends at Apache.
const nginxStreamConf = `stream {
	server {
		listen {{addr}};
		proxy_pass {{apache}};
	}
}`

type nginxMode int

const (
	layer7 nginxMode = iota
	layer7Pooled
	layer4
)

// startNginx starts nginx in front of apache and returns its EWS URL.
func startNginx(t testing.TB, ca *testCA, apache *apacheServer, mode nginxMode) string {
	t.Helper()
	requireTool(t, nginxBin, nginxPkgs)
	requireTool(t, nginxStream, nginxPkgs)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "server.crt"), ca.certPEM, 0o644)
	writeFile(t, filepath.Join(dir, "server.key"), ca.keyPEM, 0o600)
	writeFile(t, filepath.Join(dir, "ca.crt"), ca.caPEM, 0o644)
	addr := "127.0.0.1:" + itoa(freePort(t))
	vars := map[string]string{"dir": dir, "addr": addr, "apache": apache.addr, "stream_module": nginxStream}
	switch mode {
	case layer4:
		vars["body"] = render(nginxStreamConf, vars)
	case layer7:
		vars["keepalive"], vars["pooling"] = "", ""
		vars["body"] = render(nginxHTTP, vars)
	case layer7Pooled:
		vars["keepalive"] = "keepalive 8;"
		vars["pooling"] = "proxy_http_version 1.1;\n\t\t\tproxy_set_header Connection \"\";"
		vars["body"] = render(nginxHTTP, vars)
	}
	conf := filepath.Join(dir, "nginx.conf")
	writeFile(t, conf, []byte(render(nginxConf, vars)), 0o644)
	startDaemon(t, "nginx", addr, nil, []string{filepath.Join(dir, "nginx-error.log"), filepath.Join(dir, "nginx-access.log")},
		// -e: its error log before the configuration is read, kept out of /var/log.
		nginxBin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "nginx-error.log"))
	return "https://" + addr + "/EWS/Exchange.asmx"
}

func TestNTLMThroughNginx(t *testing.T) {
	ca := newTestCA(t)
	backend := httptest.NewServer(newEWS(t))
	t.Cleanup(backend.Close)
	apache := startApache(t, ca, backend.URL)
	settings := ntlmSettings(ca, ntlmDomain+`\`+ntlmUser, apache.password)
	ctx := context.Background()

	t.Run("Apache alone: NTLM works and the probe finds no Layer 7 hop", func(t *testing.T) {
		f, err := auth.ProbeLayer7(ctx, settings, apache.url)
		if err != nil {
			t.Fatal(err)
		}
		if f.Detected || f.Pooled {
			t.Fatalf("finding %+v", f)
		}
	})

	t.Run("Layer 7 without pooling: the right password fails, and the advice says Layer 4 and names nginx", func(t *testing.T) {
		url := startNginx(t, ca, apache, layer7)
		hc, err := auth.NewHTTPClient(settings)
		if err != nil {
			t.Fatal(err)
		}
		defer hc.CloseIdleConnections()
		_, err = getFolder(t, hc, url)
		var ae *auth.Error
		if !errors.As(err, &ae) {
			t.Fatalf("got %v, want *auth.Error", err)
		}
		for _, want := range []string{"Layer 7 (HTTP) proxy or load balancer", "Server: nginx", "Layer 4 (TCP) passthrough"} {
			if !strings.Contains(ae.Advice, want) {
				t.Errorf("the advice does not say %q: %s", want, ae.Advice)
			}
		}
		if strings.Contains(err.Error(), apache.password) {
			t.Fatal("the password is in the error")
		}

		f, err := auth.ProbeLayer7(ctx, settings, url)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Detected || f.Pooled || !containsAny(f.Evidence, "Server: nginx") {
			t.Fatalf("finding %+v", f)
		}
	})

	t.Run("Layer 4 passthrough: NTLM works and the probe finds nothing", func(t *testing.T) {
		url := startNginx(t, ca, apache, layer4)
		hc, err := auth.NewHTTPClient(settings)
		if err != nil {
			t.Fatal(err)
		}
		defer hc.CloseIdleConnections()
		if _, err := getFolder(t, hc, url); err != nil {
			t.Fatal(err)
		}
		f, err := auth.ProbeLayer7(ctx, settings, url)
		if err != nil {
			t.Fatal(err)
		}
		if f.Detected || f.Pooled || len(f.Evidence) != 0 {
			t.Fatalf("finding %+v", f)
		}
	})

	t.Run("Layer 7 with pooled upstream connections: the probe reports the pooling, and a stranger reads the mailbox", func(t *testing.T) {
		url := startNginx(t, ca, apache, layer7Pooled)
		hc, err := auth.NewHTTPClient(settings)
		if err != nil {
			t.Fatal(err)
		}
		defer hc.CloseIdleConnections()
		// On a fresh pool: authenticate, then a stranger's request on a new
		// connection is let in.
		f, err := auth.ProbeLayer7(ctx, settings, url)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Detected || !f.Pooled || !containsAny(f.Evidence, "instead of 401 right after the service account authenticated") || !containsAny(f.Evidence, "Server: nginx") {
			t.Fatalf("finding %+v", f)
		}

		// The service appears to work: nginx hands it the upstream
		// connection that is already authenticated.
		if _, err := getFolder(t, hc, url); err != nil {
			t.Fatal(err)
		}
		// While the service runs, the pool stays authenticated: the first
		// anonymous request of the probe already gets in.
		f, err = auth.ProbeLayer7(ctx, settings, url)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Pooled || !containsAny(f.Evidence, "as the authenticated service account is") {
			t.Fatalf("finding %+v", f)
		}

		// The danger, shown: no credentials at all, a new connection, and
		// the room's calendar comes back.
		stranger := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.clientTLS(), DisableKeepAlives: true, Proxy: nil}}
		res, err := stranger.Post(url, "text/xml; charset=utf-8", strings.NewReader(getFolderRequest))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "GetFolderResponse") {
			t.Fatalf("an unauthenticated GetFolder got %d: %.200s", res.StatusCode, body)
		}
	})
}

func containsAny(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
