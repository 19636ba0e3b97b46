package fields

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// This file maps Falco's event parameters (evt.arg.NAME, evt.arg[N],
// evt.args) onto what Vigil's events carry. The parameter lists and their
// order are those of Falco's event table (libs driver/event_table.c) for
// the exit events of execve/execveat (PPME_SYSCALL_EXECVE_19_X), of
// clone/clone3/fork/vfork (PPME_SYSCALL_CLONE_20_X and siblings), for
// procexit (PPME_PROCEXIT_1_E), for the open family (evtargs_open.go), and
// for unlink, unlinkat, mkdir, mkdirat and rmdir (evtargs_pathop.go), and
// for rename, renameat, renameat2, link, linkat, symlink and symlinkat
// (evtargs_pathpair.go).
// Vigil's drop events report lost events and have no Falco counterpart (Falco's drop events announce a sampling
// ratio): they have no parameters.

// argRender renders one parameter of ev: raw is Falco's plain rendering,
// resolved its resolved one ("" when none: evt.arg then shows raw). ok is
// false when the event has no value for it.
type argRender func(s *argScratch, ev *event.Event) (raw, resolved string, ok bool)

// argDef is one parameter of an event type.
type argDef struct {
	name string
	// pos is the parameter's position in Falco's list; -1 for parameters
	// Falco appends after the documented ones (not addressable by index).
	pos int
	// render is nil when Vigil cannot produce the parameter.
	render argRender
}

// argScratch holds the caches of one bound accessor.
type argScratch struct {
	num   [2]numCache
	flags struct {
		v        uint64
		raw, res string
		valid    bool
	}
	path struct{ cwd, file, out string }
	buf  []byte
	bb   struct {
		args0 *string
		n     int
		out   string
		valid bool
	}
	open openScratch
	// sys caches the last numeric parameter of the socket .. prctl calls.
	sys sysScratch
	// pathMode caches the hexadecimal mode of mkdir and mkdirat.
	pathMode struct {
		v     uint32
		s     string
		valid bool
	}
	// attrMode caches the octal mode of chmod, fchmod and fchmodat, and
	// its names.
	attrMode struct {
		v          uint32
		raw, names string
		valid      bool
	}
	// attrFlags caches the flags of fchownat.
	attrFlags struct {
		v          uint32
		raw, names string
		valid      bool
	}
	// pairFlags caches the flags of renameat2 and linkat.
	pairFlags struct {
		t          event.Type
		v          uint32
		raw, names string
		valid      bool
	}
}

func (s *argScratch) itoa(i int, v int64) string { return s.num[i].itoa(v) }

// unavailableArg marks a parameter Vigil cannot produce yet.
func unavailableArg(name string, pos int) argDef { return argDef{name: name, pos: pos} }

// Parameters common to the exit events of exec and clone.
func procArgs(ev *event.Event) *event.Process { return process(ev) }

// argRes is the result of exec and clone events: 0 (success), or for a
// failed exec the negative result with its error name.
func argRes(s *argScratch, ev *event.Event) (string, string, bool) {
	if ev != nil && ev.Type.IsExec() && ev.Syscall != nil && ev.Syscall.Res < 0 {
		return s.itoa(1, ev.Syscall.Res), errnoName(ev.Syscall.Res), true
	}
	return "0", "", process(ev) != nil
}

func argExe(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return argv0(p.Args), "", true
}

// argArgs renders argv[1:] as Falco renders its byte-buffer parameter:
// each argument followed by its NUL terminator, non-printable bytes
// (the NULs included) shown as '.'.
func argArgs(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	if len(p.Args) <= 1 {
		return "", "", true
	}
	if s.bb.valid && s.bb.n == len(p.Args) && s.bb.args0 == &p.Args[0] {
		return s.bb.out, "", true
	}
	b := s.buf[:0]
	for _, a := range p.Args[1:] {
		for i := 0; i < len(a); i++ {
			c := a[i]
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b = append(b, c)
		}
		b = append(b, '.')
	}
	s.buf = b
	s.bb.args0, s.bb.n, s.bb.out, s.bb.valid = &p.Args[0], len(p.Args), string(b), true
	return s.bb.out, "", true
}

