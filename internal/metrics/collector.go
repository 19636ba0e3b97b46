package metrics

import (
	"fmt"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// collector reads Sources at each scrape and turns them into constant
// metrics.
type collector struct {
	src Sources

	buildInfo, healthy *prometheus.Desc

	events, sinkErrors *prometheus.Desc

	sensorRecords, sensorBytes, sensorFilesCached *prometheus.Desc
	kernelLost, userLost                          *prometheus.Desc

	alerts, evaluations, evalSeconds *prometheus.Desc

	outSent, outFailed, outDropped, outRetried, outDepth, outCap *prometheus.Desc

	aggPassed, aggAggregated, aggSummaries, aggKeys *prometheus.Desc

	enforcement *prometheus.Desc

	queueDepth, queueCap *prometheus.Desc

	procEntries, procSeeded, procSeedErrors, procReads, procMisses, procLearned, procReaped, procEvicted *prometheus.Desc

	ctrEntries, ctrFetches, ctrFailures, ctrEvictions *prometheus.Desc
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

func newCollector(src Sources) *collector {
	return &collector{
		src:       src,
		buildInfo: desc("vigil_build_info", "Always 1; the version label says which Vigil runs.", "version"),
		healthy:   desc("vigil_healthy", "1 when the agent reports itself healthy (as /healthz), 0 otherwise."),

		events:     desc("vigil_events_total", "Events through the pipeline, by event type.", "type"),
		sinkErrors: desc("vigil_pipeline_sink_errors_total", "Errors returned by the pipeline's stages."),

		sensorRecords:     desc("vigil_sensor_records_total", "Records read from the kernel ring buffer."),
		sensorBytes:       desc("vigil_sensor_read_bytes_total", "Bytes of the records read from the kernel ring buffer."),
		sensorFilesCached: desc("vigil_sensor_file_verdicts_cached_total", "Files whose opens the kernel's file verdict cache turns away (no rule can match them)."),
		kernelLost:        desc("vigil_kernel_events_lost_total", "Records the kernel could not queue (ring buffer full), by record kind.", "kind"),
		userLost:          desc("vigil_user_events_lost_total", "Events lost in user space, by reason.", "reason"),

		alerts:      desc("vigil_alerts_total", "Alerts raised, by rule and priority.", "rule", "priority"),
		evaluations: desc("vigil_rule_evaluations_total", "Events evaluated against the rules."),
		evalSeconds: desc("vigil_rule_eval_seconds", "Time to evaluate one event against the rules, sampled (one event in 64)."),

		outSent:    desc("vigil_output_sent_total", "Alerts an output delivered.", "output"),
		outFailed:  desc("vigil_output_failed_total", "Alerts an output failed to deliver for good.", "output"),
		outDropped: desc("vigil_output_dropped_total", "Alerts an output dropped because its queue was full.", "output"),
		outRetried: desc("vigil_output_retried_total", "Delivery attempts an output repeated after a failure.", "output"),
		outDepth:   desc("vigil_output_queue_depth", "Alerts waiting in an output's queue.", "output"),
		outCap:     desc("vigil_output_queue_capacity", "Capacity of an output's queue.", "output"),

		aggPassed:     desc("vigil_aggregation_passed_total", "Alerts the aggregation stage passed on unchanged."),
		aggAggregated: desc("vigil_aggregation_aggregated_total", "Alerts the aggregation stage folded into a summary."),
		aggSummaries:  desc("vigil_aggregation_summaries_total", "Summary alerts the aggregation stage emitted."),
		aggKeys:       desc("vigil_aggregation_keys", "Aggregation keys tracked now."),

		enforcement: desc("vigil_enforcement_decisions_total", "Enforcement decisions, by action.", "action"),

		queueDepth: desc("vigil_queue_depth", "Items waiting in an internal queue.", "queue"),
		queueCap:   desc("vigil_queue_capacity", "Capacity of an internal queue.", "queue"),

		procEntries:    desc("vigil_process_table_entries", "Process table entries, by state (live, exited).", "state"),
		procSeeded:     desc("vigil_process_table_seeded_total", "Processes read from /proc when the table was seeded."),
		procSeedErrors: desc("vigil_process_table_seed_errors_total", "Processes that could not be read when the table was seeded."),
		procReads:      desc("vigil_process_table_proc_reads_total", "Reads of /proc/PID for processes an event named but the table did not know."),
		procMisses:     desc("vigil_process_table_misses_total", "Events whose process was unknown and could not be read from /proc."),
		procLearned:    desc("vigil_process_table_learned_total", "Entries learned from the recorded ancestry of replayed events."),
		procReaped:     desc("vigil_process_table_reaped_total", "Exited entries dropped (grace period over, or room needed)."),
		procEvicted:    desc("vigil_process_table_evicted_total", "Live entries dropped to make room (the table was full)."),

		ctrEntries:   desc("vigil_container_cache_entries", "Containers in the metadata cache."),
		ctrFetches:   desc("vigil_container_metadata_fetches_total", "Container metadata fetches done."),
		ctrFailures:  desc("vigil_container_metadata_failures_total", "Container metadata fetches and lookups that failed, by reason (not_found, error, queue_full, timeout).", "reason"),
		ctrEvictions: desc("vigil_container_cache_evictions_total", "Containers evicted from the metadata cache."),
	}
}

// Describe sends every metric's description.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.buildInfo, c.healthy,
		c.events, c.sinkErrors,
		c.sensorRecords, c.sensorBytes, c.sensorFilesCached, c.kernelLost, c.userLost,
		c.alerts, c.evaluations, c.evalSeconds,
		c.outSent, c.outFailed, c.outDropped, c.outRetried, c.outDepth, c.outCap,
		c.aggPassed, c.aggAggregated, c.aggSummaries, c.aggKeys,
		c.enforcement,
		c.queueDepth, c.queueCap,
		c.procEntries, c.procSeeded, c.procSeedErrors, c.procReads, c.procMisses, c.procLearned, c.procReaped, c.procEvicted,
		c.ctrEntries, c.ctrFetches, c.ctrFailures, c.ctrEvictions,
	} {
		ch <- d
	}
}

