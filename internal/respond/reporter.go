package respond

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// RulePrefix starts the rule name of every enforcement alert.
const RulePrefix = "Vigil policy: "

// ReporterRule is the rule the Reporter compiles to render enforcement
// alerts.
const ReporterRule = `
- rule: Vigil policy enforcement
  desc: A prevention policy denied or killed (or, in audit mode, would have).
  condition: evt.type = vigil_enforce
  output: >-
    Vigil policy %vigil.policy: %vigil.result %vigil.match %vigil.target
    (mode=%vigil.mode action=%vigil.action mechanism=%vigil.mechanism
    proc.exepath=%proc.exepath proc.cmdline=%proc.cmdline proc.pid=%proc.pid
    proc.pname=%proc.pname user.name=%user.name user.uid=%user.uid
    container.id=%container.id container.name=%container.name
    container.image.repository=%container.image.repository container.image.tag=%container.image.tag
    k8s.ns.name=%k8s.ns.name k8s.pod.name=%k8s.pod.name)
  priority: CRITICAL
  tags: [vigil_enforce]
`

// PolicyInfo is what the Reporter needs to know of a policy.
type PolicyInfo struct {
	Priority rules.Priority
	Tags     []string
}

// Reporter writes an alert for each enforcement event.
type Reporter struct {
	eng      *engine.Engine
	sinks    []engine.AlertSink
	log      *slog.Logger
	policies atomic.Pointer[map[string]PolicyInfo]
	failed   bool
	alerts   atomic.Uint64
}

// NewReporter compiles ReporterRule with cat and writes alerts to sinks.
func NewReporter(cat engine.Catalog, log *slog.Logger, sinks ...engine.AlertSink) (*Reporter, error) {
	set, diags := rules.Load([]rules.File{{Name: "enforcement-alert", Data: []byte(ReporterRule)}})
	if diags.HasErrors() {
		return nil, fmt.Errorf("enforcement alert rule: %v", diags)
	}
	eng, diags := engine.Compile(set, cat, engine.Options{})
	if diags.HasErrors() || eng.Loaded() != 1 {
		return nil, fmt.Errorf("compile enforcement alert rule: %v", diags)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Reporter{eng: eng, sinks: sinks, log: log}
	r.SetPolicies(nil)
	return r, nil
}

// SetPolicies replaces the policies' priorities and tags (by name). A
// policy not named gets priority Critical and no tags.
func (r *Reporter) SetPolicies(p map[string]PolicyInfo) {
	if p == nil {
		p = map[string]PolicyInfo{}
	}
	r.policies.Store(&p)
}

// Alerts returns how many alerts were written.
func (r *Reporter) Alerts() uint64 { return r.alerts.Load() }

// Write reports ev when it is an enforcement event.
func (r *Reporter) Write(ev *event.Event) error {
	if ev.Type != event.TypeEnforce || ev.Enforcement == nil {
		return nil
	}
	r.eng.Eval(ev, r.fire)
	return nil
}

func (r *Reporter) fire(a *engine.Alert) {
	e := a.Event.Enforcement
	info, ok := (*r.policies.Load())[e.Policy]
	if !ok {
		info = PolicyInfo{Priority: rules.Critical}
	}
	a.Rule = RulePrefix + e.Policy
	a.Priority = info.Priority
	a.Source = "vigil"
	a.Tags = append(slices.Clone(info.Tags), "vigil_enforce", "mode_"+e.Mode)
	a.Output = a.Time.Local().Format("15:04:05.000000000") + ": " + info.Priority.String() + " " + a.Message
	a.Actions = []string{e.Action + ":" + e.Result}
	r.alerts.Add(1)
	for _, s := range r.sinks {
		if err := s.WriteAlert(a); err != nil && !r.failed {
			r.failed = true
			r.log.Error("enforcement alert output failed", "err", err)
		}
	}
}

// Flush flushes the sinks.
func (r *Reporter) Flush() error {
	var first error
	for _, s := range r.sinks {
		if err := s.Flush(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
