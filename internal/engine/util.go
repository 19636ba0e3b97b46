package engine

import (
	"sort"

	"github.com/vigil-sec/vigil/internal/rules"
)

func sortedMacroNames(rs *rules.Ruleset) []string {
	out := make([]string, 0, len(rs.Macros))
	for n := range rs.Macros {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func sortedNA(m map[string]*naOutput) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
