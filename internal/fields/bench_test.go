package fields

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/state/users"
)

// benchFields are the accessors measured by BenchmarkAccessors and held to
// zero allocations (on a repeated event) by TestAccessorAllocs.
var benchFields = []string{
	"proc.name", "proc.cmdline", "proc.args", "proc.aname[2]", "proc.aname", "proc.pcmdline",
	"proc.acmdline[2]", "user.name", "evt.type", "evt.time", "evt.arg.flags", "proc.apid",
}

// benchOpenFields are measured on an openat event by BenchmarkOpenAccessors
// and held to zero allocations (on a repeated event) by
// TestOpenAccessorAllocs.
var benchOpenFields = []string{
	"fd.name", "fd.num", "evt.is_open_read", "evt.is_open_write", "fd.directory", "fd.filename", "fd.nameraw",
	"fd.typechar", "evt.res", "evt.rawres", "evt.arg.flags", "evt.arg.fd", "evt.arg.name", "evt.arg.mode",
	"evt.rawarg.flags", "fd.uid",
}

func BenchmarkOpenAccessors(b *testing.B) {
	c := newTestCatalog()
	evs := map[string]*event.Event{"ok": openatEvent(), "failed": openatFailedEvent()}
	for _, name := range benchOpenFields {
		f, arg, acc := bind(b, c, name)
		for which, ev := range evs {
			b.Run(name+"/"+which, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					switch f.KindFor(arg) {
					case KindString:
						acc.Str(ev)
					case KindUint:
						acc.Uint(ev)
					case KindInt:
						acc.Int(ev)
					case KindBool:
						acc.Bool(ev)
					}
				}
			})
		}
	}
}

func BenchmarkAccessors(b *testing.B) {
	c := newTestCatalog()
	ev := execEvent()
	for _, name := range benchFields {
		f, arg, acc := bind(b, c, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var dst []string
			for b.Loop() {
				switch f.KindFor(arg) {
				case KindString:
					acc.Str(ev)
				case KindUint:
					acc.Uint(ev)
				case KindStrings:
					dst, _ = acc.Strs(ev, dst)
				}
			}
		})
	}
	// user.name through the real user database (which checks its files'
	// age on each lookup).
	b.Run("user.name/users.DB", func(b *testing.B) {
		dir := b.TempDir()
		pp := filepath.Join(dir, "passwd")
		if err := os.WriteFile(pp, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		c := New(Options{Names: users.New(pp, filepath.Join(dir, "group"))})
		_, _, acc := bind(b, c, "user.name")
		if v, ok := acc.Str(ev); !ok || v != "root" {
			b.Fatalf("user.name = %q, %v", v, ok)
		}
		b.ReportAllocs()
		for b.Loop() {
			acc.Str(ev)
		}
	})
	// A stream of different events: proc.cmdline rebuilds its string for
	// each one (the cache only helps within an event).
	b.Run("proc.cmdline/new-event-each-time", func(b *testing.B) {
		_, _, acc := bind(b, c, "proc.cmdline")
		evs := make([]*event.Event, 64)
		for i := range evs {
			evs[i] = execEvent()
			evs[i].Process.Args = append([]string(nil), evs[i].Process.Args...)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			acc.Str(evs[i%len(evs)])
			i++
		}
	})
}

func TestAccessorAllocs(t *testing.T) {
	c := newTestCatalog()
	ev := execEvent()
	for _, name := range benchFields {
		f, arg, acc := bind(t, c, name)
		dst := make([]string, 0, 8)
		read := func() {
			switch f.KindFor(arg) {
			case KindString:
				acc.Str(ev)
			case KindUint:
				acc.Uint(ev)
			case KindStrings:
				dst, _ = acc.Strs(ev, dst)
			}
		}
		read() // fill the caches
		if n := testing.AllocsPerRun(100, read); n != 0 {
			t.Errorf("%s: %v allocations per call", name, n)
		}
	}
	for _, ev := range []*event.Event{openatEvent(), openatFailedEvent(), openatDirfdEvent(), creatEvent(), openat2Event()} {
		for _, name := range benchOpenFields {
			f, arg, acc := bind(t, c, name)
			read := func() {
				switch f.KindFor(arg) {
				case KindString:
					acc.Str(ev)
				case KindUint:
					acc.Uint(ev)
				case KindInt:
					acc.Int(ev)
				case KindBool:
					acc.Bool(ev)
				}
			}
			read()
			if n := testing.AllocsPerRun(100, read); n != 0 {
				t.Errorf("%s on %s (res %d): %v allocations per call", name, ev.Type, ev.Syscall.Res, n)
			}
		}
	}
	// Scalar fields never allocate, even on a new event each time.
	scalar := []string{"proc.name", "proc.pid", "proc.exe", "proc.pname", "proc.aname[3]", "user.uid",
		"user.loginuid", "thread.tid", "evt.rawres", "evt.res", "evt.dir", "proc.is_exe_upper_layer", "proc.duration",
		"fd.name", "fd.num", "fd.type", "fd.typechar", "fd.directory", "fd.filename", "fd.dev", "fd.ino",
		"evt.is_open_read", "evt.is_open_write", "evt.is_open_exec", "evt.rawarg.flags", "evt.rawarg.name", "evt.arg.name"}
	evs := []*event.Event{execEvent(), cloneThreadEvent(), forkEvent(), exitEvent(event.Exit{Signal: 9}),
		openatEvent(), openatFailedEvent(), openEvent(), creatEvent(), openat2Event(), openatDirEvent(),
		unlinkEvent(), unlinkatEvent(), mkdiratEvent(), rmdirEvent()}
	for _, name := range scalar {
		f, arg, acc := bind(t, c, name)
		i := 0
		n := testing.AllocsPerRun(100, func() {
			ev := evs[i%len(evs)]
			i++
			switch f.KindFor(arg) {
			case KindString:
				acc.Str(ev)
			case KindUint, KindDuration:
				acc.Uint(ev)
			case KindInt:
				acc.Int(ev)
			case KindBool:
				acc.Bool(ev)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per call across events", name, n)
		}
	}
}