func argTID(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return s.itoa(0, int64(p.TID)), p.Name, true
}

func argPID(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return s.itoa(0, int64(p.PID)), p.Name, true
}

func argPTID(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	resolved := ""
	if len(ev.Ancestors) > 0 && ev.Ancestors[0].PID == p.PPID {
		resolved = ev.Ancestors[0].Name
	}
	return s.itoa(0, int64(p.PPID)), resolved, true
}

func argCwd(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return p.Cwd, "", true
}

func argComm(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return p.Name, "", true
}

func argTTY(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return s.itoa(0, int64(int32(p.TTY))), "", true
}

func argLoginUID(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	if p.LoginUID == event.NoLoginUID {
		return "-1", "", true
	}
	return s.itoa(0, int64(p.LoginUID)), "", true
}

func argEUID(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return s.itoa(0, int64(p.EUID)), "", true
}

func argEGID(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return s.itoa(1, int64(p.EGID)), "", true
}

func argExePath(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	return p.Exe, "", true
}

// argFilename is the path passed to execve; a relative one is resolved
// against the working directory, as Falco resolves its path parameters.
func argFilename(s *argScratch, ev *event.Event) (string, string, bool) {
	if ev == nil || ev.Exec == nil {
		return "", "", false
	}
	f := ev.Exec.Filename
	resolved := ""
	if cwd := ev.Process.Cwd; f != "" && f[0] != '/' && cwd != "" {
		if s.path.out == "" || s.path.cwd != cwd || s.path.file != f {
			s.path.cwd, s.path.file, s.path.out = cwd, f, path.Join(cwd, f)
		}
		resolved = s.path.out
	}
	return f, resolved, true
}

// Falco's execve flags (PPM_EXE_*), in the order of its name table.
const (
	ppmExeWritable   = 1 << 0
	ppmExeUpperLayer = 1 << 1
	ppmExeFromMemfd  = 1 << 2
	ppmExeLowerLayer = 1 << 3
)

// argExecFlags renders the execve flags Vigil knows: EXE_UPPER_LAYER and
// EXE_FROM_MEMFD (EXE_WRITABLE and EXE_LOWER_LAYER are not captured yet and
// never appear).
func argExecFlags(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil {
		return "", "", false
	}
	switch {
	case p.ExeUpperLayer && p.ExeFromMemfd:
		return "6", "EXE_UPPER_LAYER|EXE_FROM_MEMFD", true
	case p.ExeUpperLayer:
		return "2", "EXE_UPPER_LAYER", true
	case p.ExeFromMemfd:
		return "4", "EXE_FROM_MEMFD", true
	}
	return "0", "", true
}

// argExecCap renders a capability set of the new image as the capset
// parameters: hexadecimal, resolved the capability names.
func argExecCap(get func(p *event.Process) uint64) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		p := procArgs(ev)
		if p == nil || (ev.Syscall != nil && ev.Syscall.Res < 0) {
			return "", "", false
		}
		a := event.Arg{Kind: event.ArgCapSet, Num: int64(get(p))}
		c := &s.sys
		if !c.valid || c.kind != a.Kind || c.num != a.Num {
			c.raw, c.res = renderSysArg(ev.Type, a)
			c.kind, c.num, c.valid = a.Kind, a.Num, true
		}
		return c.raw, c.res, true
	}
}

// argExecIno renders the executable's inode number; <NA> when unknown.
func argExecIno(s *argScratch, ev *event.Event) (string, string, bool) {
	p := procArgs(ev)
	if p == nil || p.ExeIno == 0 {
		return "", "", false
	}
	return s.itoa(1, int64(p.ExeIno)), "", true
}

// argExecTime renders a time of the executable as epoch nanoseconds;
// <NA> when unknown.
func argExecTime(get func(p *event.Process) time.Time) argRender {
	return func(s *argScratch, ev *event.Event) (string, string, bool) {
		p := procArgs(ev)
		if p == nil || get(p).IsZero() {
			return "", "", false
		}
		return s.itoa(1, get(p).UnixNano()), "", true
	}
}

