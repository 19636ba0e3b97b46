package state

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// freshAncestors is the ancestry of pid built without the cache.
func freshAncestors(tb *Table, pid uint32) []event.Ancestor {
	i := tb.get(pid)
	if i == nilIdx {
		return nil
	}
	e := &tb.slots[i]
	saved := *e
	e.ancValid = false
	ev := &event.Event{}
	tb.ancestors(ev, i)
	e.anc, e.ancIdx, e.ancValid, e.ancGen, e.ancUntil = saved.anc, saved.ancIdx, saved.ancValid, saved.ancGen, saved.ancUntil
	return ev.Ancestors
}

// TestAncestryCacheIsFresh: through a random history of execs, forks,
// exits, renames, reparentings and other events (small table: evictions;
// time running past the exit grace), every event's ancestry is what
// walking the table afresh gives, and the cache is used.
func TestAncestryCacheIsFresh(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		tb := replayTable(Config{MaxProcesses: 40, GracePeriod: 2 * time.Second})
		now := t0()
		live := []uint32{1}
		tb.Apply(execEv(now, 1, 0, "/sbin/init", "init"))
		next := uint32(2)
		hits := 0
		for step := range 3000 {
			now = now.Add(time.Duration(rng.IntN(40)) * time.Millisecond)
			pid := live[rng.IntN(len(live))]
			var ev *event.Event
			switch r := rng.IntN(100); {
			case r < 10:
				ev = cloneEv(now, next, next, pid, false)
				live = append(live, next)
				next++
			case r < 18:
				ev = execEv(now, pid, 0, fmt.Sprintf("/bin/x%d", rng.IntN(5)), "x")
			case r < 24 && pid != 1:
				ev = exitEv(now, pid, 0)
				for k, p := range live {
					if p == pid {
						live = append(live[:k], live[k+1:]...)
						break
					}
				}
			case r < 27:
				ev = otherEv(now, pid, 0)
				ev.Process.Name = fmt.Sprintf("renamed%d", rng.IntN(3))
			case r < 29 && pid != 1:
				ev = otherEv(now, pid, 1) // reparented to init
			default:
				ev = otherEv(now, pid, 0)
				ev.Process.Name = ""
			}
			before := tb.get(ev.Process.PID)
			cached := before != nilIdx && tb.slots[before].ancValid && tb.slots[before].ancGen == tb.lineage
			tb.Apply(ev)
			if ev.Type == event.TypeUnknown && cached {
				hits++
			}
			want := freshAncestors(tb, ev.Process.PID)
			if len(want) == 0 {
				want = nil
			}
			got := ev.Ancestors
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: %s of %d: ancestry %+v, afresh %+v", seed, step, ev.Type, ev.Process.PID, got, want)
			}
		}
		if hits == 0 {
			t.Errorf("seed %d: the cache was never used", seed)
		}
	}
}

// TestAncestryCacheGrace: an exited ancestor leaves the cached ancestry
// when its grace period ends, even before a sweep.
func TestAncestryCacheGrace(t *testing.T) {
	tb := replayTable(Config{GracePeriod: 5 * time.Second})
	chain(tb, 1, 2, 3)
	ev := otherEv(at(time.Second), 3, 2)
	tb.Apply(ev)
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{2, 1}) {
		t.Fatalf("ancestors %v", got)
	}
	tb.Apply(exitEv(at(2*time.Second), 2, 1))
	ev = otherEv(at(3*time.Second), 3, 0)
	tb.Apply(ev)
	if got := ancestorPIDs(ev); !reflect.DeepEqual(got, []uint32{2, 1}) {
		t.Fatalf("within the grace: ancestors %v", got)
	}
	ev = otherEv(at(7*time.Second+time.Millisecond), 3, 0)
	tb.Apply(ev)
	if got := ancestorPIDs(ev); len(got) != 0 {
		t.Fatalf("after the grace: ancestors %v, want none (the parent is gone)", got)
	}
}
