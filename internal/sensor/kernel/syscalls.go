package kernel

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/vigil-sec/vigil/internal/event"
)

// supportedSyscalls are the system call event types the sensor can capture,
// in the order Start attaches them.
var supportedSyscalls = []event.Type{
	event.TypeOpen, event.TypeOpenat, event.TypeOpenat2, event.TypeCreat,
	event.TypeUnlink, event.TypeUnlinkat, event.TypeMkdir, event.TypeMkdirat, event.TypeRmdir,
	event.TypeRename, event.TypeRenameat, event.TypeRenameat2, event.TypeLink, event.TypeLinkat,
	event.TypeSymlink, event.TypeSymlinkat,
	event.TypeChmod, event.TypeFchmod, event.TypeFchmodat,
	event.TypeChown, event.TypeLchown, event.TypeFchown, event.TypeFchownat,
}

// SupportedSyscalls returns the event types Options.Syscalls accepts.
func SupportedSyscalls() []event.Type { return slices.Clone(supportedSyscalls) }

// checkSyscalls validates the requested types and returns them without
// duplicates, in supportedSyscalls order.
func checkSyscalls(req []event.Type) ([]event.Type, error) {
	var bad []string
	for _, t := range req {
		if !slices.Contains(supportedSyscalls, t) {
			bad = append(bad, t.String())
		}
	}
	if len(bad) > 0 {
		names := make([]string, len(supportedSyscalls))
		for i, t := range supportedSyscalls {
			names[i] = t.String()
		}
		return nil, fmt.Errorf("kernel sensor: cannot capture %s (supported system calls: %s)",
			strings.Join(bad, ", "), strings.Join(names, ", "))
	}
	var out []event.Type
	for _, t := range supportedSyscalls {
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
	p := &s.sysObjs.syscallsPrograms
	switch t {
	case event.TypeOpen:
		return p.TraceExitOpen
	case event.TypeOpenat:
		return p.TraceExitOpenat
	case event.TypeOpenat2:
		return p.TraceExitOpenat2
	case event.TypeCreat:
		return p.TraceExitCreat
	case event.TypeUnlink:
		return p.TraceExitUnlink
	case event.TypeUnlinkat:
		return p.TraceExitUnlinkat
	case event.TypeMkdir:
		return p.TraceExitMkdir
	case event.TypeMkdirat:
		return p.TraceExitMkdirat
	case event.TypeRmdir:
		return p.TraceExitRmdir
	case event.TypeRename:
		return p.TraceExitRename
	case event.TypeRenameat:
		return p.TraceExitRenameat
	case event.TypeRenameat2:
		return p.TraceExitRenameat2
	case event.TypeLink:
		return p.TraceExitLink
	case event.TypeLinkat:
		return p.TraceExitLinkat
	case event.TypeSymlink:
		return p.TraceExitSymlink
	case event.TypeSymlinkat:
		return p.TraceExitSymlinkat
	case event.TypeChmod:
		return p.TraceExitChmod
	case event.TypeFchmod:
		return p.TraceExitFchmod
	case event.TypeFchmodat:
		return p.TraceExitFchmodat
	case event.TypeChown:
		return p.TraceExitChown
	case event.TypeLchown:
		return p.TraceExitLchown
	case event.TypeFchown:
		return p.TraceExitFchown
	case event.TypeFchownat:
		return p.TraceExitFchownat
	}
	return nil
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
