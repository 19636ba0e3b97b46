package engine

import (
	"slices"

	"github.com/vigil-sec/vigil/internal/event"
)

// nameIndex narrows an event type's rules by the process name: most rules
// require proc.name to be one of a few values (a top-level
// `proc.name in (...)` or `proc.name = x` conjunct), so for an event only
// the rules naming its process, and those that name none, can match. The
// candidate lists keep the rules' order (MatchFirst depends on it).
type nameIndex struct {
	byName map[string][]*Rule // name -> rules naming it, merged with rest
	rest   []*Rule            // rules that do not constrain proc.name
}

// buildNameIndexes returns, per event type, the index when it leaves out
// at least one rule for some name (nil elsewhere).
func buildNameIndexes(byType [][]*Rule) []*nameIndex {
	out := make([]*nameIndex, len(byType))
	for t, rs := range byType {
		named := map[*Rule][]string{}
		for _, r := range rs {
			if names, ok := requiredNames(r.cond); ok {
				named[r] = names
			}
		}
		if len(named) == 0 {
			continue
		}
		idx := &nameIndex{byName: map[string][]*Rule{}}
		for _, r := range rs {
			if _, ok := named[r]; !ok {
				idx.rest = append(idx.rest, r)
			}
		}
		for _, r := range rs { // in rule order
			for _, n := range named[r] {
				if _, seen := idx.byName[n]; !seen {
					idx.byName[n] = nil
				}
			}
		}
		for n := range idx.byName {
			var l []*Rule
			for _, r := range rs {
				names, isNamed := named[r]
				if !isNamed || slices.Contains(names, n) {
					l = append(l, r)
				}
			}
			idx.byName[n] = l
		}
		out[t] = idx
	}
	return out
}

// candidates returns the rules of the index that can match a process
// named name (ok false: the event has no process name).
func (x *nameIndex) candidates(name string, ok bool) []*Rule {
	if ok {
		if l, found := x.byName[name]; found {
			return l
		}
	}
	return x.rest
}

// requiredNames returns the process names one of which n requires
// (proc.name exactly, with = or in); ok false when n does not restrict
// proc.name. An and requires what its most restrictive kid does; an or
// what all its kids do together, when each restricts it.
func requiredNames(n node) ([]string, bool) {
	switch n := n.(type) {
	case *checkNode:
		if n.field != "proc.name" || n.rhs != "" {
			return nil, false
		}
		switch n.op {
		case "=", "==":
			if len(n.values) == 1 {
				return n.values, true
			}
		case "in":
			return n.values, true
		}
	case *andNode:
		var best []string
		found := false
		for _, k := range n.kids {
			if names, ok := requiredNames(k); ok && (!found || len(names) < len(best)) {
				best, found = names, true
			}
		}
		return best, found
	case *orNode:
		var all []string
		for _, k := range n.kids {
			names, ok := requiredNames(k)
			if !ok {
				return nil, false
			}
			all = append(all, names...)
		}
		slices.Sort(all)
		return slices.Compact(all), true
	}
	return nil, false
}

// procNameOf is the value the proc.name predicates read.
type procNameOf func(ev *event.Event) (string, bool)
