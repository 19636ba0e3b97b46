package kernel

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/host"
)

// Options configure an Enforcer. The zero value of each field means its
// default.
type Options struct {
	// CgroupRoot is the cgroup v2 mount the network programs attach to
	// (default: /sys/fs/cgroup when it is cgroup2, else
	// /sys/fs/cgroup/unified).
	CgroupRoot string
	// HostPidNS is the inode number of the host's pid namespace, for
	// WhereHost and WhereContainers (default: this process's, from
	// /proc/self/ns/pid: right when the agent runs in the host's).
	HostPidNS uint32
	// SelfTgid is the process never denied nor killed (default: this
	// process; negative: none). The host's init (pid 1) is always exempt.
	SelfTgid int
	// RingBufferBytes is the decision ring buffer's size, a power of two
	// multiple of the page size (default 1 MiB).
	RingBufferBytes uint32
	// DecisionBuffer is the capacity of the Decisions channel (default
	// 256). A reader that falls behind blocks the decoder; the kernel
	// then drops records and counts them in Stats.Lost.
	DecisionBuffer int
	// Logger (default: discard).
	Logger *slog.Logger
}

// Stats are the enforcer's counters since New.
type Stats struct {
	Decisions    uint64 // records decoded and delivered
	Lost         uint64 // records the kernel could not reserve in the ring buffer
	DecodeErrors uint64 // records that failed to decode
	Loads        uint64 // successful Loads
	NetRules     int    // network rules in force
	// KillSyscalls are the system calls whose tracepoint is attached.
	KillSyscalls []string
}

const (
	defaultRingBytes      = 1 << 20
	defaultDecisionBuffer = 256
	cgroup2SuperMagic     = 0x63677270
)

// genTable decodes the records of one generation.
type genTable struct {
	netRefs  []ruleRef
	sysNames map[int32]string
}

// Enforcer is the loaded enforcement programs.
type Enforcer struct {
	opts Options
	log  *slog.Logger
	objs enforceObjects

	mu        sync.Mutex // guards what follows
	loaded    bool       // objs loaded
	attached  bool       // cgroup programs attached, reader running
	closed    bool
	cgLinks   []link.Link
	killLinks map[string]link.Link // by system call name
	missing   map[string]bool      // tracepoints this kernel lacks (warned once)
	gen       uint32               // generation in force
	tables    [2]genTable
	netRules  int

	reader *ringbuf.Reader
	out    chan Decision
	done   chan struct{}
	wg     sync.WaitGroup

	decisions, decodeErrs, loads atomic.Uint64
}

// New loads and verifies the BPF programs. Nothing is attached until the
// first Load.
func New(opts Options) (*Enforcer, error) {
	e := &Enforcer{opts: opts, log: opts.Logger, killLinks: map[string]link.Link{}, missing: map[string]bool{}}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.opts.CgroupRoot == "" {
		root, err := DefaultCgroupRoot()
		if err != nil {
			return nil, fmt.Errorf("enforcer: %w", err)
		}
		e.opts.CgroupRoot = root
	}
	if e.opts.HostPidNS == 0 {
		ns := host.NamespaceInode("/proc/self/ns/pid")
		if ns == 0 {
			return nil, errors.New("enforcer: host pid namespace: /proc/self/ns/pid unreadable")
		}
		e.opts.HostPidNS = ns
	}
	if e.opts.SelfTgid == 0 {
		e.opts.SelfTgid = os.Getpid()
	}
	if e.opts.RingBufferBytes == 0 {
		e.opts.RingBufferBytes = defaultRingBytes
	}
	if rb := e.opts.RingBufferBytes; rb < uint32(os.Getpagesize()) || rb&(rb-1) != 0 {
		return nil, fmt.Errorf("enforcer: ring buffer size %d is not a power of two of at least one page", rb)
	}
	if e.opts.DecisionBuffer <= 0 {
		e.opts.DecisionBuffer = defaultDecisionBuffer
	}

	if err := rlimit.RemoveMemlock(); err != nil {
		e.log.Debug("cannot raise RLIMIT_MEMLOCK; relying on memcg accounting", "err", err)
	}
	spec, err := loadEnforce()
	if err != nil {
		return nil, fmt.Errorf("enforcer: load BPF spec: %w", err)
	}
	spec.Maps["decisions"].MaxEntries = e.opts.RingBufferBytes
	if err := spec.Variables["host_pidns"].Set(e.opts.HostPidNS); err != nil {
		return nil, fmt.Errorf("enforcer: set host_pidns: %w", err)
	}
	if e.opts.SelfTgid > 0 {
		if err := spec.Variables["self_tgid"].Set(uint32(e.opts.SelfTgid)); err != nil {
			return nil, fmt.Errorf("enforcer: set self_tgid: %w", err)
		}
	}
	if err := spec.LoadAndAssign(&e.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			e.log.Debug("verifier log", "log", fmt.Sprintf("%+v", ve))
		}
		return nil, fmt.Errorf("enforcer: load BPF programs: %w", err)
	}
	e.loaded = true
	e.out = make(chan Decision, e.opts.DecisionBuffer)
	e.done = make(chan struct{})
	return e, nil
}

