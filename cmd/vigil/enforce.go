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
	dropped   atomic.Uint64

	// seen are the containers already handed to the mechanisms (used from
	// the pipeline's goroutine only): true once with metadata.
	seen map[string]bool
	wg   sync.WaitGroup
}

type enforceFlags struct {
	policies   []string
	timeout    time.Duration
	failClosed bool
}

// startEnforcement loads the policies and starts what enforces them. It
// returns nil (and no error) when no policy is given.
func startEnforcement(ctx context.Context, f *enforceFlags, log *slog.Logger, host string,
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
	e := &enforcement{log: log, set: set, reporter: rep, decisions: make(chan *event.Event, decisionQueue), seen: map[string]bool{}}
	info := map[string]respond.PolicyInfo{}
	for _, p := range set.Policies {
		info[p.Name] = respond.PolicyInfo{Priority: p.Priority, Tags: p.Tags}
	}
	rep.SetPolicies(info)

	hostPid := uint64(nsInode("/proc/1/ns/pid"))
	if hostPid == 0 {
		hostPid = uint64(nsInode("/proc/self/ns/pid"))
	}
	resolver := &enforce.Resolver{
		HostPidNS: hostPid,
		Lookup: func(k container.Key) *event.Container {
			if cache == nil {
				return nil
			}
			return cache.Peek(k.ID)
		},
	}
	if files := set.ByKind(policy.KindExec, policy.KindExecAllow, policy.KindOpen); len(files) > 0 {
		onTimeout := fanotify.Allow
		if f.failClosed {
			onTimeout = fanotify.Deny
		}
		g, err := enforce.NewFileGuard(enforce.FileGuardOptions{
			Resolver: resolver, Emit: e.emit, Host: host, Timeout: f.timeout, OnTimeout: onTimeout, Logger: log,
		})
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("%w (fanotify permission events need CONFIG_FANOTIFY_ACCESS_PERMISSIONS and CAP_SYS_ADMIN)", err)
		}
		e.guard = g
		if err := g.Load(set); err != nil {
			e.Close()
			return nil, fmt.Errorf("policies: %w", err)
		}
		if err := g.Start(ctx); err != nil {
			e.Close()
			return nil, err
		}
	}
	if len(enforce.KernelPolicies(set)) > 0 {
		n, err := enforce.NewNetKill(enforce.NetKillOptions{Emit: e.emit, Host: host, Logger: log,
			Kernel: kernel.Options{HostPidNS: uint32(hostPid)}})
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("%w (run `vigil doctor`: network and syscall policies need cgroup BPF programs and bpf_send_signal)", err)
		}
		e.net = n
		n.Start(ctx)
		if err := n.Load(set); err != nil {
			e.Close()
			return nil, fmt.Errorf("policies: %w", err)
		}
	}
	for _, p := range set.Policies {
		log.Info("policy", "name", p.Name, "mode", p.Mode.String(), "action", string(p.Action), "match", p.Describe(),
			"scope", describeScope(&p.Scope), "mechanism", policyMechanism(p))
	}
	return e, nil
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
	e.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-e.decisions:
				if wait := time.Until(ev.Time.Add(delay)); wait > 0 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(wait):
					}
				}
				handle(ev)
			}
		}
	})
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
	if e.guard != nil && !seen {
		pid := int(ev.Process.PID)
		go e.guard.ContainerSeen(id, pid)
	}
	if e.net != nil {
		// Again once the metadata is known: selectors need it.
		c, cg := ev.Container, ev.Process.CgroupPath
		go e.net.ContainerSeen(id, cg, c)
	}
	return nil
}

// Flush flushes the reporter's sinks.
func (e *enforcement) Flush() error { return e.reporter.Flush() }

// Close stops the mechanisms: enforcement ends with the agent.
func (e *enforcement) Close() {
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
	e.wg.Wait()
	if n := e.dropped.Load(); n > 0 {
		e.log.Warn("enforcement decisions not reported: queue full", "dropped", n)
	}
}
