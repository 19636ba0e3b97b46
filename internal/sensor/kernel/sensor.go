package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/host"
)

// Options configure a Sensor. The zero value of each field means its default.
type Options struct {
	// Host names the host in events (default: the hostname).
	Host string
	// BootID and Clock identify the boot and map kernel timestamps to wall
	// time (default: read from /proc and the clocks at New).
	BootID *[16]byte
	Clock  *host.Clock
	// RingBufferBytes is the ring buffer size, a power of two multiple of
	// the page size (default 8 MiB).
	RingBufferBytes uint32
	// WakeupBytes: the reader is woken each time another WakeupBytes of
	// records have been queued (default 256 KiB), and otherwise polls
	// every PollInterval. Negative wakes on every record that finds the
	// reader caught up (the kernel's own rule).
	WakeupBytes int64
	// PollInterval bounds how long a record can wait in the ring buffer
	// when the host is quiet (default 50ms).
	PollInterval time.Duration
	// ExcludePID is the process whose activity is not reported
	// (default: this process; negative disables the exclusion).
	ExcludePID int
	// ReuseEvents lets the sensor reuse the memory of an event once the
	// emit callback has returned: set it only when the callback keeps no
	// reference to the event, its Syscall, descriptor or arguments (it
	// keeps an event.Copy instead), as the agent's pipeline does. It
	// spares an allocation of about 1 KiB per file and generic system call
	// event.
	ReuseEvents bool
	// OnIdle, when set, is called from Run's goroutine each time the ring
	// buffer has been drained, so consumers can flush buffered output.
	OnIdle func()
	// Logger (default: discard).
	Logger *slog.Logger
	// Syscalls are the system call event types to capture, from
	// SupportedSyscalls; nil or empty captures none of them (the process
	// lifecycle is always captured). Only the tracepoints of these system
	// calls are attached, so the others cost nothing.
	Syscalls []event.Type
	// FileFilter, when set, enables the file verdict cache for the open
	// family: it is called (from Run's goroutine) with each event that
	// opened a file, and when it returns false (no rule can care about
	// this file opened by this call, whatever the process or the flags:
	// engine.FileVerdict) the event is dropped and the kernel stops
	// reporting that file's opens by that call until a rename or mount
	// may have changed its path. Leave nil when every event is wanted
	// (recording, --events).
	FileFilter func(*event.Event) bool
	// ConnectFamilies, when not zero, is the set of socket families (bit
	// 1<<AF_x) whose connect calls are reported; the kernel drops the
	// others before queueing them (engine.ConnectFamilies: the families
	// some rule can match). Zero reports every connect.
	ConnectFamilies uint64
	// SocketFamilies is the same for socket(2) calls, by the domain asked
	// for (engine.SocketFamilies); zero reports every one.
	SocketFamilies uint64
}

// Stats are the sensor's counters since New.
type Stats struct {
	Records      uint64            // records read from the ring buffer
	Bytes        uint64            // their total size
	DecodeErrors uint64            // records that failed to decode
	Lost         map[string]uint64 // records the kernel could not queue, by kind
	// FilesCached counts the files whose opens FileFilter turned away (each
	// stored once in the kernel's verdict cache).
	FilesCached uint64
}

// Sensor is the loaded kernel sensor.
type Sensor struct {
	opts   Options
	log    *slog.Logger
	objs   processObjects
	loaded bool
	// system call objects: each loaded when Options.Syscalls asks for one
	// of its calls
	sys      sysObjects
	captured []event.Type // the system calls attached
	syscalls []event.Type
	links    []link.Link
	reader   *ringbuf.Reader
	decoder  Decoder

	records, bytes, decodeErrs atomic.Uint64
	filesCached                atomic.Uint64
	mu                         sync.Mutex
	lost                       [kindMax]uint64 // last totals read from the drops map
	reportedLost               [kindMax]uint64
	reportedDecodeErrs         uint64
}

const (
	defaultRingBytes    = 8 << 20
	defaultWakeupBytes  = 256 << 10
	defaultPollInterval = 50 * time.Millisecond
)