// Kernel clone flags (linux/sched.h; the same on every architecture).
const (
	kCloneVM            = 0x00000100
	kCloneFS            = 0x00000200
	kCloneFiles         = 0x00000400
	kCloneSighand       = 0x00000800
	kClonePtrace        = 0x00002000
	kCloneVfork         = 0x00004000
	kCloneParent        = 0x00008000
	kCloneThread        = 0x00010000
	kCloneNewNS         = 0x00020000
	kCloneSysVSem       = 0x00040000
	kCloneSetTLS        = 0x00080000
	kCloneParentSetTID  = 0x00100000
	kCloneChildClearTID = 0x00200000
	kCloneUntraced      = 0x00800000
	kCloneChildSetTID   = 0x01000000
	kCloneNewCgroup     = 0x02000000
	kCloneNewUTS        = 0x04000000
	kCloneNewIPC        = 0x08000000
	kCloneNewUser       = 0x10000000
	kCloneNewPID        = 0x20000000
	kCloneNewNet        = 0x40000000
	kCloneIO            = 0x80000000
)

// cloneFlag is one entry of Falco's clone flag table, in its order: the
// name, Falco's bit (PPM_CL_*), and the kernel's bit.
type cloneFlag struct {
	name   string
	ppm    uint32
	kernel uint64
}

// cloneFlagTable is Falco's clone_flags name table (driver/flags_table.c),
// restricted to the flags a kernel clone can carry; Falco's libsinsp-only
// bits (CLONE_INVERTED, NAME_CHANGED, CLOSED) never come from the kernel.
func cloneFlagTable() [22]cloneFlag {
	return [22]cloneFlag{
		{"CLONE_FILES", 1 << 0, kCloneFiles},
		{"CLONE_FS", 1 << 1, kCloneFS},
		{"CLONE_IO", 1 << 2, kCloneIO},
		{"CLONE_NEWIPC", 1 << 3, kCloneNewIPC},
		{"CLONE_NEWNET", 1 << 4, kCloneNewNet},
		{"CLONE_NEWNS", 1 << 5, kCloneNewNS},
		{"CLONE_NEWPID", 1 << 6, kCloneNewPID},
		{"CLONE_NEWUTS", 1 << 7, kCloneNewUTS},
		{"CLONE_PARENT", 1 << 8, kCloneParent},
		{"CLONE_PARENT_SETTID", 1 << 9, kCloneParentSetTID},
		{"CLONE_PTRACE", 1 << 10, kClonePtrace},
		{"CLONE_SIGHAND", 1 << 11, kCloneSighand},
		{"CLONE_SYSVSEM", 1 << 12, kCloneSysVSem},
		{"CLONE_THREAD", 1 << 13, kCloneThread},
		{"CLONE_UNTRACED", 1 << 14, kCloneUntraced},
		{"CLONE_VM", 1 << 15, kCloneVM},
		{"CLONE_NEWUSER", 1 << 20, kCloneNewUser},
		{"CLONE_CHILD_CLEARTID", 1 << 23, kCloneChildClearTID},
		{"CLONE_CHILD_SETTID", 1 << 24, kCloneChildSetTID},
		{"CLONE_SETTLS", 1 << 25, kCloneSetTLS},
		{"CLONE_VFORK", 1 << 27, kCloneVfork},
		{"CLONE_NEWCGROUP", 1 << 28, kCloneNewCgroup},
	}
}

// cloneFlagsToPPM converts kernel clone flags to Falco's PPM_CL_*
// encoding.
func cloneFlagsToPPM(kernel uint64) uint32 {
	var ppm uint32
	for _, f := range cloneFlagTable() {
		if kernel&f.kernel != 0 {
			ppm |= f.ppm
		}
	}
	return ppm
}

// renderCloneFlags converts kernel clone flags to Falco's rendering: the
// decimal value of its PPM_CL_* encoding, and the names of the set flags
// joined by '|'.
func renderCloneFlags(kernel uint64) (raw, resolved string) {
	var names []string
	for _, f := range cloneFlagTable() {
		if kernel&f.kernel != 0 {
			names = append(names, f.name)
		}
	}
	return strconv.FormatUint(uint64(cloneFlagsToPPM(kernel)), 10), strings.Join(names, "|")
}

