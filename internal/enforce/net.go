package enforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/vigil-sec/vigil/internal/enforce/kernel"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/policy"
)

// NetKillOptions configure a NetKill.
type NetKillOptions struct {
	// Emit receives each decision as a vigil_enforce event; called from
	// the NetKill's reader goroutine.
	Emit func(*event.Event)
	Host string
	// Kernel configures the BPF enforcer (cgroup root, host pid
	// namespace); zero values take its defaults.
	Kernel kernel.Options
	Logger *slog.Logger
}

// netState is one loaded policy set, by kernel index.
type netState struct {
	policies []*policy.Policy // index -> policy
	selector uint64           // policies with container selectors
}

// NetKill enforces connect, bind and syscall policies in the kernel (see
// the package contract).
type NetKill struct {
	opts  NetKillOptions
	log   *slog.Logger
	k     *kernel.Enforcer
	state atomic.Pointer[netState]
	root  string

	mu      sync.Mutex
	cgroups map[string]uint64 // container id -> cgroup id given a scope
	wg      sync.WaitGroup

	denied, killed, audited atomic.Uint64
}

// KernelPolicies are the policies a NetKill enforces.
func KernelPolicies(set *policy.Set) []*policy.Policy {
	if set == nil {
		return nil
	}
	return set.ByKind(policy.KindConnect, policy.KindBind, policy.KindSyscall)
}

