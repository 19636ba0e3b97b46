package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/doctor"
	"github.com/vigil-sec/vigil/internal/sensor/probe"
)

func newDoctorCmd(stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Report which kernel features this host has and what Vigil will use",
		Long: "doctor probes the kernel by loading and attaching small test programs, then says for\n" +
			"each Vigil capability which mechanism it will use or why it cannot run. It exits\n" +
			"non-zero when the agent cannot run at all, saying what to fix.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d := doctor.Diagnose(probe.Run(cmd.Context()))
			d.ContainerSources = containerSources(cmd.Context())
			var err error
			if asJSON {
				err = d.WriteJSON(stdout)
			} else {
				err = d.WriteText(stdout)
			}
			if err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			if ok, why := d.CanRun(); !ok {
				return &exitError{code: 2, err: errors.New(why)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// containerSources looks for the container metadata sources vigil run
// would use.
func containerSources(ctx context.Context) []doctor.ContainerSource {
	det := container.DetectSources(ctx, container.DetectOptions{})
	defer det.Close()
	out := make([]doctor.ContainerSource, 0, len(det.Endpoints))
	for _, ep := range det.Endpoints {
		cs := doctor.ContainerSource{
			Kind: ep.Kind, Address: ep.Address, Available: ep.Available,
			Runtime: ep.Runtime, Version: ep.Version,
		}
		if ep.Err != nil {
			cs.Error = ep.Err.Error()
		}
		out = append(out, cs)
	}
	return out
}
