package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// reloadPoll is how often, with reload.watch_files, the configuration,
// rule and policy files are checked for changes.
const reloadPoll = 2 * time.Second

// reloader re-reads the configuration, the rules and the policies at
// SIGHUP and, with reload.watch_files, when one of their files changes. A
// reload is all or nothing per part: a configuration or a ruleset with
// errors is refused with its errors logged, and what runs stays; a good
// ruleset replaces the detector's engine between two events (no event is
// skipped or evaluated twice), and the kernel forgets its file verdicts,
// which the old rules decided.
type reloader struct {
	log      *slog.Logger
	load     func() (*config.Config, error) // the file and the flags again
	detector *engine.Detector
	sensor   interface {
		InvalidateFileVerdicts() error
		SetConnectFamilies(mask uint64) error
		SetSocketFamilies(mask uint64) error
		Captured() []event.Type
	}
	enf       *enforcement // nil without policies
	allEvents bool         // every event is printed: no kernel filter

	mu  sync.Mutex // one reload at a time
	cfg *config.Config
}

// reloadResult says what a reload did.
type reloadResult struct {
	rules, policies bool     // replaced
	restart         []string // changed settings that need a restart
}

// reload re-reads everything; the error says why something was refused
// (what ran before stays in force).
func (r *reloader) reload(reason string) (reloadResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var res reloadResult
	r.log.Info("reloading", "reason", reason)
	next, err := r.load()
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			for _, l := range ce.Lines() {
				r.log.Error("configuration", "problem", l)
			}
		}
		r.log.Error("reload refused: the configuration has errors; everything in force stays", "err", err)
		return res, fmt.Errorf("configuration: %w", err)
	}
	res.restart = r.cfg.RestartNeeded(next)
	if len(res.restart) > 0 {
		r.log.Warn("reload: these settings changed but take effect only at the next start", "settings", res.restart)
	}

	rf := &ruleFlags{paths: next.Rules.Files, matching: next.Rules.Matching, allowBroken: next.Rules.AllowBroken}
	l, err := loadRules(rf)
	if err != nil {
		r.log.Error("rule reload refused: the rules in force stay", "err", err)
		return res, fmt.Errorf("rules: %w", err)
	}
	for _, d := range l.diags {
		if d.Severity == rules.SevError {
			r.log.Error("rules", "problem", d.String())
		} else {
			r.log.Warn("rules", "problem", d.String())
		}
	}
	if n := l.errorCount(); n > 0 && !next.Rules.AllowBroken {
		r.log.Error("rule reload refused: the rules in force stay", "errors", n)
		return res, fmt.Errorf("rules: %d error(s)", n)
	}
	r.detector.SetEngine(l.engine)
	res.rules = true
	if err := r.sensor.InvalidateFileVerdicts(); err != nil {
		r.log.Warn("rules reloaded, but the kernel's file verdicts could not be reset", "err", err)
	}
	if err := r.sensor.SetConnectFamilies(connectFamilies(l.engine, r.allEvents)); err != nil {
		r.log.Warn("rules reloaded, but the kernel's connect filter could not be updated", "err", err)
	}
	if err := r.sensor.SetSocketFamilies(socketFamilies(l.engine, r.allEvents)); err != nil {
		r.log.Warn("rules reloaded, but the kernel's socket filter could not be updated", "err", err)
	}
	if missing := notCaptured(l.engine, r.sensor.Captured()); len(missing) > 0 {
		r.log.Warn("reloaded rules name system calls this agent does not capture: restart it for them",
			"syscalls", typeNames(missing))
	}
	r.log.Info("rules reloaded", "summary", l.summary())

	switch {
	case r.enf != nil:
		r.enf.flags.policies = next.Policies.Files
		if err := r.enf.reload(); err != nil {
			r.cfg = next
			return res, fmt.Errorf("policies: %w", err)
		}
		res.policies = true
	case len(next.Policies.Files) > 0:
		r.log.Warn("reload: policies were added to an agent started without any: restart it to enforce them")
	}
	r.cfg = next
	return res, nil
}

// notCaptured lists the system calls e needs that the sensor supports but
// did not attach at start.
func notCaptured(e *engine.Engine, captured []event.Type) []event.Type {
	var out []event.Type
	for _, t := range capturedSyscalls(e) {
		if !slices.Contains(captured, t) {
			out = append(out, t)
		}
	}
	return out
}

// run reloads at each SIGHUP and, when watch, whenever the files the
// configuration names change, until ctx ends.
func (r *reloader) run(ctx context.Context, watch bool) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var tick <-chan time.Time
	var last map[string]fileStamp
	if watch {
		t := time.NewTicker(reloadPoll)
		defer t.Stop()
		tick = t.C
		last = r.stamps()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_, _ = r.reload("SIGHUP")
			if watch {
				last = r.stamps()
			}
		case <-tick:
			now := r.stamps()
			if changed := changedFiles(last, now); len(changed) > 0 {
				last = now
				_, _ = r.reload("changed: " + strings.Join(changed, ", "))
			}
		}
	}
}

// fileStamp is what tells a changed file: its size, modification time
// and inode (a file replaced by a rename).
type fileStamp struct {
	size  int64
	mtime time.Time
	ino   uint64
}

// stamps returns the stamps of the configuration file and of every rule
// and policy file (the YAML files of the directories named).
func (r *reloader) stamps() map[string]fileStamp {
	r.mu.Lock()
	cfg := r.cfg
	r.mu.Unlock()
	out := map[string]fileStamp{}
	add := func(p string) {
		st, err := os.Stat(p)
		if err != nil {
			out[p] = fileStamp{size: -1}
			return
		}
		var ino uint64
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			ino = sys.Ino
		}
		out[p] = fileStamp{size: st.Size(), mtime: st.ModTime(), ino: ino}
	}
	if src := cfg.Source(); src != "" {
		add(src)
	}
	for _, p := range slices.Concat(cfg.Rules.Files, cfg.Policies.Files) {
		if p == config.BuiltinRules {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			add(p)
			continue
		}
		add(p) // the directory: files added or removed
		_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(q, ".yaml") || strings.HasSuffix(q, ".yml")) {
				add(q)
			}
			return nil
		})
	}
	return out
}

// changedFiles lists the paths whose stamps differ (added, removed or
// changed), sorted.
func changedFiles(a, b map[string]fileStamp) []string {
	var out []string
	for p, s := range b {
		if o, ok := a[p]; !ok || o != s {
			out = append(out, p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
