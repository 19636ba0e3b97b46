package fields

import "github.com/vigil-sec/vigil/internal/event"

// addVigilFields adds Vigil's own fields (class vigil): what a prevention
// policy did, on vigil_enforce events.
func (c *Catalog) addVigilFields() {
	for _, f := range []struct {
		name, desc string
		get        func(*event.Enforcement) string
	}{
		{"vigil.policy", "The name of the prevention policy that acted (vigil_enforce events).", func(e *event.Enforcement) string { return e.Policy }},
		{"vigil.mode", "The policy's mode: enforce or audit (vigil_enforce events).", func(e *event.Enforcement) string { return e.Mode }},
		{"vigil.action", "The policy's action: deny or kill (vigil_enforce events).", func(e *event.Enforcement) string { return e.Action }},
		{"vigil.match", "What the policy matched: exec, exec_allow, open, connect, bind or syscall (vigil_enforce events).", func(e *event.Enforcement) string { return e.Match }},
		{"vigil.target", "What the process tried: the file, the address and port, or the system call (vigil_enforce events).", func(e *event.Enforcement) string { return e.Target }},
		{"vigil.result", "What happened: denied, killed, would deny, would kill, or failed: REASON (vigil_enforce events).", func(e *event.Enforcement) string { return e.Result }},
		{"vigil.mechanism", "How the policy acted: fanotify, cgroup sock_addr, bpf_send_signal or kill(2) (vigil_enforce events).", func(e *event.Enforcement) string { return e.Mechanism }},
	} {
		get := f.get
		c.add(spec{name: f.name, kind: KindString, desc: f.desc,
			acc: Accessor{Str: func(ev *event.Event) (string, bool) {
				if ev == nil || ev.Enforcement == nil {
					return "", false
				}
				v := get(ev.Enforcement)
				return v, v != ""
			}}})
	}
}
