package diagnostics

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/testtls"
)

func TestHealthyIntegrationPassesEveryCheck(t *testing.T) {
	ex := newExchange(t)
	r := Run(context.Background(), ex.integration(), ex.options())

	if r.Integration != "Contoso" || r.Started.IsZero() {
		t.Fatalf("report header %q %v", r.Integration, r.Started)
	}
	expect(t, r, CheckConfig, Pass)
	expect(t, r, CheckDNS, Pass, "localhost resolves to 127.0.0.1")
	expect(t, r, CheckTCP, Pass, "connected to localhost:"+ex.port)
	expect(t, r, CheckTLS, Pass, "issued by Contoso Test Root CA")
	expect(t, r, CheckEWSAuth, Pass, `CONTOSO\svc-vmr signed in with BASIC`, "calendar of "+room)
	expect(t, r, CheckOAuthToken, Skip)
	expect(t, r, CheckExchangeDomains, Pass)
	expect(t, r, CheckLayer7, Skip)
	expect(t, r, CheckAddinServer, Pass, "https://"+addinDomain+"/ answered HTTP 200")
	expect(t, r, CheckAddinIdentity, Pass, "https://localhost/autodiscover/metadata/json/1 lists 1 signing key(s)")
	expect(t, r, CheckOfficeJS, Pass, "the integration's own source")
	if w := r.Worst(); w != Pass {
		t.Fatalf("worst outcome %s", w)
	}
	if n := ex.fake.RequestCount("GetFolder"); n != 1 {
		t.Errorf("GetFolder was called %d times, want 1", n)
	}

	t.Run("the checks come in the documented order", func(t *testing.T) {
		var ids []string
		for _, c := range r.Checks {
			ids = append(ids, c.ID)
		}
		want := "config dns tcp tls ews_auth oauth_token exchange_domains layer7 addin_server addin_identity office_js"
		if got := strings.Join(ids, " "); got != want {
			t.Fatalf("order %q, want %q", got, want)
		}
	})

	t.Run("the log says what was done, without the password", func(t *testing.T) {
		log := strings.Join(r.Log, "\n")
		if !strings.Contains(log, "ews_auth: pass") || strings.Contains(log, password) {
			t.Fatalf("log:\n%s", log)
		}
	})
}

