package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// fakeSources is every source, with fixed values.
func fakeSources() Sources {
	return Sources{
		Version: "v1.2.3",
		Health:  func() error { return nil },
		Events: func() EventCounts {
			return EventCounts{Events: 12, ByType: map[string]uint64{"execve": 10, "openat": 2}, SinkErrors: 1}
		},
		Sensor: func() SensorSnapshot {
			return SensorSnapshot{Records: 20, Bytes: 4096, DecodeErrors: 3, Lost: map[string]uint64{"exec": 0, "syscall": 7}, FilesCached: 5}
		},
		UserLost: func() map[string]uint64 { return map[string]uint64{"enforcement_queue_full": 2} },
		Alerts: func() []RuleAlerts {
			return []RuleAlerts{
				{Rule: "Terminal shell in container", Priority: "Notice", Alerts: 4},
				{Rule: "Read sensitive file", Priority: "Warning", Alerts: 0},
				{Rule: "Terminal shell in container", Priority: "Notice", Alerts: 1}, // a duplicate adds up
			}
		},
		RuleEval: func() EvalSnapshot {
			return EvalSnapshot{
				Evaluations: 640, Samples: 10, Sum: 25 * time.Microsecond,
				Bounds:     []time.Duration{time.Microsecond, 5 * time.Microsecond},
				Cumulative: []uint64{6, 9},
			}
		},
		Outputs: func() []OutputSnapshot {
			return []OutputSnapshot{{Name: "webhook", Sent: 9, Failed: 1, Dropped: 2, Retried: 3, QueueDepth: 4, QueueCap: 1024}}
		},
		Aggregation: func() AggregationSnapshot {
			return AggregationSnapshot{Passed: 5, Aggregated: 6, Summaries: 1, Keys: 2}
		},
		Enforcement: func() map[string]uint64 { return map[string]uint64{"deny": 3, "audit": 1} },
		Queues: func() []QueueSnapshot {
			return []QueueSnapshot{{Name: "enforcement_decisions", Depth: 1, Capacity: 256}}
		},
		Processes: func() ProcessTableSnapshot {
			return ProcessTableSnapshot{Live: 300, Exited: 12, Seeded: 290, SeedErrors: 1, ProcReads: 4, Misses: 2, Reaped: 40, Evicted: 0}
		},
		Containers: func() ContainerCacheSnapshot {
			return ContainerCacheSnapshot{Entries: 3, Fetches: 5, Misses: 1, Errors: 1, Dropped: 0, Timeouts: 2, Evictions: 0}
		},
	}
}

