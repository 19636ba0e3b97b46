package kernel

import (
	"fmt"
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
	prog   func(p *syscallsPrograms) *ebpf.Program
}

// syscallKinds is the one table of captured system calls, in the order
// Start attaches them: decodeSyscall dispatches on it, the decoders take
// their event type from it, SupportedSyscalls and syscallProgram derive
// from it. Read-only.
var syscallKinds = [...]syscallKind{
	{scOpen, event.TypeOpen, (*Decoder).decodeOpen, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitOpen }},
	{scOpenat, event.TypeOpenat, (*Decoder).decodeOpen, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitOpenat }},
	{scOpenat2, event.TypeOpenat2, (*Decoder).decodeOpen, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitOpenat2 }},
	{scCreat, event.TypeCreat, (*Decoder).decodeOpen, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitCreat }},
	{scUnlink, event.TypeUnlink, (*Decoder).decodePathOp, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitUnlink }},
	{scUnlinkat, event.TypeUnlinkat, (*Decoder).decodePathOp, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitUnlinkat }},
	{scMkdir, event.TypeMkdir, (*Decoder).decodePathOp, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitMkdir }},
	{scMkdirat, event.TypeMkdirat, (*Decoder).decodePathOp, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitMkdirat }},
	{scRmdir, event.TypeRmdir, (*Decoder).decodePathOp, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRmdir }},
	{scRename, event.TypeRename, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRename }},
	{scRenameat, event.TypeRenameat, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRenameat }},
	{scRenameat2, event.TypeRenameat2, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitRenameat2 }},
	{scLink, event.TypeLink, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitLink }},
	{scLinkat, event.TypeLinkat, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitLinkat }},
	{scSymlink, event.TypeSymlink, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitSymlink }},
	{scSymlinkat, event.TypeSymlinkat, (*Decoder).decodePath2, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitSymlinkat }},
	{scChmod, event.TypeChmod, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitChmod }},
	{scFchmod, event.TypeFchmod, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchmod }},
	{scFchmodat, event.TypeFchmodat, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchmodat }},
	{scChown, event.TypeChown, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitChown }},
	{scLchown, event.TypeLchown, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitLchown }},
	{scFchown, event.TypeFchown, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchown }},
	{scFchownat, event.TypeFchownat, (*Decoder).decodeAttr, func(p *syscallsPrograms) *ebpf.Program { return p.TraceExitFchownat }},
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

// loadSyscalls loads the syscalls object, sharing the process object's ring
// buffer, drop counters and scratch maps, so that one reader sees every
// record in order and the loss accounting stays in one place.
func (s *Sensor) loadSyscalls(ringBytes uint32, wake uint64) error {
	spec, err := loadSyscalls()
	if err != nil {
		return fmt.Errorf("kernel sensor: load syscalls BPF spec: %w", err)
	}
	spec.Maps[syscallsMapEvents].MaxEntries = ringBytes
	if err := spec.Variables[syscallsVarWakeupBytes].Set(wake); err != nil {
		return fmt.Errorf("kernel sensor: syscalls: set wakeup_bytes: %w", err)
	}
	if s.opts.ExcludePID > 0 {
		if err := spec.Variables[syscallsVarAgentTgid].Set(uint32(s.opts.ExcludePID)); err != nil {
			return fmt.Errorf("kernel sensor: syscalls: set agent_tgid: %w", err)
		}
	}
	opts := &ebpf.CollectionOptions{MapReplacements: map[string]*ebpf.Map{
		syscallsMapEvents:     s.objs.Events,
		syscallsMapDrops:      s.objs.Drops,
		syscallsMapScratchMap: s.objs.ScratchMap,
		syscallsMapWalkMap:    s.objs.WalkMap,
	}}
	if err := spec.LoadAndAssign(&s.sysObjs, opts); err != nil {
		logVerifierError(s.log, err)
		return fmt.Errorf("kernel sensor: load syscalls BPF programs: %w", err)
	}
	s.sysLoaded = true
	return nil
}

// syscallProgram returns the exit program of a supported type.
func (s *Sensor) syscallProgram(t event.Type) *ebpf.Program {
	k, ok := kindOfType(t)
	if !ok {
		return nil
	}
	return k.prog(&s.sysObjs.syscallsPrograms)
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
		name := "sys_exit_" + t.String()
		l, err := link.Tracepoint("syscalls", name, s.syscallProgram(t), nil)
		if err != nil {
			return fmt.Errorf("kernel sensor: attach tracepoint syscalls/%s for %s: %w", name, t, err)
		}
		s.links = append(s.links, l)
		names = append(names, t.String())
	}
	s.log.Info("kernel sensor: system calls captured",
		"syscalls", names,
		"mechanism", "tracepoint syscalls/sys_exit_<name>")
	return nil
}