// New loads and verifies the BPF programs. Nothing is attached yet.
func New(opts Options) (*Sensor, error) {
	s := &Sensor{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.opts.Host == "" {
		s.opts.Host = host.Hostname()
	}
	if s.opts.BootID == nil {
		id, err := host.BootID("/proc")
		if err != nil {
			return nil, fmt.Errorf("kernel sensor: %w", err)
		}
		s.opts.BootID = &id
	}
	if s.opts.Clock == nil {
		c, err := host.NewClock()
		if err != nil {
			return nil, fmt.Errorf("kernel sensor: %w", err)
		}
		s.opts.Clock = &c
	}
	if s.opts.RingBufferBytes == 0 {
		s.opts.RingBufferBytes = defaultRingBytes
	}
	if s.opts.WakeupBytes == 0 {
		s.opts.WakeupBytes = defaultWakeupBytes
	}
	if s.opts.PollInterval <= 0 {
		s.opts.PollInterval = defaultPollInterval
	}
	if s.opts.ExcludePID == 0 {
		s.opts.ExcludePID = os.Getpid()
	}
	s.decoder = Decoder{Host: s.opts.Host, BootID: *s.opts.BootID, Clock: *s.opts.Clock}
	var err error
	if s.syscalls, err = checkSyscalls(s.opts.Syscalls); err != nil {
		return nil, err
	}

	// Kernels >= 5.11 account BPF memory to the cgroup and need no
	// RLIMIT_MEMLOCK; raising it may be refused (no CAP_SYS_RESOURCE).
	if err := rlimit.RemoveMemlock(); err != nil {
		s.log.Debug("cannot raise RLIMIT_MEMLOCK; relying on memcg accounting", "err", err)
	}

	spec, err := loadProcess()
	if err != nil {
		return nil, fmt.Errorf("kernel sensor: load BPF spec: %w", err)
	}
	rb := s.opts.RingBufferBytes
	if rb < uint32(os.Getpagesize()) || rb&(rb-1) != 0 {
		return nil, fmt.Errorf("kernel sensor: ring buffer size %d is not a power of two of at least one page", rb)
	}
	spec.Maps[processMapEvents].MaxEntries = rb
	wake := uint64(0)
	if s.opts.WakeupBytes > 0 {
		wake = uint64(s.opts.WakeupBytes)
	}
	if err := spec.Variables[processVarWakeupBytes].Set(wake); err != nil {
		return nil, fmt.Errorf("kernel sensor: set wakeup_bytes: %w", err)
	}
	if s.opts.ExcludePID > 0 {
		if err := spec.Variables[processVarAgentTgid].Set(uint32(s.opts.ExcludePID)); err != nil {
			return nil, fmt.Errorf("kernel sensor: set agent_tgid: %w", err)
		}
	}
	if err := spec.LoadAndAssign(&s.objs, nil); err != nil {
		logVerifierError(s.log, err)
		return nil, fmt.Errorf("kernel sensor: load BPF programs: %w", err)
	}
	s.loaded = true
	if len(s.syscalls) > 0 {
		if err := s.loadSyscalls(rb, wake); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.reader, err = ringbuf.NewReader(s.objs.Events)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("kernel sensor: open ring buffer: %w", err)
	}
	return s, nil
}

func logVerifierError(log *slog.Logger, err error) {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		log.Debug("verifier log", "log", fmt.Sprintf("%+v", ve))
	}
}

// Start attaches the programs to their tracepoints: the process lifecycle,
// and the entry and exit tracepoints of each system call in
// Options.Syscalls. From here on events are captured. On error nothing
// stays attached.
func (s *Sensor) Start() error {
	attach := []struct {
		name string
		prog *ebpf.Program
	}{
		{"sched_process_fork", s.objs.TraceClone},
		{"sched_process_exec", s.objs.TraceExec},
		{"sched_process_exit", s.objs.TraceExit},
	}
	for _, a := range attach {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: a.name, Program: a.prog})
		if err != nil {
			s.detach()
			return fmt.Errorf("kernel sensor: attach raw tracepoint %s: %w", a.name, err)
		}
		s.links = append(s.links, l)
	}
	// Optional: tells execveat from execve. Without syscall tracepoints
	// (CONFIG_FTRACE_SYSCALLS) every exec reads as execve.
	for _, a := range []struct {
		name string
		prog *ebpf.Program
	}{
		{"sys_enter_execveat", s.objs.TraceEnterExecveat},
		{"sys_exit_execveat", s.objs.TraceExitExecveat},
	} {
		l, err := link.Tracepoint("syscalls", a.name, a.prog, nil)
		if err != nil {
			s.log.Warn("execveat will be reported as execve", "tracepoint", "syscalls/"+a.name, "err", err)
			continue
		}
		s.links = append(s.links, l)
	}
	if err := s.attachSyscalls(); err != nil {
		s.detach()
		return err
	}
	s.log.Info("kernel sensor attached",
		"mechanism", "raw_tracepoint sched_process_{fork,exec,exit}",
		"ring_buffer_bytes", s.opts.RingBufferBytes,
		"wakeup_bytes", s.opts.WakeupBytes,
		"poll_interval", s.opts.PollInterval)
	return nil
}

func (s *Sensor) detach() {
	for _, l := range s.links {
		_ = l.Close()
	}
	s.links = nil
}

