package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry of its own holding the agent's metrics,
// read from src at each scrape, and the Go runtime (go_*) and process
// (process_*: memory, CPU, file descriptors) collectors.
func NewRegistry(src Sources) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	for _, c := range []struct {
		name string
		c    prometheus.Collector
	}{
		{"vigil", newCollector(src)},
		{"go runtime", collectors.NewGoCollector()},
		{"process", collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})},
	} {
		if err := reg.Register(c.c); err != nil {
			return nil, fmt.Errorf("register %s metrics: %w", c.name, err)
		}
	}
	return reg, nil
}