func argCloneFlags(s *argScratch, ev *event.Event) (string, string, bool) {
	if process(ev) == nil {
		return "", "", false
	}
	var flags uint64
	if ev.Clone != nil {
		flags = ev.Clone.Flags
	}
	if !s.flags.valid || s.flags.v != flags {
		s.flags.raw, s.flags.res = renderCloneFlags(flags)
		s.flags.v, s.flags.valid = flags, true
	}
	return s.flags.raw, s.flags.res, true
}

// exitStatus rebuilds the wait status of a procexit: Falco's "status".
func exitStatus(x *event.Exit) int64 {
	st := int64(x.Code&0xff) << 8
	if x.Signal != 0 {
		st = int64(x.Signal & 0x7f)
		if x.CoreDumped {
			st |= 0x80
		}
	}
	return st
}

func argExitStatus(s *argScratch, ev *event.Event) (string, string, bool) {
	if ev == nil || ev.Exit == nil {
		return "", "", false
	}
	return s.itoa(0, exitStatus(ev.Exit)), "", true
}

func argExitRet(s *argScratch, ev *event.Event) (string, string, bool) {
	if ev == nil || ev.Exit == nil {
		return "", "", false
	}
	return s.itoa(1, (exitStatus(ev.Exit)>>8)&0xff), "", true
}

func argExitSig(s *argScratch, ev *event.Event) (string, string, bool) {
	if ev == nil || ev.Exit == nil {
		return "", "", false
	}
	sig := ev.Exit.Signal & 0xff
	return s.itoa(0, int64(sig)), signalName(sig), true
}

func argExitCore(s *argScratch, ev *event.Event) (string, string, bool) {
	if ev == nil || ev.Exit == nil {
		return "", "", false
	}
	if ev.Exit.Signal != 0 && ev.Exit.CoreDumped {
		return "1", "", true
	}
	return "0", "", true
}

// signalName is Falco's name of a Linux signal, "" for 0 and unknown ones.
func signalName(sig int32) string {
	switch sig {
	case 1:
		return "SIGHUP"
	case 2:
		return "SIGINT"
	case 3:
		return "SIGQUIT"
	case 4:
		return "SIGILL"
	case 5:
		return "SIGTRAP"
	case 6:
		return "SIGABRT"
	case 7:
		return "SIGBUS"
	case 8:
		return "SIGFPE"
	case 9:
		return "SIGKILL"
	case 10:
		return "SIGUSR1"
	case 11:
		return "SIGSEGV"
	case 12:
		return "SIGUSR2"
	case 13:
		return "SIGPIPE"
	case 14:
		return "SIGALRM"
	case 15:
		return "SIGTERM"
	case 16:
		return "SIGSTKFLT"
	case 17:
		return "SIGCHLD"
	case 18:
		return "SIGCONT"
	case 19:
		return "SIGSTOP"
	case 20:
		return "SIGTSTP"
	case 21:
		return "SIGTTIN"
	case 22:
		return "SIGTTOU"
	case 23:
		return "SIGURG"
	case 24:
		return "SIGXCPU"
	case 25:
		return "SIGXFSZ"
	case 26:
		return "SIGVTALRM"
	case 27:
		return "SIGPROF"
	case 28:
		return "SIGWINCH"
	case 29:
		return "SIGIO"
	case 30:
		return "SIGPWR"
	case 31:
		return "SIGSYS"
	}
	return ""
}

