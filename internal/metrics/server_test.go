package metrics

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func startServer(t *testing.T, opts ServerOptions) *Server {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Gatherer == nil {
		opts.Gatherer = newTestRegistry(t, fakeSources())
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func get(t *testing.T, method, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

// TestServerMetrics: /metrics serves the registry in the text format.
func TestServerMetrics(t *testing.T) {
	for _, path := range []string{"", "/custom"} {
		t.Run("path="+path, func(t *testing.T) {
			s := startServer(t, ServerOptions{Path: path})
			want := path
			if want == "" {
				want = DefaultPath
			}
			code, body, h := get(t, http.MethodGet, "http://"+s.Addr()+want)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", want, code, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
			for _, line := range []string{
				`vigil_build_info{version="v1.2.3"} 1`,
				`vigil_alerts_total{priority="Notice",rule="Terminal shell in container"} 5`,
				`vigil_rule_eval_seconds_count 10`,
				`# TYPE process_resident_memory_bytes gauge`,
			} {
				if !strings.Contains(body, line+"\n") {
					t.Errorf("/metrics lacks %q", line)
				}
			}
		})
	}
}

// TestServerHealth: /healthz is 200 "ok" while Health returns nil, 503
// with the reason otherwise, and follows Health's answer as it changes.
func TestServerHealth(t *testing.T) {
	var reason atomic.Pointer[string]
	s := startServer(t, ServerOptions{Health: func() error {
		if r := reason.Load(); r != nil {
			return errors.New(*r)
		}
		return nil
	}})
	url := "http://" + s.Addr() + HealthPath
	steps := []struct {
		reason   string
		method   string
		wantCode int
		wantBody string
	}{
		{"", http.MethodGet, http.StatusOK, "ok\n"},
		{"event loop stalled", http.MethodGet, http.StatusServiceUnavailable, "unhealthy: event loop stalled\n"},
		{"", http.MethodGet, http.StatusOK, "ok\n"},
		{"", http.MethodHead, http.StatusOK, ""},
		{"", http.MethodPost, http.StatusMethodNotAllowed, "method not allowed\n"},
	}
	for _, st := range steps {
		if st.reason == "" {
			reason.Store(nil)
		} else {
			reason.Store(&st.reason)
		}
		code, body, _ := get(t, st.method, url)
		if code != st.wantCode || body != st.wantBody {
			t.Errorf("%s %s with reason %q: %d %q, want %d %q", st.method, HealthPath, st.reason, code, body, st.wantCode, st.wantBody)
		}
	}
}

// TestServerNilHealth: without Health the agent is taken as healthy.
func TestServerNilHealth(t *testing.T) {
	s := startServer(t, ServerOptions{})
	if code, body, _ := get(t, http.MethodGet, "http://"+s.Addr()+HealthPath); code != http.StatusOK || body != "ok\n" {
		t.Errorf("%d %q", code, body)
	}
	if code, _, _ := get(t, http.MethodGet, "http://"+s.Addr()+"/other"); code != http.StatusNotFound {
		t.Errorf("/other: %d, want 404", code)
	}
}

// TestCheckListen: only loopback addresses, unless remote is allowed.
func TestCheckListen(t *testing.T) {
	tests := []struct {
		listen      string
		allowRemote bool
		wantErr     string // "" for none
	}{
		{"127.0.0.1:9811", false, ""},
		{"127.3.2.1:0", false, ""},
		{"[::1]:9811", false, ""},
		{"localhost:9811", false, ""},
		{"LOCALHOST:0", false, ""},
		{"0.0.0.0:9811", false, AllowRemoteFlag},
		{":9811", false, AllowRemoteFlag},
		{"[::]:9811", false, AllowRemoteFlag},
		{"192.0.2.10:9811", false, AllowRemoteFlag},
		{"metrics.example:9811", false, AllowRemoteFlag},
		{"0.0.0.0:9811", true, ""},
		{"192.0.2.10:9811", true, ""},
		{"127.0.0.1", false, "missing port"},
		{"", false, "missing port"},
	}
	for _, tc := range tests {
		err := CheckListen(tc.listen, tc.allowRemote)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckListen(%q, %v) = %v, want nil", tc.listen, tc.allowRemote, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.listen)):
			t.Errorf("CheckListen(%q, %v) = %v, want an error naming the address and %q", tc.listen, tc.allowRemote, err, tc.wantErr)
		}
	}
}

// TestNewServerRefuses: a non-loopback address, a missing gatherer or a
// bad path are refused before anything listens.
func TestNewServerRefuses(t *testing.T) {
	reg := newTestRegistry(t, Sources{})
	tests := []struct {
		name    string
		opts    ServerOptions
		wantErr string
	}{
		{"all interfaces", ServerOptions{Listen: "0.0.0.0:0", Gatherer: reg}, AllowRemoteFlag},
		{"no gatherer", ServerOptions{Listen: "127.0.0.1:0"}, "no gatherer"},
		{"relative path", ServerOptions{Listen: "127.0.0.1:0", Gatherer: reg, Path: "metrics"}, "absolute path"},
		{"health path", ServerOptions{Listen: "127.0.0.1:0", Gatherer: reg, Path: HealthPath}, "absolute path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewServer(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("NewServer = %v, %v; want an error containing %q", s, err, tc.wantErr)
			}
		})
	}
}

// TestServerCloseIdempotent: Close works before Start and twice after.
func TestServerCloseIdempotent(t *testing.T) {
	s, err := NewServer(ServerOptions{Listen: "127.0.0.1:0", Gatherer: newTestRegistry(t, Sources{})})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close before Start: %v", err)
	}
	if s.Addr() != "" {
		t.Errorf("Addr before Start = %q", s.Addr())
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Close(); err != nil {
			t.Errorf("Close %d: %v", i+1, err)
		}
	}
}
