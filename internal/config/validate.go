package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/rules"
)

// Error is every problem found in a configuration, each naming its key
// and where its value came from: file:line:col, or the flag.
type Error struct {
	Diags rules.Diagnostics
}

func newError(ds rules.Diagnostics) *Error {
	ds = slices.Clone(ds)
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0 // positioned problems first
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return &Error{Diags: ds}
}

// Lines renders each problem: "file:line:col: error: key: message", or
// "flag --name: error: key: message" for a value a flag set.
func (e *Error) Lines() []string {
	out := make([]string, len(e.Diags))
	for i, d := range e.Diags {
		out[i] = formatDiag(d)
	}
	return out
}

func (e *Error) Error() string { return strings.Join(e.Lines(), "\n") }

func formatDiag(d rules.Diagnostic) string {
	if d.Pos.Line > 0 {
		return d.String()
	}
	where := d.Pos.File
	if where == "" {
		where = "configuration"
	}
	if d.Item == "" {
		return fmt.Sprintf("%s: error: %s", where, d.Msg)
	}
	return fmt.Sprintf("%s: error: %s: %s", where, d.Item, d.Msg)
}

// Validate checks c as Load checks a file: every problem, as *Error, or
// nil. Use it on a Config built or changed in code.
func (c *Config) Validate() error {
	if ds := c.check(nil); len(ds) > 0 {
		return newError(ds)
	}
	return nil
}

// parent is the key path one level up ("" at the top).
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// at is where the value at path came from.
func (c *Config) at(p string) rules.Pos {
	if c.src == nil {
		return rules.Pos{}
	}
	for q := p; ; q = parent(q) {
		if f, ok := c.src.flags[q]; ok {
			return rules.Pos{File: "flag " + f}
		}
		if pos, ok := c.src.pos[q]; ok {
			return pos
		}
		if q == "" {
			return rules.Pos{File: c.src.file}
		}
	}
}

type checker struct {
	c      *Config
	failed map[string]bool
	diags  rules.Diagnostics
}

func (k *checker) errorf(p, format string, args ...any) {
	for q := p; ; q = parent(q) {
		if k.failed[q] {
			return // its value was refused already
		}
		if q == "" {
			break
		}
	}
	k.diags = append(k.diags, rules.Diagnostic{Pos: k.c.at(p), Severity: rules.SevError, Item: p, Msg: fmt.Sprintf(format, args...)})
}

// check returns every problem of c's values; failed are the key paths
// whose value could not be read, not reported again.
func (c *Config) check(failed map[string]bool) rules.Diagnostics {
	k := &checker{c: c, failed: failed}
	k.rules()
	k.policies()
	k.sensor()
	k.processTable()
	k.containers()
	k.log()
	k.outputs()
	k.aggregation()
	k.metrics()
	return k.diags
}

func (k *checker) paths(key string, ps []string, what string) {
	for i, p := range ps {
		if strings.TrimSpace(p) == "" {
			k.errorf(fmt.Sprintf("%s[%d]", key, i), "empty: want %s", what)
		}
	}
}

func (k *checker) absPath(key, p string) bool {
	switch {
	case p == "":
		k.errorf(key, "required")
	case !path.IsAbs(p):
		k.errorf(key, "%q: want an absolute path", p)
	case strings.ContainsRune(p, 0):
		k.errorf(key, "%q: a path cannot hold a NUL byte", p)
	default:
		return true
	}
	return false
}

func (k *checker) rules() {
	r := &k.c.Rules
	if len(r.Files) == 0 {
		k.errorf("rules.files", "empty: name at least one rules file or directory, or %s for the built-in ruleset", BuiltinRules)
	}
	k.paths("rules.files", r.Files, "a rules file or directory, or "+BuiltinRules)
	switch r.Matching {
	case "all", "first":
	default:
		k.errorf("rules.matching", "%q: want all (every matching rule fires) or first (only the first in rule order)", r.Matching)
	}
}