// DefaultCgroupRoot returns /sys/fs/cgroup when it is a cgroup2 mount
// (unified layout), else /sys/fs/cgroup/unified (hybrid layout) when that
// is one.
func DefaultCgroupRoot() (string, error) {
	for _, p := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if err := unix.Statfs(p, &st); err == nil && st.Type == cgroup2SuperMagic {
			return p, nil
		}
	}
	return "", errors.New("no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified (set Options.CgroupRoot)")
}

// CgroupID returns the v2 cgroup id of a cgroup2 directory: its inode
// number, the value bpf_get_current_cgroup_id returns for its members.
func CgroupID(path string) (uint64, error) {
	var fst unix.Statfs_t
	if err := unix.Statfs(path, &fst); err != nil {
		return 0, &os.PathError{Op: "statfs", Path: path, Err: err}
	}
	if fst.Type != cgroup2SuperMagic {
		return 0, fmt.Errorf("cgroup id of %s: not a cgroup2 directory", path)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return st.Ino, nil
}

// Options returns the options in effect (defaults filled in).
func (e *Enforcer) Options() Options { return e.opts }

// Load replaces the whole rule set. The kernel sees the old set or the new
// one, never a mix: the new set is written to the generation the programs
// do not use, then one map update switches them to it. The first Load
// attaches the network programs to the cgroup root and starts delivering
// Decisions. Kill tracepoints are attached for the system calls the new
// set names (those this kernel lacks are skipped with a warning) before
// the switch, and the ones no longer named are detached after it. On
// error the rule set in force is unchanged.
func (e *Enforcer) Load(ps []Policy) error {
	c, err := compile(ps, e.log.Warn)
	if err != nil {
		return fmt.Errorf("enforcer: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || !e.loaded {
		return errors.New("enforcer: closed")
	}
	if !e.attached {
		if err := e.attach(); err != nil {
			return err
		}
	}
	next := e.gen ^ 1
	if err := e.writeGen(next, c); err != nil {
		return err
	}
	for _, name := range c.sysNames {
		if err := e.attachKill(name); err != nil {
			return err
		}
	}
	e.tables[next] = genTable{netRefs: c.netRefs, sysNames: c.sysNames}
	if err := e.objs.GenCur.Put(uint32(0), next); err != nil {
		return fmt.Errorf("enforcer: switch to generation %d: %w", next, err)
	}
	e.gen = next
	e.netRules = len(c.net)
	for name, l := range e.killLinks {
		if !containsName(c.sysNames, name) {
			if err := l.Close(); err != nil {
				e.log.Warn("detach kill tracepoint", "syscall", name, "err", err)
			}
			delete(e.killLinks, name)
		}
	}
	e.loads.Add(1)
	return nil
}

func containsName(m map[int32]string, name string) bool {
	for _, n := range m {
		if n == name {
			return true
		}
	}
	return false
}

// writeGen writes c into generation g, which the programs do not use.
func (e *Enforcer) writeGen(g uint32, c *compiled) error {
	for i, r := range c.net {
		idx := g*MaxNetRules + uint32(i)
		if err := e.objs.NetRules.Put(idx, r); err != nil {
			return fmt.Errorf("enforcer: write net rule %d of policy %d: %w", c.netRefs[i].rule, c.netRefs[i].policy, err)
		}
	}
	// drop the generation's old kill and binary entries
	var kk enforceEnfKillKey
	var stale []enforceEnfKillKey
	var mask uint64
	it := e.objs.KillRules.Iterate()
	for it.Next(&kk, &mask) {
		if kk.Gen == g {
			stale = append(stale, kk)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("enforcer: iterate kill_rules: %w", err)
	}
	for _, k := range stale {
		if err := e.objs.KillRules.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("enforcer: delete kill rule: %w", err)
		}
	}
	var bk enforceEnfBinKey
	var staleBin []enforceEnfBinKey
	bit := e.objs.Binaries.Iterate()
	for bit.Next(&bk, &mask) {
		if bk.Gen == g {
			staleBin = append(staleBin, bk)
		}
	}
	if err := bit.Err(); err != nil {
		return fmt.Errorf("enforcer: iterate binaries: %w", err)
	}
	for _, k := range staleBin {
		if err := e.objs.Binaries.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("enforcer: delete binary: %w", err)
		}
	}
	for nr, m := range c.kill {
		if err := e.objs.KillRules.Put(enforceEnfKillKey{Gen: g, Nr: nr}, m); err != nil {
			return fmt.Errorf("enforcer: write kill rule %s: %w", c.sysNames[nr], err)
		}
	}
	for k, m := range c.binaries {
		k.Gen = g
		if err := e.objs.Binaries.Put(k, m); err != nil {
			return fmt.Errorf("enforcer: write binary %d:%d: %w", k.Dev, k.Ino, err)
		}
	}
	if err := e.objs.Gens.Put(g, c.gen); err != nil {
		return fmt.Errorf("enforcer: write generation %d: %w", g, err)
	}
	return nil
}

// attach attaches the network programs at the cgroup root and starts the
// reader. Called with mu held.
func (e *Enforcer) attach() error {
	progs := []struct {
		name   string
		prog   *ebpf.Program
		attach ebpf.AttachType
	}{
		{"connect4", e.objs.EnforceConnect4, ebpf.AttachCGroupInet4Connect},
		{"connect6", e.objs.EnforceConnect6, ebpf.AttachCGroupInet6Connect},
		{"sendmsg4", e.objs.EnforceSendmsg4, ebpf.AttachCGroupUDP4Sendmsg},
		{"sendmsg6", e.objs.EnforceSendmsg6, ebpf.AttachCGroupUDP6Sendmsg},
		{"bind4", e.objs.EnforceBind4, ebpf.AttachCGroupInet4Bind},
		{"bind6", e.objs.EnforceBind6, ebpf.AttachCGroupInet6Bind},
	}
	var err error
	if e.reader == nil {
		e.reader, err = ringbuf.NewReader(e.objs.Decisions)
		if err != nil {
			return fmt.Errorf("enforcer: open ring buffer: %w", err)
		}
	}
	for _, p := range progs[len(e.cgLinks):] {
		// AttachCgroup uses a BPF link (multi-attach: other programs at
		// the root keep running) or, on kernels without, BPF_F_ALLOW_MULTI.
		l, err := link.AttachCgroup(link.CgroupOptions{Path: e.opts.CgroupRoot, Attach: p.attach, Program: p.prog})
		if err != nil {
			return fmt.Errorf("enforcer: attach %s at cgroup %s: %w", p.name, e.opts.CgroupRoot, err)
		}
		e.cgLinks = append(e.cgLinks, l)
	}
	e.attached = true
	e.wg.Add(1)
	go e.run()
	return nil
}

// attachKill attaches the kill program to syscalls/sys_enter_<name>
// unless it is already, or the kernel lacks it. Called with mu held.
func (e *Enforcer) attachKill(name string) error {
	if _, ok := e.killLinks[name]; ok || e.missing[name] {
		return nil
	}
	l, err := link.Tracepoint("syscalls", "sys_enter_"+name, e.objs.EnforceKill, nil)
	if errors.Is(err, os.ErrNotExist) {
		e.log.Warn("kernel has no tracepoint for this system call; kill rules on it are not enforced",
			"syscall", name, "tracepoint", "syscalls/sys_enter_"+name)
		e.missing[name] = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("enforcer: attach kill program to syscalls/sys_enter_%s: %w", name, err)
	}
	e.killLinks[name] = l
	return nil
}

// SetCgroupScope sets the policies (a mask of policy bits) that select
// the v2 cgroup cgid and its descendants (up to 15 levels below the root).
func (e *Enforcer) SetCgroupScope(cgid, mask uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || !e.loaded {
		return errors.New("enforcer: closed")
	}
	if err := e.objs.Cgroups.Put(cgid, mask); err != nil {
		return fmt.Errorf("enforcer: set cgroup %d scope: %w", cgid, err)
	}
	return nil
}

// DeleteCgroup forgets cgroup cgid; deleting an unknown cgroup is not an
// error.
func (e *Enforcer) DeleteCgroup(cgid uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || !e.loaded {
		return errors.New("enforcer: closed")
	}
	if err := e.objs.Cgroups.Delete(cgid); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("enforcer: delete cgroup %d: %w", cgid, err)
	}
	return nil
}

