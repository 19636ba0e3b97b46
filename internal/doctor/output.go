package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes a report for people: the kernel features found (feature,
// yes/no, detail), then Vigil's capabilities (capability, the mechanism or
// "unavailable", why), then whether the agent can run.
func (d Diagnosis) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	kernel, arch := orUnknown(d.Report.Kernel), orUnknown(d.Report.Arch)
	fmt.Fprintf(ew, "Vigil doctor: Linux %s (%s)\n\n", kernel, arch)

	fmt.Fprintln(ew, "Kernel features")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  FEATURE\tAVAILABLE\tDETAIL")
	for _, r := range d.Report.Results {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Feature, yesNo(r.Available), oneLine(r.Detail))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write kernel features: %w", err)
	}

	fmt.Fprintln(ew, "\nVigil capabilities")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  CAPABILITY\tMECHANISM\tWHY")
	for _, c := range d.Capabilities {
		name := c.Name
		if c.Required {
			name += " (required)"
		}
		mech := c.Mechanism
		if !c.OK || mech == "" {
			mech = "unavailable"
		}
		why := oneLine(c.Why)
		if why == "" {
			why = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, mech, why)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write capabilities: %w", err)
	}

	if len(d.ContainerSources) > 0 {
		fmt.Fprintln(ew, "\nContainer metadata sources")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  KIND\tADDRESS\tUSED\tDETAIL")
		for _, s := range d.ContainerSources {
			detail := strings.TrimSpace(s.Runtime + " " + s.Version)
			switch {
			case s.Error != "":
				detail = oneLine(s.Error)
			case !s.Available:
				detail = "absent"
			}
			if detail == "" {
				detail = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Kind, s.Address, yesNo(s.Available), detail)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write container sources: %w", err)
		}
	}

	if ok, msg := d.CanRun(); ok {
		fmt.Fprintln(ew, "\nVigil can run on this host.")
	} else {
		fmt.Fprintf(ew, "\n%s\n", msg)
	}
	if ew.err != nil {
		return fmt.Errorf("write doctor report: %w", ew.err)
	}
	return nil
}

// jsonReport is the stable JSON form of a Diagnosis.
type jsonReport struct {
	Kernel       string        `json:"kernel"`
	Arch         string        `json:"arch"`
	Features     []jsonFeature `json:"features"`
	Capabilities []Capability  `json:"capabilities"`
	// ContainerSources is omitted when none were looked for.
	ContainerSources []ContainerSource `json:"container_sources,omitempty"`
	CanRun           bool              `json:"can_run"`
	Problem          string            `json:"problem,omitempty"`
}

type jsonFeature struct {
	Feature   string `json:"feature"`
	Available bool   `json:"available"`
	Detail    string `json:"detail"`
}

// WriteJSON writes the diagnosis as one indented JSON document.
func (d Diagnosis) WriteJSON(w io.Writer) error {
	doc := jsonReport{
		Kernel:           d.Report.Kernel,
		Arch:             d.Report.Arch,
		Features:         make([]jsonFeature, 0, len(d.Report.Results)),
		Capabilities:     d.Capabilities,
		ContainerSources: d.ContainerSources,
	}
	if doc.Capabilities == nil {
		doc.Capabilities = []Capability{}
	}
	for _, r := range d.Report.Results {
		doc.Features = append(doc.Features, jsonFeature{Feature: string(r.Feature), Available: r.Available, Detail: r.Detail})
	}
	doc.CanRun, doc.Problem = d.CanRun()

	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write doctor report as JSON: %w", err)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// oneLine keeps a table row on one line whatever a detail holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// errWriter remembers the first write error so that the report can be
// written without checking every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
