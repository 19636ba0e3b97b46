package output

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/rules"
)

// Syslog defaults.
const (
	DefaultSyslogFacility = "local0"
	DefaultSyslogAppName  = "vigil"
	DefaultSyslogSDID     = "vigil@32473"
	DefaultSyslogSocket   = "/dev/log"
	DefaultNetTimeout     = 5 * time.Second
	// syslogMsgID is the RFC 5424 MSGID of alerts.
	syslogMsgID = "alert"
)

// SyslogOptions configure NewSyslog.
type SyslogOptions struct {
	// Network is the transport: "unix" (a local socket, datagram like
	// /dev/log, else stream), "unixgram", "unixstream", "udp", "tcp" or
	// "tls" (TCP with TLS). Default "unix".
	Network string
	// Address is the socket path (default DefaultSyslogSocket) or
	// host:port.
	Address string
	// Protocol is the message format: "rfc5424", or "rfc3164" (BSD
	// syslog, as glibc's syslog(3) writes it). Default rfc5424 on the
	// network transports and rfc3164 on unix sockets, which is what
	// local daemons (rsyslog's imuxsock, journald) parse by default.
	Protocol string
	// Framing of messages on stream transports: "octet-counting"
	// (RFC 6587 3.4.1, the default on tcp and tls) or "newline" (the
	// default on unix stream sockets).
	Framing string
	// Facility is the syslog facility name: kern, user, mail, daemon,
	// auth, syslog, lpr, news, uucp, cron, authpriv, ftp, local0 ...
	// local7. Default DefaultSyslogFacility.
	Facility string
	// AppName is the APP-NAME (the tag in RFC 3164). Default
	// DefaultSyslogAppName.
	AppName string
	// Hostname is the HOSTNAME field; default the alert's host.
	Hostname string
	// SDID is the RFC 5424 structured data element's ID, which carries
	// the alert's rule, priority, source and tags; "-" sends none.
	// Default DefaultSyslogSDID (32473 is the example enterprise number
	// of RFC 5612: set your own).
	SDID string
	// Format renders the MSG; default TextFormat (Falco's output line).
	Format Formatter
	// Timeout bounds connecting and each write. Default DefaultNetTimeout.
	Timeout time.Duration
	// TLS configures the "tls" network.
	TLS TLSOptions
	// MaxAttempts is how many times one message is tried (reconnecting
	// between tries) before it is counted as failed. Default
	// DefaultMaxAttempts.
	MaxAttempts int
	// InitialBackoff and MaxBackoff bound the waits between tries.
	InitialBackoff, MaxBackoff time.Duration
}

// Syslog sends each alert as one syslog message, with the alert's
// priority as the severity (Falco's eight priorities are syslog's eight
// severities). It connects lazily and reconnects with backoff when the
// receiver goes away; a message that fails MaxAttempts times is an
// error. Datagram transports (udp, unixgram) cannot tell a lost message:
// only a refused one is retried. Stream transports check before each
// write that the receiver has not closed the connection, so a restarted
// receiver gets the message on a new connection rather than a dead one.
// WriteAlert is meant for one goroutine (Async's); Close may be called
// from another and cancels any wait.
type Syslog struct {
	network, address string // as dialled: unix resolves to unixgram or unix at connect
	stream           bool   // of the current connection
	octetCounting    bool
	rfc3164          bool
	facility         int
	app, host        string
	sdid             string
	format           Formatter
	timeout          time.Duration
	tls              *tls.Config
	maxAttempts      int
	bo               backoff

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards conn against Close
	conn   net.Conn
	closed bool

	msg, frame []byte
	retries    atomic.Uint64
	pid        string
	loc        *time.Location // of RFC 3164 timestamps
}

