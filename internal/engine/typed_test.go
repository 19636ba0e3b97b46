package engine

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// TestArgBoundForRuleTypes: evt.arg.dirfd is refused for a rule that can
// match any event (execveat's dirfd is not captured) but accepted, in the
// condition and the output, for one restricted to openat.
func TestArgBoundForRuleTypes(t *testing.T) {
	src := `
- macro: at_cwd
  condition: evt.arg.dirfd = AT_FDCWD
- rule: openat_cwd
  desc: d
  condition: evt.type = openat and at_cwd
  output: "dirfd=%evt.arg.dirfd"
  priority: INFO
- rule: any_cwd
  desc: d
  condition: at_cwd
  output: o
  priority: INFO
`
	e, diags := compileYAML(t, src, Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	r, _ := e.Rule("openat_cwd")
	if !r.Loaded {
		t.Fatalf("openat_cwd not loaded: %s\n%s", r.Skipped, diagText(diags))
	}
	if r, _ := e.Rule("any_cwd"); r.Loaded || !strings.Contains(r.Skipped, "evt.arg.dirfd") {
		t.Errorf("any_cwd: loaded=%v %q", r.Loaded, r.Skipped)
	}
	if strings.Count(diagText(diags), "openat_cwd") != 0 {
		t.Errorf("diagnostics about openat_cwd: %s", diagText(diags))
	}
	ev := execEvent()
	ev.Type, ev.Exec = event.TypeOpenat, nil
	ev.Syscall = &event.Syscall{Res: 3, FD: &event.FD{Num: 3, Type: event.FDFile, Name: "/etc/passwd"},
		Args: []event.Arg{{Name: "fd", Kind: event.ArgFD, Num: 3}, {Name: "dirfd", Kind: event.ArgFD, Num: -100}}}
	var got []string
	e.Eval(ev, func(a *Alert) { got = append(got, a.Message) })
	if strings.Join(got, ",") != "dirfd=AT_FDCWD" {
		t.Errorf("alerts %q", got)
	}
}

// TestSocketNetworks: fd.net and fd.ip test both ends of the socket, with
// Falco's CIDR operands and != meaning neither end.
func TestSocketNetworks(t *testing.T) {
	src := `
- list: rfc_1918_addresses
  items: ['"10.0.0.0/8"', '"172.16.0.0/12"', '"192.168.0.0/16"']
- rule: outbound
  desc: d
  condition: evt.type = connect and fd.ip != "0.0.0.0" and fd.net != "127.0.0.0/8" and not fd.snet in (rfc_1918_addresses)
  output: "%fd.sip:%fd.sport"
  priority: INFO
`
	e, diags := compileYAML(t, src, Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	conn := func(local, remote string) *event.Event {
		ev := execEvent()
		ev.Type, ev.Exec = event.TypeConnect, nil
		ev.Syscall = &event.Syscall{FD: &event.FD{Num: 3, Type: event.FDIPv4, Sock: &event.Socket{Family: 2, Type: 1, Proto: 6,
			Role: event.RoleClient, Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}}}
		return ev
	}
	for _, tt := range []struct {
		local, remote string
		want          string
	}{
		{"10.0.0.5:40000", "93.184.216.34:443", "93.184.216.34:443"},
		{"10.0.0.5:40000", "10.1.2.3:443", ""},
		{"127.0.0.1:40000", "127.0.0.1:80", ""},
		{"10.0.0.5:40000", "0.0.0.0:80", ""},
	} {
		var got []string
		e.Eval(conn(tt.local, tt.remote), func(a *Alert) { got = append(got, a.Message) })
		if strings.Join(got, ",") != tt.want {
			t.Errorf("%s -> %s: alerts %q, want %q", tt.local, tt.remote, got, tt.want)
		}
	}
}
