package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event/eventjson"
	"github.com/vigil-sec/vigil/internal/fields"
)

// FalcoJSON writes alerts in Falco's JSON alert format, one per line:
// time, rule, priority, source, hostname, tags, output, output_fields —
// what falcosidekick and other Falco consumers read — plus Vigil's own
// additions under "vigil" (the process's exec_id, pid and executable, its
// container's id as Falco's container.id, and its lineage).
type FalcoJSON struct {
	w   *bufio.Writer
	buf []byte
}

// NewFalcoJSON writes to w (buffered; Flush writes out).
func NewFalcoJSON(w io.Writer) *FalcoJSON {
	return &FalcoJSON{w: bufio.NewWriterSize(w, 64<<10)}
}

// WriteAlert encodes one alert.
func (f *FalcoJSON) WriteAlert(a *engine.Alert) error {
	f.buf = AppendFalcoJSON(f.buf[:0], a)
	f.buf = append(f.buf, '\n')
	_, err := f.w.Write(f.buf)
	return err
}

// Flush writes buffered alerts out.
func (f *FalcoJSON) Flush() error { return f.w.Flush() }

// AppendFalcoJSON appends the alert's JSON object.
func AppendFalcoJSON(b []byte, a *engine.Alert) []byte {
	b = append(b, `{"time":`...)
	b = appendJSON(b, a.Time.UTC().Format("2006-01-02T15:04:05.000000000Z"))
	b = append(b, `,"rule":`...)
	b = appendJSON(b, a.Rule)
	b = append(b, `,"priority":`...)
	b = appendJSON(b, a.Priority.String())
	b = append(b, `,"source":`...)
	b = appendJSON(b, a.Source)
	b = append(b, `,"hostname":`...)
	b = appendJSON(b, a.Hostname)
	tags := append([]string{}, a.Tags...)
	sort.Strings(tags) // Falco keeps tags in a sorted set
	b = append(b, `,"tags":`...)
	b = appendJSON(b, tags)
	b = append(b, `,"output":`...)
	b = appendJSON(b, a.Output)
	b = append(b, `,"output_fields":{"evt.time":`...)
	b = strconv.AppendInt(b, a.Time.UnixNano(), 10)
	for _, fv := range a.Fields {
		if fv.Name == "evt.time" {
			continue
		}
		b = append(b, ',')
		b = appendJSON(b, fv.Name)
		b = append(b, ':')
		b = appendJSON(b, fv.Value)
	}
	b = append(b, '}')
	if ev := a.Event; ev != nil {
		b = append(b, `,"vigil":{"event_type":`...)
		b = appendJSON(b, ev.Type.String())
		b = append(b, `,"exec_id":`...)
		b = appendJSON(b, ev.Process.ExecID)
		b = append(b, `,"pid":`...)
		b = strconv.AppendUint(b, uint64(ev.Process.PID), 10)
		b = append(b, `,"exe":`...)
		b = appendJSON(b, ev.Process.Exe)
		b = append(b, `,"container_id":`...)
		b = appendJSON(b, fields.ContainerID(ev.Process.ContainerID))
		b = append(b, `,"lineage":[`...)
		for i, anc := range ev.Ancestors {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"pid":`...)
			b = strconv.AppendUint(b, uint64(anc.PID), 10)
			b = append(b, `,"exec_id":`...)
			b = appendJSON(b, anc.ExecID)
			b = append(b, `,"exe":`...)
			b = appendJSON(b, anc.Exe)
			b = append(b, '}')
		}
		b = append(b, ']')
		if len(a.Actions) > 0 {
			b = append(b, `,"actions":`...)
			b = appendJSON(b, a.Actions)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSON appends v as JSON without HTML escaping (as Falco writes
// "<NA>", not "\u003cNA\u003e"): the common types directly, others through
// encoding/json.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return eventjson.AppendString(b, v)
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = eventjson.AppendString(b, s)
		}
		return append(b, ']')
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case bool:
		return strconv.AppendBool(b, v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// TextAlerts writes each alert's Falco output line.
type TextAlerts struct {
	w *bufio.Writer
}

// NewTextAlerts writes to w (buffered; Flush writes out).
func NewTextAlerts(w io.Writer) *TextAlerts {
	return &TextAlerts{w: bufio.NewWriterSize(w, 64<<10)}
}

// WriteAlert writes a.Output and a newline.
func (t *TextAlerts) WriteAlert(a *engine.Alert) error {
	if _, err := t.w.WriteString(a.Output); err != nil {
		return err
	}
	return t.w.WriteByte('\n')
}

// Flush writes buffered alerts out.
func (t *TextAlerts) Flush() error { return t.w.Flush() }
