package output

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/rules"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// rsyslog is a real rsyslogd (Debian's rsyslog package) listening on a
// unix datagram socket (imuxsock), a unix stream socket (imptcp), UDP
// (imudp) and TCP (imtcp) on loopback, writing what it receives to a
// file, one message a line as fieldSep-separated properties.
type rsyslog struct {
	dir                      string
	out                      string
	uxsock, streamsock       string
	udpAddr, tcpAddr         string
	cmd                      *exec.Cmd
	exited                   chan struct{}
	conf, pidfile, tcpPortFn string
	starts                   int
}

// rsyslogd finds the daemon, or skips (fails in CI).
func rsyslogd(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"rsyslogd", "/usr/sbin/rsyslogd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	testutil.SkipOrFail(t, "rsyslogd not installed (Debian package rsyslog)")
	return ""
}

const rsyslogTemplate = `%inputname%|%pri%|%syslogfacility%|%syslogseverity%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\n`

// rsyslogLine is one received message, as the template writes it.
type rsyslogLine struct {
	input, pri, facility, severity, time, host, app, procid, msgid, sd, msg string
}

// newRsyslog writes the configuration (with a free UDP port: imudp cannot
// report one it picks) and starts the daemon.
func newRsyslog(t testing.TB) *rsyslog {
	t.Helper()
	bin := rsyslogd(t)
	dir := t.TempDir()
	r := &rsyslog{
		dir:        dir,
		out:        filepath.Join(dir, "messages"),
		uxsock:     filepath.Join(dir, "log.sock"),
		streamsock: filepath.Join(dir, "stream.sock"),
		conf:       filepath.Join(dir, "rsyslog.conf"),
		pidfile:    filepath.Join(dir, "rsyslogd.pid"),
		tcpPortFn:  filepath.Join(dir, "tcp.port"),
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.udpAddr = pc.LocalAddr().String()
	pc.Close()
	_, udpPort, _ := net.SplitHostPort(r.udpAddr)
	conf := fmt.Sprintf(`
global(workDirectory=%[1]q maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket=%[2]q RateLimit.Interval="0")
module(load="imptcp")
input(type="imptcp" Path=%[3]q)
module(load="imudp")
input(type="imudp" Address="127.0.0.1" Port=%[4]q)
module(load="imtcp")
input(type="imtcp" Address="127.0.0.1" Port="0" ListenPortFileName=%[5]q)
template(name="fields" type="string" string=%[6]q)
action(type="omfile" File=%[7]q Template="fields" FileCreateMode="0600")
`, dir, r.uxsock, r.streamsock, udpPort, r.tcpPortFn, strings.TrimSuffix(rsyslogTemplate, `\n`)+"\n", r.out)
	// %q escaped the template's newline as \n, which rsyslog reads as one.
	if err := os.WriteFile(r.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-N1", "-f", r.conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd rejects the configuration: %v\n%s\n%s", err, out, conf)
	}
	r.start(t, bin)
	return r
}

