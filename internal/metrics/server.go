package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultPath is where the metrics are served when ServerOptions.Path is
// empty.
const DefaultPath = "/metrics"

// HealthPath is where the health check is served.
const HealthPath = "/healthz"

// AllowRemoteFlag is the setting that lets the Server listen beyond
// loopback, as error messages name it.
const AllowRemoteFlag = "--metrics-allow-remote"

// ServerOptions configure a Server.
type ServerOptions struct {
	// Listen is the TCP address, host:port ("127.0.0.1:9811"; port 0
	// picks one). A host other than a loopback address (127.0.0.0/8, ::1,
	// localhost) is refused unless AllowRemote.
	Listen      string
	AllowRemote bool
	// Path serves the metrics (default DefaultPath).
	Path string
	// HealthPath serves the health check (default HealthPath).
	HealthPath string
	// Gatherer is what /metrics serves (NewRegistry's registry).
	Gatherer prometheus.Gatherer
	// Health says whether the agent is healthy (nil) or why not; nil
	// Health is always healthy.
	Health func() error
	// Logger (default: discard).
	Logger *slog.Logger
}

// Server serves the metrics and the health check over HTTP.
type Server struct {
	opts ServerOptions
	log  *slog.Logger
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// NewServer checks opts; nothing listens until Start.
func NewServer(opts ServerOptions) (*Server, error) {
	if opts.Path == "" {
		opts.Path = DefaultPath
	}
	if opts.HealthPath == "" {
		opts.HealthPath = HealthPath
	}
	switch {
	case opts.Gatherer == nil:
		return nil, errors.New("metrics server: no gatherer")
	case !strings.HasPrefix(opts.Path, "/") || opts.Path == opts.HealthPath || opts.Path == "/":
		return nil, fmt.Errorf("metrics path %q: want an absolute path other than / and %s", opts.Path, opts.HealthPath)
	case !strings.HasPrefix(opts.HealthPath, "/") || opts.HealthPath == "/":
		return nil, fmt.Errorf("health path %q: want an absolute path other than /", opts.HealthPath)
	}
	if err := CheckListen(opts.Listen, opts.AllowRemote); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{opts: opts, log: log}
	mux := http.NewServeMux()
	mux.Handle(opts.Path, promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{
		ErrorLog:            promLogger{log},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	mux.HandleFunc(opts.HealthPath, s.health)
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// CheckListen returns an error unless listen is host:port with a
// loopback host, or allowRemote.
func CheckListen(listen string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("metrics listen address %q: %w", listen, err)
	}
	if allowRemote || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("metrics listen address %q is not a loopback address: metrics are served on loopback only unless %s is set", listen, AllowRemoteFlag)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	host, _, _ = strings.Cut(host, "%") // a zone: fe80::1%eth0
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Start listens and serves in the background until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("metrics server: %w", err)
	}
	// A name such as localhost was accepted by CheckListen: what it
	// resolved to must be loopback too.
	if a, ok := ln.Addr().(*net.TCPAddr); ok && !s.opts.AllowRemote && !a.IP.IsLoopback() {
		ln.Close()
		return fmt.Errorf("metrics listen address %q resolved to %v, not a loopback address: metrics are served on loopback only unless %s is set", s.opts.Listen, a.IP, AllowRemoteFlag)
	}
	s.ln = ln
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics server stopped", "err", err)
		}
	}()
	s.log.Info("metrics server listening", "addr", ln.Addr().String(), "metrics", s.opts.Path, "health", s.opts.HealthPath)
	return nil
}

// Addr is the address listened on, once started ("" before).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops the server, letting requests in flight finish for a
// moment. Safe without Start, and more than once.
func (s *Server) Close() error {
	if s.ln == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	if err != nil {
		return fmt.Errorf("metrics server: %w", err)
	}
	return nil
}

// health answers 200 "ok" while Health returns nil, 503 with the reason
// otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var err error
	if s.opts.Health != nil {
		err = s.opts.Health()
	}
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "unhealthy: %v\n", err)
		return
	}
	io.WriteString(w, "ok\n")
}

// promLogger hands promhttp's errors to slog.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("metrics scrape", "err", fmt.Sprint(v...)) }
