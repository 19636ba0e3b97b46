package engine

import (
	"math/bits"
	"sort"

	"github.com/vigil-sec/vigil/internal/event"
)

// typeSet is a set of event types: the ones Vigil produces (bits) plus the
// names of types Vigil does not capture yet (other), which a rule may
// mention; the universal set is "all".
type typeSet struct {
	all   bool
	bits  [4]uint64
	other map[string]bool
}

func allTypes() typeSet { return typeSet{all: true} }

func (s typeSet) has(t event.Type) bool {
	if s.all {
		return true
	}
	return s.bits[t/64]&(1<<(t%64)) != 0
}

func (s *typeSet) add(t event.Type) { s.bits[t/64] |= 1 << (t % 64) }

func (s *typeSet) addOther(name string) {
	if s.other == nil {
		s.other = map[string]bool{}
	}
	s.other[name] = true
}

func union(a, b typeSet) typeSet {
	if a.all || b.all {
		return allTypes()
	}
	var out typeSet
	for i := range out.bits {
		out.bits[i] = a.bits[i] | b.bits[i]
	}
	for n := range a.other {
		out.addOther(n)
	}
	for n := range b.other {
		out.addOther(n)
	}
	return out
}

func intersect(a, b typeSet) typeSet {
	switch {
	case a.all:
		return b
	case b.all:
		return a
	}
	var out typeSet
	for i := range out.bits {
		out.bits[i] = a.bits[i] & b.bits[i]
	}
	for n := range a.other {
		if b.other[n] {
			out.addOther(n)
		}
	}
	return out
}

// complement of s among all types; types Vigil does not capture stay out
// (they cannot occur).
func complement(s typeSet) typeSet {
	if s.all {
		return typeSet{}
	}
	var out typeSet
	for _, t := range event.Types() {
		if !s.has(t) {
			out.add(t)
		}
	}
	return out
}

// types lists the Vigil event types in the set (every type when all).
func (s typeSet) types() []event.Type {
	var out []event.Type
	for _, t := range event.Types() {
		if s.has(t) {
			out = append(out, t)
		}
	}
	return out
}

func (s typeSet) empty() bool {
	if s.all {
		return false
	}
	n := 0
	for _, w := range s.bits {
		n += bits.OnesCount64(w)
	}
	return n == 0
}

// otherNames lists the not-yet-captured types named, sorted.
func (s typeSet) otherNames() []string {
	out := make([]string, 0, len(s.other))
	for n := range s.other {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
