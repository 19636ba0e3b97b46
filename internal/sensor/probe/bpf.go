package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// progNamePrefix names every program the probes load, so that leftovers
// would be recognisable (tests look for them).
const progNamePrefix = "vigil_probe"

// traceFSPrefix names the trace events created when a kprobe or uprobe has to
// go through tracefs.
const traceFSPrefix = "vigil_probe"

const kernelBTFPath = "/sys/kernel/btf/vmlinux"

// ftraceHint explains the usual reason function hooks fail to attach on a
// kernel that has them built in.
const ftraceHint = "(ftrace function hooks blocked?)"

// returnImm is a program that returns v and does nothing else.
func returnImm(v int32) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm(asm.R0, v),
		asm.Return(),
	}
}

// loadProgram loads spec, naming it and giving it a GPL-compatible licence
// (tracing and LSM programs need one).
func loadProgram(spec *ebpf.ProgramSpec, suffix string) (*ebpf.Program, error) {
	spec.Name = progNamePrefix + "_" + suffix
	if len(spec.Name) > 15 {
		spec.Name = spec.Name[:15]
	}
	spec.License = "Dual MIT/GPL"
	prog, err := ebpf.NewProgram(spec)
	if err != nil {
		return nil, err
	}
	return prog, nil
}

func probeBTF(context.Context) (bool, string) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		if _, serr := os.Stat(kernelBTFPath); serr != nil {
			return false, fmt.Sprintf("load kernel BTF: %v (%s missing: kernel built without CONFIG_DEBUG_INFO_BTF?)", err, kernelBTFPath)
		}
		return false, fmt.Sprintf("load kernel BTF: %v", err)
	}
	var task *btf.Struct
	if err := spec.TypeByName("task_struct", &task); err != nil {
		return false, fmt.Sprintf("kernel BTF loaded but has no task_struct: %v", err)
	}
	return true, fmt.Sprintf("loaded kernel BTF (%s), task_struct found", kernelBTFPath)
}

func probeRingBuf(context.Context) (bool, string) {
	size := uint32(os.Getpagesize())
	m, err := ebpf.NewMap(&ebpf.MapSpec{
		Name:       progNamePrefix + "_rb",
		Type:       ebpf.RingBuf,
		MaxEntries: size,
	})
	if err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, unix.EINVAL) {
			return false, fmt.Sprintf("create ring buffer map: %v (kernel older than 5.8?)", err)
		}
		return false, hint(err, fmt.Sprintf("create ring buffer map: %v", err))
	}
	m.Close()
	return true, fmt.Sprintf("created a %d-byte ring buffer map", size)
}

func probeTracepoint(context.Context) (bool, string) {
	prog, err := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.TracePoint,
		Instructions: returnImm(0),
	}, "tp")
	if err != nil {
		return false, hint(err, fmt.Sprintf("load tracepoint program: %v", err))
	}
	defer prog.Close()
	l, err := link.Tracepoint("sched", "sched_process_exec", prog, nil)
	if err != nil {
		return false, hint(err, fmt.Sprintf("attach tracepoint sched/sched_process_exec: %v", err))
	}
	if err := l.Close(); err != nil {
		return false, fmt.Sprintf("detach tracepoint sched/sched_process_exec: %v", err)
	}
	return true, "attached and detached a program on tracepoint sched/sched_process_exec"
}

func probeRawTracepoint(context.Context) (bool, string) {
	prog, err := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.RawTracepoint,
		Instructions: returnImm(0),
	}, "rawtp")
	if err != nil {
		return false, hint(err, fmt.Sprintf("load raw_tracepoint program: %v", err))
	}
	defer prog.Close()
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sched_process_exec", Program: prog})
	if err != nil {
		return false, hint(err, fmt.Sprintf("attach raw_tracepoint sched_process_exec: %v", err))
	}
	if err := l.Close(); err != nil {
		return false, fmt.Sprintf("detach raw_tracepoint sched_process_exec: %v", err)
	}
	return true, "attached and detached a program on raw_tracepoint sched_process_exec"
}

func probeTPBTF(context.Context) (bool, string) {
	prog, err := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceRawTp,
		AttachTo:     "sched_process_exec",
		Instructions: returnImm(0),
	}, "tpbtf")
	if err != nil {
		return false, hint(err, fmt.Sprintf("load tp_btf program for sched_process_exec: %v", err))
	}
	defer prog.Close()
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		return false, hint(err, fmt.Sprintf("attach tp_btf sched_process_exec: %v", err))
	}
	if err := l.Close(); err != nil {
		return false, fmt.Sprintf("detach tp_btf sched_process_exec: %v", err)
	}
	return true, "attached and detached a BTF-typed program on tp_btf/sched_process_exec"
}

