package probe

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// Feature identifies one kernel or process capability. The values are stable
// identifiers.
type Feature string

// The features Run probes.
const (
	Privileges       Feature = "privileges"
	BTF              Feature = "btf"
	RingBuf          Feature = "ringbuf"
	Tracepoint       Feature = "tracepoint"
	RawTracepoint    Feature = "raw_tracepoint"
	TPBTF            Feature = "tp_btf"
	BPFSendSignal    Feature = "bpf_send_signal"
	CgroupV2         Feature = "cgroup_v2"
	CgroupSockAddr   Feature = "cgroup_sock_addr"
	CgroupSKB        Feature = "cgroup_skb"
	FanotifyOpenPerm Feature = "fanotify_open_perm"
	FanotifyExecPerm Feature = "fanotify_exec_perm"
	Uprobe           Feature = "uprobe"
	Kprobe           Feature = "kprobe"
	Fentry           Feature = "fentry"
	BPFLSM           Feature = "bpf_lsm"
	BPFLoop          Feature = "bpf_loop"
)

// Features returns every feature Run probes, in the order Run reports them.
// The slice is new on each call.
func Features() []Feature {
	ps := probes()
	fs := make([]Feature, len(ps))
	for i, p := range ps {
		fs[i] = p.feature
	}
	return fs
}

// Result is the outcome of one probe.
type Result struct {
	Feature   Feature
	Available bool
	// Detail says, on one line, how the feature was found, or what failed
	// and why it is probably missing.
	Detail string
}

// Report is the outcome of Run.
type Report struct {
	Kernel  string // uname release
	Arch    string // uname machine
	Results []Result
}

// Has reports whether f was probed and found available.
func (r Report) Has(f Feature) bool {
	res, ok := r.Get(f)
	return ok && res.Available
}

// Get returns the result for f, and false when f was not probed.
func (r Report) Get(f Feature) (Result, bool) {
	for _, res := range r.Results {
		if res.Feature == f {
			return res, true
		}
	}
	return Result{}, false
}

// probeTimeout bounds each probe. Probes normally take milliseconds; the
// first one that needs kernel BTF may take a few hundred.
const probeTimeout = 10 * time.Second

type probeFunc func(ctx context.Context) (available bool, detail string)

type probeDef struct {
	feature Feature
	fn      probeFunc
}

func probes() []probeDef {
	return []probeDef{
		{Privileges, probePrivileges},
		{BTF, probeBTF},
		{RingBuf, probeRingBuf},
		{Tracepoint, probeTracepoint},
		{RawTracepoint, probeRawTracepoint},
		{TPBTF, probeTPBTF},
		{BPFSendSignal, probeSendSignal},
		{BPFLoop, probeLoop},
		{CgroupV2, probeCgroupV2},
		{CgroupSockAddr, probeCgroupSockAddr},
		{CgroupSKB, probeCgroupSKB},
		{FanotifyOpenPerm, probeFanotifyOpenPerm},
		{FanotifyExecPerm, probeFanotifyExecPerm},
		{Uprobe, probeUprobe},
		{Kprobe, probeKprobe},
		{Fentry, probeFentry},
		{BPFLSM, probeBPFLSM},
	}
}

// Run probes every feature and reports what it found. Each probe is bounded
// by its own timeout and by ctx; a probe that does not finish in time is
// reported unavailable (it still cleans up after itself when it returns).
// Once ctx is done, the remaining probes are reported as not run.
func Run(ctx context.Context) Report {
	// Needed before Linux 5.11 only; refused without CAP_SYS_RESOURCE, in
	// which case the map and program probes say what failed.
	_ = rlimit.RemoveMemlock()

	rep := Report{Arch: runtime.GOARCH}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		rep.Kernel = unix.ByteSliceToString(uts.Release[:])
		if m := unix.ByteSliceToString(uts.Machine[:]); m != "" {
			rep.Arch = m
		}
	}

	for _, p := range probes() {
		rep.Results = append(rep.Results, runOne(ctx, p))
	}
	return rep
}

func runOne(ctx context.Context, p probeDef) Result {
	if err := ctx.Err(); err != nil {
		return Result{Feature: p.feature, Detail: "not probed: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()

	done := make(chan Result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- Result{Feature: p.feature, Detail: oneLine(fmt.Sprintf("probe panicked: %v", v))}
			}
		}()
		ok, detail := p.fn(ctx)
		if detail == "" {
			detail = "no detail"
		}
		done <- Result{Feature: p.feature, Available: ok, Detail: oneLine(detail)}
	}()

	select {
	case res := <-done:
		return res
	case <-ctx.Done():
		return Result{Feature: p.feature, Detail: "probe did not finish: " + ctx.Err().Error()}
	}
}

// oneLine folds a possibly multi-line message (verifier logs) onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// memlockNote is what cilium/ebpf appends to EPERM errors when
// RLIMIT_MEMLOCK is finite; it is misleading where memory is accounted to
// the memory cgroup (Linux >= 5.11), which rlimit.RemoveMemlock detects.
const memlockNote = " (MEMLOCK may be too low, consider rlimit.RemoveMemlock)"

// hint adds a likely cause to msg (the message of err) for the errors that
// have a well-known one, and drops cilium/ebpf's memlock note where the
// memlock limit cannot be the cause.
func hint(err error, msg string) string {
	if strings.Contains(msg, memlockNote) && rlimit.RemoveMemlock() == nil {
		msg = strings.ReplaceAll(msg, memlockNote, "")
	}
	if errors.Is(err, unix.EPERM) {
		if privileged() {
			return msg + " (refused although privileged)"
		}
		return msg + " (not privileged?)"
	}
	return msg
}

// privileged reports what the privileges probe would.
func privileged() bool {
	ok, _ := probePrivileges(context.Background())
	return ok
}
