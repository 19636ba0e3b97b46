package event

// Copy returns a copy of ev that shares no memory a source may reuse:
// the event and its details (Exec, Clone, Exit, Drop, Enforcement,
// Syscall with its arguments, descriptor and socket) are copied. Strings,
// Process.Args, Ancestors, Drop.Lost and Container are shared: no one
// modifies them in place. Keep a Copy of an event past the Write or
// Apply call that received it (an alert does).
func (ev *Event) Copy() *Event {
	if ev == nil {
		return nil
	}
	c := *ev
	if ev.Exec != nil {
		x := *ev.Exec
		c.Exec = &x
	}
	if ev.Clone != nil {
		x := *ev.Clone
		c.Clone = &x
	}
	if ev.Exit != nil {
		x := *ev.Exit
		c.Exit = &x
	}
	if ev.Drop != nil {
		x := *ev.Drop
		c.Drop = &x
	}
	if ev.Enforcement != nil {
		x := *ev.Enforcement
		c.Enforcement = &x
	}
	if sc := ev.Syscall; sc != nil {
		x := *sc
		if sc.Args != nil {
			x.Args = append([]Arg(nil), sc.Args...)
		}
		if sc.FD != nil {
			fd := *sc.FD
			if fd.Sock != nil {
				s := *fd.Sock
				fd.Sock = &s
			}
			x.FD = &fd
		}
		c.Syscall = &x
	}
	return &c
}
