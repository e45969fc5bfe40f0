// Command startpoll measures a server's start: it launches a command and
// polls a URL over verified HTTPS every 20 ms (a new connection each time,
// as curl would) until the first 200, then prints the time from launch.
//
//	startpoll -url https://127.0.0.1:3443/healthz -cacert-wait DATA/devcert/ca.pem -log serve.log -stop -- vmr-companion serve
//
// With -cacert the trusted certificate is read before launching; with
// -cacert-wait it is read once the file appears (a CA made by the server on
// first use). With -stop the server is stopped (SIGTERM, then SIGKILL after
// 10 s) once measured; without it, it keeps running and its pid goes to
// -pidfile for the caller to stop. It prints one line "START key=value ...".
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		url, cacert, cacertWait, logFile, pidFile, dir string
		every, timeout                                 time.Duration
		stop                                           bool
	)
	flag.StringVar(&url, "url", "", "URL to poll until it answers 200")
	flag.StringVar(&cacert, "cacert", "", "PEM certificate to trust, read before launching")
	flag.StringVar(&cacertWait, "cacert-wait", "", "PEM certificate to trust, read once it appears")
	flag.StringVar(&logFile, "log", "", "file for the command's standard output and error (default: discarded)")
	flag.StringVar(&pidFile, "pidfile", "", "file to write the command's pid to")
	flag.StringVar(&dir, "dir", "", "working directory of the command")
	flag.DurationVar(&every, "every", 20*time.Millisecond, "poll interval")
	flag.DurationVar(&timeout, "timeout", 60*time.Second, "give up after this long")
	flag.BoolVar(&stop, "stop", false, "stop the command once measured")
	flag.Parse()
	if err := run(flag.Args(), url, cacert, cacertWait, logFile, pidFile, dir, every, timeout, stop); err != nil {
		fmt.Fprintln(os.Stderr, "startpoll:", err)
		os.Exit(1)
	}
}

func run(args []string, url, cacert, cacertWait, logFile, pidFile, dir string, every, timeout time.Duration, stop bool) error {
	if len(args) == 0 || url == "" || (cacert == "") == (cacertWait == "") {
		return errors.New("usage: startpoll -url URL (-cacert FILE | -cacert-wait FILE) [-log FILE] [-pidfile FILE] [-stop] -- command args")
	}
	var client *http.Client
	if cacert != "" {
		c, err := clientFor(cacert)
		if err != nil {
			return err
		}
		client = c
	}
	out, err := os.Open(os.DevNull)
	if logFile != "" {
		out, err = os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	}
	if err != nil {
		return err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	out.Close()
	pid := cmd.Process.Pid
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
			cmd.Process.Kill()
			return err
		}
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	attempts := 0
	tick := time.NewTicker(every)
	defer tick.Stop()
	deadline := time.After(timeout)
	var lastErr error
	for {
		if client == nil {
			if c, err := clientFor(cacertWait); err == nil {
				client = c
			} else {
				lastErr = err
			}
		}
		if client != nil {
			attempts++
			resp, err := client.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			lastErr = err
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the command exited before answering (%v); last poll: %v; see %s", err, lastErr, logFile)
		case <-deadline:
			cmd.Process.Kill()
			return fmt.Errorf("no 200 from %s within %s; last poll: %v", url, timeout, lastErr)
		case <-tick.C:
		}
	}
	elapsed := time.Since(start)
	hwm := treeHWM(pid)
	fmt.Printf("START ms=%.1f pid=%d attempts=%d hwm_kib=%d\n", float64(elapsed.Microseconds())/1000, pid, attempts, hwm)
	if !stop {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("pid %d did not stop within 10 s of SIGTERM; killed", pid)
	}
	return nil
}

func clientFor(file string) (*http.Client, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no certificate yet", file)
	}
	return &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			DisableKeepAlives: true,
			TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
		},
	}, nil
}

// treeHWM sums VmHWM (peak resident memory) over pid and its descendants,
// in KiB; 0 where /proc is missing.
func treeHWM(pid int) int64 {
	var sum int64
	for _, p := range append([]int{pid}, descendants(pid)...) {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				sum += n
			}
		}
	}
	return sum
}

func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The name in parentheses may hold spaces; the parent pid is the
		// second field after it.
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 {
			ppid, _ := strconv.Atoi(fields[1])
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, children[p]...)
		queue = append(queue, children[p]...)
	}
	return out
}
