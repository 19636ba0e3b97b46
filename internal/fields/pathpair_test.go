package fields

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
)

// The rename, link and symlink events as the sensor produces them: no
// descriptor, res first, then Falco's parameters (paths resolved, a
// symlink's target as written).

func fdArgNamed(name string, n int64) event.Arg {
	return event.Arg{Name: name, Kind: event.ArgFD, Num: n}
}

// renameEvent: rename("/tmp/a", "/tmp/b") = 0.
func renameEvent() *event.Event {
	return pathOpEventOf(event.TypeRename, 0, pathArg("oldpath", "/tmp/a"), pathArg("newpath", "/tmp/b"))
}

// renameatEvent: renameat(AT_FDCWD, "a", 5, "b") = -EXDEV in /root, 5
// being /mnt.
func renameatEvent() *event.Event {
	return pathOpEventOf(event.TypeRenameat, -18, fdArgNamed("olddirfd", atFDCWD), pathArg("oldpath", "/root/a"),
		fdArgNamed("newdirfd", 5), pathArg("newpath", "/mnt/b"))
}

// renameat2Event: renameat2(AT_FDCWD, "/etc/x", AT_FDCWD, "/etc/y",
// RENAME_NOREPLACE|RENAME_EXCHANGE) = 0.
func renameat2Event() *event.Event {
	return pathOpEventOf(event.TypeRenameat2, 0, fdArgNamed("olddirfd", atFDCWD), pathArg("oldpath", "/etc/x"),
		fdArgNamed("newdirfd", atFDCWD), pathArg("newpath", "/etc/y"), uintArg("flags", 3))
}

// linkEvent: link("/etc/shadow", "/tmp/s") = 0.
func linkEvent() *event.Event {
	return pathOpEventOf(event.TypeLink, 0, pathArg("oldpath", "/etc/shadow"), pathArg("newpath", "/tmp/s"))
}

// linkatEvent: linkat(AT_FDCWD, "/etc/passwd", 4, "p", AT_SYMLINK_FOLLOW) =
// 0, 4 being /tmp.
func linkatEvent() *event.Event {
	return pathOpEventOf(event.TypeLinkat, 0, fdArgNamed("olddir", atFDCWD), pathArg("oldpath", "/etc/passwd"),
		fdArgNamed("newdir", 4), pathArg("newpath", "/tmp/p"), uintArg("flags", 0x400))
}

// symlinkEvent: symlink("/etc", "/tmp/etc") = 0.
func symlinkEvent() *event.Event {
	return pathOpEventOf(event.TypeSymlink, 0, pathArg("target", "/etc"), pathArg("linkpath", "/tmp/etc"))
}

// symlinkatEvent: symlinkat("../shadow", AT_FDCWD, "l") = -EEXIST in
// /root.
func symlinkatEvent() *event.Event {
	return pathOpEventOf(event.TypeSymlinkat, -17, pathArg("target", "../shadow"), fdArgNamed("linkdirfd", atFDCWD),
		pathArg("linkpath", "/root/l"))
}

func pathPairCommon(typ string, res int64, resName string, source, target string) []want {
	return append(pathOpCommon(typ, res, resName), []want{
		{"evt.type.is." + typ, 1},
		{"fs.path.name", na},
		{"fs.path.nameraw", na},
		{"fs.path.source", source},
		{"fs.path.target", target},
		{"evt.arg.path", na},
		{"evt.arg.mode", na},
	}...)
}

func TestRenameValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, renameEvent(), append(pathPairCommon("rename", 0, "SUCCESS", "/tmp/a", "/tmp/b"), []want{
		{"evt.arg.res", "0"},
		{"evt.arg.oldpath", "/tmp/a"},
		{"evt.arg[1]", "/tmp/a"},
		{"evt.arg.newpath", "/tmp/b"},
		{"evt.arg[2]", "/tmp/b"},
		{"evt.arg[3]", na},
		{"evt.arg.flags", na},
		{"evt.args", "res=0 oldpath=/tmp/a newpath=/tmp/b"},
		{"evt.rawarg.oldpath", "/tmp/a"},
		{"evt.rawarg.newpath", "/tmp/b"},
		{"evt.rawarg.flags", na},
	}...))

	check(t, c, renameatEvent(), append(pathPairCommon("renameat", -18, "EXDEV", "/root/a", "/mnt/b"), []want{
		{"evt.type.is.rename", 0},
		{"evt.arg.res", "EXDEV"},
		{"evt.arg.olddirfd", "AT_FDCWD"},
		{"evt.arg[1]", "AT_FDCWD"},
		{"evt.arg.oldpath", "/root/a"},
		{"evt.arg[2]", "/root/a"},
		{"evt.arg.newdirfd", "5"},
		{"evt.arg[3]", "5"},
		{"evt.arg.newpath", "/mnt/b"},
		{"evt.args", "res=-18(EXDEV) olddirfd=-100(AT_FDCWD) oldpath=/root/a newdirfd=5 newpath=/mnt/b"},
		{"evt.rawarg.olddirfd", -100},
		{"evt.rawarg.newdirfd", 5},
	}...))

	check(t, c, renameat2Event(), append(pathPairCommon("renameat2", 0, "SUCCESS", "/etc/x", "/etc/y"), []want{
		{"evt.arg.flags", "RENAME_NOREPLACE|RENAME_EXCHANGE"},
		{"evt.args", "res=0 olddirfd=-100(AT_FDCWD) oldpath=/etc/x newdirfd=-100(AT_FDCWD) newpath=/etc/y flags=3(RENAME_NOREPLACE|RENAME_EXCHANGE)"},
		{"evt.rawarg.flags", 3},
	}...))

	// Flags Falco's driver does not record are dropped; none is 0.
	ev := renameat2Event()
	ev.Syscall.Args[5].Num = 4 | 0x80
	check(t, c, ev, []want{{"evt.arg.flags", "RENAME_WHITEOUT"}, {"evt.rawarg.flags", 4}})
	ev.Syscall.Args[5].Num = 0
	check(t, c, ev, []want{{"evt.arg.flags", "0"}, {"evt.rawarg.flags", 0}})

	// A path the sensor could not resolve: joined to the working
	// directory for AT_FDCWD, shown as is for another dirfd.
	ev = renameatEvent()
	ev.Syscall.Args[2].Str = "a"
	ev.Syscall.Args[4].Str = "b"
	check(t, c, ev, []want{{"evt.arg.oldpath", "/root/a"}, {"evt.arg.newpath", "b"}, {"evt.rawarg.oldpath", "a"}})
}

func TestLinkValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, linkEvent(), append(pathPairCommon("link", 0, "SUCCESS", "/etc/shadow", "/tmp/s"), []want{
		{"evt.arg.oldpath", "/etc/shadow"},
		{"evt.arg.newpath", "/tmp/s"},
		{"evt.args", "res=0 oldpath=/etc/shadow newpath=/tmp/s"},
	}...))

	check(t, c, linkatEvent(), append(pathPairCommon("linkat", 0, "SUCCESS", "/etc/passwd", "/tmp/p"), []want{
		{"evt.arg.olddir", "AT_FDCWD"},
		{"evt.arg.oldpath", "/etc/passwd"},
		{"evt.arg.newdir", "4"},
		{"evt.arg.newpath", "/tmp/p"},
		{"evt.arg.flags", "AT_SYMLINK_FOLLOW"},
		{"evt.args", "res=0 olddir=-100(AT_FDCWD) oldpath=/etc/passwd newdir=4 newpath=/tmp/p flags=1024(AT_SYMLINK_FOLLOW)"},
		{"evt.rawarg.flags", 0x400},
		{"evt.rawarg.olddir", -100},
		{"evt.rawarg.newdir", 4},
	}...))

	ev := linkatEvent()
	ev.Syscall.Args[5].Num = 0x400 | 0x1000 | 0x100
	check(t, c, ev, []want{{"evt.arg.flags", "AT_SYMLINK_FOLLOW|AT_EMPTY_PATH"}, {"evt.rawarg.flags", 0x1400}})
}

