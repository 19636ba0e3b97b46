package fields

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// The macros of Falco's ruleset about opened files, checked by name: every
// field they use binds, and they evaluate as in Falco on hand-built events.
// The evaluator below is a minimal one for the operators these macros use;
// the engine has the real one.

var fileMacros = []string{
	"open_write", "open_read", "open_file_failed", "etc_dir", "sensitive_files", "runuser_reading_pam",
	"linux_bench_reading_etc_shadow", "user_ssh_directory", "directory_traversal", "access_log_files",
	"containerd_activities",
}

// Macros that still need data Vigil does not have: refused by name.
// boundMacros are macros of the file on socket and ptrace events: every
// field they use binds (k8s_api_server's fd.sip.name always <NA>).
var boundMacros = []string{"k8s_api_server", "outbound", "ssh_non_standard_ports_network", "ptrace_attach_or_injection"}

type macroEval struct {
	t  *testing.T
	c  *Catalog
	rs *rules.Ruleset
	// bound caches accessors by field text.
	bound map[string]boundField
}

type boundField struct {
	f   *Field
	arg string
	acc Accessor
	err error
}

func loadFalcoRuleset(t *testing.T) *rules.Ruleset {
	t.Helper()
	data := readFalcoRules(t)
	rs, diags := rules.Load([]rules.File{{Name: "falco_rules.yaml", Data: []byte(data)}})
	if diags.HasErrors() {
		t.Fatalf("loading Falco's rules: %v", diags)
	}
	return rs
}

func (m *macroEval) bind(fe *rules.FieldExpr) boundField {
	key := fe.Name + "[" + fe.Arg + "]"
	if b, ok := m.bound[key]; ok {
		return b
	}
	var b boundField
	f, dotted, ok := m.c.Lookup(fe.Name)
	switch {
	case !ok:
		b.err = &UnavailableError{Field: fe.Name, Reason: "unknown field"}
	case !f.Available:
		b.err = &UnavailableError{Field: fe.Name, Reason: f.Unavailable}
	default:
		arg := fe.Arg
		if dotted != "" {
			arg = dotted
		}
		b.f, b.arg = f, arg
		b.acc, b.err = f.Bind(arg)
	}
	m.bound[key] = b
	return b
}

// compareExprs lists the checks of a condition, following macro references.
func (m *macroEval) compareExprs(e rules.Expr, out []*rules.CompareExpr, depth int) []*rules.CompareExpr {
	if depth > 20 {
		m.t.Fatal("macro recursion")
	}
	switch x := e.(type) {
	case *rules.AndExpr:
		for _, term := range x.Terms {
			out = m.compareExprs(term, out, depth)
		}
	case *rules.OrExpr:
		for _, term := range x.Terms {
			out = m.compareExprs(term, out, depth)
		}
	case *rules.NotExpr:
		out = m.compareExprs(x.X, out, depth)
	case *rules.MacroRef:
		mac, ok := m.rs.Macros[x.Name]
		if !ok {
			m.t.Fatalf("unknown macro %s", x.Name)
		}
		out = m.compareExprs(mac.Cond, out, depth+1)
	case *rules.CompareExpr:
		out = append(out, x)
	}
	return out
}

func (m *macroEval) listItems(items []rules.ValueExpr) []string {
	var out []string
	var expand func(text string, quoted bool, depth int)
	expand = func(text string, quoted bool, depth int) {
		if l, ok := m.rs.Lists[text]; ok && !quoted && depth < 10 {
			for _, it := range l.Items {
				expand(it.Text, false, depth+1)
			}
			return
		}
		out = append(out, strings.Trim(text, `"'`))
	}
	for _, v := range items {
		expand(v.Text, v.Quoted, 0)
	}
	return out
}

func globMatch(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func (m *macroEval) eval(e rules.Expr, ev *event.Event) bool {
	switch x := e.(type) {
	case *rules.AndExpr:
		for _, term := range x.Terms {
			if !m.eval(term, ev) {
				return false
			}
		}
		return true
	case *rules.OrExpr:
		for _, term := range x.Terms {
			if m.eval(term, ev) {
				return true
			}
		}
		return false
	case *rules.NotExpr:
		return !m.eval(x.X, ev)
	case *rules.MacroRef:
		return m.eval(m.rs.Macros[x.Name].Cond, ev)
	case *rules.CompareExpr:
		return m.compare(x, ev)
	}
	m.t.Fatalf("unexpected expression %T", e)
	return false
}

func (m *macroEval) compare(x *rules.CompareExpr, ev *event.Event) bool {
	b := m.bind(&x.Field)
	if b.err != nil {
		m.t.Fatalf("%s: %v", x.Field.Name, b.err)
	}
	var vals []string
	if x.Value != nil {
		vals = []string{x.Value.Text}
	} else {
		vals = m.listItems(x.List)
	}
	var got string
	var num int64
	var ok bool
	switch b.f.KindFor(b.arg) {
	case KindString:
		got, ok = b.acc.Str(ev)
	case KindInt:
		num, ok = b.acc.Int(ev)
	case KindUint:
		var u uint64
		u, ok = b.acc.Uint(ev)
		num = int64(u)
	case KindBool:
		var v bool
		v, ok = b.acc.Bool(ev)
		got = strconv.FormatBool(v)
	default:
		m.t.Fatalf("%s: kind %v not supported by the test evaluator", x.Field.Name, b.f.Kind)
	}
	if !ok {
		return false
	}
	numeric := b.f.KindFor(b.arg) == KindInt || b.f.KindFor(b.arg) == KindUint
	cmpNum := func(v string) int64 {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			m.t.Fatalf("%s %s %q: not a number", x.Field.Name, x.Op, v)
		}
		return n
	}
	switch x.Op {
	case "=", "==", "in":
		for _, v := range vals {
			if numeric && num == cmpNum(v) || !numeric && got == v {
				return true
			}
		}
		return false
	case "!=":
		if numeric {
			return num != cmpNum(vals[0])
		}
		return got != vals[0]
	case ">=":
		return num >= cmpNum(vals[0])
	case "<":
		return num < cmpNum(vals[0])
	case "startswith":
		return strings.HasPrefix(got, vals[0])
	case "endswith":
		return strings.HasSuffix(got, vals[0])
	case "contains":
		return strings.Contains(got, vals[0])
	case "glob":
		return globMatch(vals[0], got)
	}
	m.t.Fatalf("operator %s not supported by the test evaluator", x.Op)
	return false
}

