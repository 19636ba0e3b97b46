package main

import (
	"log/slog"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/metrics"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/sensor/kernel"
	"github.com/vigil-sec/vigil/internal/state"
)

// watchdogAge is how long the event loop may go without draining the
// ring buffer or reading a record before the health check says it is
// stalled.
func watchdogAge(poll time.Duration) time.Duration { return max(10*time.Second, 4*poll) }

// startMetrics serves the Prometheus metrics and the health check when
// metrics are enabled; the collectors read the agent's counters at each
// scrape, so the event path pays nothing for them. It returns nil (and no
// error) when metrics are off.
func startMetrics(m config.Metrics, log *slog.Logger, wd *metrics.Watchdog, p *pipeline.Pipeline, sensor *kernel.Sensor,
	table *state.Table, containers *containerStage, detector *engine.Detector, enf *enforcement, outs *alertOutputs) (*metrics.Server, error) {
	if !m.Enabled {
		return nil, nil
	}
	health := func() error { return wd.Check(sensor.Stats().Records) }
	src := metrics.Sources{
		Version: versionString(),
		Health:  health,
		Events:  func() metrics.EventCounts { return metrics.EventCounts(p.Counts()) },
		Sensor:  func() metrics.SensorSnapshot { return metrics.SensorSnapshot(sensor.Stats()) },
		Alerts: func() []metrics.RuleAlerts {
			counts := detector.AlertCounts()
			out := make([]metrics.RuleAlerts, len(counts))
			for i, c := range counts {
				out[i] = metrics.RuleAlerts{Rule: c.Rule, Priority: c.Priority.String(), Alerts: c.Alerts}
			}
			return out
		},
		RuleEval:   func() metrics.EvalSnapshot { return metrics.EvalSnapshot(detector.EvalTiming()) },
		Processes:  func() metrics.ProcessTableSnapshot { return metrics.ProcessTableSnapshot(table.Stats()) },
		Containers: func() metrics.ContainerCacheSnapshot { return metrics.ContainerCacheSnapshot(containers.cache.Stats()) },
		Outputs: func() []metrics.OutputSnapshot {
			st := outs.set.Stats()
			out := make([]metrics.OutputSnapshot, len(st))
			for i, s := range st {
				out[i] = metrics.OutputSnapshot{Name: s.Name, Sent: s.Sent, Failed: s.Failed, Dropped: s.Dropped,
					Retried: s.Retried, QueueDepth: s.QueueDepth, QueueCap: s.QueueCap}
			}
			return out
		},
	}
	if outs.agg != nil {
		src.Aggregation = func() metrics.AggregationSnapshot {
			st := outs.agg.Stats()
			return metrics.AggregationSnapshot{Passed: st.Passed, Aggregated: st.Aggregated, Summaries: st.Summaries, Keys: st.Keys}
		}
	}
	if enf != nil {
		src.UserLost = func() map[string]uint64 {
			return map[string]uint64{"enforcement_queue_full": enf.dropped.Load()}
		}
		src.Queues = func() []metrics.QueueSnapshot {
			return []metrics.QueueSnapshot{{Name: "enforcement_decisions", Depth: len(enf.decisions), Capacity: cap(enf.decisions)}}
		}
		src.Enforcement = enf.decisionCounts
	}
	reg, err := metrics.NewRegistry(src)
	if err != nil {
		return nil, err
	}
	srv, err := metrics.NewServer(metrics.ServerOptions{
		Listen: m.Listen, Path: m.Path, HealthPath: m.HealthPath, AllowRemote: m.AllowRemote,
		Gatherer: reg, Health: health, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	return srv, nil
}

// decisionCounts counts the mechanisms' decisions by action.
func (e *enforcement) decisionCounts() map[string]uint64 {
	out := map[string]uint64{"deny": 0, "audit": 0, "kill": 0}
	e.mu.Lock()
	guard, net := e.guard, e.net
	e.mu.Unlock()
	if guard != nil {
		_, denied, audited := guard.Stats()
		out["deny"] += denied
		out["audit"] += audited
	}
	if net != nil {
		_, denied, killed, audited := net.Stats()
		out["deny"] += denied
		out["kill"] += killed
		out["audit"] += audited
	}
	return out
}