func TestNetworkFailures(t *testing.T) {
	ex := newExchange(t)
	now := time.Now()

	t.Run("a name that does not resolve fails dns and skips what needs it", func(t *testing.T) {
		in := ex.integration()
		in.URL = "https://mail.contoso.invalid/EWS/Exchange.asmx"
		in.Domains = []string{"mail.contoso.invalid"}
		r := Run(context.Background(), in, ex.options())
		expect(t, r, CheckDNS, Fail, "mail.contoso.invalid does not resolve", "fix:add a DNS record")
		for _, id := range []string{CheckTCP, CheckTLS, CheckEWSAuth, CheckLayer7} {
			expect(t, r, id, Skip, `needs the "dns" check`)
		}
		expect(t, r, CheckAddinServer, Pass) // independent checks still run
	})

	t.Run("a closed port fails tcp", func(t *testing.T) {
		in := ex.integration()
		in.URL = "https://localhost:" + closedPort(t) + "/EWS/Exchange.asmx"
		r := Run(context.Background(), in, ex.options())
		expect(t, r, CheckDNS, Pass)
		expect(t, r, CheckTCP, Fail, "refused", "fix:check the port")
		expect(t, r, CheckTLS, Skip)
	})

	t.Run("a server that never answers the handshake is bounded by the timeout", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { <-done; c.Close() }() // hold it open, say nothing
			}
		}()
		// An IP address, so there is no name to resolve; the server accepts
		// connections and never says a word.
		in := ex.integration()
		addr := l.Addr().String()
		in.URL = "https://" + addr + "/EWS/Exchange.asmx"
		opt := ex.options()
		opt.Timeout = 300 * time.Millisecond
		// Run returning at all shows the timeout bounded the handshake,
		// which would otherwise wait forever. No duration is compared:
		// the time runs out in the handshake, or, on a machine so loaded
		// that connecting takes 300ms, already in the connection check;
		// either way the report must say there was no answer in time.
		r := Run(context.Background(), in, opt)
		ran := CheckTLS
		if find(t, r, CheckTCP).Outcome == Fail {
			ran = CheckTCP
			expect(t, r, CheckTLS, Skip, "needs the")
		}
		expect(t, r, ran, Fail, "no answer from "+addr+" within 300ms", "fix:firewall")
	})

	cases := []struct {
		name                string
		certName            string
		notBefore, notAfter time.Time
		untrusted           bool
		outcome             string
		texts               []string
	}{
		{name: "a certificate for another name fails tls, naming the names it has",
			certName: "wrong.contoso.test", notBefore: now.Add(-time.Hour), notAfter: now.Add(90 * 24 * time.Hour),
			outcome: Fail, texts: []string{"is for wrong.contoso.test, not for localhost", "fix:reissued with localhost"}},
		{name: "an expired certificate fails tls with its end date",
			certName: "localhost", notBefore: now.Add(-72 * time.Hour), notAfter: now.Add(-48 * time.Hour),
			outcome: Fail, texts: []string{"expired on " + now.Add(-48*time.Hour).UTC().Format(time.DateOnly), "fix:renew the certificate"}},
		{name: "a certificate ending within 14 days warns, and sign-in still runs",
			certName: "localhost", notBefore: now.Add(-time.Hour), notAfter: now.Add(5 * 24 * time.Hour),
			outcome: Warn, texts: []string{"expires on " + now.Add(5*24*time.Hour).UTC().Format(time.DateOnly), "fix:renew it now"}},
		{name: "a certificate from a CA this machine does not trust names the CA and the CA file",
			certName: "localhost", notBefore: now.Add(-time.Hour), notAfter: now.Add(90 * 24 * time.Hour), untrusted: true,
			outcome: Fail, texts: []string{"issued by Contoso Test Root CA, which this machine does not trust", `fix:trust the CA "Contoso Test Root CA"`, "fix:ews_ca_file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testtls.Serve(t, ewstest.New(room), ex.ca.Leaf(t, tc.notBefore, tc.notAfter, tc.certName))
			in := ex.integration()
			in.URL = "https://localhost:" + portOf(t, srv.URL) + "/EWS/Exchange.asmx"
			opt := ex.options()
			if tc.untrusted {
				opt.RootCAs = testtls.NewCA(t, "Somebody Else's CA").Pool
			}
			r := Run(context.Background(), in, opt)
			expect(t, r, CheckTLS, tc.outcome, tc.texts...)
			if tc.outcome == Fail {
				expect(t, r, CheckEWSAuth, Skip)
			} else {
				expect(t, r, CheckEWSAuth, Pass)
			}
		})
	}

	t.Run("the CA hint of the options replaces the default", func(t *testing.T) {
		opt := ex.options()
		opt.RootCAs = testtls.NewCA(t, "Somebody Else's CA").Pool
		opt.CAFileHint = "pass --ca-file"
		r := Run(context.Background(), ex.integration(), opt)
		expect(t, r, CheckTLS, Fail, "fix:or pass --ca-file with a PEM file holding it")
	})

	t.Run("the integration's EWS CA file is trusted, as the scheduler trusts it", func(t *testing.T) {
		in := ex.integration()
		in.EWSCAFile = ex.ca.File(t)
		opt := ex.options()
		opt.RootCAs = nil
		r := Run(context.Background(), in, opt)
		expect(t, r, CheckTLS, Pass)
		expect(t, r, CheckEWSAuth, Pass)
		expect(t, r, CheckAddinServer, Pass)

		in.EWSCAFile += ".missing"
		r = Run(context.Background(), in, opt)
		expect(t, r, CheckTLS, Fail, "does not exist", "fix:ews_ca_file")
	})
}