// NewSyslog checks the options; it connects at the first alert.
func NewSyslog(opts SyslogOptions) (*Syslog, error) {
	s := &Syslog{
		network:     opts.Network,
		address:     opts.Address,
		app:         printable(opts.AppName, 48),
		host:        printable(opts.Hostname, 255),
		sdid:        opts.SDID,
		format:      opts.Format,
		timeout:     opts.Timeout,
		maxAttempts: attempts(opts.MaxAttempts),
		bo:          newBackoff(opts.InitialBackoff, opts.MaxBackoff),
		pid:         strconv.Itoa(os.Getpid()),
		loc:         time.Local,
	}
	if s.network == "" {
		s.network = "unix"
	}
	local := false
	switch s.network {
	case "unix", "unixgram", "unixstream":
		local = true
		if s.address == "" {
			s.address = DefaultSyslogSocket
		}
	case "udp", "tcp", "tls":
		if _, _, err := net.SplitHostPort(s.address); err != nil {
			return nil, fmt.Errorf("syslog output: address %q: %w", s.address, err)
		}
	default:
		return nil, fmt.Errorf("syslog output: network %q: want unix, unixgram, unixstream, udp, tcp or tls", s.network)
	}
	switch opts.Protocol {
	case "":
		s.rfc3164 = local
	case "rfc5424":
	case "rfc3164":
		s.rfc3164 = true
	default:
		return nil, fmt.Errorf("syslog output: protocol %q: want rfc5424 or rfc3164", opts.Protocol)
	}
	switch opts.Framing {
	case "":
		s.octetCounting = !local
	case "octet-counting":
		s.octetCounting = true
	case "newline":
	default:
		return nil, fmt.Errorf("syslog output: framing %q: want octet-counting or newline", opts.Framing)
	}
	if opts.Facility == "" {
		opts.Facility = DefaultSyslogFacility
	}
	f, ok := syslogFacility(opts.Facility)
	if !ok {
		return nil, fmt.Errorf("syslog output: unknown facility %q", opts.Facility)
	}
	s.facility = f
	if s.app == "" {
		s.app = DefaultSyslogAppName
	}
	if s.sdid == "" {
		s.sdid = DefaultSyslogSDID
	}
	if s.sdid != "-" && !validSDName(s.sdid) {
		return nil, fmt.Errorf("syslog output: structured data id %q: want NAME or NAME@NUMBER, printable ASCII without space, '=', ']' or '\"'", s.sdid)
	}
	if s.format == nil {
		s.format = TextFormat{}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultNetTimeout
	}
	if s.network == "tls" {
		c, err := opts.TLS.config()
		if err != nil {
			return nil, fmt.Errorf("syslog output: %w", err)
		}
		s.tls = c
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// syslogFacility returns the code of a facility name (any case).
func syslogFacility(name string) (int, bool) {
	switch n := strings.ToLower(name); n {
	case "kern":
		return 0, true
	case "user":
		return 1, true
	case "mail":
		return 2, true
	case "daemon":
		return 3, true
	case "auth":
		return 4, true
	case "syslog":
		return 5, true
	case "lpr":
		return 6, true
	case "news":
		return 7, true
	case "uucp":
		return 8, true
	case "cron":
		return 9, true
	case "authpriv":
		return 10, true
	case "ftp":
		return 11, true
	default:
		if len(n) == 6 && strings.HasPrefix(n, "local") && n[5] >= '0' && n[5] <= '7' {
			return 16 + int(n[5]-'0'), true
		}
		return 0, false
	}
}

// Retries counts reconnections and resends.
func (s *Syslog) Retries() uint64 { return s.retries.Load() }

// WriteAlert sends one message, reconnecting and retrying as needed.
func (s *Syslog) WriteAlert(a *engine.Alert) error {
	s.msg = s.appendMessage(s.msg[:0], a)
	var last error
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if attempt > 1 {
			s.retries.Add(1)
			if err := s.bo.sleep(s.ctx, attempt-1); err != nil {
				break
			}
		}
		conn, err := s.connection()
		if err != nil {
			last = err
			continue
		}
		s.frame = s.appendFrame(s.frame[:0], s.msg)
		err = conn.SetWriteDeadline(time.Now().Add(s.timeout))
		if err == nil {
			_, err = conn.Write(s.frame)
		}
		if err == nil {
			return nil
		}
		last = err
		s.disconnect(conn)
	}
	if last == nil {
		last = s.ctx.Err()
	}
	return fmt.Errorf("syslog %s %s: %w", s.network, s.address, last)
}

// connection returns the live connection, dialling when there is none or
// the receiver closed the one there was.
func (s *Syslog) connection() (net.Conn, error) {
	s.mu.Lock()
	conn, closed := s.conn, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errors.New("closed")
	}
	if conn != nil {
		if !s.stream || !peerClosed(conn) {
			return conn, nil
		}
		s.retries.Add(1)
		s.disconnect(conn)
	}
	conn, stream, err := s.dial()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.Close()
		return nil, errors.New("closed")
	}
	s.conn, s.stream = conn, stream
	return conn, nil
}

func (s *Syslog) dial() (net.Conn, bool, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	d := &net.Dialer{}
	switch s.network {
	case "unix":
		c, err := d.DialContext(ctx, "unixgram", s.address)
		if err == nil {
			return c, false, nil
		}
		c, err2 := d.DialContext(ctx, "unix", s.address)
		if err2 == nil {
			return c, true, nil
		}
		return nil, false, errors.Join(err, err2)
	case "unixgram":
		c, err := d.DialContext(ctx, "unixgram", s.address)
		return c, false, err
	case "unixstream":
		c, err := d.DialContext(ctx, "unix", s.address)
		return c, true, err
	case "udp":
		c, err := d.DialContext(ctx, "udp", s.address)
		return c, false, err
	case "tcp":
		c, err := d.DialContext(ctx, "tcp", s.address)
		return c, true, err
	default: // tls
		td := &tls.Dialer{NetDialer: d, Config: s.tls}
		c, err := td.DialContext(ctx, "tcp", s.address)
		return c, true, err
	}
}