// probeHelper asks the verifier whether helper may be called from raw
// tracepoint and tracepoint programs. Available means available to raw
// tracepoints, the program type Vigil's sensor uses.
func probeHelper(name string, helper asm.BuiltinFunc) (bool, string) {
	rawErr := features.HaveProgramHelper(ebpf.RawTracepoint, helper)
	tpErr := features.HaveProgramHelper(ebpf.TracePoint, helper)
	describe := func(err error) string {
		switch {
		case err == nil:
			return "yes"
		case errors.Is(err, ebpf.ErrNotSupported):
			return "no"
		default:
			return fmt.Sprintf("unknown (%v)", err)
		}
	}
	detail := fmt.Sprintf("helper %s: raw_tracepoint %s, tracepoint %s (verifier probe)", name, describe(rawErr), describe(tpErr))
	if rawErr != nil && !errors.Is(rawErr, ebpf.ErrNotSupported) {
		detail = hint(rawErr, detail)
	}
	return rawErr == nil, detail
}

func probeSendSignal(context.Context) (bool, string) {
	return probeHelper("bpf_send_signal", asm.FnSendSignal)
}

func probeLoop(context.Context) (bool, string) {
	return probeHelper("bpf_loop", asm.FnLoop)
}

// uprobeTarget is the function the uprobe probe attaches to. It is never
// called while the probe is attached.
//
//go:noinline
func uprobeTarget(n int) int {
	return n + 1
}

func probeUprobe(context.Context) (bool, string) {
	prog, err := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Kprobe,
		Instructions: returnImm(0),
	}, "uprobe")
	if err != nil {
		return false, hint(err, fmt.Sprintf("load uprobe program: %v", err))
	}
	defer prog.Close()

	const exe = "/proc/self/exe"
	ex, err := link.OpenExecutable(exe)
	if err != nil {
		return false, fmt.Sprintf("open %s for uprobes: %v", exe, err)
	}
	pc := reflect.ValueOf(uprobeTarget).Pointer()
	fn := runtime.FuncForPC(pc)
	if fn == nil {
		return false, "cannot find the uprobe target function in this binary"
	}
	sym := fn.Name()

	opts := &link.UprobeOptions{TraceFSPrefix: traceFSPrefix}
	how := "symbol " + sym
	l, err := ex.Uprobe(sym, prog, opts)
	if errors.Is(err, link.ErrNoSymbol) {
		// A stripped binary: find the function's file offset from the
		// mapping that holds its code.
		off, merr := fileOffset(pc)
		if merr != nil {
			return false, fmt.Sprintf("uprobe on %s: %v; %v", sym, err, merr)
		}
		opts.Address = off
		how = fmt.Sprintf("offset %#x of %s (binary stripped)", off, sym)
		l, err = ex.Uprobe(sym, prog, opts)
	}
	if err != nil {
		return false, hint(err, fmt.Sprintf("attach uprobe on %s %s: %v", exe, how, err))
	}
	if err := l.Close(); err != nil {
		return false, fmt.Sprintf("detach uprobe on %s: %v", how, err)
	}
	return true, fmt.Sprintf("attached and detached a uprobe on %s %s", exe, how)
}

// fileOffset converts a code address of this process to an offset in the
// executable file, through /proc/self/maps.
func fileOffset(pc uintptr) (uint64, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("read mappings: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		start, end, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		lo, err1 := strconv.ParseUint(start, 16, 64)
		hi, err2 := strconv.ParseUint(end, 16, 64)
		off, err3 := strconv.ParseUint(fields[2], 16, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		if uint64(pc) >= lo && uint64(pc) < hi {
			return uint64(pc) - lo + off, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read mappings: %w", err)
	}
	return 0, fmt.Errorf("address %#x not in any mapping", pc)
}

func probeKprobe(context.Context) (bool, string) {
	// Both exist on every kernel Vigil targets; the second is tried only
	// when the first is missing.
	symbols := []string{"security_file_open", "do_sys_openat2"}
	prog, err := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Kprobe,
		Instructions: returnImm(0),
	}, "kprobe")
	if err != nil {
		return false, hint(err, fmt.Sprintf("load kprobe program: %v", err))
	}
	defer prog.Close()

	if why := kprobeInterfacesMissing(); why != "" {
		return false, fmt.Sprintf("kprobe %s: %s", symbols[0], why)
	}
	var failures []string
	for _, sym := range symbols {
		l, err := link.Kprobe(sym, prog, &link.KprobeOptions{TraceFSPrefix: traceFSPrefix})
		if err != nil {
			msg := fmt.Sprintf("attach kprobe %s: %v", sym, err)
			if errors.Is(err, os.ErrNotExist) {
				failures = append(failures, msg+" (no such symbol?)")
				continue
			}
			failures = append(failures, hint(err, msg)+" "+ftraceHint)
			break
		}
		if err := l.Close(); err != nil {
			return false, fmt.Sprintf("detach kprobe %s: %v", sym, err)
		}
		return true, fmt.Sprintf("attached and detached a kprobe on %s", sym)
	}
	return false, strings.Join(failures, "; ")
}

