// Command loadgen is the add-in host's load generator: a fixed number of
// HTTP/1.1 keep-alive connections over verified HTTPS (like wrk -c), each
// sending its next request as soon as the last one is answered, for a fixed
// time after a warm-up.
//
//	loadgen -url https://127.0.0.1:3443 -cacert ca.pem -c 64 -d 10s -mode reserve -integration UUID
//	loadgen -url https://127.0.0.1:3443 -cacert ca.pem -c 64 -d 10s -mode get -path /addin/taskpane.html [-gzip]
//	LOADGEN_BASIC_AUTH=user:pass loadgen -url https://127.0.0.1:3443 -cacert ca.pem -c 64 -d 10s -mode policy -aliases aliases.txt
//
// In reserve mode every request POSTs a distinct item key to
// /api/v1/integrations/{uuid}/reservations; every answer must be 201 with
// created=true, and the aliases of all answers (warm-up included) are
// checked for duplicates. In policy mode each connection cycles over the
// aliases of the file (one a line; each connection from its own place in
// the list) asking Infinity's policy question with HTTP Basic credentials;
// every answer must be 200 with a conference (the aliases must be live).
// It prints a summary on standard error and one
// line "RESULT key=value ..." on standard output for scripts.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

type options struct {
	base, cacert, mode, path, integration, user string
	aliases                                     []string
	basicUser, basicPass                        string
	conns                                       int
	duration, warmup, timeout                   time.Duration
	gzip                                        bool
}