// Run reads and decodes records, calling emit for each event, until ctx is
// done; then it detaches the programs, drains the ring buffer and returns.
// It implements event.Source.
func (s *Sensor) Run(ctx context.Context, emit func(*event.Event)) error {
	if s.reader == nil {
		return errors.New("kernel sensor: Run before New succeeded")
	}
	var rec ringbuf.Record
	draining := false
	lastLossCheck := time.Now()
	for {
		if !draining && ctx.Err() != nil {
			// Stop capturing, then read what is already queued.
			s.detach()
			draining = true
		}
		if draining {
			s.reader.SetDeadline(time.Now()) // return what is there, then ErrDeadlineExceeded
		} else {
			s.reader.SetDeadline(time.Now().Add(s.opts.PollInterval))
		}
		err := s.reader.ReadInto(&rec)
		switch {
		case err == nil:
			s.handle(rec.RawSample, emit)
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The buffer is drained.
		case errors.Is(err, ringbuf.ErrClosed):
			return nil
		default:
			return fmt.Errorf("kernel sensor: read ring buffer: %w", err)
		}
		if time.Since(lastLossCheck) >= time.Second || draining {
			s.reportLoss(emit)
			lastLossCheck = time.Now()
		}
		if s.opts.OnIdle != nil {
			s.opts.OnIdle()
		}
		if draining {
			return nil
		}
	}
}

func (s *Sensor) handle(raw []byte, emit func(*event.Event)) {
	s.records.Add(1)
	s.bytes.Add(uint64(len(raw)))
	ev, err := s.decoder.Decode(raw)
	if err != nil {
		s.decodeErrs.Add(1)
		s.log.Warn("dropping undecodable kernel record", "err", err, "bytes", len(raw))
		return
	}
	if s.opts.FileFilter != nil && ev.Type.IsOpen() && s.cacheVerdict(raw, ev) {
		if s.opts.ReuseEvents {
			s.decoder.Recycle(ev)
		}
		return
	}
	emit(ev)
	if s.opts.ReuseEvents {
		s.decoder.Recycle(ev)
	}
}

// cacheVerdict asks FileFilter about an open event's file and, when no
// rule can care, stores the record's file key in the kernel's verdict
// cache; it reports whether the event is to be dropped.
func (s *Sensor) cacheVerdict(raw []byte, ev *event.Event) bool {
	o := record[syscallsVigilOpen](raw) // Decode checked the size
	if o.Task.Flags&flagFKey == 0 || s.opts.FileFilter(ev) {
		return false
	}
	if err := s.sys.file.FileVerdictMap.Put(&o.Fkey, uint8(1)); err != nil {
		s.log.Debug("kernel sensor: store file verdict", "err", err)
	}
	s.filesCached.Add(1)
	return true
}

// readLost sums the per-CPU drop counters.
func (s *Sensor) readLost() ([kindMax]uint64, error) {
	var out [kindMax]uint64
	for k := uint32(0); k < kindMax; k++ {
		var perCPU []uint64
		if err := s.objs.Drops.Lookup(k, &perCPU); err != nil {
			return out, fmt.Errorf("read drop counters: %w", err)
		}
		for _, v := range perCPU {
			out[k] += v
		}
	}
	return out, nil
}

// reportLoss emits a TypeDrop event when the kernel or the decoder lost
// records since the last report.
func (s *Sensor) reportLoss(emit func(*event.Event)) {
	lost, err := s.readLost()
	if err != nil {
		s.log.Warn("cannot read kernel loss counters", "err", err)
		return
	}
	s.mu.Lock()
	s.lost = lost
	s.mu.Unlock()
	d := &event.Drop{Lost: map[string]uint64{}}
	for k := uint32(1); k < kindMax; k++ {
		if n := lost[k] - s.reportedLost[k]; n > 0 {
			d.Lost[kindName(k)] = n
		}
	}
	if n := s.decodeErrs.Load() - s.reportedDecodeErrs; n > 0 {
		d.Lost["malformed"] = n
	}
	if len(d.Lost) == 0 {
		return
	}
	s.reportedLost = lost
	s.reportedDecodeErrs = s.decodeErrs.Load()
	s.log.Warn("events lost", "lost", d.Lost)
	emit(&event.Event{
		Time: time.Now(),
		Type: event.TypeDrop,
		Host: s.opts.Host,
		Drop: d,
	})
}

// Stats returns the sensor's counters. Safe to call from any goroutine.
func (s *Sensor) Stats() Stats {
	st := Stats{
		Records:      s.records.Load(),
		Bytes:        s.bytes.Load(),
		DecodeErrors: s.decodeErrs.Load(),
		Lost:         map[string]uint64{},
		FilesCached:  s.filesCached.Load(),
	}
	if s.loaded {
		if lost, err := s.readLost(); err == nil {
			s.mu.Lock()
			s.lost = lost
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := uint32(1); k < kindMax; k++ {
		st.Lost[kindName(k)] = s.lost[k]
	}
	return st
}

// Close detaches and releases everything. Safe after a partial start.
func (s *Sensor) Close() error {
	s.detach()
	var errs []error
	if s.reader != nil {
		if err := s.reader.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.sys.close(); err != nil {
		errs = append(errs, err)
	}
	if s.loaded {
		if err := s.objs.Close(); err != nil {
			errs = append(errs, err)
		}
		s.loaded = false
	}
	return errors.Join(errs...)
}