// maxDecisionTimeout bounds policies.decision_timeout: an open or exec
// blocks that long when the agent is stuck.
const maxDecisionTimeout = time.Minute

func (k *checker) policies() {
	p := &k.c.Policies
	k.paths("policies.files", p.Files, "a policy file or directory")
	switch {
	case p.DecisionTimeout <= 0:
		k.errorf("policies.decision_timeout", "%v: must be positive", p.DecisionTimeout)
	case p.DecisionTimeout > maxDecisionTimeout:
		k.errorf("policies.decision_timeout", "%v: at most %v (every open and exec of a watched process waits up to this long)", p.DecisionTimeout, maxDecisionTimeout)
	}
}

func (k *checker) sensor() {
	s := &k.c.Sensor
	rb := s.RingBufferBytes
	switch {
	case rb < 4*KiB || rb > GiB:
		k.errorf("sensor.ring_buffer_bytes", "%v: must be between 4KiB and 1GiB", rb)
	case rb&(rb-1) != 0:
		k.errorf("sensor.ring_buffer_bytes", "%v: must be a power of two (such as 4MiB, 8MiB, 16MiB)", rb)
	}
	switch w := s.WakeupBytes; {
	case w == 0 || w < -1:
		k.errorf("sensor.wakeup_bytes", "%v: must be -1 (wake at every record) or positive", w)
	case w > rb && rb > 0:
		k.errorf("sensor.wakeup_bytes", "%v: must not exceed sensor.ring_buffer_bytes (%v)", w, rb)
	}
	if s.PollInterval <= 0 {
		k.errorf("sensor.poll_interval", "%v: must be positive", s.PollInterval)
	}
}

func (k *checker) processTable() {
	t := &k.c.ProcessTable
	if t.MaxProcesses < 1 {
		k.errorf("process_table.max_processes", "%d: must be at least 1", t.MaxProcesses)
	}
	if t.Ancestors < 1 {
		k.errorf("process_table.ancestors", "%d: must be at least 1", t.Ancestors)
	}
	if t.ExitGrace < 0 {
		k.errorf("process_table.exit_grace", "%v: must not be negative", t.ExitGrace)
	}
}

func (k *checker) containers() {
	c := &k.c.Containers
	for i, s := range c.CRISockets {
		k.absPath(fmt.Sprintf("containers.cri_sockets[%d]", i), s)
	}
	k.absPath("containers.docker_socket", c.DockerSocket)
}

func (k *checker) log() {
	l := &k.c.Log
	switch strings.ToLower(l.Level) {
	case "debug", "info", "warn", "error":
	default:
		k.errorf("log.level", "%q: want debug, info, warn or error", l.Level)
	}
	switch strings.ToLower(l.Format) {
	case "text", "json":
	default:
		k.errorf("log.format", "%q: want text or json", l.Format)
	}
	if l.StatsInterval < 0 {
		k.errorf("log.stats_interval", "%v: must not be negative (0: never)", l.StatsInterval)
	}
}

var outputName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// maxQueue bounds outputs[].queue_size.
const maxQueue = 1 << 20

func (k *checker) outputs() {
	names := map[string]int{}
	for i := range k.c.Outputs {
		o := &k.c.Outputs[i]
		p := fmt.Sprintf("outputs[%d]", i)
		k.output(p, o)
		switch {
		case o.Name == "":
			k.errorf(p+".name", "empty: give the output a name, or leave name out to derive it from the type")
		case !outputName.MatchString(o.Name):
			k.errorf(p+".name", "%q: want letters, digits, '_', '-' and '.', starting with a letter or digit, at most 64", o.Name)
		}
		if j, dup := names[o.Name]; dup && o.Name != "" {
			hint := ""
			if k.c.src != nil && !k.c.nameGiven(i) {
				hint = " (derived from its type: give one of them a name)"
			}
			k.errorf(p+".name", "%q is already the name of outputs[%d]; output names are unique%s", o.Name, j, hint)
		} else {
			names[o.Name] = i
		}
	}
}