// Collect reads every source and sends its metrics.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.buildInfo, prometheus.GaugeValue, 1, c.src.Version)
	if f := c.src.Health; f != nil {
		guard(ch, c.healthy, func() {
			up := 1.0
			if f() != nil {
				up = 0
			}
			ch <- prometheus.MustNewConstMetric(c.healthy, prometheus.GaugeValue, up)
		})
	}
	if f := c.src.Events; f != nil {
		guard(ch, c.events, func() {
			s := f()
			sendMap(ch, c.events, prometheus.CounterValue, s.ByType)
			counter(ch, c.sinkErrors, s.SinkErrors)
		})
	}
	// The sensor's decode errors are user space losses, reported with
	// the others UserLost counts.
	userLost := map[string]uint64{}
	if f := c.src.Sensor; f != nil {
		guard(ch, c.sensorRecords, func() {
			s := f()
			counter(ch, c.sensorRecords, s.Records)
			counter(ch, c.sensorBytes, s.Bytes)
			counter(ch, c.sensorFilesCached, s.FilesCached)
			sendMap(ch, c.kernelLost, prometheus.CounterValue, s.Lost)
			userLost["decode_error"] = s.DecodeErrors
		})
	}
	if f := c.src.UserLost; f != nil {
		if !guard(ch, c.userLost, func() {
			for k, n := range f() {
				userLost[k] += n
			}
		}) {
			userLost = nil
		}
	}
	sendMap(ch, c.userLost, prometheus.CounterValue, userLost)
	if f := c.src.Alerts; f != nil {
		guard(ch, c.alerts, func() {
			type key struct{ rule, priority string }
			sum := map[key]uint64{}
			var order []key
			for _, r := range f() {
				k := key{r.Rule, r.Priority}
				if _, seen := sum[k]; !seen {
					order = append(order, k)
				}
				sum[k] += r.Alerts
			}
			for _, k := range order {
				counter(ch, c.alerts, sum[k], k.rule, k.priority)
			}
		})
	}
	if f := c.src.RuleEval; f != nil {
		guard(ch, c.evaluations, func() {
			s := f()
			counter(ch, c.evaluations, s.Evaluations)
			buckets := make(map[float64]uint64, len(s.Bounds))
			for i, b := range s.Bounds {
				if i < len(s.Cumulative) {
					buckets[b.Seconds()] = s.Cumulative[i]
				}
			}
			ch <- prometheus.MustNewConstHistogram(c.evalSeconds, s.Samples, s.Sum.Seconds(), buckets)
		})
	}
	if f := c.src.Outputs; f != nil {
		guard(ch, c.outSent, func() {
			outs := f()
			var names []string
			byName := map[string]*OutputSnapshot{}
			for _, o := range outs {
				m := byName[o.Name]
				if m == nil {
					m = &OutputSnapshot{Name: o.Name}
					byName[o.Name] = m
					names = append(names, o.Name)
				}
				m.Sent += o.Sent
				m.Failed += o.Failed
				m.Dropped += o.Dropped
				m.Retried += o.Retried
				m.QueueDepth += o.QueueDepth
				m.QueueCap += o.QueueCap
			}
			for _, n := range names {
				o := byName[n]
				counter(ch, c.outSent, o.Sent, n)
				counter(ch, c.outFailed, o.Failed, n)
				counter(ch, c.outDropped, o.Dropped, n)
				counter(ch, c.outRetried, o.Retried, n)
				gauge(ch, c.outDepth, float64(o.QueueDepth), n)
				gauge(ch, c.outCap, float64(o.QueueCap), n)
			}
		})
	}
	if f := c.src.Aggregation; f != nil {
		guard(ch, c.aggPassed, func() {
			s := f()
			counter(ch, c.aggPassed, s.Passed)
			counter(ch, c.aggAggregated, s.Aggregated)
			counter(ch, c.aggSummaries, s.Summaries)
			gauge(ch, c.aggKeys, float64(s.Keys))
		})
	}
	if f := c.src.Enforcement; f != nil {
		guard(ch, c.enforcement, func() {
			sendMap(ch, c.enforcement, prometheus.CounterValue, f())
		})
	}
	if f := c.src.Queues; f != nil {
		guard(ch, c.queueDepth, func() {
			depth, capacity := map[string]uint64{}, map[string]uint64{}
			for _, q := range f() {
				depth[q.Name] += uint64(max(q.Depth, 0))
				capacity[q.Name] += uint64(max(q.Capacity, 0))
			}
			sendMap(ch, c.queueDepth, prometheus.GaugeValue, depth)
			sendMap(ch, c.queueCap, prometheus.GaugeValue, capacity)
		})
	}
	if f := c.src.Processes; f != nil {
		guard(ch, c.procEntries, func() {
			s := f()
			gauge(ch, c.procEntries, float64(s.Live), "live")
			gauge(ch, c.procEntries, float64(s.Exited), "exited")
			counter(ch, c.procSeeded, s.Seeded)
			counter(ch, c.procSeedErrors, s.SeedErrors)
			counter(ch, c.procReads, s.ProcReads)
			counter(ch, c.procMisses, s.Misses)
			counter(ch, c.procLearned, s.Learned)
			counter(ch, c.procReaped, s.Reaped)
			counter(ch, c.procEvicted, s.Evicted)
		})
	}
	if f := c.src.Containers; f != nil {
		guard(ch, c.ctrEntries, func() {
			s := f()
			gauge(ch, c.ctrEntries, float64(s.Entries))
			counter(ch, c.ctrFetches, s.Fetches)
			counter(ch, c.ctrFailures, s.Misses, "not_found")
			counter(ch, c.ctrFailures, s.Errors, "error")
			counter(ch, c.ctrFailures, s.Dropped, "queue_full")
			counter(ch, c.ctrFailures, s.Timeouts, "timeout")
			counter(ch, c.ctrEvictions, s.Evictions)
		})
	}
}

// guard runs collect, turning a panic of a source into an invalid metric
// (a gather error naming d) so that the scrape, and the agent, go on. It
// reports whether collect returned normally.
func guard(ch chan<- prometheus.Metric, d *prometheus.Desc, collect func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ch <- prometheus.NewInvalidMetric(d, fmt.Errorf("metrics source panicked: %v", r))
		}
	}()
	collect()
	return true
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// sendMap sends one metric per key of m, the key as d's only label, in
// key order.
func sendMap(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, m map[string]uint64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ch <- prometheus.MustNewConstMetric(d, t, float64(m[k]), k)
	}
}