// Decisions returns the channel of decisions; it is closed by Close.
func (e *Enforcer) Decisions() <-chan Decision { return e.out }

// Stats returns the counters.
func (e *Enforcer) Stats() Stats {
	s := Stats{
		Decisions:    e.decisions.Load(),
		DecodeErrors: e.decodeErrs.Load(),
		Loads:        e.loads.Load(),
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s.NetRules = e.netRules
	for name := range e.killLinks {
		s.KillSyscalls = append(s.KillSyscalls, name)
	}
	sort.Strings(s.KillSyscalls)
	if e.loaded && !e.closed {
		var perCPU []uint64
		if err := e.objs.Lost.Lookup(uint32(0), &perCPU); err == nil {
			for _, n := range perCPU {
				s.Lost += n
			}
		}
	}
	return s
}

// Close detaches every program and frees the maps: nothing is enforced
// once it returns (nor once the process exits, since links and programs
// die with their file descriptors). Safe after a failed or partial start,
// and more than once.
func (e *Enforcer) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	var errs []error
	for name, l := range e.killLinks {
		if err := l.Close(); err != nil {
			errs = append(errs, fmt.Errorf("detach kill tracepoint %s: %w", name, err))
		}
	}
	e.killLinks = nil
	for _, l := range e.cgLinks {
		if err := l.Close(); err != nil {
			errs = append(errs, fmt.Errorf("detach cgroup program: %w", err))
		}
	}
	e.cgLinks = nil
	if e.done != nil {
		close(e.done)
	}
	if e.reader != nil {
		if err := e.reader.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close ring buffer: %w", err))
		}
	}
	e.mu.Unlock()
	e.wg.Wait()
	if e.out != nil {
		close(e.out)
	}
	if e.loaded {
		if err := e.objs.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close BPF objects: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("enforcer: %w", err)
	}
	return nil
}

// table returns generation g's decoding table.
func (e *Enforcer) table(g uint8) genTable {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tables[g&1]
}

// run reads the ring buffer until Close.
func (e *Enforcer) run() {
	defer e.wg.Done()
	var rec ringbuf.Record
	for {
		err := e.reader.ReadInto(&rec)
		if errors.Is(err, ringbuf.ErrClosed) {
			return
		}
		if err != nil {
			e.log.Warn("read decisions ring buffer", "err", err)
			continue
		}
		d, err := decode(rec.RawSample, e.table)
		if err != nil {
			e.decodeErrs.Add(1)
			e.log.Debug("decode decision", "err", err)
			continue
		}
		select {
		case e.out <- d:
			e.decisions.Add(1)
		case <-e.done:
			return
		}
	}
}

// CgroupPath joins a cgroup path (as in /proc/PID/cgroup or an OCI
// cgroupsPath) to the cgroup root.
func CgroupPath(root, cgroup string) string {
	return filepath.Join(root, filepath.Clean("/"+cgroup))
}
