package ocsf

import (
	"bufio"
	"io"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// SchemaVersion is the OCSF version every record claims in
// metadata.version.
const SchemaVersion = "1.3.0"

// ProductName is metadata.product.name.
const ProductName = "Vigil"

// DefaultVendorName is metadata.product.vendor_name when the Formatter
// does not set one.
const DefaultVendorName = "Vigil"

// Formatter renders alerts and events as OCSF records. The zero value is
// ready to use; it holds no state, so one Formatter may be used from any
// number of goroutines. Its AppendAlert method makes it an
// output.Formatter.
type Formatter struct {
	// ProductVersion is metadata.product.version (Vigil's version);
	// omitted when empty.
	ProductVersion string
	// VendorName is metadata.product.vendor_name; DefaultVendorName when
	// empty.
	VendorName string
}

// AppendAlert appends the Detection Finding (class 2004) for a, without a
// trailing newline, and returns the extended slice.
func (f Formatter) AppendAlert(b []byte, a *engine.Alert) []byte {
	return f.appendFinding(b, a)
}

// AppendEvent appends the OCSF record for ev (see the package
// documentation for the class each event type maps to), without a
// trailing newline. ok is false, and b is returned unchanged, for an
// event of type TypeUnknown, which has no mapping.
func (f Formatter) AppendEvent(b []byte, ev *event.Event) (_ []byte, ok bool) {
	if ev.Type == event.TypeUnknown {
		return b, false
	}
	return f.appendEvent(b, ev), true
}

// AppendDetectionFinding appends the Detection Finding for a, rendered by
// the zero Formatter (no product version).
func AppendDetectionFinding(b []byte, a *engine.Alert) []byte {
	return Formatter{}.AppendAlert(b, a)
}

// AppendEvent appends the OCSF record for ev, rendered by the zero
// Formatter. See Formatter.AppendEvent.
func AppendEvent(b []byte, ev *event.Event) ([]byte, bool) {
	return Formatter{}.AppendEvent(b, ev)
}

// EventWriter writes every event as one line of OCSF JSON, buffered: it
// is a pipeline sink (Write, Flush) like output.JSONEvents. It is not
// safe for concurrent use.
type EventWriter struct {
	f   Formatter
	w   *bufio.Writer
	buf []byte
}

// NewEventWriter writes events rendered by f to w.
func NewEventWriter(w io.Writer, f Formatter) *EventWriter {
	return &EventWriter{f: f, w: bufio.NewWriterSize(w, 64<<10)}
}

// Write encodes ev; an event without a mapping is skipped.
func (w *EventWriter) Write(ev *event.Event) error {
	var ok bool
	w.buf, ok = w.f.AppendEvent(w.buf[:0], ev)
	if !ok {
		return nil
	}
	w.buf = append(w.buf, '\n')
	_, err := w.w.Write(w.buf)
	return err
}

// Flush writes buffered lines out.
func (w *EventWriter) Flush() error { return w.w.Flush() }

// Severity is an OCSF severity_id.
type Severity int

// OCSF severities (severity_id).
const (
	SeverityUnknown       Severity = 0
	SeverityInformational Severity = 1
	SeverityLow           Severity = 2
	SeverityMedium        Severity = 3
	SeverityHigh          Severity = 4
	SeverityCritical      Severity = 5
	SeverityFatal         Severity = 6
	SeverityOther         Severity = 99
)

var severityNames = map[Severity]string{
	SeverityUnknown: "Unknown", SeverityInformational: "Informational", SeverityLow: "Low",
	SeverityMedium: "Medium", SeverityHigh: "High", SeverityCritical: "Critical",
	SeverityFatal: "Fatal", SeverityOther: "Other",
}

// String returns the OCSF caption of the severity.
func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "Other"
}

// PrioritySeverity maps a Falco rule priority to an OCSF severity:
// Emergency, Alert and Critical are Critical (5); Error is High (4);
// Warning is Medium (3); Notice is Low (2); Informational and Debug are
// Informational (1). Fatal (6) is never used: it means "too late to take
// remedial action", which a detection cannot know.
func PrioritySeverity(p rules.Priority) Severity {
	switch p {
	case rules.Emergency, rules.Alert, rules.Critical:
		return SeverityCritical
	case rules.Error:
		return SeverityHigh
	case rules.Warning:
		return SeverityMedium
	case rules.Notice:
		return SeverityLow
	case rules.Informational, rules.Debug:
		return SeverityInformational
	}
	return SeverityUnknown
}