func TestSignInFailures(t *testing.T) {
	ex := newExchange(t)

	t.Run("a refused password fails ews_auth with advice on the credentials", func(t *testing.T) {
		ex.fake.FailNext("GetFolder", 1, ewstest.Failure{Status: http.StatusUnauthorized})
		r := Run(context.Background(), ex.integration(), ex.options())
		c := expect(t, r, CheckEWSAuth, Fail)
		if !strings.Contains(strings.ToLower(c.Detail+c.Fix), "password") {
			t.Fatalf("nothing about the password: %+v", c)
		}
		if strings.Contains(c.Detail+c.Fix, password) {
			t.Fatal("the password is in the check")
		}
	})

	t.Run("a missing room mailbox says to check the address", func(t *testing.T) {
		ex.fake.FailNext("GetFolder", 1, ewstest.Failure{Code: "ErrorNonExistentMailbox"})
		r := Run(context.Background(), ex.integration(), ex.options())
		expect(t, r, CheckEWSAuth, Fail, "ErrorNonExistentMailbox", "fix:Get-Mailbox "+room)
	})

	t.Run("denied impersonation names the role to grant", func(t *testing.T) {
		ex.fake.FailNext("GetFolder", 1, ewstest.Failure{Code: "ErrorImpersonateUserDenied"})
		r := Run(context.Background(), ex.integration(), ex.options())
		expect(t, r, CheckEWSAuth, Fail, "impersonation was denied", "fix:ApplicationImpersonation")
	})

	t.Run("a busy server is a warning, not a failure", func(t *testing.T) {
		ex.fake.FailNext("GetFolder", 1, ewstest.Failure{Status: http.StatusServiceUnavailable, Code: "ErrorServerBusy", BackOff: time.Second})
		r := Run(context.Background(), ex.integration(), ex.options())
		expect(t, r, CheckEWSAuth, Warn, "503", "fix:again in a few minutes")
	})

	t.Run("a missing password is reported before any request", func(t *testing.T) {
		opt := ex.options()
		opt.Secret = nil
		before := ex.fake.RequestCount("GetFolder")
		r := Run(context.Background(), ex.integration(), opt)
		expect(t, r, CheckEWSAuth, Fail, "password")
		if ex.fake.RequestCount("GetFolder") != before {
			t.Fatal("a request went out without credentials")
		}
	})

	t.Run("a keychain error is reported as such", func(t *testing.T) {
		opt := ex.options()
		opt.Secret = func(string) (secrets.Secret, bool, error) {
			return secrets.Secret{}, false, errors.New("keychain locked")
		}
		r := Run(context.Background(), ex.integration(), opt)
		expect(t, r, CheckEWSAuth, Fail, "keychain locked", "fix:keychain is unlocked")
	})

	t.Run("Kerberos says it is not supported yet", func(t *testing.T) {
		in := ex.integration()
		in.AuthenticationMethod = integration.AuthKerberos
		r := Run(context.Background(), in, ex.options())
		expect(t, r, CheckEWSAuth, Fail, "Kerberos authentication is not supported yet", "fix:NTLM")
	})
}

