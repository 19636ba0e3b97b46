package engine

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/rules"
)

// filesSynthetic has open rules that fire on the mix: by directory, by
// file name with a process exception, on failed opens, and negated.
func filesSynthetic(t testing.TB) []rules.File {
	r := func(name, cond string) string {
		return "- rule: " + name + "\n  desc: x\n  condition: " + cond + "\n  output: x %fd.name\n  priority: NOTICE\n"
	}
	return []rules.File{{Name: "files.yaml", Data: []byte(
		r("etc read", "evt.type in (open, openat) and fd.directory = /etc and evt.is_open_read = true") +
			r("libc not by bash", "evt.type = openat and fd.filename startswith libc and not proc.name = bash") +
			r("failed opens", "evt.type = openat and evt.rawres < 0") +
			r("outside usr", "evt.type = openat and not (fd.name startswith /usr or fd.typechar = d) and fd.num >= 0") +
			r("any open by git", "evt.type = openat and proc.name = git") +
			r("locale or cache", "evt.type = openat and (fd.name contains locale or not fd.name contains cache) and not fd.directory in (/proc, /dev)"))}}
}

// TestFilePossibleIsPartial: the compiled file predicate of every rule
// says what three-valued evaluation with only the file known says.
func TestFilePossibleIsPartial(t *testing.T) {
	evs := loadMix(t)
	for name, files := range map[string]func(testing.TB) []rules.File{"builtin": builtinRules, "falco": falcoRules, "files": filesSynthetic} {
		rs, _ := rules.Load(files(t))
		e, _ := Compile(rs, catalog(), Options{})
		checked, ruledOut := 0, 0
		for _, ev := range evs {
			if ev.Syscall == nil || ev.Syscall.FD == nil || int(ev.Type) >= len(e.byType) {
				continue
			}
			for _, r := range e.byType[ev.Type] {
				want := partial(r.cond, ev) != triFalse
				got := r.filePossible == nil || r.filePossible(ev)
				if got != want {
					t.Fatalf("%s: rule %q on %s %q: compiled %v, partial %v", name, r.Spec.Name, ev.Type, ev.Syscall.FD.Name, got, want)
				}
				checked++
				if !got {
					ruledOut++
				}
			}
		}
		if checked == 0 || ruledOut == 0 {
			t.Errorf("%s: %d rule checks, %d ruled out: the comparison proves nothing", name, checked, ruledOut)
		}
	}
}

// TestFileCacheSameAlerts: with a file cache the engine raises the same
// alerts, in the same order, as without, in both matching modes, and
// the cache is hit.
func TestFileCacheSameAlerts(t *testing.T) {
	evs := loadMix(t)
	for name, files := range map[string]func(testing.TB) []rules.File{"builtin": builtinRules, "falco": falcoRules, "files": filesSynthetic} {
		for _, m := range []Matching{MatchAll, MatchFirst} {
			t.Run(fmt.Sprintf("%s/%v", name, m), func(t *testing.T) {
				rs, _ := rules.Load(files(t))
				e, _ := Compile(rs, catalog(), Options{Matching: m})
				run := func(c *FileCache) []string {
					var out []string
					for i, ev := range evs {
						e.EvalCached(ev, c, func(a *Alert) { out = append(out, fmt.Sprintf("%d %s", i, a.Rule)) })
					}
					return out
				}
				var c FileCache
				cached, again := run(&c), run(&c)
				plain := run(nil)
				if !slices.Equal(cached, plain) || !slices.Equal(again, plain) {
					t.Errorf("with the cache %d then %d alerts, without %d", len(cached), len(again), len(plain))
				}
				if hits, misses := c.Stats(); hits == 0 || misses == 0 {
					t.Errorf("cache hits %d, misses %d", hits, misses)
				}
				if name == "files" && len(plain) == 0 {
					t.Error("no alert on the mix: the comparison proves nothing")
				}
			})
		}
	}
}

// TestFileCacheNewEngine: a cache used with another engine (a reload)
// forgets what it knew.
func TestFileCacheNewEngine(t *testing.T) {
	evs := loadMix(t)
	rs, _ := rules.Load(filesSynthetic(t))
	a, _ := Compile(rs, catalog(), Options{})
	none, _ := Compile(&rules.Ruleset{}, catalog(), Options{})
	var c FileCache
	for _, ev := range evs {
		none.EvalCached(ev, &c, func(*Alert) {})
	}
	n := 0
	for _, ev := range evs {
		a.EvalCached(ev, &c, func(*Alert) { n++ })
	}
	want := 0
	for _, ev := range evs {
		a.Eval(ev, func(*Alert) { want++ })
	}
	if n != want || n == 0 {
		t.Errorf("after a swap of engines %d alerts, want %d (> 0)", n, want)
	}
}
