package output

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/rules"
)

// msg5424 is a parsed RFC 5424 message.
type msg5424 struct {
	pri                              int
	timestamp, host, app, procid, id string
	sdid                             string
	sd                               map[string]string
	msg                              string
}

// parse5424 parses an RFC 5424 message strictly (one SD element at most,
// which is all Vigil sends).
func parse5424(s string) (msg5424, error) {
	var m msg5424
	if !strings.HasPrefix(s, "<") {
		return m, errors.New("no PRI")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 {
		return m, errors.New("bad PRI")
	}
	pri, err := strconv.Atoi(s[1:end])
	if err != nil || pri > 191 {
		return m, fmt.Errorf("bad PRI %q", s[1:end])
	}
	m.pri = pri
	s = s[end+1:]
	hdr := strings.SplitN(s, " ", 7)
	if len(hdr) < 7 {
		return m, fmt.Errorf("short header %q", s)
	}
	if hdr[0] != "1" {
		return m, fmt.Errorf("version %q", hdr[0])
	}
	if _, err := time.Parse(time.RFC3339Nano, hdr[1]); err != nil {
		return m, fmt.Errorf("timestamp: %w", err)
	}
	for i, max := range []int{255, 48, 128, 32} {
		f := hdr[2+i]
		if f == "" || len(f) > max {
			return m, fmt.Errorf("header field %d %q", 2+i, f)
		}
		for _, c := range []byte(f) {
			if c < 33 || c > 126 {
				return m, fmt.Errorf("header field %d %q: not PRINTUSASCII", 2+i, f)
			}
		}
	}
	m.timestamp, m.host, m.app, m.procid, m.id = hdr[1], hdr[2], hdr[3], hdr[4], hdr[5]
	rest := hdr[6]
	if strings.HasPrefix(rest, "-") {
		rest = rest[1:]
	} else {
		if !strings.HasPrefix(rest, "[") {
			return m, fmt.Errorf("structured data %q", rest)
		}
		rest = rest[1:]
		i := strings.IndexAny(rest, " ]")
		if i < 1 {
			return m, errors.New("no SD-ID")
		}
		m.sdid, rest = rest[:i], rest[i:]
		m.sd = map[string]string{}
		for strings.HasPrefix(rest, " ") {
			rest = rest[1:]
			eq := strings.Index(rest, `="`)
			if eq < 1 {
				return m, fmt.Errorf("SD-PARAM %q", rest)
			}
			name := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			closed := false
			for i := 0; i < len(rest); i++ {
				c := rest[i]
				if c == '\\' && i+1 < len(rest) && strings.IndexByte(`"\]`, rest[i+1]) >= 0 {
					v.WriteByte(rest[i+1])
					i++
					continue
				}
				if c == ']' {
					return m, errors.New("unescaped ] in PARAM-VALUE")
				}
				if c == '"' {
					rest, closed = rest[i+1:], true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return m, errors.New("unterminated PARAM-VALUE")
			}
			if !utf8.ValidString(v.String()) {
				return m, errors.New("PARAM-VALUE not UTF-8")
			}
			m.sd[name] = v.String()
		}
		if !strings.HasPrefix(rest, "]") {
			return m, fmt.Errorf("SD-ELEMENT not closed: %q", rest)
		}
		rest = rest[1:]
	}
	if rest != "" {
		if rest[0] != ' ' {
			return m, fmt.Errorf("no space before MSG: %q", rest)
		}
		m.msg = rest[1:]
	}
	return m, nil
}

// newTestSyslog is NewSyslog with a fixed PID and UTC for golden output.
func newTestSyslog(t testing.TB, opts SyslogOptions) *Syslog {
	t.Helper()
	s, err := NewSyslog(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.pid, s.loc = "1234", time.UTC
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSyslogGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   SyslogOptions
		stream bool
	}{
		{"5424_udp", SyslogOptions{Network: "udp", Address: "127.0.0.1:514"}, false},
		{"5424_tcp_octet", SyslogOptions{Network: "tcp", Address: "127.0.0.1:514", Facility: "auth", AppName: "my app", Hostname: "h1"}, true},
		{"5424_json_nosd", SyslogOptions{Network: "tls", Address: "127.0.0.1:6514", SDID: "-", Format: JSONFormat{}}, true},
		{"3164_unix", SyslogOptions{Facility: "daemon"}, false},
		{"3164_unixstream_newline", SyslogOptions{Network: "unixstream", Format: JSONFormat{}}, true},
		{"3164_udp", SyslogOptions{Network: "udp", Address: "127.0.0.1:514", Protocol: "rfc3164"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSyslog(t, tc.opts)
			s.stream = tc.stream
			var out []byte
			for _, a := range []*engine.Alert{testAlert(1), oddAlert()} {
				out = s.appendFrame(out, s.appendMessage(nil, a))
				if !tc.stream || s.octetCounting {
					out = append(out, '\n')
				}
			}
			golden(t, "syslog_"+tc.name, out)
		})
	}
}

func TestSyslogMessageParses(t *testing.T) {
	s := newTestSyslog(t, SyslogOptions{Network: "udp", Address: "127.0.0.1:514", Facility: "local3"})
	for _, a := range []*engine.Alert{testAlert(7), oddAlert()} {
		m, err := parse5424(string(s.appendMessage(nil, a)))
		if err != nil {
			t.Fatal(err)
		}
		if m.pri != 19*8+int(a.Priority) || m.app != "vigil" || m.id != "alert" || m.sdid != "vigil@32473" ||
			m.sd["rule"] != strings.ToValidUTF8(a.Rule, "\uFFFD") || m.sd["priority"] != a.Priority.String() {
			t.Errorf("parsed %+v", m)
		}
	}
}

func TestSeverity(t *testing.T) {
	want := map[rules.Priority]int{
		rules.Emergency: 0, rules.Alert: 1, rules.Critical: 2, rules.Error: 3,
		rules.Warning: 4, rules.Notice: 5, rules.Informational: 6, rules.Debug: 7,
		rules.Priority(-1): 0, rules.Priority(42): 7,
	}
	for p, sev := range want {
		if got := severity(p); got != sev {
			t.Errorf("severity(%v) = %d, want %d", p, got, sev)
		}
	}
}

func TestNewSyslogRejects(t *testing.T) {
	for _, opts := range []SyslogOptions{
		{Network: "carrier-pigeon"},
		{Network: "udp", Address: "no-port"},
		{Network: "tcp"},
		{Protocol: "rfc9999"},
		{Framing: "smoke"},
		{Facility: "local9"},
		{SDID: "has space"},
		{SDID: strings.Repeat("x", 33)},
		{Network: "tls", Address: "127.0.0.1:1", TLS: TLSOptions{CertFile: "c.pem"}},
		{Network: "tls", Address: "127.0.0.1:1", TLS: TLSOptions{CAFile: "/nonexistent"}},
	} {
		if _, err := NewSyslog(opts); err == nil {
			t.Errorf("NewSyslog(%+v) accepted", opts)
		}
	}
}

// syslogReceiver collects messages from Go listeners.
type syslogReceiver struct {
	mu     sync.Mutex
	msgs   []string
	errs   []error
	closed atomic.Int64 // connections the receiver closed
}

func (r *syslogReceiver) add(m string) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

func (r *syslogReceiver) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *syslogReceiver) got() ([]string, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...), append([]error(nil), r.errs...)
}

