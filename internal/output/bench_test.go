package output

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/engine"
)

// Each benchmark drives one output's sink directly, as its Async
// goroutine does, and reports the sustained rate in alerts/s.

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}

func benchSink(b *testing.B, s engine.AlertSink) {
	b.Helper()
	a := testAlert(1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := s.WriteAlert(a); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	reportRate(b)
}

func BenchmarkFormat(b *testing.B) {
	s, err := NewSyslog(SyslogOptions{Network: "udp", Address: "127.0.0.1:514"})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []struct {
		name string
		f    Formatter
	}{
		{"text", TextFormat{}},
		{"json", JSONFormat{}},
		{"syslog5424", FormatterFunc(s.appendMessage)},
	} {
		b.Run(f.name, func(b *testing.B) {
			a := testAlert(1)
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = f.f.AppendAlert(buf[:0], a)
			}
			reportRate(b)
		})
	}
}

// BenchmarkAsyncWriteAlert is what an output costs the detection
// goroutine: one enqueue.
func BenchmarkAsyncWriteAlert(b *testing.B) {
	a, err := NewAsync(discardSink{}, AsyncOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	al := testAlert(1)
	b.ReportAllocs()
	for b.Loop() {
		a.WriteAlert(al)
	}
	reportRate(b)
}

type discardSink struct{}

func (discardSink) WriteAlert(*engine.Alert) error { return nil }
func (discardSink) Flush() error                   { return nil }

func BenchmarkFileOutput(b *testing.B) {
	f, err := NewFile(FileOptions{Path: filepath.Join(b.TempDir(), "alerts.json"), MaxSize: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	benchSink(b, f)
}

func BenchmarkSyslogOutput(b *testing.B) {
	b.Run("udp-local", func(b *testing.B) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer pc.Close()
		go (&syslogReceiverDiscard{}).servePacket(pc)
		benchSyslog(b, SyslogOptions{Network: "udp", Address: pc.LocalAddr().String()})
	})
	b.Run("unixgram-local", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "log")
		pc, err := net.ListenPacket("unixgram", path)
		if err != nil {
			b.Fatal(err)
		}
		defer pc.Close()
		go (&syslogReceiverDiscard{}).servePacket(pc)
		benchSyslog(b, SyslogOptions{Network: "unixgram", Address: path})
	})
	b.Run("tcp-local", func(b *testing.B) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		go (&syslogReceiverDiscard{}).serveStream(l)
		benchSyslog(b, SyslogOptions{Network: "tcp", Address: l.Addr().String()})
	})
	b.Run("tls-local", func(b *testing.B) {
		p := newPKI(b)
		l, err := tlsListen(p)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		go (&syslogReceiverDiscard{}).serveStream(l)
		benchSyslog(b, SyslogOptions{Network: "tls", Address: l.Addr().String(), TLS: TLSOptions{CAFile: p.caFile}})
	})
	b.Run("rsyslog", func(b *testing.B) {
		r := newRsyslog(b)
		for _, tc := range []struct{ network, addr string }{
			{"udp", r.udpAddr}, {"tcp", r.tcpAddr}, {"unixgram", r.uxsock},
		} {
			b.Run(tc.network, func(b *testing.B) {
				benchSyslog(b, SyslogOptions{Network: tc.network, Address: tc.addr, Protocol: "rfc5424"})
			})
		}
	})
}

func benchSyslog(b *testing.B, opts SyslogOptions) {
	s, err := NewSyslog(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchSink(b, s)
}

// syslogReceiverDiscard reads and drops whatever comes.
type syslogReceiverDiscard struct{}

func (syslogReceiverDiscard) servePacket(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	for {
		if _, _, err := pc.ReadFrom(buf); err != nil {
			return
		}
	}
}

func (syslogReceiverDiscard) serveStream(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(io.Discard, c)
		}()
	}
}

func BenchmarkHTTPOutput(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	h, err := NewHTTP(HTTPOptions{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	benchSink(b, h)
}

func BenchmarkProgramOutput(b *testing.B) {
	p, err := NewProgram(ProgramOptions{Command: "cat > /dev/null", KeepAlive: true})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	benchSink(b, p)
}
