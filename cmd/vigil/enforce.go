package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/enforce"
	"github.com/vigil-sec/vigil/internal/enforce/fanotify"
	"github.com/vigil-sec/vigil/internal/enforce/kernel"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/fields"
	"github.com/vigil-sec/vigil/internal/host"
	"github.com/vigil-sec/vigil/internal/policy"
	"github.com/vigil-sec/vigil/internal/respond"
	"github.com/vigil-sec/vigil/internal/state/users"
)

// decisionQueue bounds the decisions waiting for the pipeline; beyond it
// they are counted as dropped (the enforcement itself already happened).
const decisionQueue = 4096

// enforcement is the prevention stage of `vigil run --policy`: the
// mechanisms, the reporter of their decisions, and a pipeline sink that
// tells the mechanisms about containers as they appear.
type enforcement struct {
	log       *slog.Logger
	set       *policy.Set
	guard     *enforce.FileGuard
	net       *enforce.NetKill
	reporter  *respond.Reporter
	decisions chan *event.Event
	fed       chan struct{} // closed when feed has handed over its last decision
	dropped   atomic.Uint64

	// seen are the containers already handed to the mechanisms (used from
	// the pipeline's goroutine only): true once with metadata.
	seen map[string]bool
	wg   sync.WaitGroup

	// What a reload needs to start mechanisms and re-scope containers.
	ctx      context.Context
	flags    *enforceFlags
	host     string
	hostPid  uint32
	resolver *enforce.Resolver
	mu       sync.Mutex // guards mechanisms' creation, known and set
	known    map[string]containerInfo
}

// containerInfo is what the mechanisms need to know of a container.
type containerInfo struct {
	pid        int
	cgroupPath string
	c          *event.Container
}

type enforceFlags struct {
	policies   []string
	timeout    time.Duration
	failClosed bool
}

// startEnforcement loads the policies and starts what enforces them. It
// returns nil (and no error) when no policy is given.
func startEnforcement(ctx context.Context, f *enforceFlags, log *slog.Logger, hostname string,
	cache *container.Cache, alertSinks []engine.AlertSink) (*enforcement, error) {
	if len(f.policies) == 0 {
		return nil, nil
	}
	set, diags, err := loadPolicyFiles(f.policies)
	if err != nil {
		return nil, err
	}
	for _, d := range diags {
		log.Error("policies", "problem", d.String())
	}
	if len(diags) > 0 {
		return nil, fmt.Errorf("%d problem(s) in the policies (see above; `vigil policy check` shows them too)", len(diags))
	}
	if set == nil {
		return nil, fmt.Errorf("policies %v: no policy defined", f.policies)
	}
	cat := fields.New(fields.Options{Names: users.New("/etc/passwd", "/etc/group")})
	rep, err := respond.NewReporter(cat, log, alertSinks...)
	if err != nil {
		return nil, err
	}
	_, hostPid := host.HostNamespaces("/proc")
	e := &enforcement{
		log: log, reporter: rep, decisions: make(chan *event.Event, decisionQueue), seen: map[string]bool{},
		ctx: ctx, flags: f, host: hostname, hostPid: hostPid, known: map[string]containerInfo{},
		resolver: &enforce.Resolver{
			HostPidNS: hostPid,
			Lookup: func(k container.Key) *event.Container {
				if cache == nil {
					return nil
				}
				return cache.Peek(k.ID)
			},
		},
	}
	if err := e.apply(set); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// apply makes set the enforced policies: it starts the mechanisms set
// needs that are not running, loads set into every running one (a
// mechanism whose policies are all gone keeps running with none), and
// hands them the containers seen so far.
func (e *enforcement) apply(set *policy.Set) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(set.ByKind(policy.KindExec, policy.KindExecAllow, policy.KindOpen)) > 0 && e.guard == nil {
		onTimeout := fanotify.Allow
		if e.flags.failClosed {
			onTimeout = fanotify.Deny
		}
		g, err := enforce.NewFileGuard(enforce.FileGuardOptions{
			Resolver: e.resolver, Emit: e.emit, Host: e.host, Timeout: e.flags.timeout, OnTimeout: onTimeout, Logger: e.log,
		})
		if err != nil {
			return fmt.Errorf("%w (fanotify permission events need CONFIG_FANOTIFY_ACCESS_PERMISSIONS and CAP_SYS_ADMIN)", err)
		}
		if err := g.Start(e.ctx); err != nil {
			g.Close()
			return err
		}
		e.guard = g
	}
	if len(enforce.KernelPolicies(set)) > 0 && e.net == nil {
		n, err := enforce.NewNetKill(enforce.NetKillOptions{Emit: e.emit, Host: e.host, Logger: e.log,
			Kernel: kernel.Options{HostPidNS: e.hostPid}})
		if err != nil {
			return fmt.Errorf("%w (run `vigil doctor`: network and syscall policies need cgroup BPF programs and bpf_send_signal)", err)
		}
		n.Start(e.ctx)
		e.net = n
	}
	if e.guard != nil {
		if err := e.guard.Load(set); err != nil {
			return fmt.Errorf("policies: %w", err)
		}
	}
	if e.net != nil {
		if err := e.net.Load(set); err != nil {
			return fmt.Errorf("policies: %w", err)
		}
	}
	info := map[string]respond.PolicyInfo{}
	for _, p := range set.Policies {
		info[p.Name] = respond.PolicyInfo{Priority: p.Priority, Tags: p.Tags}
		e.log.Info("policy", "name", p.Name, "mode", p.Mode.String(), "action", string(p.Action), "match", p.Describe(),
			"scope", describeScope(&p.Scope), "mechanism", policyMechanism(p))
	}
	e.reporter.SetPolicies(info)
	e.set = set
	for id, ci := range e.known {
		if e.guard != nil {
			e.guard.ContainerSeen(id, ci.pid)
		}
		if e.net != nil {
			e.net.ContainerSeen(id, ci.cgroupPath, ci.c)
		}
	}
	return nil
}