// argTables returns the parameter list of each event type Vigil produces,
// indexed by event.Type; nil for types without parameters.
func argTables() [][]argDef {
	exec := []argDef{
		{"res", 0, argRes},
		{"exe", 1, argExe},
		{"args", 2, argArgs},
		{"tid", 3, argTID},
		{"pid", 4, argPID},
		{"ptid", 5, argPTID},
		{"cwd", 6, argCwd},
		unavailableArg("fdlimit", 7),
		unavailableArg("pgft_maj", 8),
		unavailableArg("pgft_min", 9),
		unavailableArg("vm_size", 10),
		unavailableArg("vm_rss", 11),
		unavailableArg("vm_swap", 12),
		{"comm", 13, argComm},
		unavailableArg("cgroups", 14),
		unavailableArg("env", 15),
		{"tty", 16, argTTY},
		unavailableArg("vpgid", 17),
		{"loginuid", 18, argLoginUID},
		{"flags", 19, argExecFlags},
		{"cap_inheritable", 20, argExecCap(func(p *event.Process) uint64 { return p.CapInheritable })},
		{"cap_permitted", 21, argExecCap(func(p *event.Process) uint64 { return p.CapPermitted })},
		{"cap_effective", 22, argExecCap(func(p *event.Process) uint64 { return p.CapEffective })},
		{"exe_ino", 23, argExecIno},
		{"exe_ino_ctime", 24, argExecTime(func(p *event.Process) time.Time { return p.ExeCtime })},
		{"exe_ino_mtime", 25, argExecTime(func(p *event.Process) time.Time { return p.ExeMtime })},
		{"uid", 26, argEUID},
		{"trusted_exepath", 27, argExePath},
		unavailableArg("pgid", -1),
		{"gid", -1, argEGID},
	}
	execve := append(append([]argDef(nil), exec...), argDef{"filename", -1, argFilename})
	execveat := append(append([]argDef(nil), exec...), unavailableArg("dirfd", -1), unavailableArg("pathname", -1))
	clone := []argDef{
		{"res", 0, argRes},
		{"exe", 1, argExe},
		{"args", 2, argArgs},
		{"tid", 3, argTID},
		{"pid", 4, argPID},
		{"ptid", 5, argPTID},
		{"cwd", 6, argCwd},
		unavailableArg("fdlimit", 7),
		unavailableArg("pgft_maj", 8),
		unavailableArg("pgft_min", 9),
		unavailableArg("vm_size", 10),
		unavailableArg("vm_rss", 11),
		unavailableArg("vm_swap", 12),
		{"comm", 13, argComm},
		unavailableArg("cgroups", 14),
		{"flags", 15, argCloneFlags},
		{"uid", 16, argEUID},
		{"gid", 17, argEGID},
		unavailableArg("vtid", 18),
		unavailableArg("vpid", 19),
		unavailableArg("pidns_init_start_ts", 20),
	}
	procexit := []argDef{
		{"status", 0, argExitStatus},
		{"ret", 1, argExitRet},
		{"sig", 2, argExitSig},
		{"core", 3, argExitCore},
		unavailableArg("reaper_tid", 4),
	}

	open, openat, openat2, creat := openArgTables()
	unlink, unlinkat, mkdir, mkdirat, rmdir := pathOpArgTables()
	rename, renameat, renameat2, link, linkat, symlink, symlinkat := pathPairArgTables()
	chmod, fchmod, fchmodat, chown, lchown, fchown, fchownat := attrArgTables()

	max := event.TypeUnknown
	for _, t := range event.Types() {
		if t > max {
			max = t
		}
	}
	tables := sysArgTables(int(max) + 1)
	for _, t := range event.Types() {
		switch {
		case t == event.TypeExecve:
			tables[t] = execve
		case t == event.TypeExecveat:
			tables[t] = execveat
		case t.IsClone():
			tables[t] = clone
		case t == event.TypeProcExit:
			tables[t] = procexit
		case t == event.TypeOpen:
			tables[t] = open
		case t == event.TypeOpenat:
			tables[t] = openat
		case t == event.TypeOpenat2:
			tables[t] = openat2
		case t == event.TypeCreat:
			tables[t] = creat
		case t == event.TypeUnlink:
			tables[t] = unlink
		case t == event.TypeUnlinkat:
			tables[t] = unlinkat
		case t == event.TypeMkdir:
			tables[t] = mkdir
		case t == event.TypeMkdirat:
			tables[t] = mkdirat
		case t == event.TypeRmdir:
			tables[t] = rmdir
		case t == event.TypeRename:
			tables[t] = rename
		case t == event.TypeRenameat:
			tables[t] = renameat
		case t == event.TypeRenameat2:
			tables[t] = renameat2
		case t == event.TypeLink:
			tables[t] = link
		case t == event.TypeLinkat:
			tables[t] = linkat
		case t == event.TypeSymlink:
			tables[t] = symlink
		case t == event.TypeSymlinkat:
			tables[t] = symlinkat
		case t == event.TypeChmod:
			tables[t] = chmod
		case t == event.TypeFchmod:
			tables[t] = fchmod
		case t == event.TypeFchmodat:
			tables[t] = fchmodat
		case t == event.TypeChown:
			tables[t] = chown
		case t == event.TypeLchown:
			tables[t] = lchown
		case t == event.TypeFchown:
			tables[t] = fchown
		case t == event.TypeFchownat:
			tables[t] = fchownat
		}
	}
	return tables
}

