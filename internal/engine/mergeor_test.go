package engine

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// evalTree evaluates n check by check, without build's merging.
func evalTree(n node, ev *event.Event) bool {
	switch n := n.(type) {
	case *checkNode:
		return n.pred(ev)
	case *notNode:
		return !evalTree(n.kid, ev)
	case *andNode:
		for _, k := range n.kids {
			if !evalTree(k, ev) {
				return false
			}
		}
		return true
	case *orNode:
		for _, k := range n.kids {
			if evalTree(k, ev) {
				return true
			}
		}
		return false
	}
	return false
}

// mergeSynthetic has ors of checks on one field, mixed with others, that
// hold on the mix's opens.
func mergeSynthetic(testing.TB) []rules.File {
	r := func(name, cond string) string {
		return "- rule: " + name + "\n  desc: x\n  condition: " + cond + "\n  output: x\n  priority: NOTICE\n"
	}
	return []rules.File{{Name: "merge.yaml", Data: []byte(
		r("suffixes", "evt.type = openat and (fd.name endswith .so.6 or fd.name endswith .cache or proc.name = git or fd.name endswith locale-archive)") +
			r("globs", `evt.type = openat and (fd.name glob "/usr/lib/*" or fd.name glob "/etc/*.conf" or fd.name glob "*passwd" or fd.directory = /proc)`) +
			r("negated", "evt.type = openat and not (fd.name startswith /usr or fd.name startswith /etc or fd.name in (/dev/null))") +
			r("mixed ops", "evt.type = openat and (fd.name contains locale or fd.name = /etc/hosts or fd.name pmatch (/proc) or fd.filename in (ld.so.cache))"))}}
}

// TestMergedOrIsTree: every rule's compiled predicate (ors on one field
// merged) says what evaluating its tree check by check says, on every
// event of the mix.
func TestMergedOrIsTree(t *testing.T) {
	evs := loadMix(t)
	for name, files := range map[string]func(testing.TB) []rules.File{"builtin": builtinRules, "falco": falcoRules, "merge": mergeSynthetic} {
		rs, _ := rules.Load(files(t))
		e, _ := Compile(rs, catalog(), Options{})
		held := 0
		for _, r := range e.Rules() {
			if !r.Loaded {
				continue
			}
			for _, ev := range evs {
				got, want := r.pred(ev), evalTree(r.cond, ev)
				if got != want {
					t.Fatalf("%s: rule %q on %s %v: compiled %v, tree %v", name, r.Spec.Name, ev.Type, ev.Syscall, got, want)
				}
				if got {
					held++
				}
			}
		}
		if name == "merge" && held == 0 {
			t.Error("the merged rules never hold on the mix: the comparison proves little")
		}
	}
}
