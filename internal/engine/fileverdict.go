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
		if r.filePossible == nil || r.filePossible(ev) {
			return true
		}
	}
	return false
}

// buildPossible compiles n into a predicate that is true unless n is
// certainly false when only the fields known accepts are known: the
// compiled form of partialWith(n, ev, known) != triFalse, with the
// unknown checks folded away at compile time. It returns nil when n is
// possible whatever the event.
func buildPossible(n node, known func(string) bool) pred {
	switch n := n.(type) {
	case *checkNode:
		if !isKnown(n, known) {
			return nil
		}
		return n.pred
	case *notNode:
		// not k is possible unless k is certain.
		c := buildCertain(n.kid, known)
		if c == nil {
			return nil
		}
		return func(ev *event.Event) bool { return !c(ev) }
	case *andNode:
		var ps []pred
		for _, k := range n.kids {
			if p := buildPossible(k, known); p != nil {
				ps = append(ps, p)
			}
		}
		return allOf(ps)
	case *orNode:
		checks, rest := knownChecks(n.kids, known)
		ps := mergeOr(checks)
		for _, k := range rest {
			p := buildPossible(k, known)
			if p == nil {
				return nil // one kid possible whatever: so is the or
			}
			ps = append(ps, p)
		}
		return anyOf(ps)
	}
	return nil
}

// knownChecks splits the kids of an or into the checks whose fields are
// all known (merged by mergeOr: for them possible and certain are the
// check itself) and the rest.
func knownChecks(kids []node, known func(string) bool) (checks, rest []node) {
	for _, k := range kids {
		if c, ok := k.(*checkNode); ok && isKnown(c, known) {
			checks = append(checks, c)
		} else {
			rest = append(rest, k)
		}
	}
	return checks, rest
}

// isKnown reports whether every field c reads is known.
func isKnown(c *checkNode, known func(string) bool) bool {
	return known(c.field) && (c.rhs == "" || known(c.rhs))
}

// buildCertain compiles n into a predicate that is true when n is
// certainly true with only the fields known accepts known
// (partialWith(n, ev, known) == triTrue). It returns nil when n is never
// certain.
func buildCertain(n node, known func(string) bool) pred {
	switch n := n.(type) {
	case *checkNode:
		if !isKnown(n, known) {
			return nil
		}
		return n.pred
	case *notNode:
		// not k is certain when k is impossible.
		p := buildPossible(n.kid, known)
		if p == nil {
			return nil
		}
		return func(ev *event.Event) bool { return !p(ev) }
	case *andNode:
		ps := make([]pred, 0, len(n.kids))
		for _, k := range n.kids {
			c := buildCertain(k, known)
			if c == nil {
				return nil // one kid never certain: nor is the and
			}
			ps = append(ps, c)
		}
		return allOf(ps)
	case *orNode:
		checks, rest := knownChecks(n.kids, known)
		ps := mergeOr(checks)
		for _, k := range rest {
			if c := buildCertain(k, known); c != nil {
				ps = append(ps, c)
			}
		}
		if len(ps) == 0 {
			return nil
		}
		return anyOf(ps)
	}
	return nil
}