// bindEvtArg binds evt.arg.NAME or evt.arg[N] for events of any type.
func bindEvtArg(key string) (Accessor, error) { return bindEvtArgFor(key, nil) }

// typeFilter returns, for types (nil meaning every type), a test of
// whether a table index is one of them.
func typeFilter(types []event.Type) func(t int) bool {
	if types == nil {
		return func(int) bool { return true }
	}
	return func(t int) bool {
		for _, u := range types {
			if int(u) == t {
				return true
			}
		}
		return false
	}
}

// bindEvtArgFor binds evt.arg.NAME or evt.arg[N] for events of the given
// types (nil: every type), those a rule can match. It refuses a parameter
// that one of these types has but Vigil cannot produce for it, so that a
// rule never silently sees <NA> where Falco has a value; the accessor
// yields <NA> for events of other types.
func bindEvtArgFor(key string, types []event.Type) (Accessor, error) {
	if key == "" {
		return Accessor{}, fmt.Errorf("evt.arg requires an argument name or index, as in evt.arg.flags or evt.arg[0]")
	}
	pos := -1
	byPos := key[0] >= '0' && key[0] <= '9'
	if byPos {
		n, err := parseIndex(key)
		if err != nil {
			return Accessor{}, fmt.Errorf("evt.arg[%s]: %v", key, err)
		}
		pos = n
	} else if !validArgName(key) {
		return Accessor{}, fmt.Errorf("evt.arg: %q is not a valid argument name", key)
	}
	tables := argTables()
	renders := make([]argRender, len(tables))
	var missing []string
	found := false
	in := typeFilter(types)
	for t, defs := range tables {
		if !in(t) {
			continue
		}
		for _, d := range defs {
			if (byPos && d.pos != pos) || (!byPos && d.name != key) {
				continue
			}
			found = true
			if d.render == nil {
				missing = append(missing, event.Type(t).String())
			} else {
				renders[t] = d.render
			}
			break
		}
	}
	switch {
	case !found:
		return Accessor{}, &UnavailableError{Field: "evt.arg", Arg: key,
			Reason: "no event type Vigil captures has this argument yet"}
	case len(missing) > 0:
		return Accessor{}, &UnavailableError{Field: "evt.arg", Arg: key,
			Reason: "not captured yet for " + strings.Join(missing, ", ")}
	}
	var s argScratch
	return Accessor{Str: func(ev *event.Event) (string, bool) {
		if ev == nil || int(ev.Type) >= len(renders) || renders[ev.Type] == nil {
			return "", false
		}
		raw, resolved, ok := renders[ev.Type](&s, ev)
		if !ok {
			return "", false
		}
		if resolved != "" {
			return resolved, true
		}
		return raw, true
	}}, nil
}

func validArgName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// evtArgsAccessor renders evt.args: "name=value" for every parameter Vigil
// has, separated by spaces, a resolved value in parentheses after the raw
// one (flags=25165824(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID)). It builds a
// new string on each call (one allocation): evt.args is meant for outputs.
func evtArgsAccessor() Accessor {
	tables := argTables()
	var s argScratch
	var b []byte
	return Accessor{Str: func(ev *event.Event) (string, bool) {
		if ev == nil || ev.Type == event.TypeUnknown {
			return "", false
		}
		b = b[:0]
		if int(ev.Type) < len(tables) {
			for _, d := range tables[ev.Type] {
				if d.render == nil {
					continue
				}
				raw, resolved, ok := d.render(&s, ev)
				if !ok {
					continue
				}
				if len(b) > 0 {
					b = append(b, ' ')
				}
				b = append(b, d.name...)
				b = append(b, '=')
				b = append(b, raw...)
				if resolved != "" {
					b = append(b, '(')
					b = append(b, resolved...)
					b = append(b, ')')
				}
			}
		}
		return string(b), true
	}}
}
