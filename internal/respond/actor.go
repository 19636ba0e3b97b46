package respond

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/engine"
)

// Killer sends SIGKILL to a process, making sure it is the one the event
// describes. The default uses pidfds; tests substitute their own.
type Killer interface {
	Kill(pid uint32, exe string) error
}

// ActorOptions configure an Actor.
type ActorOptions struct {
	// Sinks receive every alert after its actions ran.
	Sinks []engine.AlertSink
	// Killer carries out kill; nil means ProcKiller{} (pidfds, /proc).
	Killer Killer
	// SelfPID is never killed; 0 means os.Getpid().
	SelfPID int
}

// Actor carries out rules' response actions (see the package contract).
// WriteAlert is called from one goroutine (the detector's).
type Actor struct {
	sinks  []engine.AlertSink
	killer Killer
	self   uint32
	kills  atomic.Uint64
}

// NewActor returns an Actor.
func NewActor(opts ActorOptions) *Actor {
	a := &Actor{sinks: opts.Sinks, killer: opts.Killer, self: uint32(opts.SelfPID)}
	if a.killer == nil {
		a.killer = ProcKiller{}
	}
	if a.self == 0 {
		a.self = uint32(os.Getpid())
	}
	return a
}

// Kills returns how many processes the Actor killed.
func (a *Actor) Kills() uint64 { return a.kills.Load() }

// WriteAlert runs the alert's actions, records their results in
// al.Actions, and passes the alert on.
func (a *Actor) WriteAlert(al *engine.Alert) error {
	if len(al.Actions) > 0 && al.Event != nil && !strings.HasPrefix(al.Rule, RulePrefix) {
		done := make([]string, 0, len(al.Actions))
		for _, act := range al.Actions {
			done = append(done, act+":"+a.run(act, al))
		}
		al.Actions = done
	}
	var errs []error
	for _, s := range a.sinks {
		errs = append(errs, s.WriteAlert(al))
	}
	return errors.Join(errs...)
}

func (a *Actor) run(action string, al *engine.Alert) string {
	switch action {
	case "kill":
		p := al.Event.Process
		switch {
		case p.PID == 0:
			return "failed: no process"
		case p.PID == a.self || p.PID == 1:
			return "refused: protected process"
		}
		if err := a.killer.Kill(p.PID, p.Exe); err != nil {
			return "failed: " + err.Error()
		}
		a.kills.Add(1)
		return "killed"
	}
	return "unsupported"
}

// Flush flushes the sinks.
func (a *Actor) Flush() error {
	var errs []error
	for _, s := range a.sinks {
		errs = append(errs, s.Flush())
	}
	return errors.Join(errs...)
}

// ProcKiller kills through a pidfd after checking, with the pidfd held
// (so the pid cannot be reused meanwhile), that the process still runs
// the executable the event named.
type ProcKiller struct {
	// ProcRoot is /proc when empty.
	ProcRoot string
}

// Kill sends SIGKILL to pid if it still runs exe ("" skips the check).
func (k ProcKiller) Kill(pid uint32, exe string) error {
	root := k.ProcRoot
	if root == "" {
		root = "/proc"
	}
	fd, err := unix.PidfdOpen(int(pid), 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return errors.New("process gone")
		}
		return fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(fd)
	if exe != "" {
		got, err := os.Readlink(fmt.Sprintf("%s/%d/exe", root, pid))
		if err != nil {
			return fmt.Errorf("process %d: %w", pid, err)
		}
		if strings.TrimSuffix(got, " (deleted)") != exe {
			return fmt.Errorf("process %d now runs %s, not %s", pid, got, exe)
		}
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return errors.New("process gone")
		}
		return fmt.Errorf("pidfd_send_signal %d: %w", pid, err)
	}
	return nil
}