const wantFake = `
# HELP vigil_build_info Always 1; the version label says which Vigil runs.
# TYPE vigil_build_info gauge
vigil_build_info{version="v1.2.3"} 1
# HELP vigil_healthy 1 when the agent reports itself healthy (as /healthz), 0 otherwise.
# TYPE vigil_healthy gauge
vigil_healthy 1
# HELP vigil_events_total Events through the pipeline, by event type.
# TYPE vigil_events_total counter
vigil_events_total{type="execve"} 10
vigil_events_total{type="openat"} 2
# HELP vigil_pipeline_sink_errors_total Errors returned by the pipeline's stages.
# TYPE vigil_pipeline_sink_errors_total counter
vigil_pipeline_sink_errors_total 1
# HELP vigil_sensor_records_total Records read from the kernel ring buffer.
# TYPE vigil_sensor_records_total counter
vigil_sensor_records_total 20
# HELP vigil_sensor_read_bytes_total Bytes of the records read from the kernel ring buffer.
# TYPE vigil_sensor_read_bytes_total counter
vigil_sensor_read_bytes_total 4096
# HELP vigil_sensor_file_verdicts_cached_total Files whose opens the kernel's file verdict cache turns away (no rule can match them).
# TYPE vigil_sensor_file_verdicts_cached_total counter
vigil_sensor_file_verdicts_cached_total 5
# HELP vigil_kernel_events_lost_total Records the kernel could not queue (ring buffer full), by record kind.
# TYPE vigil_kernel_events_lost_total counter
vigil_kernel_events_lost_total{kind="exec"} 0
vigil_kernel_events_lost_total{kind="syscall"} 7
# HELP vigil_user_events_lost_total Events lost in user space, by reason.
# TYPE vigil_user_events_lost_total counter
vigil_user_events_lost_total{reason="decode_error"} 3
vigil_user_events_lost_total{reason="enforcement_queue_full"} 2
# HELP vigil_alerts_total Alerts raised, by rule and priority.
# TYPE vigil_alerts_total counter
vigil_alerts_total{priority="Notice",rule="Terminal shell in container"} 5
vigil_alerts_total{priority="Warning",rule="Read sensitive file"} 0
# HELP vigil_rule_evaluations_total Events evaluated against the rules.
# TYPE vigil_rule_evaluations_total counter
vigil_rule_evaluations_total 640
# HELP vigil_rule_eval_seconds Time to evaluate one event against the rules, sampled (one event in 64).
# TYPE vigil_rule_eval_seconds histogram
vigil_rule_eval_seconds_bucket{le="1e-06"} 6
vigil_rule_eval_seconds_bucket{le="5e-06"} 9
vigil_rule_eval_seconds_bucket{le="+Inf"} 10
vigil_rule_eval_seconds_sum 2.5e-05
vigil_rule_eval_seconds_count 10
# HELP vigil_output_sent_total Alerts an output delivered.
# TYPE vigil_output_sent_total counter
vigil_output_sent_total{output="webhook"} 9
# HELP vigil_output_failed_total Alerts an output failed to deliver for good.
# TYPE vigil_output_failed_total counter
vigil_output_failed_total{output="webhook"} 1
# HELP vigil_output_dropped_total Alerts an output dropped because its queue was full.
# TYPE vigil_output_dropped_total counter
vigil_output_dropped_total{output="webhook"} 2
# HELP vigil_output_retried_total Delivery attempts an output repeated after a failure.
# TYPE vigil_output_retried_total counter
vigil_output_retried_total{output="webhook"} 3
# HELP vigil_output_queue_depth Alerts waiting in an output's queue.
# TYPE vigil_output_queue_depth gauge
vigil_output_queue_depth{output="webhook"} 4
# HELP vigil_output_queue_capacity Capacity of an output's queue.
# TYPE vigil_output_queue_capacity gauge
vigil_output_queue_capacity{output="webhook"} 1024
# HELP vigil_aggregation_passed_total Alerts the aggregation stage passed on unchanged.
# TYPE vigil_aggregation_passed_total counter
vigil_aggregation_passed_total 5
# HELP vigil_aggregation_aggregated_total Alerts the aggregation stage folded into a summary.
# TYPE vigil_aggregation_aggregated_total counter
vigil_aggregation_aggregated_total 6
# HELP vigil_aggregation_summaries_total Summary alerts the aggregation stage emitted.
# TYPE vigil_aggregation_summaries_total counter
vigil_aggregation_summaries_total 1
# HELP vigil_aggregation_keys Aggregation keys tracked now.
# TYPE vigil_aggregation_keys gauge
vigil_aggregation_keys 2
# HELP vigil_enforcement_decisions_total Enforcement decisions, by action.
# TYPE vigil_enforcement_decisions_total counter
vigil_enforcement_decisions_total{action="audit"} 1
vigil_enforcement_decisions_total{action="deny"} 3
# HELP vigil_queue_depth Items waiting in an internal queue.
# TYPE vigil_queue_depth gauge
vigil_queue_depth{queue="enforcement_decisions"} 1
# HELP vigil_queue_capacity Capacity of an internal queue.
# TYPE vigil_queue_capacity gauge
vigil_queue_capacity{queue="enforcement_decisions"} 256
# HELP vigil_process_table_entries Process table entries, by state (live, exited).
# TYPE vigil_process_table_entries gauge
vigil_process_table_entries{state="exited"} 12
vigil_process_table_entries{state="live"} 300
# HELP vigil_process_table_seeded_total Processes read from /proc when the table was seeded.
# TYPE vigil_process_table_seeded_total counter
vigil_process_table_seeded_total 290
# HELP vigil_process_table_seed_errors_total Processes that could not be read when the table was seeded.
# TYPE vigil_process_table_seed_errors_total counter
vigil_process_table_seed_errors_total 1
# HELP vigil_process_table_proc_reads_total Reads of /proc/PID for processes an event named but the table did not know.
# TYPE vigil_process_table_proc_reads_total counter
vigil_process_table_proc_reads_total 4
# HELP vigil_process_table_misses_total Events whose process was unknown and could not be read from /proc.
# TYPE vigil_process_table_misses_total counter
vigil_process_table_misses_total 2
# HELP vigil_process_table_learned_total Entries learned from the recorded ancestry of replayed events.
# TYPE vigil_process_table_learned_total counter
vigil_process_table_learned_total 0
# HELP vigil_process_table_reaped_total Exited entries dropped (grace period over, or room needed).
# TYPE vigil_process_table_reaped_total counter
vigil_process_table_reaped_total 40
# HELP vigil_process_table_evicted_total Live entries dropped to make room (the table was full).
# TYPE vigil_process_table_evicted_total counter
vigil_process_table_evicted_total 0
# HELP vigil_container_cache_entries Containers in the metadata cache.
# TYPE vigil_container_cache_entries gauge
vigil_container_cache_entries 3
# HELP vigil_container_metadata_fetches_total Container metadata fetches done.
# TYPE vigil_container_metadata_fetches_total counter
vigil_container_metadata_fetches_total 5
# HELP vigil_container_metadata_failures_total Container metadata fetches and lookups that failed, by reason (not_found, error, queue_full, timeout).
# TYPE vigil_container_metadata_failures_total counter
vigil_container_metadata_failures_total{reason="error"} 1
vigil_container_metadata_failures_total{reason="not_found"} 1
vigil_container_metadata_failures_total{reason="queue_full"} 0
vigil_container_metadata_failures_total{reason="timeout"} 2
# HELP vigil_container_cache_evictions_total Containers evicted from the metadata cache.
# TYPE vigil_container_cache_evictions_total counter
vigil_container_cache_evictions_total 0
`

