package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/engine"
)

func TestFormatsGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Formatter
	}{
		{"text", TextFormat{}},
		{"json", JSONFormat{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b []byte
			for _, a := range []*engine.Alert{testAlert(1), oddAlert()} {
				b = append(tc.f.AppendAlert(b, a), '\n')
			}
			if bytes.Count(b, []byte("\n")) != 2 {
				t.Errorf("an alert took more than one line:\n%s", b)
			}
			golden(t, "format_"+tc.name, b)
		})
	}
}

func TestJSONFormatIsFalcoJSON(t *testing.T) {
	var v struct {
		Time         string         `json:"time"`
		Rule         string         `json:"rule"`
		Priority     string         `json:"priority"`
		Source       string         `json:"source"`
		Hostname     string         `json:"hostname"`
		Output       string         `json:"output"`
		Tags         []string       `json:"tags"`
		OutputFields map[string]any `json:"output_fields"`
	}
	if err := json.Unmarshal(JSONFormat{}.AppendAlert(nil, testAlert(1)), &v); err != nil {
		t.Fatal(err)
	}
	if v.Rule != "Terminal shell in container" || v.Priority != "Notice" || v.Time != "2024-05-06T07:08:09.123456789Z" ||
		v.OutputFields["proc.name"] != "bash" || len(v.Tags) != 3 {
		t.Errorf("decoded %+v", v)
	}
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Formatter
		wantErr bool
	}{
		{"text", TextFormat{}, false},
		{"JSON", JSONFormat{}, false},
		{" json ", JSONFormat{}, false},
		{"ocsf", nil, true},
		{"", nil, true},
	} {
		f, err := ParseFormat(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseFormat(%q) error %v", tc.in, err)
			continue
		}
		if !tc.wantErr && string(f.AppendAlert(nil, testAlert(1))) != string(tc.want.AppendAlert(nil, testAlert(1))) {
			t.Errorf("ParseFormat(%q) is another format", tc.in)
		}
	}
}

func TestLinesBuffersUntilFlush(t *testing.T) {
	var buf bytes.Buffer
	l := NewLines(&buf, FormatterFunc(func(b []byte, a *engine.Alert) []byte { return append(b, a.Rule...) }))
	for i := 0; i < 2; i++ {
		if err := l.WriteAlert(testAlert(i)); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("wrote before Flush: %q", buf.String())
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != strings.Repeat("Terminal shell in container\n", 2) {
		t.Errorf("got %q", got)
	}
}
