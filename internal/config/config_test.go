package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/container"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// plain drops where values came from, so that configs compare by value.
func plain(c *Config) *Config {
	n := c.Clone()
	n.src = nil
	return n
}

func parse(t *testing.T, src string) (*Config, error) {
	t.Helper()
	return Parse("c.yaml", []byte(src))
}

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := parse(t, src)
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return c
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, ty := range OutputTypes() {
		c := Default()
		o := DefaultOutput(ty)
		switch ty {
		case TypeFile:
			o.File.Path = "/var/log/vigil/alerts.json"
		case TypeHTTP:
			o.HTTP.URL = "https://127.0.0.1/x"
		case TypeProgram:
			o.Program.Command = "cat"
		}
		c.Outputs = []Output{o}
		if err := c.Validate(); err != nil {
			t.Errorf("DefaultOutput(%s) with its required keys: %v", ty, err)
		}
	}
}

// The defaults must be what the packages that implement them default to.
func TestDefaultsMatchPackages(t *testing.T) {
	d := Default()
	if !slices.Equal(d.Containers.CRISockets, container.DefaultCRISockets()) {
		t.Errorf("containers.cri_sockets = %v, container.DefaultCRISockets() = %v", d.Containers.CRISockets, container.DefaultCRISockets())
	}
	if d.Containers.DockerSocket != container.DefaultDockerSocket {
		t.Errorf("containers.docker_socket = %q, container.DefaultDockerSocket = %q", d.Containers.DockerSocket, container.DefaultDockerSocket)
	}
	for _, m := range []string{"all", "first"} {
		if _, err := engine.ParseMatching(m); err != nil {
			t.Errorf("rules.matching %q accepted here, refused by the engine: %v", m, err)
		}
	}
	c := Default()
	c.Rules.Matching = "some"
	if c.Validate() == nil {
		t.Error("rules.matching some accepted")
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "---\n", "rules:\nmetrics:\n"} {
		c := mustParse(t, src)
		if !reflect.DeepEqual(plain(c), Default()) {
			t.Errorf("%q: not the defaults: %+v", src, c)
		}
	}
}

// deploy/vigil.yaml is the default configuration written out: it must
// load to Default exactly, and set every key outside outputs explicitly.
func TestExampleFileIsDefault(t *testing.T) {
	path := filepath.Join("..", "..", "deploy", "vigil.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plain(c), Default(); !reflect.DeepEqual(got, want) {
		gb, _ := got.Marshal()
		wb, _ := want.Marshal()
		t.Fatalf("%s is not Default():\n--- file\n%s\n--- Default()\n%s", path, gb, wb)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keyPaths(reflect.TypeFor[Config](), "") {
		if strings.HasPrefix(k, "outputs[].") {
			// The other types' blocks are there as comments.
			leaf := k[strings.LastIndex(k, ".")+1:]
			if !strings.Contains(string(text), leaf+":") {
				t.Errorf("%s: key %s not shown", path, k)
			}
			continue
		}
		if _, ok := c.src.pos[k]; !ok {
			t.Errorf("%s: key %s not set (every key is written out with its default)", path, k)
		}
	}
}

// keyPaths lists every key of t: "sensor.poll_interval", "outputs[].http.tls.ca_file".
func keyPaths(t reflect.Type, prefix string) []string {
	var out []string
	for _, f := range fieldsOf(t) {
		ft := t.Field(f.index).Type
		p := join(prefix, f.key)
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			out = append(out, keyPaths(ft, p)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, keyPaths(ft.Elem(), p+"[]")...)
		default:
			out = append(out, p)
		}
	}
	return out
}

func readDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docs/configuration.md documents every key in a table row of its own,
// and no key that does not exist.
func TestDocsCoverEveryKey(t *testing.T) {
	doc := readDocs(t)
	keys := keyPaths(reflect.TypeFor[Config](), "")
	if len(keys) < 50 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(doc, "| `"+k+"` |") {
			t.Errorf("docs/configuration.md has no table row for `%s`", k)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+(?:\\[\\])?(?:\\.[a-z_]+)+)` \\|")
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(keys, m[1]) {
			t.Errorf("docs/configuration.md documents `%s`, which is not a key", m[1])
		}
	}
}

// Every yaml block in the docs is a valid configuration.
func TestDocsExamplesAreValid(t *testing.T) {
	doc := readDocs(t)
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	ms := block.FindAllStringSubmatch(doc, -1)
	if len(ms) < 3 {
		t.Fatalf("%d yaml blocks in docs/configuration.md", len(ms))
	}
	for i, m := range ms {
		c, err := Parse("docs/configuration.md block "+string(rune('1'+i)), []byte(m[1]))
		if err != nil {
			t.Errorf("yaml block %d:\n%s\n%v", i+1, m[1], err)
			continue
		}
		roundTrip(t, c)
	}
}

// roundTrip checks that Marshal writes what Parse reads back equal.
func roundTrip(t *testing.T, c *Config) {
	t.Helper()
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("marshalled", b)
	if err != nil {
		t.Fatalf("Marshal's output does not parse:\n%s\n%v", b, err)
	}
	if !reflect.DeepEqual(plain(back), plain(c)) {
		t.Fatalf("round trip differs:\n%s\n--- got %+v\n--- want %+v", b, plain(back), plain(c))
	}
}

func TestMarshalDefault(t *testing.T) {
	roundTrip(t, Default())
	b, err := Default().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "default.golden", string(b))
}

func TestErrorsGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/errors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("errors.yaml", data)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	golden(t, "errors.golden", err.Error()+"\n")
	// Every line of the file after the comment holds a problem, except
	// the lines of section and block names and valid values.
	if len(ce.Diags) < 45 {
		t.Errorf("only %d problems reported", len(ce.Diags))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // the problems, in order; each a full line or its end
	}{
		{"malformed", "rules: [\n", []string{"c.yaml:1:1: error: malformed YAML: did not find expected node content"}},
		{"not a mapping", "- rules\n", []string{"c.yaml:1:1: error: a configuration file is a mapping of sections (rules:, outputs:, ...), got a list"}},
		{"two documents", "rules: {}\n---\nlog: {}\n", []string{"c.yaml:3:1: error: a configuration file holds one YAML document (this is a second one)"}},
		{"unknown top", "sensors: {}\n", []string{`c.yaml:1:1: error: sensors: unknown key; did you mean "sensor"? (known here: rules, policies, sensor, process_table, containers, log, outputs, events, aggregation, metrics, reload)`}},
		{"unknown nested", "outputs:\n  - type: http\n    http:\n      url: http://127.0.0.1/\n      retry: 3\n",
			[]string{`c.yaml:5:7: error: outputs[0].http.retry: unknown key; did you mean "retries"? (known here: url, headers, timeout, retries, backoff, tls)`}},
		{"unknown in tls", "outputs:\n  - type: http\n    http:\n      url: https://127.0.0.1/\n      tls: {ca: /x}\n",
			[]string{`c.yaml:5:13: error: outputs[0].http.tls.ca: unknown key (known here: ca_file, cert_file, key_file, insecure_skip_verify)`}},
		{"flag spelling of a key", "sensor:\n  ring-buffer-bytes: 8MiB\n", []string{`c.yaml:2:3: error: sensor.ring-buffer-bytes: unknown key; did you mean "ring_buffer_bytes"?`}},
		{"duplicate key", "log:\n  level: info\n  level: debug\n", []string{"c.yaml:3:3: error: log.level: duplicate key (first at line 2)"}},
		{"section not a mapping", "sensor: fast\n", []string{`c.yaml:1:9: error: sensor: want a mapping, got the string "fast"`}},
		{"bad duration", "sensor:\n  poll_interval: 50\n", []string{`c.yaml:2:18: error: sensor.poll_interval: want a duration such as 500ms, 30s or 1m30s, got "50" (a unit is required: ns, us, ms, s, m, h)`}},
		{"bad duration word", "process_table:\n  exit_grace: soon\n", []string{`c.yaml:2:15: error: process_table.exit_grace: want a duration such as 500ms, 30s or 1m30s, got "soon"`}},
		{"zero duration where allowed", "process_table:\n  exit_grace: 0\nlog:\n  stats_interval: 0s\n", nil},
		{"bad priority", "outputs:\n  - type: stdout\n    min_priority: severe\n", []string{`c.yaml:3:19: error: outputs[0].min_priority: unknown priority "severe" (want one of emergency, alert, critical, error, warning, notice, informational, debug)`}},
		{"priority any case", "outputs:\n  - type: stdout\n    min_priority: WARNING\n  - type: stderr\n    min_priority: Info\n", nil},
		{"bad size", "sensor:\n  ring_buffer_bytes: 8 megs\n", []string{`c.yaml:2:22: error: sensor.ring_buffer_bytes: size "8 megs": unknown unit "megs" (want B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)`}},
		{"size not power of two", "sensor:\n  ring_buffer_bytes: 1000000\n", []string{"c.yaml:2:22: error: sensor.ring_buffer_bytes: 1000000: must be a power of two (such as 4MiB, 8MiB, 16MiB)"}},
		{"wakeup beyond ring", "sensor:\n  ring_buffer_bytes: 64KiB\n  wakeup_bytes: 1MiB\n", []string{"c.yaml:3:17: error: sensor.wakeup_bytes: 1MiB: must not exceed sensor.ring_buffer_bytes (64KiB)"}},
		{"wakeup every event", "sensor:\n  wakeup_bytes: -1\n", nil},
		{"int out of range", "process_table:\n  ancestors: 99999999999999999999\n", []string{`c.yaml:2:14: error: process_table.ancestors: want an integer, got the number 99999999999999999999`}},
		{"bool as string", "events:\n  stdout: \"true\"\n", []string{`c.yaml:2:11: error: events.stdout: want true or false, got the string "true"`}},
		{"empty rules", "rules:\n  files: []\n", []string{"c.yaml:2:10: error: rules.files: empty: name at least one rules file or directory, or builtin for the built-in ruleset"}},
		{"one string as list", "rules:\n  files: builtin\n", nil},
		{"list of non-strings", "rules:\n  files: [[a]]\n", []string{"c.yaml:2:11: error: rules.files[0]: want a string, got a list"}},
		{"empty outputs", "outputs: []\n", []string{"c.yaml:1:10: error: outputs: empty list: leave outputs out for the default (alerts as text on stdout), or list outputs with enabled: false"}},
		{"output without type", "outputs:\n  - name: x\n", []string{"c.yaml:2:5: error: outputs[0].type: required: want one of stdout, stderr, file, syslog, http, program"}},
		{"output null", "outputs:\n  -\n", []string{"error: outputs[0]: want an output (a mapping with at least type:), got nothing"}},
		{"duplicate output names", "outputs:\n  - name: a\n    type: stdout\n  - name: a\n    type: stderr\n",
			[]string{`c.yaml:4:11: error: outputs[1].name: "a" is already the name of outputs[0]; output names are unique`}},
		{"derived name collides", "outputs:\n  - name: file\n    type: stdout\n  - type: file\n    file: {path: /x}\n",
			[]string{`c.yaml:4:5: error: outputs[1].name: "file" is already the name of outputs[0]; output names are unique (derived from its type: give one of them a name)`}},
		{"http url missing", "outputs:\n  - type: http\n", []string{"c.yaml:2:5: error: outputs[0].http.url: required: the URL each alert is posted to"}},
		{"http url empty", "outputs:\n  - type: http\n    http: {timeout: 1s}\n", []string{"c.yaml:3:11: error: outputs[0].http.url: required: the URL each alert is posted to"}},
		{"http url scheme", "outputs:\n  - type: http\n    http: {url: \"ftp://a:secret@127.0.0.1/\"}\n",
			[]string{`c.yaml:3:17: error: outputs[0].http.url: "ftp://a:xxxxx@127.0.0.1/": want an http:// or https:// URL`}},
		{"http url credentials", "outputs:\n  - type: http\n    http: {url: \"https://a:secret@127.0.0.1/\"}\n",
			[]string{"outputs[0].http.url: credentials in the URL would be logged: put them in headers (Authorization) instead"}},
		{"http tls with http url", "outputs:\n  - type: http\n    http: {url: \"http://127.0.0.1/\", tls: {insecure_skip_verify: true}}\n",
			[]string{"c.yaml:3:43: error: outputs[0].http.tls: only for https URLs; this one is http"}},
		{"http retries negative", "outputs:\n  - type: http\n    http:\n      url: http://127.0.0.1:8080/\n      retries: -1\n",
			[]string{"c.yaml:5:16: error: outputs[0].http.retries: -1: must be between 0 and 100"}},
		{"http text format", "outputs:\n  - type: http\n    format: text\n    http: {url: http://127.0.0.1/}\n",
			[]string{"c.yaml:3:13: error: outputs[0].format: text: an http output sends JSON documents: want json or ocsf"}},
		{"block of another type", "outputs:\n  - type: stdout\n    file: {path: /x}\n",
			[]string{"c.yaml:3:11: error: outputs[0].file: only for outputs of type file; this output is of type stdout"}},
		{"file path relative", "outputs:\n  - type: file\n    file: {path: alerts.json}\n", []string{`c.yaml:3:18: error: outputs[0].file.path: "alerts.json": want an absolute path`}},
		{"file size", "outputs:\n  - type: file\n    file: {path: /x, max_size: 1.5GiB}\n", []string{`c.yaml:3:32: error: outputs[0].file.max_size: size "1.5GiB": want a whole number of a unit (1536MiB, not 1.5GiB)`}},
		{"syslog network invalid", "outputs:\n  - type: syslog\n    syslog: {network: smtp}\n",
			[]string{`c.yaml:3:23: error: outputs[0].syslog.network: "smtp": want unix, unixgram, udp, tcp or tls`}},
		{"syslog address", "outputs:\n  - type: syslog\n    syslog: {network: udp, address: /dev/log}\n",
			[]string{`c.yaml:3:37: error: outputs[0].syslog.address: "/dev/log": want host:port`}},
		{"syslog tls on udp", "outputs:\n  - type: syslog\n    syslog: {network: udp, address: \"127.0.0.1:514\", tls: {ca_file: /ca.pem}}\n",
			[]string{"outputs[0].syslog.tls: only for network tls; this output's network is udp"}},
		{"syslog over tls", "outputs:\n  - type: syslog\n    syslog: {network: tls, address: \"[::1]:6514\", tls: {ca_file: /ca.pem}}\n", nil},
		{"tls relative", "outputs:\n  - type: syslog\n    syslog: {network: tls, address: \"[::1]:6514\", tls: {ca_file: ca.pem}}\n",
			[]string{`outputs[0].syslog.tls.ca_file: "ca.pem": want an absolute path`}},
		{"program without command", "outputs:\n  - type: program\n", []string{"c.yaml:2:5: error: outputs[0].program.command: required: the command line to run (by /bin/sh -c)"}},
		{"metrics non-loopback", "metrics:\n  enabled: true\n  listen: \"0.0.0.0:9464\"\n",
			[]string{`c.yaml:3:11: error: metrics.listen: "0.0.0.0:9464" is reachable from other hosts, and the metrics and health endpoints have no authentication: listen on 127.0.0.1 or ::1, or set metrics.allow_remote: true`}},
		{"metrics all interfaces", "metrics:\n  listen: \":9464\"\n", []string{`metrics.listen: ":9464" is reachable from other hosts`}},
		{"metrics host name", "metrics:\n  listen: \"metrics.example:9464\"\n", []string{`metrics.listen: "metrics.example:9464" is reachable from other hosts`}},
		{"metrics remote allowed", "metrics:\n  enabled: true\n  listen: \"0.0.0.0:9464\"\n  allow_remote: true\n", nil},
		{"metrics loopback", "metrics:\n  listen: \"[::1]:0\"\n", nil},
		{"metrics localhost", "metrics:\n  listen: \"localhost:9464\"\n", nil},
		{"metrics bad listen", "metrics:\n  listen: \"127.0.0.1\"\n", []string{`c.yaml:2:11: error: metrics.listen: "127.0.0.1": want host:port`}},
		{"metrics paths", "metrics:\n  path: /x\n  health_path: /x\n", []string{`c.yaml:3:16: error: metrics.health_path: "/x": the same as metrics.path`}},
		{"decision timeout bound", "policies:\n  decision_timeout: 2m\n", []string{"c.yaml:2:21: error: policies.decision_timeout: 2m0s: at most 1m0s (every open and exec of a watched process waits up to this long)"}},
		{"aliases", "x: &a 5\n", []string{`c.yaml:1:1: error: x: unknown key`}},
		{"alias value", "process_table: {ancestors: &n 8, max_processes: *n}\n", nil},
		{"all problems", "log: {level: loud, format: xml}\nprocess_table: {ancestors: 0}\n", []string{
			`c.yaml:1:14: error: log.level: "loud": want debug, info, warn or error`,
			`c.yaml:1:28: error: log.format: "xml": want text or json`,
			`c.yaml:2:28: error: process_table.ancestors: 0: must be at least 1`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.src)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			lines := ce.Lines()
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasSuffix(lines[i], w) && !strings.Contains(lines[i], w) {
					t.Errorf("problem %d:\n got: %s\nwant: %s", i, lines[i], w)
				}
			}
		})
	}
}