// kprobeInterfacesMissing says why kprobes cannot be created at all when
// neither the perf kprobe PMU nor tracefs kprobe_events exists, and returns
// "" otherwise.
func kprobeInterfacesMissing() string {
	const pmu = "/sys/bus/event_source/devices/kprobe"
	if _, err := os.Stat(pmu); err == nil {
		return ""
	}
	for _, f := range []string{"/sys/kernel/tracing/kprobe_events", "/sys/kernel/debug/tracing/kprobe_events"} {
		if _, err := os.Stat(f); err == nil {
			return ""
		}
	}
	if _, err := os.Stat("/sys/kernel/tracing/uprobe_events"); err == nil {
		return fmt.Sprintf("no kprobe PMU (%s) and no kprobe_events in tracefs although uprobe_events exists: kernel built without CONFIG_KPROBE_EVENTS, or kprobes blocked", pmu)
	}
	return fmt.Sprintf("no kprobe PMU (%s) and no kprobe_events in tracefs (tracefs not mounted, or kernel built without CONFIG_KPROBE_EVENTS)", pmu)
}

func probeFentry(context.Context) (bool, string) {
	const fn = "security_file_open"
	prog, err := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceFEntry,
		AttachTo:     fn,
		Instructions: returnImm(0),
	}, "fentry")
	if err != nil {
		return false, hint(err, fmt.Sprintf("load fentry program for %s: %v", fn, err)) + refusedHint(err)
	}
	defer prog.Close()
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceFEntry})
	if err != nil {
		return false, hint(err, fmt.Sprintf("attach fentry %s: %v %s", fn, err, ftraceHint))
	}
	if err := l.Close(); err != nil {
		return false, fmt.Sprintf("detach fentry %s: %v", fn, err)
	}
	return true, fmt.Sprintf("attached and detached an fentry program on %s", fn)
}

const lsmListPath = "/sys/kernel/security/lsm"

func probeBPFLSM(context.Context) (bool, string) {
	raw, err := os.ReadFile(lsmListPath)
	active := strings.TrimSpace(string(raw))
	if err == nil && !lsmListHasBPF(active) {
		return false, fmt.Sprintf("bpf not in the active LSM list %q (boot with lsm=...,bpf)", active)
	}
	listUnknown := ""
	if err != nil {
		listUnknown = fmt.Sprintf("active LSM list unknown (%v; securityfs not mounted?)", err)
	}

	const hook = "file_open"
	prog, lerr := loadProgram(&ebpf.ProgramSpec{
		Type:         ebpf.LSM,
		AttachType:   ebpf.AttachLSMMac,
		AttachTo:     hook,
		Instructions: returnImm(0),
	}, "lsm")
	if lerr != nil {
		why := refusedHint(lerr)
		if !errors.Is(lerr, unix.EPERM) {
			why = " (kernel without CONFIG_BPF_LSM?)"
		}
		return false, joinDetail(hint(lerr, fmt.Sprintf("load LSM program for %s: %v", hook, lerr))+why, listUnknown)
	}
	defer prog.Close()
	l, lerr := link.AttachLSM(link.LSMOptions{Program: prog})
	if lerr != nil {
		return false, joinDetail(hint(lerr, fmt.Sprintf("attach LSM %s: %v %s", hook, lerr, ftraceHint)), listUnknown)
	}
	if cerr := l.Close(); cerr != nil {
		return false, joinDetail(fmt.Sprintf("detach LSM %s: %v", hook, cerr), listUnknown)
	}
	if listUnknown != "" {
		// The program attaches, but whether the bpf LSM is in the active
		// list (and so whether it would ever run) cannot be confirmed.
		return false, fmt.Sprintf("attached and detached an LSM program on %s, but %s: cannot confirm the bpf LSM runs", hook, listUnknown)
	}
	return true, fmt.Sprintf("bpf in active LSM list %q; attached and detached an LSM program on %s", active, hook)
}

func lsmListHasBPF(list string) bool {
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "bpf" {
			return true
		}
	}
	return false
}

// refusedHint explains an EPERM for a privileged process loading a program
// that hooks kernel functions.
func refusedHint(err error) string {
	if errors.Is(err, unix.EPERM) && privileged() {
		return " " + ftraceHint
	}
	return ""
}

func joinDetail(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