func TestFalcoFileMacros(t *testing.T) {
	rs := loadFalcoRuleset(t)
	m := &macroEval{t: t, c: newTestCatalog(), rs: rs, bound: map[string]boundField{}}

	// Every field of the file macros binds, with a value of its kind.
	for _, name := range fileMacros {
		mac, ok := rs.Macros[name]
		if !ok {
			t.Fatalf("Falco's ruleset has no macro %s", name)
		}
		for _, ce := range m.compareExprs(mac.Cond, nil, 0) {
			if b := m.bind(&ce.Field); b.err != nil {
				t.Errorf("macro %s: %s: %v", name, ce.Field.Name, b.err)
			}
		}
	}
	for _, name := range boundMacros {
		mac, ok := rs.Macros[name]
		if !ok {
			t.Fatalf("Falco's ruleset has no macro %s", name)
		}
		for _, ce := range m.compareExprs(mac.Cond, nil, 0) {
			if b := m.bind(&ce.Field); b.err != nil {
				t.Errorf("macro %s: %s: %v", name, ce.Field.Name, b.err)
			}
		}
	}

	withPath := func(ev *event.Event, name, raw string) *event.Event {
		ev.Syscall.FD.Name, ev.Syscall.FD.NameRaw = name, raw
		for i := range ev.Syscall.Args {
			if ev.Syscall.Args[i].Name == "name" {
				ev.Syscall.Args[i].Str = raw
			}
		}
		return ev
	}
	runuser := openatEvent()
	runuser.Syscall.FD.Name = "/etc/pam.d/common-auth"
	runuser.Process.Name = "runuser"
	containerd := openatDirfdEvent()
	containerd.Process.Name = "containerd"
	containerd.Syscall.FD.Name = "/var/lib/containerd/tmpmounts/m1/etc/passwd"

	for _, tt := range []struct {
		macro string
		name  string
		ev    *event.Event
		want  bool
	}{
		{"open_read", "openat /etc/shadow", openatEvent(), true},
		{"open_read", "open data.txt", openEvent(), true},
		{"open_read", "openat2", openat2Event(), true},
		{"open_read", "failed", openatFailedEvent(), false},
		{"open_read", "directory", openatDirEvent(), false},
		{"open_read", "creat", creatEvent(), false},
		{"open_read", "execve", execEvent(), false},
		{"open_read", "drop", dropEvent(), false},
		{"open_write", "O_RDWR relative to dirfd", openatDirfdEvent(), true},
		{"open_write", "O_RDONLY", openatEvent(), false},
		{"open_write", "failed", openatFailedEvent(), false},
		{"open_write", "creat", creatEvent(), false},
		{"open_file_failed", "openat EACCES", openatFailedEvent(), true},
		{"open_file_failed", "open ENOENT", openFailedEvent(), true},
		{"open_file_failed", "success", openatEvent(), false},
		{"etc_dir", "/etc/shadow", openatEvent(), true},
		{"etc_dir", "/tmp", openatDirEvent(), false},
		{"sensitive_files", "/etc/shadow", openatEvent(), true},
		{"sensitive_files", "/etc/hosts", openat2Event(), false},
		{"sensitive_files", "/etc/sudoers.d/x", withPath(openatEvent(), "/etc/sudoers.d/x", "/etc/sudoers.d/x"), true},
		{"runuser_reading_pam", "runuser", runuser, true},
		{"user_ssh_directory", "authorized_keys", withPath(openatEvent(), "/home/alice/.ssh/authorized_keys", "authorized_keys"), true},
		{"user_ssh_directory", "root", openatFailedEvent(), false},
		{"directory_traversal", "two ../", withPath(openatFailedEvent(), "/etc/shadow", "../..//../etc/shadow"), true},
		{"directory_traversal", "one ../", openatFailedEvent(), false},
		{"access_log_files", "/var/log/syslog", withPath(openatDirfdEvent(), "/var/log/syslog", "syslog"), true},
		{"access_log_files", "/etc/shadow", openatEvent(), false},
		{"containerd_activities", "tmpmounts", containerd, true},
	} {
		if got := m.eval(rs.Macros[tt.macro].Cond, tt.ev); got != tt.want {
			t.Errorf("%s on %s = %v, want %v", tt.macro, tt.name, got, tt.want)
		}
	}
}
