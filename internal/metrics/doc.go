// Package metrics exposes the agent's counters to Prometheus: a /metrics
// endpoint in Prometheus' text format and a /healthz endpoint. Every
// metric is documented in docs/metrics.md.
//
// Contract:
//   - Nothing is counted here. The collectors read the agent's existing
//     counters through the functions of Sources when a scrape asks for
//     them, so the event path pays nothing for metrics. A nil function
//     leaves its metrics out. The snapshot types are this package's own,
//     field for field like the counters they mirror (pipeline.Counts,
//     kernel.Stats, state.Stats, container.CacheStats, engine.EvalTiming),
//     so that the composition root converts them with a plain conversion
//     and this package imports none of the agent's packages (none that
//     would bring the eBPF library along).
//   - NewRegistry builds a registry of its own: no package-level state,
//     nothing registered with the client library's global registry. Its
//     Go runtime and process collectors report memory and CPU.
//   - A source function that panics fails its metrics for that scrape
//     (reported as a gather error); the others are still served.
//   - The Server listens only on a loopback address unless AllowRemote is
//     set; any other address is refused with an error naming the setting.
//     /healthz answers 200 "ok" while Health returns nil, 503 with the
//     reason otherwise.
package metrics
