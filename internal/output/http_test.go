package output

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// falcoPayload is what falcosidekick decodes from a POST to "/".
type falcoPayload struct {
	UUID         string         `json:"uuid,omitempty"`
	Output       string         `json:"output"`
	Priority     string         `json:"priority"`
	Rule         string         `json:"rule"`
	Time         time.Time      `json:"time"`
	OutputFields map[string]any `json:"output_fields"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags,omitempty"`
	Hostname     string         `json:"hostname,omitempty"`
}

// webhook records requests; status picks each response (200 when nil).
type webhook struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	calls  atomic.Int64
	status func(n int64) int
	block  chan struct{} // when set, requests wait for it to close
	inside chan struct{} // receives a value as each blocked request arrives
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	n := w.calls.Add(1)
	if w.block != nil {
		w.inside <- struct{}{}
		<-w.block
	}
	body, _ := io.ReadAll(r.Body)
	code := http.StatusOK
	if w.status != nil {
		code = w.status(n)
	}
	if code == http.StatusOK {
		w.mu.Lock()
		w.reqs = append(w.reqs, r)
		w.bodies = append(w.bodies, body)
		w.mu.Unlock()
	}
	rw.WriteHeader(code)
	io.WriteString(rw, http.StatusText(code))
}

func (w *webhook) delivered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.bodies)
}

func newHTTP(t *testing.T, opts HTTPOptions) *HTTP {
	t.Helper()
	if opts.InitialBackoff == 0 {
		opts.InitialBackoff = time.Millisecond
	}
	h, err := NewHTTP(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestHTTPPostsFalcoJSON(t *testing.T) {
	p := newPKI(t)
	plain := httptest.NewServer(&webhook{})
	defer plain.Close()
	mtls := httptest.NewUnstartedServer(&webhook{})
	mtls.TLS = p.server.Clone()
	mtls.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	mtls.StartTLS()
	defer mtls.Close()
	for _, tc := range []struct {
		name string
		srv  *httptest.Server
		tls  TLSOptions
	}{
		{"http", plain, TLSOptions{}},
		{"https_client_cert", mtls, TLSOptions{CAFile: p.caFile, CertFile: p.certFile, KeyFile: p.keyFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHTTP(t, HTTPOptions{URL: tc.srv.URL + "/", TLS: tc.tls,
				Headers: map[string]string{"Authorization": "Bearer s3cret", "X-Custom": "1", "host": "siem.example"}})
			for i := range 3 {
				if err := h.WriteAlert(testAlert(i)); err != nil {
					t.Fatal(err)
				}
			}
			w := tc.srv.Config.Handler.(*webhook)
			if w.delivered() != 3 {
				t.Fatalf("%d delivered", w.delivered())
			}
			for i, r := range w.reqs {
				if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/json" ||
					r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("X-Custom") != "1" || r.Host != "siem.example" {
					t.Errorf("request %d: %s %s %v", i, r.Method, r.URL, r.Header)
				}
				var fp falcoPayload
				if err := json.Unmarshal(w.bodies[i], &fp); err != nil {
					t.Fatalf("body %d: %v: %s", i, err, w.bodies[i])
				}
				want := testAlert(i)
				if fp.Rule != want.Rule || fp.Priority != "Notice" || fp.Output != want.Output || !fp.Time.Equal(testTime) ||
					fp.Source != "syscall" || fp.Hostname != "node-1" || fp.OutputFields["proc.name"] != "bash" {
					t.Errorf("body %d: %+v", i, fp)
				}
			}
		})
	}
}

func TestHTTPTLSVerification(t *testing.T) {
	srv := httptest.NewUnstartedServer(&webhook{})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	// httptest's certificate is not trusted: refused.
	h := newHTTP(t, HTTPOptions{URL: srv.URL, MaxAttempts: 1})
	if err := h.WriteAlert(testAlert(1)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted server: err = %v", err)
	}
	// Unless told not to check.
	h = newHTTP(t, HTTPOptions{URL: srv.URL, MaxAttempts: 1, TLS: TLSOptions{InsecureSkipVerify: true}})
	if err := h.WriteAlert(testAlert(1)); err != nil {
		t.Errorf("insecure_skip_verify: %v", err)
	}
}

// TestHTTPRetries: which answers are retried, and how often.
func TestHTTPRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    func(n int64) int
		wantErr   bool
		wantCalls int64
	}{
		{"500 three times then 200", func(n int64) int { return map[bool]int{true: 500, false: 200}[n <= 3] }, false, 4},
		{"503 always", func(int64) int { return 503 }, true, 5},
		{"429 then 200", func(n int64) int { return map[bool]int{true: 429, false: 200}[n == 1] }, false, 2},
		{"400 is not retried", func(int64) int { return 400 }, true, 1},
		{"404 is not retried", func(int64) int { return 404 }, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &webhook{status: tc.status}
			srv := httptest.NewServer(w)
			defer srv.Close()
			h := newHTTP(t, HTTPOptions{URL: srv.URL, MaxBackoff: 5 * time.Millisecond})
			err := h.WriteAlert(testAlert(1))
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v", err)
			}
			if w.calls.Load() != tc.wantCalls || h.Retries() != uint64(tc.wantCalls-1) {
				t.Errorf("%d calls, %d retries; want %d calls", w.calls.Load(), h.Retries(), tc.wantCalls)
			}
		})
	}
}