func main() {
	var o options
	flag.StringVar(&o.base, "url", "", "base URL of the server, e.g. https://127.0.0.1:3443")
	flag.StringVar(&o.cacert, "cacert", "", "PEM file of the CA (or self-signed certificate) to trust; required")
	flag.StringVar(&o.mode, "mode", "get", "get (static files), reserve (single-use reservations) or policy (Infinity's policy requests)")
	aliasFile := flag.String("aliases", "", "policy mode: file of aliases, one a line (credentials from $LOADGEN_BASIC_AUTH, user:pass)")
	flag.StringVar(&o.path, "path", "/addin/taskpane.html", "path to GET in get mode")
	flag.StringVar(&o.integration, "integration", "", "integration uuid in reserve mode")
	flag.StringVar(&o.user, "user", "", "X-VMR-User header in reserve mode (the host's default user when empty)")
	flag.IntVar(&o.conns, "c", 64, "concurrent connections")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "measured duration")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before measuring (not counted; 0 for none)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Second, "timeout of one request")
	flag.BoolVar(&o.gzip, "gzip", false, "send Accept-Encoding: gzip in get mode")
	flag.Parse()
	if o.mode == "policy" {
		if err := readPolicyInput(&o, *aliasFile); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// sample is one worker's record of a phase.
type sample struct {
	lat      []time.Duration
	ok       int
	bytes    int64
	statuses map[int]int
	errs     map[string]int
	aliases  []reservation
	notGzip  int
}

type reservation struct {
	Alias        string `json:"alias"`
	NumericAlias string `json:"numeric_alias"`
	AliasUUID    string `json:"alias_uuid"`
	Created      bool   `json:"created"`
}

func run(o options) error {
	switch {
	case o.base == "":
		return errors.New("-url is required")
	case o.cacert == "":
		return errors.New("-cacert is required: the benchmark verifies the server's certificate")
	case o.conns < 1:
		return errors.New("-c must be at least 1")
	case o.duration <= 0 || o.duration > 10*time.Minute:
		return errors.New("-d must be between 0 and 10m")
	case o.mode == "reserve" && o.integration == "":
		return errors.New("-integration is required in reserve mode")
	case o.mode != "reserve" && o.mode != "get" && o.mode != "policy":
		return fmt.Errorf("-mode must be get, reserve or policy, not %q", o.mode)
	}
	pem, err := os.ReadFile(o.cacert)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s holds no PEM certificate", o.cacert)
	}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		// HTTP/1.1 with keep-alive, one connection per worker, as wrk.
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxConnsPerHost:     o.conns,
		MaxIdleConns:        o.conns,
		MaxIdleConnsPerHost: o.conns,
		IdleConnTimeout:     time.Minute,
		// No transparent gzip: the request says exactly what -gzip says
		// and the body is read as sent.
		DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: o.timeout}

	var nonce [6]byte
	rand.Read(nonce[:])
	prefix := "bench-" + hex.EncodeToString(nonce[:])

	base := strings.TrimSuffix(o.base, "/")
	var all []reservation
	if o.warmup > 0 {
		w := phase(client, o, base, prefix+"-w", o.warmup)
		for _, s := range w {
			all = append(all, s.aliases...)
		}
	}
	cpu0 := cpuTime()
	start := time.Now()
	samples := phase(client, o, base, prefix+"-m", o.duration)
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0

	var lat []time.Duration
	ok, notGzip := 0, 0
	var bytesRead int64
	statuses, errs := map[int]int{}, map[string]int{}
	for _, s := range samples {
		lat = append(lat, s.lat...)
		ok += s.ok
		notGzip += s.notGzip
		bytesRead += s.bytes
		for k, v := range s.statuses {
			statuses[k] += v
		}
		for k, v := range s.errs {
			errs[k] += v
		}
		all = append(all, s.aliases...)
	}
	slices.Sort(lat)
	total := len(lat)
	failed := total - ok
	for _, n := range errs {
		failed += n
	}
	secs := o.duration.Seconds()
	rps := float64(ok) / secs
	pct := func(p float64) float64 {
		if total == 0 {
			return 0
		}
		i := int(p/100*float64(total)+0.5) - 1
		i = max(0, min(total-1, i))
		return float64(lat[i].Microseconds()) / 1000
	}
	var mean float64
	for _, d := range lat {
		mean += float64(d.Microseconds()) / 1000
	}
	if total > 0 {
		mean /= float64(total)
	}

	w := os.Stderr
	fmt.Fprintf(w, "%s %s%s: %d connections, %s (after %s warm-up), HTTP/1.1 keep-alive, verified TLS\n",
		strings.ToUpper(o.mode), base, target(o), o.conns, o.duration, o.warmup)
	fmt.Fprintf(w, "  requests ok %d (%.0f/s), failed %d, measured wall %.2f s\n", ok, rps, failed, elapsed.Seconds())
	fmt.Fprintf(w, "  latency ms: mean %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
		mean, pct(50), pct(90), pct(99), pct(99.9), pct(100))
	if o.mode == "get" {
		fmt.Fprintf(w, "  body bytes %d (%.1f MB/s)", bytesRead, float64(bytesRead)/secs/1e6)
		if o.gzip {
			fmt.Fprintf(w, ", answers not gzipped %d", notGzip)
		}
		fmt.Fprintln(w)
	}
	for _, k := range sortedKeys(statuses) {
		fmt.Fprintf(w, "  status %d: %d\n", k, statuses[k])
	}
	for k, v := range errs {
		fmt.Fprintf(w, "  error %q: %d\n", k, v)
	}
	fmt.Fprintf(w, "  load generator CPU %.2f s over %.2f s (%.2f cores)\n", cpu.Seconds(), elapsed.Seconds(), cpu.Seconds()/elapsed.Seconds())

	result := fmt.Sprintf("RESULT mode=%s ok=%d failed=%d rps=%.1f mean_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f loadgen_cores=%.2f",
		o.mode, ok, failed, rps, mean, pct(50), pct(90), pct(99), pct(100), cpu.Seconds()/elapsed.Seconds())
	if o.mode == "get" {
		result += fmt.Sprintf(" bytes=%d not_gzip=%d", bytesRead, notGzip)
	}
	if o.mode == "reserve" {
		d := checkAliases(all)
		fmt.Fprintf(w, "  aliases (warm-up included): %d answers, %d distinct aliases, %d distinct numeric aliases, %d distinct alias uuids, %d not created\n",
			len(all), d.aliases, d.numeric, d.uuids, d.notCreated)
		fmt.Fprintf(w, "  duplicate aliases: %d, duplicate numeric aliases: %d, duplicate alias uuids: %d\n", d.dupAliases, d.dupNumeric, d.dupUUIDs)
		for _, ex := range d.examples {
			fmt.Fprintln(w, "   duplicate:", ex)
		}
		result += fmt.Sprintf(" answers=%d distinct=%d dup_aliases=%d dup_numeric=%d dup_uuids=%d not_created=%d",
			len(all), d.aliases, d.dupAliases, d.dupNumeric, d.dupUUIDs, d.notCreated)
	}
	fmt.Println(result)
	return nil
}

func target(o options) string {
	if o.mode == "reserve" {
		return "/api/v1/integrations/" + o.integration + "/reservations"
	}
	if o.mode == "policy" {
		return fmt.Sprintf("/policy/v1/service/configuration (%d aliases)", len(o.aliases))
	}
	if o.gzip {
		return o.path + " (Accept-Encoding: gzip)"
	}
	return o.path
}

func sortedKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// phase runs o.conns workers for d and returns what each recorded. A
// request counts when it completes before the deadline.
func phase(client *http.Client, o options, base, keyPrefix string, d time.Duration) []*sample {
	end := time.Now().Add(d)
	ctx, cancel := context.WithDeadline(context.Background(), end.Add(o.timeout))
	defer cancel()
	samples := make([]*sample, o.conns)
	var wg sync.WaitGroup
	for i := range samples {
		s := &sample{statuses: map[int]int{}, errs: map[string]int{}, lat: make([]time.Duration, 0, 1<<14)}
		samples[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(ctx, client, o, base, fmt.Sprintf("%s-%d-", keyPrefix, i), i, end, s)
		}()
	}
	wg.Wait()
	return samples
}

