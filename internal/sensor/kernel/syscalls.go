package kernel

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/vigil-sec/vigil/internal/event"
)

// syscallDecoder decodes one system call record into an event of typ.
type syscallDecoder func(d *Decoder, raw []byte, typ event.Type) (*event.Event, error)

// syscallKind is everything the sensor knows about one captured system
// call: its number on the wire (enum vigil_syscall), its event type, the
// decoder of its record and its exit program.
type syscallKind struct {
	sc     uint32
	typ    event.Type
	decode syscallDecoder
	prog   progRef
}

// bpfGroup names the BPF object a system call's program lives in.
type bpfGroup int

const (
	groupFile bpfGroup = iota // bpf/syscalls.bpf.c
	groupNet                  // bpf/net.bpf.c
	groupMisc                 // bpf/misc.bpf.c
	numGroups
)

var groupNames = [numGroups]string{"syscalls", "net", "misc"}

// progRef locates a system call's exit program: its object, and the
// program within that object once loaded.
type progRef struct {
	group bpfGroup
	get   func(o *sysObjects) *ebpf.Program
}

func file(get func(p *syscallsPrograms) *ebpf.Program) progRef {
	return progRef{groupFile, func(o *sysObjects) *ebpf.Program { return get(&o.file.syscallsPrograms) }}
}

func netProg(get func(p *netPrograms) *ebpf.Program) progRef {
	return progRef{groupNet, func(o *sysObjects) *ebpf.Program { return get(&o.net.netPrograms) }}
}

func miscProg(get func(p *miscPrograms) *ebpf.Program) progRef {
	return progRef{groupMisc, func(o *sysObjects) *ebpf.Program { return get(&o.misc.miscPrograms) }}
}

// sysObjects are the loaded system call objects; loaded[g] says which.
type sysObjects struct {
	file   syscallsObjects
	net    netObjects
	misc   miscObjects
	loaded [numGroups]bool
}

// close releases the loaded objects.
func (o *sysObjects) close() error {
	var errs []error
	closers := [numGroups]interface{ Close() error }{&o.file, &o.net, &o.misc}
	for g, c := range closers {
		if o.loaded[g] {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s objects: %w", groupNames[g], err))
			}
			o.loaded[g] = false
		}
	}
	return errors.Join(errs...)
}

// syscallKinds is the one table of captured system calls, in the order
// Start attaches them: decodeSyscall dispatches on it, the decoders take
// their event type from it, SupportedSyscalls and syscallProgram derive
// from it. Read-only.
var syscallKinds = slices.Concat(fileSyscalls[:], netSyscalls[:], miscSyscalls[:])

// fileSyscalls are the file system calls (bpf/syscalls.bpf.c).
var fileSyscalls = [...]syscallKind{
	{scOpen, event.TypeOpen, (*Decoder).decodeOpen, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitOpen })},
	{scOpenat, event.TypeOpenat, (*Decoder).decodeOpen, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitOpenat })},
	{scOpenat2, event.TypeOpenat2, (*Decoder).decodeOpen, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitOpenat2 })},
	{scCreat, event.TypeCreat, (*Decoder).decodeOpen, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitCreat })},
	{scUnlink, event.TypeUnlink, (*Decoder).decodePathOp, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitUnlink })},
	{scUnlinkat, event.TypeUnlinkat, (*Decoder).decodePathOp, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitUnlinkat })},
	{scMkdir, event.TypeMkdir, (*Decoder).decodePathOp, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitMkdir })},
	{scMkdirat, event.TypeMkdirat, (*Decoder).decodePathOp, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitMkdirat })},
	{scRmdir, event.TypeRmdir, (*Decoder).decodePathOp, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRmdir })},
	{scRename, event.TypeRename, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRename })},
	{scRenameat, event.TypeRenameat, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRenameat })},
	{scRenameat2, event.TypeRenameat2, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRenameat2 })},
	{scLink, event.TypeLink, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitLink })},
	{scLinkat, event.TypeLinkat, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitLinkat })},
	{scSymlink, event.TypeSymlink, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitSymlink })},
	{scSymlinkat, event.TypeSymlinkat, (*Decoder).decodePath2, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitSymlinkat })},
	{scChmod, event.TypeChmod, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitChmod })},
	{scFchmod, event.TypeFchmod, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchmod })},
	{scFchmodat, event.TypeFchmodat, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchmodat })},
	{scChown, event.TypeChown, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitChown })},
	{scLchown, event.TypeLchown, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitLchown })},
	{scFchown, event.TypeFchown, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchown })},
	{scFchownat, event.TypeFchownat, (*Decoder).decodeAttr, file(func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchownat })},
}

// kindOfSyscall finds a wire syscall number's entry.
func kindOfSyscall(sc uint32) (*syscallKind, bool) {
	for i := range syscallKinds {
		if syscallKinds[i].sc == sc {
			return &syscallKinds[i], true
		}
	}
	return nil, false
}

