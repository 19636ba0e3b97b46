package metrics

import "time"

// Sources are where the collectors read the agent's counters at scrape
// time. Every function is called from the scrape's goroutines, so it must
// be safe to call concurrently with the agent; nil leaves its metrics out.
type Sources struct {
	// Version is reported by vigil_build_info.
	Version string
	// Health says whether the agent works (nil) or why not; it backs
	// vigil_healthy (and the Server's /healthz, which takes it separately).
	Health func() error

	// Events are the pipeline's counters.
	Events func() EventCounts
	// Sensor are the kernel sensor's counters.
	Sensor func() SensorSnapshot
	// UserLost counts events lost in user space, by reason, besides the
	// sensor's decode errors (e.g. "enforcement_queue_full").
	UserLost func() map[string]uint64

	// Alerts are the alerts raised, by rule.
	Alerts func() []RuleAlerts
	// RuleEval are the rule evaluation counters.
	RuleEval func() EvalSnapshot

	// Outputs are the alert outputs' counters and queues.
	Outputs func() []OutputSnapshot
	// Aggregation are the alert aggregation stage's counters.
	Aggregation func() AggregationSnapshot
	// Enforcement counts the enforcement decisions, by action (e.g.
	// "deny", "audit", "kill").
	Enforcement func() map[string]uint64
	// Queues are the agent's internal queues other than the outputs'.
	Queues func() []QueueSnapshot

	// Processes are the process table's counters.
	Processes func() ProcessTableSnapshot
	// Containers are the container metadata cache's counters.
	Containers func() ContainerCacheSnapshot
}

// EventCounts mirrors pipeline.Counts.
type EventCounts struct {
	Events     uint64            // events through the pipeline
	ByType     map[string]uint64 // the same, by event type name
	SinkErrors uint64            // errors returned by the pipeline's stages
}

// SensorSnapshot mirrors the kernel sensor's Stats.
type SensorSnapshot struct {
	Records      uint64            // records read from the ring buffer
	Bytes        uint64            // their total size
	DecodeErrors uint64            // records that failed to decode (lost in user space)
	Lost         map[string]uint64 // records the kernel could not queue, by kind
	FilesCached  uint64            // files whose opens the kernel's verdict cache turns away
}

// RuleAlerts is the number of alerts one rule raised.
type RuleAlerts struct {
	Rule     string
	Priority string // Falco's spelling: "Critical", "Warning", ...
	Alerts   uint64
}

// EvalSnapshot mirrors engine.EvalTiming: events evaluated, and the
// histogram of the sampled evaluation times.
type EvalSnapshot struct {
	Evaluations uint64
	Samples     uint64
	Sum         time.Duration
	// Cumulative[i] counts the samples that took at most Bounds[i].
	Bounds     []time.Duration
	Cumulative []uint64
}

// OutputSnapshot is one alert output's counters and queue.
type OutputSnapshot struct {
	Name       string
	Sent       uint64 // alerts delivered
	Failed     uint64 // deliveries that failed for good
	Dropped    uint64 // alerts dropped, the queue being full
	Retried    uint64 // delivery attempts repeated after a failure
	QueueDepth int    // alerts waiting
	QueueCap   int    // the queue's capacity
}

// AggregationSnapshot is the alert aggregation stage's counters.
type AggregationSnapshot struct {
	Passed     uint64 // alerts passed on as they were
	Aggregated uint64 // alerts folded into a summary
	Summaries  uint64 // summary alerts emitted
	Keys       int    // aggregation keys tracked now
}

// QueueSnapshot is one internal queue.
type QueueSnapshot struct {
	Name     string
	Depth    int
	Capacity int
}

// ProcessTableSnapshot mirrors state.Stats.
type ProcessTableSnapshot struct {
	Live   int // entries of running processes
	Exited int // entries of exited processes not reaped yet

	Seeded     uint64 // processes read by Seed
	SeedErrors uint64 // processes Seed could not read
	ProcReads  uint64 // reads of /proc/PID for processes the table did not know
	Misses     uint64 // events whose process was unknown and unreadable
	Learned    uint64 // entries learned from replayed events' ancestry
	Reaped     uint64 // exited entries dropped
	Evicted    uint64 // live entries dropped to make room
}

// ContainerCacheSnapshot mirrors container.CacheStats.
type ContainerCacheSnapshot struct {
	Entries   int
	Fetches   uint64 // fetches done
	Misses    uint64 // fetches the source did not know the container for
	Errors    uint64 // fetches that failed otherwise
	Dropped   uint64 // fetches not queued because the queue was full
	Timeouts  uint64 // lookups that stopped waiting
	Evictions uint64
}