// start runs rsyslogd and waits until its sockets are up.
func (r *rsyslog) start(t testing.TB, bin string) {
	t.Helper()
	// Stale sockets of an earlier run would pass for ready ones.
	for _, p := range []string{r.tcpPortFn, r.uxsock, r.streamsock} {
		os.Remove(p)
	}
	r.cmd = exec.Command(bin, "-n", "-f", r.conf, "-i", r.pidfile)
	logf, err := os.Create(filepath.Join(r.dir, "rsyslogd.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.exited = make(chan struct{})
	go func() { r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() { r.stop() })
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(r.dir, "rsyslogd.stderr"))
			t.Logf("rsyslogd output:\n%s", b)
		}
	}()
	waitFor(t, "rsyslogd to listen", func() bool {
		select {
		case <-r.exited:
			b, _ := os.ReadFile(filepath.Join(r.dir, "rsyslogd.stderr"))
			t.Fatalf("rsyslogd exited: %s", b)
		default:
		}
		if port, err := os.ReadFile(r.tcpPortFn); err == nil && len(strings.TrimSpace(string(port))) > 0 {
			r.tcpAddr = net.JoinHostPort("127.0.0.1", strings.TrimSpace(string(port)))
		} else if r.tcpAddr == "" {
			return false
		} else {
			// A fixed port (a restart): rsyslogd writes no port file.
			c, err := net.Dial("tcp", r.tcpAddr)
			if err != nil {
				return false
			}
			c.Close()
		}
		for _, p := range []string{r.uxsock, r.streamsock} {
			if _, err := os.Stat(p); err != nil {
				return false
			}
		}
		return true
	})
	// imudp says nothing when it is bound: send until a probe arrives.
	r.starts++
	probe := "probe" + strconv.Itoa(r.starts)
	c, err := net.Dial("udp", r.udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, "rsyslogd's UDP input", func() bool {
		c.Write([]byte("<14>1 - - " + probe + " - - - udp probe"))
		time.Sleep(10 * time.Millisecond)
		for _, l := range r.lines(t) {
			if l.app == probe {
				return true
			}
		}
		return false
	})
}

// stop ends rsyslogd (SIGTERM: it writes out what it has) and waits.
func (r *rsyslog) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.exited:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		<-r.exited
	}
}

// lines reads what rsyslogd has written so far.
func (r *rsyslog) lines(t testing.TB) []rsyslogLine {
	f, err := os.Open(r.out)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []rsyslogLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 128<<10), 128<<10)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "|", 11)
		if len(p) != 11 {
			continue // a line still being written
		}
		out = append(out, rsyslogLine{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]})
	}
	return out
}

// received returns the lines from app "vigil" whose message contains tag.
func (r *rsyslog) received(t testing.TB, tag string) []rsyslogLine {
	var got []rsyslogLine
	for _, l := range r.lines(t) {
		if l.app == "vigil" && strings.Contains(l.msg, tag) {
			got = append(got, l)
		}
	}
	return got
}