func (k *checker) output(p string, o *Output) {
	switch {
	case o.Type == "":
		k.errorf(p+".type", "required: want one of %s", typeList())
		return
	case !validType(o.Type):
		k.errorf(p+".type", "%q: want one of %s", o.Type, typeList())
		return
	}
	if !slices.Contains(Formats(), o.Format) {
		k.errorf(p+".format", "%q: want text, json or ocsf", o.Format)
	} else if o.Type == TypeHTTP && o.Format == FormatText {
		k.errorf(p+".format", "text: an http output sends JSON documents: want json or ocsf")
	}
	if o.MinPriority < rules.Emergency || o.MinPriority > rules.Debug {
		k.errorf(p+".min_priority", "%v: not a priority", o.MinPriority)
	}
	if o.QueueSize < 1 || o.QueueSize > maxQueue {
		k.errorf(p+".queue_size", "%d: must be between 1 and %d", o.QueueSize, maxQueue)
	}
	blocks := []struct {
		t   OutputType
		set bool
	}{{TypeFile, o.File != nil}, {TypeSyslog, o.Syslog != nil}, {TypeHTTP, o.HTTP != nil}, {TypeProgram, o.Program != nil}}
	for _, b := range blocks {
		switch {
		case b.set && b.t != o.Type:
			k.errorf(p+"."+string(b.t), "only for outputs of type %s; this output is of type %s", b.t, o.Type)
		case !b.set && b.t == o.Type:
			k.errorf(p+"."+string(b.t), "required for an output of type %s", o.Type)
		}
	}
	switch o.Type {
	case TypeFile:
		if o.File != nil {
			k.fileOutput(p+".file", o.File)
		}
	case TypeSyslog:
		if o.Syslog != nil {
			k.syslogOutput(p+".syslog", o.Syslog)
		}
	case TypeHTTP:
		if o.HTTP != nil {
			k.httpOutput(p+".http", o.HTTP)
		}
	case TypeProgram:
		if o.Program != nil && strings.TrimSpace(o.Program.Command) == "" {
			k.errorf(p+".program.command", "required: the command line to run (by /bin/sh -c)")
		}
	}
}