func TestSymlinkValues(t *testing.T) {
	c := newTestCatalog()
	check(t, c, symlinkEvent(), append(pathPairCommon("symlink", 0, "SUCCESS", "/etc", "/tmp/etc"), []want{
		{"evt.arg.target", "/etc"},
		{"evt.arg[1]", "/etc"},
		{"evt.arg.linkpath", "/tmp/etc"},
		{"evt.arg[2]", "/tmp/etc"},
		{"evt.args", "res=0 target=/etc linkpath=/tmp/etc"},
		{"evt.rawarg.target", "/etc"},
		{"evt.rawarg.linkpath", "/tmp/etc"},
	}...))

	// The target is the link's content, never resolved.
	check(t, c, symlinkatEvent(), append(pathPairCommon("symlinkat", -17, "EEXIST", "../shadow", "/root/l"), []want{
		{"evt.arg.target", "../shadow"},
		{"evt.arg[1]", "../shadow"},
		{"evt.arg.linkdirfd", "AT_FDCWD"},
		{"evt.arg[2]", "AT_FDCWD"},
		{"evt.arg.linkpath", "/root/l"},
		{"evt.arg[3]", "/root/l"},
		{"evt.args", "res=-17(EEXIST) target=../shadow linkdirfd=-100(AT_FDCWD) linkpath=/root/l"},
		{"evt.rawarg.linkdirfd", -100},
	}...))
}

// TestPathPairArgsElsewhere: the new parameters and fields are <NA> on the
// other events.
func TestPathPairArgsElsewhere(t *testing.T) {
	c := newTestCatalog()
	for _, ev := range []*event.Event{execEvent(), forkEvent(), openatEvent(), unlinkEvent(), mkdirEvent(), exitEvent(event.Exit{}), dropEvent()} {
		check(t, c, ev, []want{{"evt.arg.oldpath", na}, {"evt.arg.target", na}, {"evt.rawarg.newpath", na},
			{"fs.path.source", na}, {"fs.path.target", na}})
	}
	check(t, c, unlinkatEvent(), []want{{"evt.arg.flags", "AT_REMOVEDIR"}, {"evt.rawarg.flags", 0x200}})
}

// The fields of Falco's "Create Symlink Over Sensitive Files" and "Create
// Hardlink Over Sensitive Files" rules all bind.
func TestFalcoLinkRulesBind(t *testing.T) {
	file := readFalcoRules(t)
	c := newTestCatalog()
	for _, rule := range []string{"Create Symlink Over Sensitive Files", "Create Hardlink Over Sensitive Files"} {
		i := strings.Index(file, "- rule: "+rule+"\n")
		if i < 0 {
			t.Fatalf("rule %q not found", rule)
		}
		body := file[i+len("- rule: "):]
		if j := strings.Index(body, "\n- "); j >= 0 {
			body = body[:j]
		}
		names := fieldNames(conditionsAndOutputs("- rule: " + body))
		if len(names) < 5 {
			t.Fatalf("%s: found only %v", rule, names)
		}
		for _, name := range names {
			base, arg := splitBracket(name)
			f, dotted, ok := c.Lookup(base)
			if !ok {
				t.Errorf("%s: %s: unknown field", rule, name)
				continue
			}
			if dotted != "" {
				arg = dotted
			}
			if !f.Available {
				t.Errorf("%s: %s: unavailable: %s", rule, name, f.Unavailable)
				continue
			}
			if _, err := f.Bind(arg); err != nil {
				t.Errorf("%s: %s: %v", rule, name, err)
			}
		}
	}
}
