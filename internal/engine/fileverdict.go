package engine

import "github.com/vigil-sec/vigil/internal/event"

// tri is a three-valued truth value (Kleene logic): a condition evaluated
// with some fields unknown is true, false, or unknown.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

// fileField reports whether a field's value is the same for every
// successful call of one event type that opens one file (one dentry, seen
// from one root): the file's path and its type, and the event type. Every
// other field (the process, the flags, the name as passed, the result) is
// unknown to FileVerdict. Transformed fields (tolower(fd.name)) count as
// unknown: that is only less precise.
func fileField(name string) bool {
	switch name {
	case "fd.name", "fd.directory", "fd.filename", "fd.typechar", "fd.type", "evt.type":
		return true
	}
	return false
}

// partial evaluates n on ev treating every field fileField does not know
// as unknown.
func partial(n node, ev *event.Event) tri { return partialWith(n, ev, fileField) }

// partialWith evaluates n on ev treating every field known does not
// accept as unknown.
func partialWith(n node, ev *event.Event, known func(string) bool) tri {
	switch n := n.(type) {
	case *checkNode:
		if !known(n.field) || (n.rhs != "" && !known(n.rhs)) {
			return triUnknown
		}
		if n.pred(ev) {
			return triTrue
		}
		return triFalse
	case *notNode:
		switch partialWith(n.kid, ev, known) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUnknown
	case *andNode:
		out := triTrue
		for _, k := range n.kids {
			switch partialWith(k, ev, known) {
			case triFalse:
				return triFalse
			case triUnknown:
				out = triUnknown
			}
		}
		return out
	case *orNode:
		out := triFalse
		for _, k := range n.kids {
			switch partialWith(k, ev, known) {
			case triTrue:
				return triTrue
			case triUnknown:
				out = triUnknown
			}
		}
		return out
	}
	return triUnknown
}

// FileVerdict reports whether some enabled rule could match an event of
// ev's type on ev's file, whatever the process, flags or result: false
// means that every call of this type that opens this file (ev.Syscall.FD)
// is of no interest to the loaded rules, so a source may stop reporting
// them (the kernel sensor caches the verdict per file). It evaluates each
// rule that can match ev.Type with only the file's path and type and the
// event type known (three-valued logic), and answers true unless every
// one is certainly false.
func (e *Engine) FileVerdict(ev *event.Event) bool {
	if int(ev.Type) >= len(e.byType) || ev.Syscall == nil || ev.Syscall.FD == nil {
		return true
	}
	for _, r := range e.byType[ev.Type] {
		if r.cond == nil || partial(r.cond, ev) != triFalse {
			return true
		}
	}
	return false
}