// TestRsyslogTransports sends alerts through each transport to rsyslogd
// and checks what it parsed: PRI, facility, severity, host, app, pid,
// MSGID, structured data and the message.
func TestRsyslogTransports(t *testing.T) {
	r := newRsyslog(t)
	for _, tc := range []struct {
		name, network, addr, protocol, input string
		rfc5424                              bool
	}{
		{"udp", "udp", r.udpAddr, "", "imudp", true},
		{"tcp", "tcp", r.tcpAddr, "", "imtcp", true},
		{"unixgram_3164", "unixgram", r.uxsock, "", "imuxsock", false},
		{"unix_auto", "unix", r.uxsock, "", "imuxsock", false},
		{"unixstream_3164", "unixstream", r.streamsock, "", "imptcp", false},
		{"unixstream_5424", "unixstream", r.streamsock, "rfc5424", "imptcp", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSyslog(SyslogOptions{Network: tc.network, Address: tc.addr, Protocol: tc.protocol,
				Facility: "local4", Hostname: "node-9"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			const n = 3
			for i := range n {
				a := testAlert(i)
				a.Priority = [...]rules.Priority{rules.Warning, rules.Critical, rules.Informational}[i%3] // Warning, Critical, Informational
				a.Output = "transport=" + tc.name + " alert=" + strconv.Itoa(i) + " " + a.Output
				if err := s.WriteAlert(a); err != nil {
					t.Fatal(err)
				}
			}
			tag := "transport=" + tc.name + " "
			waitFor(t, "rsyslogd to write "+tc.name, func() bool { return len(r.received(t, tag)) >= n })
			got := r.received(t, tag)
			if len(got) != n {
				t.Fatalf("got %d messages, want %d: %+v", len(got), n, got)
			}
			for i, l := range got {
				sev := [...]int{4, 2, 6}[i]
				if l.input != tc.input || l.pri != strconv.Itoa(20*8+sev) || l.facility != "20" || l.severity != strconv.Itoa(sev) {
					t.Errorf("message %d: input %s pri %s facility %s severity %s", i, l.input, l.pri, l.facility, l.severity)
				}
				if l.procid != strconv.Itoa(os.Getpid()) {
					t.Errorf("message %d: procid %q", i, l.procid)
				}
				if want := "transport=" + tc.name + " alert=" + strconv.Itoa(i) + " " + testAlert(i).Output; strings.TrimSpace(l.msg) != want {
					t.Errorf("message %d: msg %q, want %q", i, l.msg, want)
				}
				if tc.rfc5424 {
					if l.host != "node-9" || l.msgid != "alert" || l.time != "2024-05-06T07:08:09.123456Z" ||
						!strings.HasPrefix(l.sd, `[vigil@32473 rule="Terminal shell in container" priority="`) {
						t.Errorf("message %d: host %q msgid %q time %q sd %q", i, l.host, l.msgid, l.time, l.sd)
					}
				}
			}
		})
	}
}

// TestRsyslogRestart: rsyslogd stops, alerts are sent, it starts again.
// Over TCP and the unix datagram socket the alerts sent while it was down
// are retried and arrive. Over UDP nothing tells the sender at once: what
// is sent while it is down is lost and counted as sent (a datagram has no
// acknowledgement); only the port unreachable it draws, which fails the
// next write, shows as a retry.
func TestRsyslogRestart(t *testing.T) {
	r := newRsyslog(t)
	bin := rsyslogd(t)
	newOut := func(name string, opts SyslogOptions) *Async {
		s, err := NewSyslog(opts)
		if err != nil {
			t.Fatal(err)
		}
		a, err := NewAsync(s, AsyncOptions{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	patient := func(network, addr string) SyslogOptions {
		return SyslogOptions{Network: network, Address: addr, MaxAttempts: 1000,
			InitialBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	}
	reliable := []*Async{newOut("syslog-tcp", patient("tcp", r.tcpAddr)), newOut("syslog-unix", patient("unixgram", r.uxsock))}
	u := newOut("syslog-udp", SyslogOptions{Network: "udp", Address: r.udpAddr, MaxAttempts: 2, InitialBackoff: time.Millisecond})
	send := func(phase string, n int, outs ...*Async) {
		for i := range n {
			for _, out := range outs {
				al := testAlert(i)
				al.Output = "phase=" + phase + " " + out.Name() + " " + al.Output
				out.WriteAlert(al)
			}
		}
	}
	send("up", 2, append(reliable, u)...)
	waitFor(t, "the first alerts", func() bool { return len(r.received(t, "phase=up ")) == 6 })

	r.stop()
	send("down", 3, reliable...)
	for _, out := range reliable {
		waitFor(t, out.Name()+" to retry while rsyslogd is down", func() bool { return out.Stats().Retried > 0 })
	}
	// The refusal of a datagram shows on the next write: send until one
	// is noticed.
	waitFor(t, "a refused datagram", func() bool {
		al := testAlert(9)
		al.Output = "phase=down syslog-udp " + al.Output
		u.WriteAlert(al)
		return u.Stats().Retried > 0
	})
	u.Close()

	// rsyslogd writes no port file for a fixed port: keep the one it had.
	_, port, _ := net.SplitHostPort(r.tcpAddr)
	conf, _ := os.ReadFile(r.conf)
	conf = []byte(strings.Replace(string(conf), `Port="0"`, `Port="`+port+`"`, 1))
	if err := os.WriteFile(r.conf, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	r.start(t, bin)
	for _, out := range reliable {
		waitFor(t, out.Name()+" alerts sent while down", func() bool {
			return len(r.received(t, "phase=down "+out.Name()+" ")) == 3
		})
		waitFor(t, out.Name()+" count", func() bool { return out.Stats().Sent == 5 })
		if st := out.Stats(); st.Failed != 0 || st.Dropped != 0 {
			t.Errorf("stats %+v", st)
		}
	}
	st := u.Stats()
	if lost := len(r.received(t, "phase=down syslog-udp ")); lost != 0 {
		t.Errorf("udp: %d received while down, stats %+v", lost, st)
	}
}