// NewNetKill loads the BPF enforcer (nothing is attached until Load).
func NewNetKill(opts NetKillOptions) (*NetKill, error) {
	if opts.Emit == nil {
		return nil, errors.New("kernel enforcement: Emit is required")
	}
	n := &NetKill{opts: opts, log: opts.Logger, cgroups: map[string]uint64{}}
	if n.log == nil {
		n.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Kernel.Logger == nil {
		opts.Kernel.Logger = n.log
	}
	k, err := kernel.New(opts.Kernel)
	if err != nil {
		return nil, fmt.Errorf("kernel enforcement: %w", err)
	}
	n.k = k
	n.root = k.Options().CgroupRoot
	n.state.Store(&netState{})
	return n, nil
}

// Start reads decisions until Close.
func (n *NetKill) Start(ctx context.Context) {
	n.wg.Go(func() {
		for d := range n.k.Decisions() {
			n.emit(d)
		}
	})
}

// Load replaces the enforced policies by set's connect, bind and syscall
// policies. Container selectors apply to the containers seen from then on
// (ContainerSeen); those already seen are re-evaluated by the caller.
func (n *NetKill) Load(set *policy.Set) error {
	ps := KernelPolicies(set)
	if len(ps) > kernel.MaxPolicies {
		return fmt.Errorf("%d connect, bind and syscall policies: at most %d are enforced in the kernel", len(ps), kernel.MaxPolicies)
	}
	st := &netState{policies: ps}
	kps := make([]kernel.Policy, 0, len(ps))
	for i, p := range ps {
		kp := kernel.Policy{Index: i, Audit: p.Mode == policy.Audit}
		switch p.Scope.Where {
		case policy.WhereHost:
			kp.Where = kernel.WhereHost
		case policy.WhereContainers:
			kp.Where = kernel.WhereContainers
		}
		if p.Scope.HasContainerSelector() {
			kp.CgroupSelector = true
			st.selector |= 1 << i
		}
		if len(p.Scope.Binaries) > 0 {
			kp.BinarySelector = true
			for _, b := range p.Scope.Binaries {
				m, _ := filepath.Glob(b)
				if len(m) == 0 {
					n.log.Warn("policy binary not found: the policy cannot apply to it", "policy", p.Name, "binary", b)
				}
				kp.Binaries = append(kp.Binaries, m...)
			}
		}
		for _, m := range p.Net {
			r := kernel.NetRule{Op: kernel.NetConnect, Prefix: m.Prefix, PortLo: m.Ports.Lo, PortHi: m.Ports.Hi}
			if p.Kind == policy.KindBind {
				r.Op = kernel.NetBind
			}
			switch m.Proto {
			case policy.ProtoTCP:
				r.Proto = kernel.ProtoTCP
			case policy.ProtoUDP:
				r.Proto = kernel.ProtoUDP
			}
			kp.Net = append(kp.Net, r)
		}
		kp.Kill = p.Syscalls
		kps = append(kps, kp)
	}
	if err := n.k.Load(kps); err != nil {
		if i, ok := policyIndexOf(err); ok && i < len(ps) {
			return fmt.Errorf("policy %s (%s): %w", ps[i].Name, ps[i].Pos, err)
		}
		return err
	}
	n.state.Store(st)
	return nil
}

// policyIndexOf is a best effort to name the policy a kernel error is
// about ("policy 4: ...").
func policyIndexOf(err error) (int, bool) {
	var i int
	if _, e := fmt.Sscanf(err.Error(), "policy %d:", &i); e == nil {
		return i, true
	}
	return 0, false
}

// ContainerSeen gives the container's cgroup (cgroupPath, as
// /proc/PID/cgroup's v2 line names it) the bits of the policies whose
// container selectors match c. Called again when c's metadata becomes
// known. Safe from any goroutine.
func (n *NetKill) ContainerSeen(id, cgroupPath string, c *event.Container) {
	st := n.state.Load()
	if st.selector == 0 || cgroupPath == "" {
		return
	}
	var mask uint64
	for i, p := range st.policies {
		if st.selector&(1<<i) != 0 && p.Scope.MatchContainer(c) {
			mask |= 1 << i
		}
	}
	cgid, err := kernel.CgroupID(kernel.CgroupPath(n.root, cgroupPath))
	if err != nil {
		n.log.Warn("container cgroup not found: container-scoped network and syscall policies do not apply to it",
			"container", id, "cgroup", cgroupPath, "err", err)
		return
	}
	if mask == 0 {
		return
	}
	if err := n.k.SetCgroupScope(cgid, mask); err != nil {
		n.log.Warn("container scope not set", "container", id, "err", err)
		return
	}
	n.mu.Lock()
	n.cgroups[id] = cgid
	n.mu.Unlock()
	n.log.Info("container scoped", "container", id, "cgroup_id", cgid, "policies", mask)
}

// ContainerGone forgets a container's cgroup.
func (n *NetKill) ContainerGone(id string) {
	n.mu.Lock()
	cgid, ok := n.cgroups[id]
	delete(n.cgroups, id)
	n.mu.Unlock()
	if ok {
		_ = n.k.DeleteCgroup(cgid)
	}
}

func (n *NetKill) emit(d kernel.Decision) {
	st := n.state.Load()
	if d.Policy < 0 || d.Policy >= len(st.policies) {
		return // a decision of a policy set replaced meanwhile
	}
	p := st.policies[d.Policy]
	e := &event.Enforcement{Policy: p.Name, Mode: p.Mode.String(), Action: string(p.Action), Match: p.Kind.String()}
	switch d.Action {
	case kernel.ActionKill:
		e.Target, e.Mechanism = d.SyscallName, MechSendSignal
		switch {
		case d.Audit:
			e.Result = "would kill"
			n.audited.Add(1)
		case d.SignalErr != nil:
			e.Result = "failed: " + d.SignalErr.Error()
		default:
			e.Result = "killed"
			n.killed.Add(1)
		}
	default:
		e.Target, e.Proto, e.Mechanism = d.Addr.String(), d.Proto.String(), MechSockAddr
		if d.Op == kernel.NetSendmsg {
			e.Target += " (sendmsg)"
		}
		if d.Audit {
			e.Result = "would deny"
			n.audited.Add(1)
		} else {
			e.Result = "denied"
			n.denied.Add(1)
		}
	}
	n.opts.Emit(&event.Event{
		Time: d.Time, Type: event.TypeEnforce, Host: n.opts.Host,
		Process:     event.Process{PID: d.TGID, TID: d.PID, Name: d.Comm, CgroupID: d.CgroupID},
		Enforcement: e,
	})
}

// Stats returns the kernel enforcer's counters and the decisions made.
func (n *NetKill) Stats() (k kernel.Stats, denied, killed, audited uint64) {
	return n.k.Stats(), n.denied.Load(), n.killed.Load(), n.audited.Load()
}

// Close detaches every program: enforcement ends.
func (n *NetKill) Close() error {
	err := n.k.Close()
	n.wg.Wait()
	return err
}