func TestOutputDefaultsPerType(t *testing.T) {
	c := mustParse(t, `
outputs:
  - type: http
    http: {url: "https://127.0.0.1:8443/in"}
  - type: file
    file: {path: /var/log/a.json}
  - type: file
    name: second
    file: {path: /var/log/b.json, max_files: 2}
  - type: file
    file: {path: /var/log/c.json}
  - type: syslog
`)
	var names []string
	for _, o := range c.Outputs {
		names = append(names, o.Name)
	}
	if want := []string{"http", "file-1", "second", "file-2", "syslog"}; !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	h := c.Outputs[0]
	if h.Format != FormatJSON || h.HTTP.Timeout != 10*time.Second || h.HTTP.Retries != 3 || h.HTTP.Backoff != time.Second || !h.Enabled || h.QueueSize != 4096 || h.MinPriority != rules.Debug {
		t.Errorf("http defaults: %+v %+v", h, h.HTTP)
	}
	if f := c.Outputs[2].File; f.MaxFiles != 2 || f.MaxSize != 100*MiB {
		t.Errorf("file block laid over its defaults: %+v", f)
	}
	if s := c.Outputs[4].Syslog; *s != (SyslogOutput{Network: "unixgram", Address: "/dev/log", Facility: "daemon", AppName: "vigil"}) {
		t.Errorf("syslog defaults: %+v", s)
	}
	if c.Outputs[1].HTTP != nil || c.Outputs[0].File != nil {
		t.Error("blocks of other types set")
	}
	roundTrip(t, c)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml does not exist") {
		t.Errorf("explicit missing file: %v", err)
	}
	c, err := load(filepath.Join(dir, "none.yaml"), false)
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Errorf("missing default file: %v, %+v", err, c)
	}
	p := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(p, []byte("rules:\n  files: [builtin, local/, /abs.yaml]\npolicies:\n  files: [p.yaml]\nlog: {level: lound}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.HasPrefix(err.Error(), p+":5:14: error: log.level: ") {
		t.Errorf("problem not at file:line:col: %v", err)
	}
	if err := os.WriteFile(p, []byte("rules:\n  files: [builtin, local/, /abs.yaml]\npolicies:\n  files: [p.yaml]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"builtin", filepath.Join(dir, "local"), "/abs.yaml"}; !slices.Equal(c.Rules.Files, want) {
		t.Errorf("rules.files = %v, want %v (relative to the file's directory)", c.Rules.Files, want)
	}
	if want := []string{filepath.Join(dir, "p.yaml")}; !slices.Equal(c.Policies.Files, want) {
		t.Errorf("policies.files = %v, want %v", c.Policies.Files, want)
	}
	if c.Source() != p {
		t.Errorf("Source() = %q", c.Source())
	}
	if err := os.WriteFile(p, []byte("rules: {}\n"), 0o000); err == nil && os.Getuid() != 0 {
		if _, err := Load(p); err == nil {
			t.Error("unreadable file loaded")
		}
	}
}

func TestValidateNamesNoPosition(t *testing.T) {
	c := Default()
	c.ProcessTable.Ancestors = 0
	c.Outputs = append(c.Outputs, Output{Type: TypeStderr, Format: FormatText, Enabled: true, QueueSize: 1})
	err := c.Validate()
	want := "configuration: error: process_table.ancestors: 0: must be at least 1\n" +
		"configuration: error: outputs[1].name: empty: give the output a name, or leave name out to derive it from the type"
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestRestartNeeded(t *testing.T) {
	a := Default()
	b := a.Clone()
	b.Rules.Files = []string{"/x"}
	b.Outputs[0].Format = FormatJSON
	b.Aggregation.Window = time.Minute
	if got := a.RestartNeeded(b); len(got) != 0 {
		t.Errorf("reloadable changes need a restart: %v", got)
	}
	b.Sensor.PollInterval = time.Second
	b.Containers.CRISockets = nil
	b.Metrics.Enabled = true
	if got, want := a.RestartNeeded(b), []string{"sensor", "containers", "metrics"}; !slices.Equal(got, want) {
		t.Errorf("RestartNeeded = %v, want %v", got, want)
	}
	if b.Outputs[0].Format == a.Outputs[0].Format {
		t.Error("Clone shares outputs")
	}
}

func TestLogger(t *testing.T) {
	var b strings.Builder
	l := Log{Level: "warn", Format: "json"}.NewLogger(&b)
	l.Info("hidden")
	l.Warn("shown")
	if s := b.String(); strings.Contains(s, "hidden") || !strings.Contains(s, `"msg":"shown"`) {
		t.Errorf("log: %s", s)
	}
}

// Aliases cannot make a small file expand into a huge one.
func TestAliasExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("outputs:\n  - &o {type: http, http: {url: \"http://127.0.0.1/\", headers: &h {")
	for i := range 2000 {
		fmt.Fprintf(&b, "H%d: v, ", i)
	}
	b.WriteString("}}}\n")
	for range 2000 {
		b.WriteString("  - *o\n")
	}
	_, err := parse(t, b.String())
	if err == nil || !strings.Contains(err.Error(), "error: the document holds more than 100000 values (aliases included): not a configuration") {
		t.Errorf("got %v", err)
	}
	if _, err := parse(t, strings.Repeat("#", maxFileBytes+1)); err == nil || err.Error() != "c.yaml:1:1: error: 4194305 bytes: a configuration file is at most 4MiB" {
		t.Errorf("got %v", err)
	}
}
