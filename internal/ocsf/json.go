package ocsf

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/event/eventjson"
)

// enc appends one JSON document. Keys and array elements are separated
// by looking at the last byte written: no comma is needed right after an
// opening brace or bracket, one is needed after any complete value. Keys
// are written as they are (they are constants of this package and need
// no escaping).
type enc struct {
	b []byte
}

func (e *enc) sep() {
	if n := len(e.b); n > 0 {
		if c := e.b[n-1]; c != '{' && c != '[' && c != ':' {
			e.b = append(e.b, ',')
		}
	}
}

func (e *enc) key(k string) {
	e.sep()
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

// keyEsc writes a key that comes from data and needs escaping.
func (e *enc) keyEsc(k string) {
	e.sep()
	e.b = appendString(e.b, k)
	e.b = append(e.b, ':')
}

// open starts an object, as the value of key k ("" for an array element
// or the document itself).
func (e *enc) open(k string) {
	if k == "" {
		e.sep()
	} else {
		e.key(k)
	}
	e.b = append(e.b, '{')
}

func (e *enc) close() { e.b = append(e.b, '}') }

// openArray starts an array as the value of key k.
func (e *enc) openArray(k string) {
	e.key(k)
	e.b = append(e.b, '[')
}

func (e *enc) closeArray() { e.b = append(e.b, ']') }

func (e *enc) str(k, v string) {
	e.key(k)
	e.b = appendString(e.b, v)
}

// strOpt writes k only when v is not empty.
func (e *enc) strOpt(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

// elemStr writes a string array element.
func (e *enc) elemStr(v string) {
	e.sep()
	e.b = appendString(e.b, v)
}

func (e *enc) int(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *enc) uint(k string, v uint64) {
	e.key(k)
	e.b = strconv.AppendUint(e.b, v, 10)
}

func (e *enc) bool(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

// ms writes a timestamp_t: milliseconds since the Unix epoch.
func (e *enc) ms(k string, t time.Time) {
	e.int(k, t.UnixMilli())
}

// msOpt writes a timestamp_t unless t is the zero time (unknown).
func (e *enc) msOpt(k string, t time.Time) {
	if !t.IsZero() {
		e.ms(k, t)
	}
}

// rawValue writes an output field value: the engine's typed values
// (string, uint64, int64, bool, nil for <NA>); anything else through
// encoding/json.
func (e *enc) rawValue(v any) {
	switch v := v.(type) {
	case nil:
		e.b = append(e.b, "null"...)
	case string:
		e.b = appendString(e.b, v)
	case uint64:
		e.b = strconv.AppendUint(e.b, v, 10)
	case int64:
		e.b = strconv.AppendInt(e.b, v, 10)
	case uint32:
		e.b = strconv.AppendUint(e.b, uint64(v), 10)
	case int:
		e.b = strconv.AppendInt(e.b, int64(v), 10)
	case bool:
		e.b = strconv.AppendBool(e.b, v)
	default:
		js, err := json.Marshal(v)
		if err != nil {
			e.b = append(e.b, "null"...)
			return
		}
		e.b = append(e.b, js...)
	}
}

// appendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping (eventjson's escaper).
func appendString(b []byte, s string) []byte { return eventjson.AppendString(b, s) }

// appendStringBody appends s escaped as appendString does, without the
// quotes.
func appendStringBody(b []byte, s string) []byte { return eventjson.AppendEscaped(b, s) }