// serveStream reads framed messages from every connection of l; after
// perConn messages (0: no limit) it closes the connection.
func (r *syslogReceiver) serveStream(l net.Listener, octet bool, perConn int) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer r.closed.Add(1)
			defer c.Close()
			br := bufio.NewReader(c)
			for n := 0; perConn == 0 || n < perConn; n++ {
				var m string
				if octet {
					lenStr, err := br.ReadString(' ')
					if err != nil {
						return
					}
					size, err := strconv.Atoi(strings.TrimSuffix(lenStr, " "))
					if err != nil {
						r.fail(fmt.Errorf("octet count %q", lenStr))
						return
					}
					b := make([]byte, size)
					if _, err := io.ReadFull(br, b); err != nil {
						r.fail(err)
						return
					}
					m = string(b)
				} else {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					m = strings.TrimSuffix(line, "\n")
				}
				r.add(m)
			}
		}()
	}
}

func (r *syslogReceiver) servePacket(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	for {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		r.add(string(buf[:n]))
	}
}

func TestSyslogTransports(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		network string
		octet   bool // stream framing expected
		rfc3164 bool
	}{
		{"udp", false, false},
		{"tcp", true, false},
		{"tls", true, false},
		{"unixgram", false, true},
		{"unixstream", false, true},
		{"unix", false, true}, // a datagram socket there
	} {
		t.Run(tc.network, func(t *testing.T) {
			r := &syslogReceiver{}
			var addr string
			switch tc.network {
			case "udp":
				pc, err := net.ListenPacket("udp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				go r.servePacket(pc)
				addr = pc.LocalAddr().String()
			case "unixgram", "unix":
				addr = filepath.Join(t.TempDir(), "log")
				pc, err := net.ListenPacket("unixgram", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				go r.servePacket(pc)
			default:
				var l net.Listener
				var err error
				switch tc.network {
				case "unixstream":
					addr = filepath.Join(t.TempDir(), "log")
					l, err = net.Listen("unix", addr)
				case "tls":
					srv := p.server.Clone()
					srv.ClientAuth = tls.RequireAndVerifyClientCert
					l, err = tls.Listen("tcp", "127.0.0.1:0", srv)
				default:
					l, err = net.Listen("tcp", "127.0.0.1:0")
				}
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				go r.serveStream(l, tc.octet, 0)
				addr = l.Addr().String()
			}
			s, err := NewSyslog(SyslogOptions{Network: tc.network, Address: addr, Facility: "local0",
				TLS: TLSOptions{CAFile: p.caFile, CertFile: p.certFile, KeyFile: p.keyFile}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			const n = 5
			for i := range n {
				if err := s.WriteAlert(testAlert(i)); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "messages", func() bool { m, _ := r.got(); return len(m) >= n })
			msgs, errs := r.got()
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			for i, m := range msgs {
				want := testAlert(i).Output
				if tc.rfc3164 {
					prefix := fmt.Sprintf("<133>May  6 %s vigil[", testTime.Local().Format("15:04:05"))
					if !strings.HasPrefix(m, prefix) || !strings.HasSuffix(m, "]: "+want) {
						t.Errorf("message %d = %q", i, m)
					}
					continue
				}
				pm, err := parse5424(m)
				if err != nil {
					t.Fatalf("message %d %q: %v", i, m, err)
				}
				if pm.pri != 16*8+5 || pm.host != "node-1" || pm.app != "vigil" || pm.msg != want {
					t.Errorf("message %d = %+v", i, pm)
				}
			}
		})
	}
}

// TestSyslogReconnectsToRestartedReceiver: the receiver closes each
// connection after one message (as a restart does); every message still
// arrives, on a new connection.
func TestSyslogReconnectsToRestartedReceiver(t *testing.T) {
	p := newPKI(t)
	for _, network := range []string{"tcp", "tls"} {
		t.Run(network, func(t *testing.T) {
			var l net.Listener
			var err error
			if network == "tls" {
				l, err = tlsListen(p)
			} else {
				l, err = net.Listen("tcp", "127.0.0.1:0")
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			r := &syslogReceiver{}
			go r.serveStream(l, true, 1)
			s := newTestSyslog(t, SyslogOptions{Network: network, Address: l.Addr().String(),
				InitialBackoff: time.Millisecond, MaxAttempts: 1, TLS: TLSOptions{CAFile: p.caFile}})
			const n = 5
			for i := range n {
				if i > 0 {
					waitFor(t, "message "+strconv.Itoa(i), func() bool { m, _ := r.got(); return len(m) == i })
					waitFor(t, "the receiver to close", func() bool { return r.closed.Load() == int64(i) })
				}
				// One attempt: the dead connection must be noticed before
				// writing, not after.
				if err := s.WriteAlert(testAlert(i)); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "all messages", func() bool { m, _ := r.got(); return len(m) == n })
			if s.Retries() < n-1 {
				t.Errorf("retries %d, want a reconnection per message", s.Retries())
			}
		})
	}
}

// TestSyslogTCPReceiverDownThenUp: alerts sent while the receiver is down
// are retried and arrive once it listens.
func TestSyslogTCPReceiverDownThenUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newTestSyslog(t, SyslogOptions{Network: "tcp", Address: addr, MaxAttempts: 1000,
		InitialBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	a, err := NewAsync(s, AsyncOptions{Name: "syslog"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const n = 3
	for i := range n {
		a.WriteAlert(testAlert(i))
	}
	waitFor(t, "retries", func() bool { return a.Stats().Retried > 2 })
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := &syslogReceiver{}
	go r.serveStream(l, true, 0)
	waitFor(t, "delivery", func() bool { m, _ := r.got(); return len(m) == n })
	waitFor(t, "the count", func() bool { return a.Stats().Sent == n })
	if st := a.Stats(); st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestSyslogFailsAfterMaxAttempts: with nobody listening, the alert fails
// after its attempts and the error says where.
func TestSyslogFailsAfterMaxAttempts(t *testing.T) {
	s := newTestSyslog(t, SyslogOptions{Network: "unixstream", Address: filepath.Join(t.TempDir(), "none"),
		MaxAttempts: 3, InitialBackoff: time.Millisecond})
	err := s.WriteAlert(testAlert(1))
	if err == nil || !strings.Contains(err.Error(), "syslog unixstream") {
		t.Fatalf("err = %v", err)
	}
	if s.Retries() != 2 {
		t.Errorf("retries %d, want 2", s.Retries())
	}
}

// TestSyslogCloseCancelsBackoff: Close ends a WriteAlert waiting to retry.
func TestSyslogCloseCancelsBackoff(t *testing.T) {
	s := newTestSyslog(t, SyslogOptions{Network: "unixgram", Address: filepath.Join(t.TempDir(), "none"),
		MaxAttempts: 1000, InitialBackoff: time.Hour})
	done := make(chan error)
	go func() { done <- s.WriteAlert(testAlert(1)) }()
	waitFor(t, "a retry", func() bool { return s.Retries() > 0 })
	s.Close()
	if err := <-done; err == nil {
		t.Error("WriteAlert succeeded after Close")
	}
}

func FuzzSyslog5424(f *testing.F) {
	f.Add("rule", "host", "msg", "tag", int8(4))
	f.Add(`r"\]`, "h o s t", "a\nb\xff", "t]\"", int8(-3))
	f.Fuzz(func(t *testing.T, rule, host, msg, tag string, prio int8) {
		s := newTestSyslog(t, SyslogOptions{Network: "udp", Address: "127.0.0.1:514"})
		a := &engine.Alert{Time: testTime, Rule: rule, Hostname: host, Output: msg, Tags: []string{tag},
			Priority: rules.Priority(prio), Source: "syscall"}
		m, err := parse5424(string(s.appendMessage(nil, a)))
		if err != nil {
			t.Fatal(err)
		}
		if m.sd["rule"] != strings.ToValidUTF8(rule, "\uFFFD") {
			t.Errorf("rule %q came back as %q", rule, m.sd["rule"])
		}
		if m.pri/8 != 16 || m.pri%8 != severity(a.Priority) {
			t.Errorf("PRI %d for priority %d", m.pri, prio)
		}
	})
}

func TestSyslogFacility(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		ok   bool
	}{
		{"kern", 0, true}, {"USER", 1, true}, {"daemon", 3, true}, {"auth", 4, true}, {"authpriv", 10, true},
		{"ftp", 11, true}, {"local0", 16, true}, {"Local7", 23, true},
		{"local8", 0, false}, {"local", 0, false}, {"security", 0, false}, {"", 0, false},
	} {
		code, ok := syslogFacility(tc.name)
		if code != tc.code || ok != tc.ok {
			t.Errorf("syslogFacility(%q) = %d, %v; want %d, %v", tc.name, code, ok, tc.code, tc.ok)
		}
	}
}