func TestHTTPRetryAfterCapped(t *testing.T) {
	w := &webhook{status: func(n int64) int { return map[bool]int{true: 503, false: 200}[n == 1] }}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Retry-After", "3600") // an hour: capped to MaxBackoff
		w.ServeHTTP(rw, r)
	}))
	defer srv.Close()
	h := newHTTP(t, HTTPOptions{URL: srv.URL, MaxBackoff: time.Millisecond})
	if err := h.WriteAlert(testAlert(1)); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPReceiverDownThenUp: alerts written while the receiver is down
// are retried and delivered once it is back.
func TestHTTPReceiverDownThenUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := newHTTP(t, HTTPOptions{URL: "http://" + addr + "/", MaxAttempts: 1000, MaxBackoff: 20 * time.Millisecond})
	a := newAsync(t, h, AsyncOptions{Name: "webhook"})
	const n = 3
	for i := range n {
		a.WriteAlert(testAlert(i))
	}
	waitFor(t, "retries", func() bool { return a.Stats().Retried > 2 })
	if st := a.Stats(); st.Sent != 0 {
		t.Fatalf("sent while down: %+v", st)
	}
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	w := &webhook{}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: w}}
	srv.Start()
	defer srv.Close()
	waitFor(t, "delivery", func() bool { return w.delivered() == n && a.Stats().Sent == n })
	if st := a.Stats(); st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestHTTPQueueOverflow: a receiver that hangs holds one alert; the queue
// takes QueueSize more and the rest are counted as dropped; all of those
// taken are delivered when it answers again.
func TestHTTPQueueOverflow(t *testing.T) {
	w := &webhook{block: make(chan struct{}), inside: make(chan struct{}, 100)}
	srv := httptest.NewServer(w)
	defer srv.Close()
	h := newHTTP(t, HTTPOptions{URL: srv.URL})
	a := newAsync(t, h, AsyncOptions{Name: "webhook", QueueSize: 2})
	a.WriteAlert(testAlert(0))
	<-w.inside
	for i := 1; i < 10; i++ {
		a.WriteAlert(testAlert(i))
	}
	if st := a.Stats(); st.Dropped != 7 || st.QueueDepth != 2 {
		t.Errorf("stats %+v", st)
	}
	close(w.block)
	waitFor(t, "delivery", func() bool { return w.delivered() == 3 })
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Sent != 3 || st.Dropped != 7 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestHTTPTimeoutThenClose: a receiver that never answers times out each
// attempt; Close cancels the request in progress.
func TestHTTPTimeoutThenClose(t *testing.T) {
	w := &webhook{block: make(chan struct{}), inside: make(chan struct{}, 100)}
	srv := httptest.NewServer(w)
	defer srv.Close()
	defer close(w.block)
	h := newHTTP(t, HTTPOptions{URL: srv.URL, Timeout: 10 * time.Millisecond, MaxAttempts: 2})
	if err := h.WriteAlert(testAlert(1)); err == nil {
		t.Error("a request without an answer succeeded")
	}
	w2 := &webhook{block: make(chan struct{}), inside: make(chan struct{}, 100)}
	srv2 := httptest.NewServer(w2)
	defer srv2.Close()
	defer close(w2.block)
	h2 := newHTTP(t, HTTPOptions{URL: srv2.URL, Timeout: time.Hour})
	done := make(chan error)
	go func() { done <- h2.WriteAlert(testAlert(1)) }()
	<-w2.inside
	h2.Close()
	if err := <-done; err == nil {
		t.Error("WriteAlert succeeded after Close")
	}
}

func TestNewHTTPRejects(t *testing.T) {
	for _, opts := range []HTTPOptions{
		{},
		{URL: "ftp://127.0.0.1/"},
		{URL: "http://"},
		{URL: "://x"},
		{URL: "https://127.0.0.1/", TLS: TLSOptions{CAFile: "/nonexistent"}},
		{URL: "https://127.0.0.1/", TLS: TLSOptions{KeyFile: "k.pem"}},
	} {
		if _, err := NewHTTP(opts); err == nil {
			t.Errorf("NewHTTP(%+v) accepted", opts)
		}
	}
}