func TestOAuthTokenEndpoint(t *testing.T) {
	ex := newExchange(t)
	const clientSecret = "app-Secret-42"
	idp := testtls.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tenant/oauth2/v2.0/token" {
			http.NotFound(w, r)
			return
		}
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("client_secret") != clientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`))
			return
		}
		w.Write([]byte(`{"access_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhcHAifQ.","token_type":"Bearer","expires_in":3600}`))
	}), ex.ca.Valid(t, "127.0.0.1"))
	appPerm := func(endpoint string) *integration.Integration {
		in := ex.integration()
		in.AuthenticationMethod = integration.AuthAppPerm
		in.Username = ""
		id := "0b5f6c6e-8d4a-4c1e-9a43-52f0e1d2c3b4"
		in.OAuthClientID = &id
		in.OAuthTokenEndpoint = endpoint
		in.SecretsStored = []string{integration.SecretOAuthClientSecret}
		return in
	}
	opt := ex.options()
	opt.Secret = func(field string) (secrets.Secret, bool, error) {
		if field == integration.SecretOAuthClientSecret {
			return secrets.New(clientSecret), true, nil
		}
		return secrets.Secret{}, false, nil
	}

	t.Run("a token endpoint that answers an OAuth error to a bare request passes", func(t *testing.T) {
		r := Run(context.Background(), appPerm(idp.URL+"/tenant/oauth2/v2.0/token"), opt)
		expect(t, r, CheckOAuthToken, Pass, `OAuth error "invalid_client"`)
		expect(t, r, CheckEWSAuth, Pass, "signed in with APP_PERM")
		expect(t, r, CheckLayer7, Skip)
	})

	t.Run("a client secret the token endpoint refuses fails ews_auth with the endpoint's advice", func(t *testing.T) {
		o := opt
		o.Secret = func(string) (secrets.Secret, bool, error) { return secrets.New("stale-Secret-1"), true, nil }
		r := Run(context.Background(), appPerm(idp.URL+"/tenant/oauth2/v2.0/token"), o)
		expect(t, r, CheckOAuthToken, Pass)
		c := expect(t, r, CheckEWSAuth, Fail)
		if strings.Contains(c.Detail+c.Fix, "stale-Secret-1") || !strings.Contains(strings.ToLower(c.Detail+c.Fix), "secret") {
			t.Fatalf("ews_auth %+v", c)
		}
	})

	t.Run("a wrong path fails with where to copy the endpoint from", func(t *testing.T) {
		r := Run(context.Background(), appPerm(idp.URL+"/oauth2/token"), opt)
		expect(t, r, CheckOAuthToken, Fail, "HTTP 404", "fix:token_endpoint")
	})

	t.Run("an untrusted certificate on the token endpoint fails", func(t *testing.T) {
		o := opt
		o.RootCAs = testtls.NewCA(t, "Other CA").Pool
		r := Run(context.Background(), appPerm(idp.URL+"/tenant/oauth2/v2.0/token"), o)
		expect(t, r, CheckOAuthToken, Fail, "does not trust", "fix:trust the CA")
	})

	t.Run("a plain http token endpoint fails", func(t *testing.T) {
		r := Run(context.Background(), appPerm("http://127.0.0.1:1/token"), opt)
		expect(t, r, CheckOAuthToken, Fail, "not https")
	})
}

func TestConfigAndDomains(t *testing.T) {
	ex := newExchange(t)

	t.Run("an EWS host missing from the domains fails exchange_domains, once", func(t *testing.T) {
		in := ex.integration()
		in.Domains = []string{"contoso.com"}
		r := Run(context.Background(), in, ex.options())
		expect(t, r, CheckExchangeDomains, Fail, "localhost is not among the Exchange domains (contoso.com)", "fix:add it")
		expect(t, r, CheckConfig, Pass) // the domains rule is not said twice
	})

	t.Run("lint findings warn and validation errors fail", func(t *testing.T) {
		in := ex.integration()
		in.UseCustomAddInSources = true
		in.MicrosoftFabricURL = "http://cdn.contoso.test/fabric.css"
		r := Run(context.Background(), in, ex.options())
		expect(t, r, CheckConfig, Warn, "microsoft_fabric_url", "fix:serve it over https")

		in.Username = ""
		r = Run(context.Background(), in, ex.options())
		expect(t, r, CheckConfig, Fail, "username is not valid", "fix:username:")
	})

	t.Run("the NTLM advice is left to the layer7 check", func(t *testing.T) {
		in := ex.integration()
		in.AuthenticationMethod = integration.AuthNTLM
		var sawNTLMWarning bool
		for _, w := range integration.Lint(in) {
			sawNTLMWarning = sawNTLMWarning || ownedByCheck(w) && w.Field == "authentication_method"
		}
		if !sawNTLMWarning {
			t.Fatal("integration.Lint changed its NTLM warning: update ownedByCheck")
		}
		opt := ex.options()
		opt.ProbeLayer7 = func(context.Context, auth.Settings, string) (*auth.Layer7Finding, error) {
			return &auth.Layer7Finding{}, nil
		}
		r := Run(context.Background(), in, opt)
		expect(t, r, CheckConfig, Pass)
		expect(t, r, CheckLayer7, Pass, "no sign of an HTTP (Layer 7) proxy")
	})

	t.Run("no EWS URL with single-use VMRs off skips the Exchange checks", func(t *testing.T) {
		in := ex.integration()
		in.URL = ""
		in.EnableDynamicVMRs = false
		r := Run(context.Background(), in, ex.options())
		for _, id := range []string{CheckDNS, CheckTCP, CheckTLS, CheckEWSAuth, CheckLayer7, CheckExchangeDomains} {
			expect(t, r, id, Skip)
		}
	})

	t.Run("no EWS URL with single-use VMRs on fails dns with the URL to set", func(t *testing.T) {
		in := ex.integration()
		in.URL = ""
		r := Run(context.Background(), in, ex.options())
		expect(t, r, CheckDNS, Fail, "no EWS URL", "fix:/EWS/Exchange.asmx")
		expect(t, r, CheckConfig, Fail, "url is not valid")
	})
}

func TestLayer7(t *testing.T) {
	ex := newExchange(t)
	ntlm := func() *integration.Integration {
		in := ex.integration()
		in.AuthenticationMethod = integration.AuthNTLM
		return in
	}
	cases := []struct {
		name    string
		finding *auth.Layer7Finding
		err     error
		outcome string
		texts   []string
	}{
		{"a proxy that pools authenticated connections fails", &auth.Layer7Finding{Detected: true, Pooled: true, Evidence: []string{"Server: nginx"}},
			nil, Fail, []string{"an HTTP proxy is sharing authenticated connections between clients", "Server: nginx", "fix:Layer 4 (TCP)"}},
		{"a detected Layer 7 proxy warns", &auth.Layer7Finding{Detected: true, Evidence: []string{"Via: 1.1 lb01"}},
			nil, Warn, []string{"Via: 1.1 lb01", "fix:configure the load balancer as Layer 4 (TCP) for NTLM"}},
		{"a failed sign-in leaves the pooling test undone", nil,
			&auth.Error{Method: "NTLM", Problem: "Exchange refused the NTLM sign-in", Advice: "check the password"}, Warn, []string{"needs the service account to sign in", "fix:fix the sign-in"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := ex.options()
			var gotURL string
			var gotSettings auth.Settings
			opt.ProbeLayer7 = func(ctx context.Context, s auth.Settings, ewsURL string) (*auth.Layer7Finding, error) {
				gotURL, gotSettings = ewsURL, s
				return tc.finding, tc.err
			}
			in := ntlm()
			r := Run(context.Background(), in, opt)
			expect(t, r, CheckLayer7, tc.outcome, tc.texts...)
			if gotURL != in.URL || gotSettings.Method != integration.AuthNTLM || gotSettings.Password.Reveal() != password || gotSettings.RootCAs != opt.RootCAs {
				t.Fatalf("probe called with %q %+v", gotURL, gotSettings)
			}
		})
	}

	t.Run("the probe is not run for methods a Layer 7 hop does not break", func(t *testing.T) {
		opt := ex.options()
		opt.ProbeLayer7 = func(context.Context, auth.Settings, string) (*auth.Layer7Finding, error) {
			t.Error("probe called for BASIC")
			return nil, nil
		}
		expect(t, Run(context.Background(), ex.integration(), opt), CheckLayer7, Skip)
	})
}

func TestAddinServerAndOfficeJS(t *testing.T) {
	ex := newExchange(t)

	t.Run("the add-in domain of this machine's add-in host is not probed", func(t *testing.T) {
		opt := ex.options()
		opt.AddinHostURL = "https://" + addinDomain + ":8443"
		r := Run(context.Background(), ex.integration(), opt)
		expect(t, r, CheckAddinServer, Skip, "is this machine", "fix:from a computer where Outlook runs")
		expect(t, r, CheckOfficeJS, Skip, "hosts Office.js itself")
	})

	t.Run("a domain resolving to loopback is this machine", func(t *testing.T) {
		opt := ex.options()
		opt.AddinHostURL = "https://127.0.0.1:8443"
		in := ex.integration()
		in.AddinServerDomain = "localhost"
		expect(t, Run(context.Background(), in, opt), CheckAddinServer, Skip, "localhost is this machine")
	})

	t.Run("an add-in server with an untrusted certificate fails", func(t *testing.T) {
		opt := ex.options()
		opt.RootCAs = testtls.NewCA(t, "Other CA").Pool
		in := ex.integration()
		in.URL = ""
		in.EnableDynamicVMRs = false
		in.EnablePersonalVMRs = true
		r := Run(context.Background(), in, opt)
		expect(t, r, CheckAddinServer, Fail, addinDomain+":443 is issued by Contoso Test Root CA", "fix:trust the CA")
		expect(t, r, CheckOfficeJS, Fail, "from this machine")
	})

	t.Run("no add-in server domain is skipped with what to set", func(t *testing.T) {
		in := ex.integration()
		in.AddinServerDomain = ""
		expect(t, Run(context.Background(), in, ex.options()), CheckAddinServer, Skip, "development manifest", "fix:set the add-in server domain")
	})

	t.Run("an Office.js URL that is not found fails", func(t *testing.T) {
		in := ex.integration()
		in.OfficeJSURL = "https://" + addinDomain + "/office-js/missing.js"
		expect(t, Run(context.Background(), in, ex.options()), CheckOfficeJS, Fail, "HTTP 404", "fix:answer 200")
	})

	t.Run("custom sources without an Office.js URL fail", func(t *testing.T) {
		in := ex.integration()
		in.OfficeJSURL = ""
		expect(t, Run(context.Background(), in, ex.options()), CheckOfficeJS, Fail, "no Office.js URL", "fix:turn custom add-in sources off")
	})

	t.Run("without custom sources Microsoft's CDN is checked, and only warns when this machine cannot reach it", func(t *testing.T) {
		in := ex.integration()
		in.UseCustomAddInSources = false
		opt := ex.options()
		var dialed []string
		inner := opt.DialContext
		opt.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
			if strings.HasPrefix(address, "appsforoffice.microsoft.com:") {
				dialed = append(dialed, address)
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connect: no route to host (test)")}
			}
			return inner(ctx, network, address)
		}
		r := Run(context.Background(), in, opt)
		expect(t, r, CheckOfficeJS, Warn, "from this machine", "fix:Outlook clients must reach appsforoffice.microsoft.com", "fix:turn on custom add-in sources")
		if len(dialed) == 0 {
			t.Fatal("the CDN was not tried")
		}
	})
}

func TestRunIsBoundedAndNeverPanics(t *testing.T) {
	ex := newExchange(t)

	t.Run("a nil integration fails config", func(t *testing.T) {
		r := Run(context.Background(), nil, Options{})
		expect(t, r, CheckConfig, Fail, "no integration")
	})

	t.Run("a panicking check fails alone", func(t *testing.T) {
		opt := ex.options()
		opt.ProbeLayer7 = func(context.Context, auth.Settings, string) (*auth.Layer7Finding, error) { panic("boom") }
		in := ex.integration()
		in.AuthenticationMethod = integration.AuthNTLM
		r := Run(context.Background(), in, opt)
		expect(t, r, CheckLayer7, Fail, "boom", "fix:report it")
		expect(t, r, CheckAddinServer, Pass)
	})

	t.Run("a cancelled context skips every check", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := Run(ctx, ex.integration(), ex.options())
		if len(r.Checks) != len(order) {
			t.Fatalf("%d checks", len(r.Checks))
		}
		for _, c := range r.Checks {
			if c.Outcome != Skip || !strings.Contains(c.Detail, "cancelled") {
				t.Fatalf("%s: %s %s", c.ID, c.Outcome, c.Detail)
			}
		}
	})

	t.Run("cancelling stops a check that hangs", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		opt := ex.options()
		opt.Timeout = 24 * time.Hour // only the cancellation can end the check
		in := ex.integration()
		in.AuthenticationMethod = integration.AuthNTLM
		opt.ProbeLayer7 = func(ctx context.Context, _ auth.Settings, _ string) (*auth.Layer7Finding, error) {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		// Run returning is the proof: the probe waits until its context ends.
		r := Run(ctx, in, opt)
		expect(t, r, CheckLayer7, Skip, "cancelled")
	})

	t.Run("the report is JSON with stable ids", func(t *testing.T) {
		r := Run(context.Background(), ex.integration(), ex.options())
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			Checks []map[string]any `json:"checks"`
		}
		if err := json.Unmarshal(data, &back); err != nil || len(back.Checks) != len(order) || back.Checks[4]["id"] != CheckEWSAuth {
			t.Fatalf("%v %s", err, data)
		}
		if strings.Contains(string(data), `"Log"`) {
			t.Fatal("the log is part of the report's JSON")
		}
	})
}

func TestAddinIdentity(t *testing.T) {
	ex := newExchange(t)
	t.Run("Exchange's metadata out of reach warns with the fix", func(t *testing.T) {
		ex.meta.Fail(true)
		defer ex.meta.Fail(false)
		expect(t, Run(context.Background(), ex.integration(), ex.options()), CheckAddinIdentity, Warn,
			"none of the Exchange domains", "fix:/autodiscover/metadata/json/1")
	})
	t.Run("a domain without metadata beside one with it passes", func(t *testing.T) {
		in := ex.integration()
		in.Domains = append(in.Domains, "https://127.0.0.1:"+closedPort(t))
		expect(t, Run(context.Background(), in, ex.options()), CheckAddinIdentity, Pass, "lists 1 signing key(s)", "no metadata at https://127.0.0.1:")
	})
	oidc := testtls.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"issuer":"https://login.contoso.test/","jwks_uri":"https://login.contoso.test/keys"}`))
	}), ex.ca.Valid(t, "127.0.0.1"))
	for _, method := range []string{integration.AddinAuthSSOToken, integration.AddinAuthNAAToken} {
		t.Run(method+" reads the identity provider's metadata", func(t *testing.T) {
			in := ex.integration()
			in.AddinAuthenticationMethod = method
			in.AddinOIDCMetadataURL = oidc.URL + "/.well-known/openid-configuration"
			expect(t, Run(context.Background(), in, ex.options()), CheckAddinIdentity, Pass, "issuer https://login.contoso.test/", "https://login.contoso.test/keys")
			in.AddinOIDCMetadataURL = oidc.URL + "/elsewhere"
			expect(t, Run(context.Background(), in, ex.options()), CheckAddinIdentity, Fail, "HTTP 404", "fix:/.well-known/openid-configuration")
			in.AddinOIDCMetadataURL = ""
			expect(t, Run(context.Background(), in, ex.options()), CheckAddinIdentity, Fail, "none is set", "fix:addin_oidc_metadata_url")
		})
	}
}