func worker(ctx context.Context, client *http.Client, o options, base, keyPrefix string, id int, end time.Time, s *sample) {
	url := base + o.path
	if o.mode == "policy" {
		url = base + "/policy/v1/service/configuration"
	}
	if o.mode == "reserve" {
		url = base + "/api/v1/integrations/" + o.integration + "/reservations"
	}
	buf := make([]byte, 0, 4096)
	for seq := 0; ; seq++ {
		t0 := time.Now()
		if !t0.Before(end) {
			return
		}
		var req *http.Request
		if o.mode == "policy" {
			// Each connection from its own place, so all aliases are asked for.
			a := o.aliases[(id*len(o.aliases)/o.conns+seq)%len(o.aliases)]
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, url+"?"+policyQuery(a), nil)
			req.SetBasicAuth(o.basicUser, o.basicPass)
		} else if o.mode == "reserve" {
			body, _ := json.Marshal(map[string]string{"item_key": keyPrefix + fmt.Sprint(seq)})
			req, _ = http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if o.user != "" {
				req.Header.Set("X-VMR-User", o.user)
			}
		} else {
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if o.gzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			if time.Now().After(end) {
				return
			}
			s.errs[errKind(err)]++
			continue
		}
		buf = buf[:0]
		b := bytes.NewBuffer(buf)
		n, err := io.Copy(b, resp.Body)
		resp.Body.Close()
		done := time.Now()
		buf = b.Bytes()
		if err != nil {
			if done.After(end) {
				return
			}
			s.errs[errKind(err)]++
			continue
		}
		good := false
		switch o.mode {
		case "policy":
			good = resp.StatusCode == http.StatusOK && bytes.Contains(buf, []byte(`"action":"continue","result":{`))
		case "reserve":
			var r reservation
			if resp.StatusCode == http.StatusCreated && json.Unmarshal(buf, &r) == nil && r.Alias != "" {
				s.aliases = append(s.aliases, r)
				good = true
			}
		default:
			good = resp.StatusCode == http.StatusOK
			if good && o.gzip && resp.Header.Get("Content-Encoding") != "gzip" {
				s.notGzip++
			}
		}
		if done.After(end) {
			// Answered after the deadline: checked above, not timed.
			return
		}
		s.statuses[resp.StatusCode]++
		s.lat = append(s.lat, done.Sub(t0))
		if good {
			s.ok++
			s.bytes += n
		}
	}
}

func errKind(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

type aliasCheck struct {
	aliases, numeric, uuids          int
	dupAliases, dupNumeric, dupUUIDs int
	notCreated                       int
	examples                         []string
}

// checkAliases counts distinct and repeated aliases: every answer was for a
// new item key, so every alias must be new.
func checkAliases(all []reservation) aliasCheck {
	var c aliasCheck
	aliases, numeric, uuids := map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range all {
		aliases[r.Alias]++
		if r.NumericAlias != "" {
			numeric[r.NumericAlias]++
		}
		uuids[r.AliasUUID]++
		if !r.Created {
			c.notCreated++
		}
	}
	count := func(m map[string]int, dup *int) int {
		for k, n := range m {
			if n > 1 {
				*dup += n - 1
				if len(c.examples) < 5 {
					c.examples = append(c.examples, fmt.Sprintf("%s ×%d", k, n))
				}
			}
		}
		return len(m)
	}
	c.aliases = count(aliases, &c.dupAliases)
	c.numeric = count(numeric, &c.dupNumeric)
	c.uuids = count(uuids, &c.dupUUIDs)
	return c
}

// readPolicyInput reads the aliases and the credentials of policy mode.
func readPolicyInput(o *options, file string) error {
	if file == "" {
		return errors.New("-aliases is required in policy mode")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			o.aliases = append(o.aliases, l)
		}
	}
	if len(o.aliases) == 0 {
		return fmt.Errorf("%s holds no aliases", file)
	}
	var ok bool
	o.basicUser, o.basicPass, ok = strings.Cut(os.Getenv("LOADGEN_BASIC_AUTH"), ":")
	if !ok || o.basicUser == "" {
		return errors.New("set LOADGEN_BASIC_AUTH=user:pass for policy mode (not a flag: it would show in ps)")
	}
	return nil
}

// policyQuery is what a Conferencing Node sends for a SIP call in.
func policyQuery(alias string) string {
	return "local_alias=" + url.QueryEscape(alias) + "&remote_alias=" + url.QueryEscape("sip:guest@partner.example.com") +
		"&remote_display_name=Guest&remote_address=192.0.2.10&protocol=sip&call_direction=dial_in&node_ip=192.0.2.1" +
		"&location=Oslo&version_id=36&pseudo_version_id=36.0.0&trigger=invite&bandwidth=0&vendor=Pexip"
}