// kindOfType finds an event type's entry.
func kindOfType(t event.Type) (*syscallKind, bool) {
	for i := range syscallKinds {
		if syscallKinds[i].typ == t {
			return &syscallKinds[i], true
		}
	}
	return nil, false
}

// SupportedSyscalls returns the event types Options.Syscalls accepts.
func SupportedSyscalls() []event.Type {
	out := make([]event.Type, len(syscallKinds))
	for i, k := range syscallKinds {
		out[i] = k.typ
	}
	return out
}

// checkSyscalls validates the requested types and returns them without
// duplicates, in syscallKinds order.
func checkSyscalls(req []event.Type) ([]event.Type, error) {
	supported := SupportedSyscalls()
	var bad []string
	for _, t := range req {
		if !slices.Contains(supported, t) {
			bad = append(bad, t.String())
		}
	}
	if len(bad) > 0 {
		names := make([]string, len(supported))
		for i, t := range supported {
			names[i] = t.String()
		}
		return nil, fmt.Errorf("kernel sensor: cannot capture %s (supported system calls: %s)",
			strings.Join(bad, ", "), strings.Join(names, ", "))
	}
	var out []event.Type
	for _, t := range supported {
		if slices.Contains(req, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// loadSyscalls loads the objects holding the requested system calls'
// programs (and only those), each sharing the process object's ring
// buffer, drop counters and scratch maps, so that one reader sees every
// record in order and the loss accounting stays in one place.
func (s *Sensor) loadSyscalls(ringBytes uint32, wake uint64) error {
	var need [numGroups]bool
	for _, t := range s.syscalls {
		if k, ok := kindOfType(t); ok {
			need[k.prog.group] = true
		}
	}
	type loader struct {
		spec   func() (*ebpf.CollectionSpec, error)
		assign any
	}
	loaders := [numGroups]loader{
		{loadSyscalls, &s.sys.file},
		{loadNet, &s.sys.net},
		{loadMisc, &s.sys.misc},
	}
	for g, l := range loaders {
		if !need[g] {
			continue
		}
		name := groupNames[g]
		spec, err := l.spec()
		if err != nil {
			return fmt.Errorf("kernel sensor: load %s BPF spec: %w", name, err)
		}
		spec.Maps["events"].MaxEntries = ringBytes
		if err := spec.Variables["wakeup_bytes"].Set(wake); err != nil {
			return fmt.Errorf("kernel sensor: %s: set wakeup_bytes: %w", name, err)
		}
		if bpfGroup(g) == groupFile && s.opts.FileFilter != nil {
			if err := spec.Variables["file_verdicts"].Set(true); err != nil {
				return fmt.Errorf("kernel sensor: %s: set file_verdicts: %w", name, err)
			}
		}
		if bpfGroup(g) == groupNet && s.opts.ConnectFamilies != 0 {
			if err := spec.Variables["connect_families"].Set(s.opts.ConnectFamilies); err != nil {
				return fmt.Errorf("kernel sensor: %s: set connect_families: %w", name, err)
			}
		}
		if bpfGroup(g) == groupNet && s.opts.SocketFamilies != 0 {
			if err := spec.Variables["socket_families"].Set(s.opts.SocketFamilies); err != nil {
				return fmt.Errorf("kernel sensor: %s: set socket_families: %w", name, err)
			}
		}
		if s.opts.ExcludePID > 0 {
			if err := spec.Variables["agent_tgid"].Set(uint32(s.opts.ExcludePID)); err != nil {
				return fmt.Errorf("kernel sensor: %s: set agent_tgid: %w", name, err)
			}
		}
		opts := &ebpf.CollectionOptions{MapReplacements: map[string]*ebpf.Map{
			"events":      s.objs.Events,
			"drops":       s.objs.Drops,
			"scratch_map": s.objs.ScratchMap,
			"walk_map":    s.objs.WalkMap,
		}}
		if err := spec.LoadAndAssign(l.assign, opts); err != nil {
			logVerifierError(s.log, err)
			return fmt.Errorf("kernel sensor: load %s BPF programs: %w", name, err)
		}
		s.sys.loaded[g] = true
	}
	return nil
}

// Captured returns the system calls Start attached: those of
// Options.Syscalls that this kernel has.
func (s *Sensor) Captured() []event.Type { return slices.Clone(s.captured) }

// syscallProgram returns the exit program of a supported type.
func (s *Sensor) syscallProgram(t event.Type) *ebpf.Program {
	k, ok := kindOfType(t)
	if !ok {
		return nil
	}
	return k.prog.get(&s.sys)
}

// exitTracepoint names the exit tracepoint of a system call event type:
// sys_exit_ and the kernel's name for the call, which is the event's
// except for umount2 (SYSCALL_DEFINE2(umount, ...)).
func exitTracepoint(t event.Type) string {
	if t == event.TypeUmount2 {
		return "sys_exit_umount"
	}
	return "sys_exit_" + t.String()
}

// attachSyscalls attaches the exit tracepoint of each requested system
// call. There is no entry program: the exit reads the call's arguments from
// the saved registers, so a call already running at attach time is still
// reported whole.
func (s *Sensor) attachSyscalls() error {
	if len(s.syscalls) == 0 {
		return nil
	}
	names := make([]string, 0, len(s.syscalls))
	for _, t := range s.syscalls {
		name := exitTracepoint(t)
		l, err := link.Tracepoint("syscalls", name, s.syscallProgram(t), nil)
		if errors.Is(err, os.ErrNotExist) {
			// The kernel lacks the call (CONFIG_MODULES=n has no
			// init_module): nothing can make it, nothing to report.
			s.log.Warn("kernel sensor: system call not in this kernel, not captured",
				"syscall", t.String(), "tracepoint", "syscalls/"+name)
			continue
		}
		if err != nil {
			return fmt.Errorf("kernel sensor: attach tracepoint syscalls/%s for %s: %w", name, t, err)
		}
		s.links = append(s.links, l)
		names = append(names, t.String())
		s.captured = append(s.captured, t)
	}
	if err := s.attachFileGen(); err != nil {
		return err
	}
	s.log.Info("kernel sensor: system calls captured",
		"syscalls", names,
		"mechanism", "tracepoint syscalls/sys_exit_<name>")
	return nil
}

// pathChangers are the exit tracepoints of the calls that can change the
// path of a file already seen: the file verdict cache's generation bumps
// on each success.
var pathChangers = [...]string{
	"sys_exit_rename", "sys_exit_renameat", "sys_exit_renameat2",
	"sys_exit_mount", "sys_exit_umount", "sys_exit_move_mount", "sys_exit_pivot_root",
}

// attachFileGen attaches the generation bump when the verdict cache is on.
func (s *Sensor) attachFileGen() error {
	if s.opts.FileFilter == nil || !s.sys.loaded[groupFile] || !slices.ContainsFunc(s.captured, event.Type.IsOpen) {
		return nil
	}
	for _, name := range pathChangers {
		l, err := link.Tracepoint("syscalls", name, s.sys.file.TraceFsGen, nil)
		if errors.Is(err, os.ErrNotExist) {
			continue // this kernel lacks the call: it changes nothing
		}
		if err != nil {
			return fmt.Errorf("kernel sensor: attach tracepoint syscalls/%s (file verdict generation): %w", name, err)
		}
		s.links = append(s.links, l)
	}
	s.log.Info("kernel sensor: file verdict cache on", "entries", s.sys.file.FileVerdictMap.MaxEntries())
	return nil
}

// InvalidateFileVerdicts forgets every file verdict the kernel cached,
// after the rules changed (a reload): it bumps the generation every cache
// key carries, so that no cached key matches again (the map's LRU then
// evicts them). A no-op when the verdict cache is off.
func (s *Sensor) InvalidateFileVerdicts() error {
	if s.opts.FileFilter == nil || !s.sys.loaded[groupFile] || s.sys.file.FsGen == nil {
		return nil
	}
	var zero uint32
	var gen uint64
	if err := s.sys.file.FsGen.Lookup(&zero, &gen); err != nil {
		return fmt.Errorf("kernel sensor: read file verdict generation: %w", err)
	}
	// A far jump: a bump by the kernel between the lookup and the update
	// (to gen+1, and keys cached with it) cannot meet the new value.
	gen += 1 << 32
	if err := s.sys.file.FsGen.Update(&zero, &gen, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("kernel sensor: bump file verdict generation: %w", err)
	}
	return nil
}

// SetSocketFamilies changes the socket families whose socket(2) calls are
// reported (see Options.SocketFamilies; zero: every one), after a reload of
// the rules. A no-op when socket is not captured.
func (s *Sensor) SetSocketFamilies(mask uint64) error {
	if !s.sys.loaded[groupNet] || s.sys.net.SocketFamilies == nil {
		return nil
	}
	if mask == 0 {
		mask = ^uint64(0)
	}
	if err := s.sys.net.SocketFamilies.Set(mask); err != nil {
		return fmt.Errorf("kernel sensor: set socket families: %w", err)
	}
	return nil
}

// SetConnectFamilies changes the socket families whose connect calls are
// reported (see Options.ConnectFamilies; zero: every one), after a reload
// of the rules. A no-op when connect is not captured.
func (s *Sensor) SetConnectFamilies(mask uint64) error {
	if !s.sys.loaded[groupNet] || s.sys.net.ConnectFamilies == nil {
		return nil
	}
	if mask == 0 {
		mask = ^uint64(0)
	}
	if err := s.sys.net.ConnectFamilies.Set(mask); err != nil {
		return fmt.Errorf("kernel sensor: set connect families: %w", err)
	}
	return nil
}
