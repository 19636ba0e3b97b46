package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

const docsPath = "../../docs/metrics.md"

// TestEveryMetricDocumented: every metric the registry serves (with every
// source set) is named in docs/metrics.md, and every vigil_ metric the
// documentation's tables list is served.
func TestEveryMetricDocumented(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := newTestRegistry(t, fakeSources()).Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]string{} // name: type
	for _, mf := range mfs {
		name := mf.GetName()
		served[name] = strings.ToLower(mf.GetType().String())
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("metric %s (%s) is not documented in docs/metrics.md", name, mf.GetType())
		}
	}
	// Table rows: | `vigil_name` | type | ...
	row := regexp.MustCompile("(?m)^\\| `(vigil_[a-z_]+)` \\| ([a-z]+) \\|")
	rows := row.FindAllStringSubmatch(string(doc), -1)
	if len(rows) == 0 {
		t.Fatal("no vigil_ metric rows found in docs/metrics.md")
	}
	for _, m := range rows {
		typ, ok := served[m[1]]
		switch {
		case !ok:
			t.Errorf("docs/metrics.md documents %s, which is not served", m[1])
		case typ != m[2]:
			t.Errorf("docs/metrics.md says %s is a %s; it is a %s", m[1], m[2], typ)
		}
	}
}
