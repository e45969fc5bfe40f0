package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultListen is where the metrics listener is unless told otherwise:
// this machine only, where Prometheus' node-local agents scrape it.
const DefaultListen = "127.0.0.1:9464"

// Off turns the listener off (serve --metrics-listen off).
const Off = "off"

// ErrPublic refuses a listener reachable from other machines without
// being asked for one: the endpoints have no authentication.
var ErrPublic = errors.New("metrics: refusing a listener beyond this machine")

// Loopback tells whether addr only accepts connections from this machine.
func Loopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("metrics: --metrics-listen %q is not host:port (or off): %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// Listen opens the metrics listener on addr; an address beyond loopback
// needs public (serve --metrics-listen-public).
func Listen(addr string, public bool) (net.Listener, error) {
	if err := CheckListen(addr, public); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listening on %s: %w (another vmr-companion? pick another with --metrics-listen, or off)", addr, err)
	}
	return ln, nil
}

// CheckListen says whether addr may be listened on: host:port, and on
// loopback unless public (the endpoints have no authentication).
func CheckListen(addr string, public bool) error {
	loopback, err := Loopback(addr)
	if err != nil {
		return err
	}
	if !loopback && !public {
		return fmt.Errorf("%w: %s is reachable from other machines and /metrics and /readyz have no authentication; "+
			"keep the default %s, or put the address behind a firewall or a reverse proxy and add --metrics-listen-public",
			ErrPublic, addr, DefaultListen)
	}
	return nil
}

// Server serves the handler on a listener, in plain HTTP.
type Server struct{ srv *http.Server }

// Serve starts serving h on ln in the background.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 8 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err)
		}
	}()
	return &Server{srv: srv}
}

// Shutdown stops the listener, letting running scrapes finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