// vigilNames are the agent's metric names in wantFake.
func vigilNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(wantFake, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			names = append(names, strings.Fields(name)[0])
		}
	}
	return names
}

func newTestRegistry(t *testing.T, src Sources) *prometheus.Registry {
	t.Helper()
	reg, err := NewRegistry(src)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestRegistryGathersSources: every source's values come out under the
// documented names, labels and types.
func TestRegistryGathersSources(t *testing.T) {
	reg := newTestRegistry(t, fakeSources())
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantFake), vigilNames(t)...); err != nil {
		t.Fatal(err)
	}
	// Memory comes from the Go runtime and process collectors.
	for _, name := range []string{"go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "go_goroutines"} {
		n, err := testutil.GatherAndCount(reg, name)
		if err != nil || n != 1 {
			t.Errorf("%s: %d series, err %v; want 1", name, n, err)
		}
	}
}

// TestRegistryReadsAtScrape: the sources are read at each gather, not
// copied once.
func TestRegistryReadsAtScrape(t *testing.T) {
	var n uint64
	reg := newTestRegistry(t, Sources{Events: func() EventCounts {
		n += 5
		return EventCounts{ByType: map[string]uint64{"execve": n}}
	}})
	for _, want := range []float64{5, 10} {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		if got := valueOf(mfs, "vigil_events_total"); got != want {
			t.Errorf("vigil_events_total = %v, want %v", got, want)
		}
	}
}

// TestRegistryOptionalSources: nil sources leave their metrics out; the
// build info is always there.
func TestRegistryOptionalSources(t *testing.T) {
	reg := newTestRegistry(t, Sources{Version: "dev"})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var vigil []string
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "vigil_") {
			vigil = append(vigil, mf.GetName())
		}
	}
	if len(vigil) != 1 || vigil[0] != "vigil_build_info" {
		t.Errorf("with no sources: %v, want only vigil_build_info", vigil)
	}
}

// TestRegistryHealthAndPanics: an unhealthy agent reads 0; a panicking
// source fails the gather for its metrics only.
func TestRegistryHealthAndPanics(t *testing.T) {
	src := fakeSources()
	src.Health = func() error { return errors.New("sensor detached") }
	src.Processes = func() ProcessTableSnapshot { panic("boom") }
	reg := newTestRegistry(t, src)
	mfs, err := reg.Gather()
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("gather error %v, want the panic reported", err)
	}
	if got := valueOf(mfs, "vigil_healthy"); got != 0 {
		t.Errorf("vigil_healthy = %v, want 0", got)
	}
	if got := valueOf(mfs, "vigil_sensor_records_total"); got != 20 {
		t.Errorf("vigil_sensor_records_total = %v, want 20 (other sources still served)", got)
	}
}

// TestRegistriesIndependent: two registries share nothing (no global
// state): both gather without duplicate registration errors.
func TestRegistriesIndependent(t *testing.T) {
	a, b := newTestRegistry(t, fakeSources()), newTestRegistry(t, Sources{Version: "other"})
	for _, reg := range []*prometheus.Registry{a, b} {
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	if err := testutil.GatherAndCompare(b, strings.NewReader(`
# HELP vigil_build_info Always 1; the version label says which Vigil runs.
# TYPE vigil_build_info gauge
vigil_build_info{version="other"} 1
`), "vigil_build_info"); err != nil {
		t.Error(err)
	}
}

// valueOf returns the value of the first series of the named family
// (counter or gauge), or -1.
func valueOf(mfs []*dto.MetricFamily, name string) float64 {
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.Metric) == 0 {
			continue
		}
		m := mf.Metric[0]
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return -1
}