func typeList() string {
	var s []string
	for _, t := range OutputTypes() {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

func (k *checker) fileOutput(p string, f *FileOutput) {
	if k.absPath(p+".path", f.Path) && strings.HasSuffix(f.Path, "/") {
		k.errorf(p+".path", "%q: names a directory; want a file", f.Path)
	}
	if f.MaxSize < 0 {
		k.errorf(p+".max_size", "%v: must not be negative (0: never rotate)", f.MaxSize)
	}
	if f.MaxFiles < 1 {
		k.errorf(p+".max_files", "%d: must be at least 1", f.MaxFiles)
	}
}

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

func (k *checker) syslogOutput(p string, s *SyslogOutput) {
	switch s.Network {
	case "unix", "unixgram":
		k.absPath(p+".address", s.Address)
	case "udp", "tcp", "tls":
		k.hostPort(p+".address", s.Address, false)
	default:
		k.errorf(p+".network", "%q: want unix, unixgram, udp, tcp or tls", s.Network)
	}
	if !slices.Contains(facilities, s.Facility) {
		k.errorf(p+".facility", "%q: want one of %s", s.Facility, strings.Join(facilities, ", "))
	}
	if !validAppName(s.AppName) {
		k.errorf(p+".app_name", "%q: want 1 to 48 printable ASCII characters without spaces", s.AppName)
	}
	if s.Network != "tls" && s.TLS != (TLS{}) {
		k.errorf(p+".tls", "only for network tls; this output's network is %s", s.Network)
	}
	k.tls(p+".tls", &s.TLS)
}

func validAppName(s string) bool {
	if s == "" || len(s) > 48 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// maxRetries bounds outputs[].http.retries.
const maxRetries = 100

func (k *checker) httpOutput(p string, h *HTTPOutput) {
	if h.URL == "" {
		k.errorf(p+".url", "required: the URL each alert is posted to")
	} else if u, err := url.Parse(h.URL); err != nil {
		k.errorf(p+".url", "not a URL: %v", errors.Unwrap(err))
	} else {
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			k.errorf(p+".url", "%q: want an http:// or https:// URL", u.Redacted())
		case u.Host == "":
			k.errorf(p+".url", "%q: no host", u.Redacted())
		case u.User != nil:
			k.errorf(p+".url", "credentials in the URL would be logged: put them in headers (Authorization) instead")
		case u.Scheme == "http" && h.TLS != (TLS{}):
			k.errorf(p+".tls", "only for https URLs; this one is http")
		}
	}
	names := make([]string, 0, len(h.Headers))
	for name := range h.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !validHeaderName(name) {
			k.errorf(p+".headers."+name, "%q: not a valid HTTP header name", name)
		}
		if strings.ContainsAny(h.Headers[name], "\r\n\x00") {
			k.errorf(p+".headers."+name, "a header value cannot hold CR, LF or NUL")
		}
	}
	if h.Timeout <= 0 {
		k.errorf(p+".timeout", "%v: must be positive", h.Timeout)
	}
	if h.Retries < 0 || h.Retries > maxRetries {
		k.errorf(p+".retries", "%d: must be between 0 and %d", h.Retries, maxRetries)
	}
	if h.Backoff < 0 {
		k.errorf(p+".backoff", "%v: must not be negative", h.Backoff)
	}
	k.tls(p+".tls", &h.TLS)
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func (k *checker) tls(p string, t *TLS) {
	for _, f := range []struct{ key, v string }{{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}} {
		if f.v != "" {
			k.absPath(p+"."+f.key, f.v)
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		k.errorf(p, "cert_file and key_file go together (a client certificate and its key)")
	}
}

// hostPort checks a host:port; port 0 (any free port) only if anyPort.
func (k *checker) hostPort(key, addr string, anyPort bool) (host string, ok bool) {
	h, portS, err := net.SplitHostPort(addr)
	if err != nil {
		k.errorf(key, "%q: want host:port", addr)
		return "", false
	}
	port, err := strconv.ParseUint(portS, 10, 16)
	if err != nil || (port == 0 && !anyPort) {
		k.errorf(key, "%q: bad port %q", addr, portS)
		return "", false
	}
	if h == "" && !anyPort {
		k.errorf(key, "%q: no host", addr)
		return "", false
	}
	return h, true
}

func (k *checker) aggregation() {
	if w := k.c.Aggregation.Window; w <= 0 {
		k.errorf("aggregation.window", "%v: must be positive", w)
	}
}

// IsLoopback reports whether a listen address's host can only be reached
// from this host: localhost, or a loopback IP. An empty host listens on
// every interface.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (k *checker) metrics() {
	m := &k.c.Metrics
	if h, ok := k.hostPort("metrics.listen", m.Listen, true); ok && !IsLoopback(h) && !m.AllowRemote {
		k.errorf("metrics.listen", "%q is reachable from other hosts, and the metrics and health endpoints have no authentication: listen on 127.0.0.1 or ::1, or set metrics.allow_remote: true", m.Listen)
	}
	for _, f := range []struct{ key, v string }{{"metrics.path", m.Path}, {"metrics.health_path", m.HealthPath}} {
		if !strings.HasPrefix(f.v, "/") || strings.ContainsAny(f.v, "?# \t\r\n") {
			k.errorf(f.key, "%q: want a URL path starting with /", f.v)
		}
	}
	if m.Path == m.HealthPath && strings.HasPrefix(m.Path, "/") {
		k.errorf("metrics.health_path", "%q: the same as metrics.path", m.HealthPath)
	}
}