func (s *Syslog) disconnect(conn net.Conn) {
	s.mu.Lock()
	if s.conn == conn {
		s.conn = nil
	}
	s.mu.Unlock()
	conn.Close()
}

// Flush does nothing: every message is written as it comes.
func (s *Syslog) Flush() error { return nil }

// Close closes the connection and cancels any wait in WriteAlert.
func (s *Syslog) Close() error {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// peerClosed reports whether the receiver closed (or reset) a stream
// connection, by peeking without blocking: syslog receivers never send,
// so end of stream or an error means the connection is gone. Over TLS
// the data may be a close_notify (closed) or a session ticket (alive):
// TLS reads it to tell.
func peerClosed(conn net.Conn) bool {
	tc, isTLS := conn.(*tls.Conn)
	raw := conn
	if isTLS {
		raw = tc.NetConn()
	}
	sc, ok := raw.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed, pending := false, false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = (n == 0 && err == nil) || (err != nil && err != syscall.EAGAIN && err != syscall.EINTR)
		pending = n > 0
		return true
	})
	if closed || err != nil {
		return true
	}
	if pending && isTLS {
		// The record is there already: the deadline only stops TLS from
		// waiting for application data after a ticket. A read timeout
		// leaves a TLS connection usable.
		_ = tc.SetReadDeadline(time.Now().Add(time.Millisecond))
		_, err := tc.Read(b[:])
		_ = tc.SetReadDeadline(time.Time{})
		var ne net.Error
		return err != nil && !(errors.As(err, &ne) && ne.Timeout())
	}
	return false
}

// appendFrame frames msg for the transport: as it is for a datagram,
// with its length before it (octet counting) or a newline after it on a
// stream.
func (s *Syslog) appendFrame(b, msg []byte) []byte {
	if !s.stream {
		return append(b, msg...)
	}
	if s.octetCounting {
		b = strconv.AppendInt(b, int64(len(msg)), 10)
		b = append(b, ' ')
		return append(b, msg...)
	}
	start := len(b)
	b = append(b, msg...)
	for i := start; i < len(b); i++ {
		if b[i] == '\n' {
			b[i] = ' '
		}
	}
	return append(b, '\n')
}

// appendMessage appends the alert's syslog message (without framing).
func (s *Syslog) appendMessage(b []byte, a *engine.Alert) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(s.facility*8+severity(a.Priority)), 10)
	b = append(b, '>')
	host := s.host
	if host == "" {
		host = printable(a.Hostname, 255)
	}
	if host == "" {
		host = "-"
	}
	if s.rfc3164 {
		// <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG, as syslog(3) writes to
		// /dev/log (which adds no hostname); on the network the
		// hostname goes before the tag.
		b = a.Time.In(s.loc).AppendFormat(b, time.Stamp)
		b = append(b, ' ')
		if s.network != "unix" && s.network != "unixgram" && s.network != "unixstream" && host != "-" {
			b = append(b, host...)
			b = append(b, ' ')
		}
		b = append(b, s.app...)
		b = append(b, '[')
		b = append(b, s.pid...)
		b = append(b, "]: "...)
		return s.format.AppendAlert(b, a)
	}
	// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG
	b = append(b, '1', ' ')
	b = a.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, ' ')
	b = append(b, host...)
	b = append(b, ' ')
	b = append(b, s.app...)
	b = append(b, ' ')
	b = append(b, s.pid...)
	b = append(b, ' ')
	b = append(b, syslogMsgID...)
	b = append(b, ' ')
	if s.sdid == "-" {
		b = append(b, '-')
	} else {
		b = append(b, '[')
		b = append(b, s.sdid...)
		b = appendSDParam(b, "rule", a.Rule)
		b = appendSDParam(b, "priority", a.Priority.String())
		b = appendSDParam(b, "source", a.Source)
		if len(a.Tags) > 0 {
			b = appendSDParam(b, "tags", strings.Join(a.Tags, ","))
		}
		b = append(b, ']')
	}
	b = append(b, ' ')
	return s.format.AppendAlert(b, a)
}

// severity maps a Falco priority to the syslog severity of the same name
// (both run emergency 0 to debug 7).
func severity(p rules.Priority) int {
	if p < rules.Emergency {
		return 0
	}
	return int(min(p, rules.Debug))
}

// appendSDParam appends ` name="value"`, the value escaped as RFC 5424
// says ('"', '\' and ']' behind a backslash) and made valid UTF-8.
func appendSDParam(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	if !utf8.ValidString(value) {
		value = strings.ToValidUTF8(value, "\uFFFD")
	}
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '"', '\\', ']':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// printable keeps the printable ASCII of s other than space (RFC 5424's
// PRINTUSASCII), at most n bytes.
func printable(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if c := s[i]; c >= 33 && c <= 126 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// validSDName reports whether s is an RFC 5424 SD-NAME.
func validSDName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			return false
		}
	}
	return true
}

// logger is a nil-safe logger.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