// reload re-reads the policy files on SIGHUP: a set with any problem is
// refused and the policies in force stay.
func (e *enforcement) reload() error {
	set, diags, err := loadPolicyFiles(e.flags.policies)
	switch {
	case err != nil:
		e.log.Error("policy reload refused: the policies in force stay", "err", err)
		return err
	case len(diags) > 0:
		for _, d := range diags {
			e.log.Error("policies", "problem", d.String())
		}
		e.log.Error("policy reload refused: the policies in force stay", "problems", len(diags))
		return fmt.Errorf("%d problem(s) in the policies", len(diags))
	case set == nil:
		set = &policy.Set{}
	}
	if err := e.apply(set); err != nil {
		e.log.Error("policy reload incomplete", "err", err)
		return err
	}
	e.log.Info("policies reloaded", "policies", len(set.Policies))
	return nil
}

// emit queues a decision for the pipeline without blocking the mechanism.
func (e *enforcement) emit(ev *event.Event) {
	select {
	case e.decisions <- ev:
	default:
		e.dropped.Add(1)
	}
}

// feed hands queued decisions to the pipeline until ctx ends, each one
// delay after it was made: by then the sensor has delivered the events
// that came before it (the exec of the process the decision is about,
// above all), so the process table and the container are known even when
// the process died at once (a kill, or a program that exits on EPERM).
func (e *enforcement) feed(ctx context.Context, delay time.Duration, handle func(*event.Event)) {
	e.fed = make(chan struct{})
	e.wg.Go(func() {
		defer close(e.fed)
		for {
			select {
			case <-ctx.Done():
				e.drain(handle)
				return
			case ev := <-e.decisions:
				if wait := time.Until(ev.Time.Add(delay)); wait > 0 {
					select {
					case <-ctx.Done():
						handle(ev)
						e.drain(handle)
						return
					case <-time.After(wait):
					}
				}
				handle(ev)
			}
		}
	})
}

// drain hands the decisions still queued to the pipeline at once: the
// agent is stopping, and no decision goes unreported.
func (e *enforcement) drain(handle func(*event.Event)) {
	for {
		select {
		case ev := <-e.decisions:
			handle(ev)
		default:
			return
		}
	}
}

// waitFed waits until feed has handed over its last decision (after its
// context ended).
func (e *enforcement) waitFed() {
	if e.fed != nil {
		<-e.fed
	}
}

// Write is the pipeline sink: reports decisions, and tells the
// mechanisms about each container the first time one of its processes
// is seen.
func (e *enforcement) Write(ev *event.Event) error {
	if ev.Type == event.TypeEnforce {
		return e.reporter.Write(ev)
	}
	id := ev.Process.ContainerID
	if id == "" {
		return nil
	}
	known := ev.Container != nil && ev.Container.MetadataKnown
	withMD, seen := e.seen[id]
	if seen && (withMD || !known) {
		return nil
	}
	if len(e.seen) >= 65536 {
		clear(e.seen)
	}
	e.seen[id] = known
	ci := containerInfo{pid: int(ev.Process.PID), cgroupPath: ev.Process.CgroupPath, c: ev.Container}
	e.mu.Lock()
	if len(e.known) >= 65536 {
		clear(e.known)
	}
	e.known[id] = ci
	guard, nk := e.guard, e.net
	e.mu.Unlock()
	if guard != nil && !seen {
		go guard.ContainerSeen(id, ci.pid)
	}
	if nk != nil {
		// Again once the metadata is known: selectors need it.
		go nk.ContainerSeen(id, ci.cgroupPath, ci.c)
	}
	return nil
}

// Flush flushes the reporter's sinks.
func (e *enforcement) Flush() error { return e.reporter.Flush() }

// Close stops the mechanisms: enforcement ends with the agent.
func (e *enforcement) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.guard != nil {
		st, denied, audited := e.guard.Stats()
		e.log.Info("fanotify enforcement stopped", "requests", st.Requests, "denied", denied, "audited", audited,
			"timeouts", st.Timeouts, "overloaded", st.Overloaded, "errors", st.Errors)
		e.guard.Close()
	}
	if e.net != nil {
		ks, denied, killed, audited := e.net.Stats()
		e.log.Info("kernel enforcement stopped", "denied", denied, "killed", killed, "audited", audited,
			"lost", ks.Lost, "decode_errors", ks.DecodeErrors)
		e.net.Close()
	}
	e.mu.Unlock()
	e.wg.Wait() // a reload in progress needs mu
	e.mu.Lock()
	if n := e.dropped.Load(); n > 0 {
		e.log.Warn("enforcement decisions not reported: queue full", "dropped", n)
	}
}
