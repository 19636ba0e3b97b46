package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// falcoRulesPath is Falco's stable ruleset in the shared test data, outside
// the repository (relative to this package's directory).
var falcoRulesPath = filepath.Join("..", "..", "..", "shared", "testdata", "falco", "falco_rules.yaml")

func falcoRules(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(falcoRulesPath)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("Falco's ruleset is not at %s (shared test data lives outside the repository; see DESIGN.md §6): %v", falcoRulesPath, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// load loads name, content pairs.
func load(tb testing.TB, nameContent ...string) (*Ruleset, Diagnostics) {
	tb.Helper()
	var files []File
	for i := 0; i+1 < len(nameContent); i += 2 {
		files = append(files, File{Name: nameContent[i], Data: []byte(nameContent[i+1])})
	}
	return Load(files)
}

func diagLines(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func noErrors(tb testing.TB, ds Diagnostics) {
	tb.Helper()
	if ds.HasErrors() {
		tb.Fatalf("unexpected errors:\n%s", diagLines(ds))
	}
}

func findRule(rs *Ruleset, name string) *Rule {
	for _, r := range rs.Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func TestLoadFalcoRules(t *testing.T) {
	data := falcoRules(t)
	rs, diags := Load([]File{{Name: "falco_rules.yaml", Data: data}})
	noErrors(t, diags)
	// The only remark: the file asks for the container plugin.
	if len(diags) != 1 || !strings.Contains(diags[0].String(), "falco_rules.yaml:30:3: warning: the rules require Falco plugins container 0.4.0") {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
	if len(rs.Rules) != 25 || len(rs.Macros) != 87 || len(rs.Lists) != 49 {
		t.Errorf("loaded %d rules, %d macros, %d lists; want 25, 87, 49", len(rs.Rules), len(rs.Macros), len(rs.Lists))
	}
	if len(rs.Files) != 1 || rs.Files[0] != (FileSummary{Name: "falco_rules.yaml", Rules: 25, Macros: 87, Lists: 49}) {
		t.Errorf("files: %+v", rs.Files)
	}
	if rs.RequiredEngineVersion != "0.57.0" {
		t.Errorf("required engine version %q", rs.RequiredEngineVersion)
	}
	for _, r := range rs.Rules {
		if r.Cond == nil || !r.Enabled || r.Source != "syscall" || len(r.Exceptions) != 0 || !r.WarnEvttypes || r.SkipIfUnknownFilter || len(r.Actions) != 0 {
			t.Errorf("rule %s: %+v", r.Name, r)
		}
		if len(r.Tags) == 0 || r.Tags[0] != "maturity_stable" {
			t.Errorf("rule %s: tags %v", r.Name, r.Tags)
		}
	}
	for name, m := range rs.Macros {
		if m.Cond == nil || m.Name != name {
			t.Errorf("macro %s: %+v", name, m)
		}
	}
	if rs.Rules[0].Name != "Directory traversal monitored file read" || rs.Rules[24].Name != "Fileless execution via memfd_create" {
		t.Errorf("rule order: first %q, last %q", rs.Rules[0].Name, rs.Rules[24].Name)
	}

	r := findRule(rs, "Directory traversal monitored file read")
	if r.Priority != Warning || r.Pos.String() != "falco_rules.yaml:318:3" ||
		strings.Join(r.Tags, ",") != "maturity_stable,host,container,filesystem,mitre_credential_access,T1555" ||
		!strings.HasPrefix(r.Output, "Read monitored file via directory traversal | file=%fd.name fileraw=%fd.nameraw") ||
		!strings.HasPrefix(r.Desc, "Web applications can be vulnerable") {
		t.Errorf("Directory traversal rule: %+v", r)
	}
	if got := Format(r.Cond); got != `(and (or (macro open_read) (macro open_file_failed)) (or (macro etc_dir) (macro user_ssh_directory) (startswith fd.name /root/.ssh) (contains fd.name "id_rsa")) (macro directory_traversal) (not (in proc.pname (shell_binaries))))` {
		t.Errorf("Directory traversal condition: %s", got)
	}
	for name, p := range map[string]Priority{
		"System user interactive":                     Informational,
		"Detect release_agent File Container Escapes": Critical,
		"Search Private Keys or Passwords":            Warning, // priority on its own line
		"Terminal shell in container":                 Notice,
		"Drop and execute new binary in container":    Critical,
	} {
		if r := findRule(rs, name); r == nil || r.Priority != p {
			t.Errorf("rule %s: priority %v, want %v", name, r.Priority, p)
		}
	}
	if tags := findRule(rs, "System user interactive").Tags; strings.Join(tags, ",") != "maturity_stable,host,container,users,mitre_execution,T1059,NIST_800-53_AC-2" {
		t.Errorf("System user interactive tags %v", tags)
	}

	sh := rs.Lists["shell_binaries"]
	var items []string
	for _, it := range sh.Items {
		items = append(items, it.Text)
	}
	if strings.Join(items, ",") != "ash,bash,csh,ksh,sh,tcsh,zsh,dash" || sh.Items[1].Pos.String() != "falco_rules.yaml:105:16" {
		t.Errorf("shell_binaries: %v at %v", items, sh.Items[1].Pos)
	}
	if it := rs.Lists["login_binaries"].Items[2]; it.Text != `"(systemd)"` {
		t.Errorf("login_binaries[2] = %q", it.Text)
	}
	if n := len(rs.Lists["falco_containers"].Items); n != 3 {
		t.Errorf("falco_containers has %d items", n)
	}
	if n := len(rs.Lists["known_ptrace_binaries"].Items); n != 0 {
		t.Errorf("known_ptrace_binaries has %d items", n)
	}
	if it := rs.Lists["ssh_non_standard_ports"].Items; it[0].Text != "80" || len(it) != 7 {
		t.Errorf("ssh_non_standard_ports %v", it)
	}
	m := rs.Macros["sensitive_files"]
	if m.Condition != "(fd.name in (sensitive_file_names) or\n  fd.directory in (/etc/sudoers.d, /etc/pam.d))\n" || m.Pos.String() != "falco_rules.yaml:213:3" {
		t.Errorf("sensitive_files: %q at %s", m.Condition, m.Pos)
	}
	if got := Format(m.Cond); got != "(or (in fd.name (sensitive_file_names)) (in fd.directory (/etc/sudoers.d /etc/pam.d)))" {
		t.Errorf("sensitive_files: %s", got)
	}
	// Falco's definition order: every macro and list, in file order.
	if a, b := rs.Macros["open_write"], rs.Macros["open_read"]; a.Index >= b.Index || a.Visibility != a.Index {
		t.Errorf("index: open_write %d/%d, open_read %d", a.Index, a.Visibility, b.Index)
	}
}

// TestFalcoPositions checks that every node of every condition and output
// of Falco's ruleset points at its text in the file, through folded block
// scalars and all.
func TestFalcoPositions(t *testing.T) {
	data := falcoRules(t)
	rs, diags := Load([]File{{Name: "f", Data: data}})
	noErrors(t, diags)
	lines := strings.Split(string(data), "\n")
	at := func(p Pos) string {
		if p.Line < 1 || p.Line > len(lines) {
			return ""
		}
		s := lines[p.Line-1]
		for i := 1; i < p.Col && s != ""; i++ {
			_, n := utf8.DecodeRuneInString(s)
			s = s[n:]
		}
		return s
	}
	expect := func(what string, p Pos, prefix string) {
		t.Helper()
		if !strings.HasPrefix(at(p), prefix) {
			t.Errorf("%s at %s: file has %q there, want %q", what, p, at(p), prefix)
		}
	}
	var walk func(string, Expr)
	walk = func(item string, e Expr) {
		switch e := e.(type) {
		case *AndExpr:
			if e.Pos != e.Terms[0].Position() {
				expect(item, e.Pos, "(") // the first term is parenthesised
			}
			for _, x := range e.Terms {
				walk(item, x)
			}
		case *OrExpr:
			if e.Pos != e.Terms[0].Position() {
				expect(item, e.Pos, "(")
			}
			for _, x := range e.Terms {
				walk(item, x)
			}
		case *NotExpr:
			expect(item, e.Pos, "not")
			walk(item, e.X)
		case *MacroRef:
			expect(item, e.Pos, e.Name)
		case *CompareExpr:
			expect(item, e.Field.Pos, e.Field.Name)
			if len(e.Field.Transformers) == 0 {
				expect(item, e.Pos, e.Field.Name)
			}
			vals := e.List
			if e.Value != nil {
				vals = append(vals, *e.Value)
			}
			for _, v := range vals {
				switch {
				case v.Field != nil:
					expect(item, v.Field.Pos, v.Field.Name)
				case v.Quoted:
					if c := at(v.Pos); c == "" || c[0] != '"' && c[0] != '\'' {
						t.Errorf("%s: quoted value %q at %s: file has %q", item, v.Text, v.Pos, c)
					}
				default:
					expect(item, v.Pos, v.Text)
				}
			}
		}
	}
	nodes := 0
	for _, m := range rs.Macros {
		walk("macro "+m.Name, m.Cond)
		nodes++
	}
	for _, r := range rs.Rules {
		walk("rule "+r.Name, r.Cond)
		nodes++
		// outputs are single-line plain scalars here: linear positions
		parts, err := ParseOutput(r.Output, Pos{})
		if err != nil {
			t.Errorf("rule %s output: %v", r.Name, err)
		}
		if len(parts) < 2 {
			t.Errorf("rule %s output: %d parts", r.Name, len(parts))
		}
	}
	if nodes != 25+87 {
		t.Errorf("walked %d conditions", nodes)
	}
}

// TestConditionErrorPositions checks that syntax errors in conditions are
// reported at their exact place in the file for every YAML scalar style.
func TestConditionErrorPositions(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"plain", `
- macro: m
  condition: proc.name = a b
`, "f.yaml:3:28"},
		{"plain multi-line", `
- macro: m
  condition: proc.name = a and
    proc.pname = b c
`, "f.yaml:4:20"},
		{"folded", `
- macro: m
  condition: >
    proc.name = a
    and proc.pname = (b)
`, "f.yaml:5:22"},
		{"folded with more-indented and empty lines", `
- macro: m
  condition: >-
    (proc.name = a or

      proc.name = b
    ) and x y
`, "f.yaml:7:13"},
		{"literal", `
- macro: m
  condition: |
    proc.name = a and
      proc.pname in (a, b
`, "f.yaml:5:21"},
		{"literal with indentation indicator", `
- macro: m
  condition: |4
        proc.name = a and
      (b c)
`, "f.yaml:5:10"},
		{"literal keep, deeper item", `
- rule: r
  desc: d
  output: o
  priority: INFO
  condition: |+
     evt.type = open
     and fd.name = x y

`, "f.yaml:8:22"},
		{"double-quoted with escapes", `
- macro: m
  condition: "proc.name = \"a\\tb\" and\t\u00e9 fd.name = x"
`, "f.yaml:3:42"}, // the \u00e9 escape
		{"double-quoted multi-line", `
- macro: m
  condition: "proc.name = a and
    fd.name = (x"
`, "f.yaml:4:15"},
		{"double-quoted escaped line break", `
- macro: m
  condition: "proc.name = a and fd.na\
    me = x y"
`, "f.yaml:4:12"},
		{"single-quoted", `
- macro: m
  condition: 'proc.name = ''it''s'' y'
`, "f.yaml:3:33"},
		{"tagged and anchored", `
- macro: m
  condition: !!str &c proc.name = a b
`, "f.yaml:3:37"},
		{"flow mapping", `
- {macro: m, condition: proc.name = a b}
`, "f.yaml:2:39"},
		{"multi-byte before", `
- macro: m
  condition: proc.name = "ééé" x
`, "f.yaml:3:32"},
		{"unterminated string", `
- macro: m
  condition: >
    proc.name in (a, b) and
    proc.cmdline = "x
`, "f.yaml:5:20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, "f.yaml", tt.yaml)
			if len(diags) != 1 || !strings.HasPrefix(diags[0].String(), tt.want+": error: ") {
				t.Errorf("diagnostics:\n%swant one error at %s", diagLines(diags), tt.want)
			}
		})
	}
}

func TestLoadAppendAndOverride(t *testing.T) {
	base := `
- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type = execve
- rule: Shell
  desc: a shell
  condition: spawned and proc.name in (shells)
  output: shell %proc.name
  priority: WARNING
  tags: [a, b]
  exceptions:
    - name: known
      fields: [proc.pname, fd.name]
      comps: [=, startswith]
      values:
        - [cron, /tmp]
    - name: single
      fields: proc.pname
      values: [sshd]
`
	tests := []struct {
		name  string
		local string
		check func(t *testing.T, rs *Ruleset, diags Diagnostics)
	}{
		{"list append (override)", `
- list: shells
  items: [zsh]
  override:
    items: append
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			l := rs.Lists["shells"]
			if len(l.Items) != 3 || l.Items[2].Text != "zsh" || l.Items[2].Pos.String() != "local.yaml:3:11" || l.Pos.File != "base.yaml" {
				t.Errorf("list %+v", l)
			}
			if l.Visibility <= l.Index {
				t.Errorf("visibility %d, index %d", l.Visibility, l.Index)
			}
		}},
		{"list append (legacy)", `
- list: shells
  items: [zsh]
  append: true
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if n := len(rs.Lists["shells"].Items); n != 3 {
				t.Errorf("%d items", n)
			}
			if !strings.Contains(diagLines(diags), "local.yaml:4:3: warning: list shells: 'append: true' is deprecated") {
				t.Errorf("diagnostics:\n%s", diagLines(diags))
			}
		}},
		{"list replace", `
- list: shells
  items: [fish]
  override:
    items: replace
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if l := rs.Lists["shells"]; len(l.Items) != 1 || l.Pos.File != "local.yaml" {
				t.Errorf("list %+v", l)
			}
		}},
		{"list redefinition replaces", `
- list: shells
  items: [fish]
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if len(diags) != 0 {
				t.Errorf("diagnostics:\n%s", diagLines(diags))
			}
			if l := rs.Lists["shells"]; len(l.Items) != 1 || l.Items[0].Text != "fish" {
				t.Errorf("list %+v", l)
			}
		}},
		{"macro append", `
- macro: spawned
  condition: or evt.type = execveat
  override:
    condition: append
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			m := rs.Macros["spawned"]
			if m.Condition != "evt.type = execve or evt.type = execveat" || Format(m.Cond) != "(or (= evt.type execve) (= evt.type execveat))" {
				t.Errorf("macro %q %s", m.Condition, Format(m.Cond))
			}
		}},
		{"rule condition append, output replace, enabled and priority replace", `
- rule: Shell
  condition: and not proc.pname = cron
  output: shell! %proc.name
  enabled: false
  priority: critical
  override:
    condition: append
    output: replace
    enabled: replace
    priority: replace
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			r := rs.Rules[0]
			if r.Condition != "spawned and proc.name in (shells) and not proc.pname = cron" || r.Output != "shell! %proc.name" || r.Enabled || r.Priority != Critical {
				t.Errorf("rule %+v", r)
			}
			if got := Format(r.Cond); got != "(and (macro spawned) (in proc.name (shells)) (not (= proc.pname cron)))" {
				t.Errorf("cond %s", got)
			}
			if r.Pos.File != "base.yaml" {
				t.Errorf("rule position %s", r.Pos)
			}
		}},
		{"rule desc, tags, output, actions append", `
- rule: Shell
  desc: more
  tags: [b, c]
  output: (again)
  actions: [kill]
  override:
    desc: append
    tags: append
    output: append
    actions: append
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			r := rs.Rules[0]
			if r.Desc != "a shell more" || strings.Join(r.Tags, ",") != "a,b,c" || r.Output != "shell %proc.name (again)" || strings.Join(r.Actions, ",") != "kill" {
				t.Errorf("rule %+v", r)
			}
		}},
		{"rule tags replace", `
- rule: Shell
  tags: [z]
  override:
    tags: replace
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if r := rs.Rules[0]; strings.Join(r.Tags, ",") != "z" {
				t.Errorf("tags %v", r.Tags)
			}
		}},
		{"exceptions append: values to existing, new exception", `
- rule: Shell
  exceptions:
    - name: known
      values:
        - [systemd, /run]
    - name: single
      values: [login]
    - name: images
      fields: container.image.repository
      comps: pmatch
      values: [docker.io/a]
  override:
    exceptions: append
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			ex := rs.Rules[0].Exceptions
			if len(ex) != 3 || len(ex[0].Values) != 2 || ex[0].Values[1].Items[1].Text != "/run" || ex[0].Values[1].Pos.File != "local.yaml" {
				t.Fatalf("exceptions %+v", ex)
			}
			if len(ex[1].Values) != 2 || ex[1].Values[1].Items[0].Text != "login" {
				t.Errorf("single %+v", ex[1])
			}
			if ex[2].Name != "images" || ex[2].Comps[0] != "pmatch" || ex[2].Fields[0].Name != "container.image.repository" {
				t.Errorf("new %+v", ex[2])
			}
		}},
		{"exceptions replace", `
- rule: Shell
  exceptions:
    - name: only
      fields: [proc.name]
      values: [[x]]
  override:
    exceptions: replace
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if ex := rs.Rules[0].Exceptions; len(ex) != 1 || ex[0].Name != "only" || ex[0].Comps[0] != "=" {
				t.Errorf("exceptions %+v", ex)
			}
		}},
		{"legacy rule append", `
- rule: Shell
  append: true
  condition: and not proc.pname = cron
  output: ignored
  exceptions:
    - name: known
      values: [[init, /]]
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			r := rs.Rules[0]
			if r.Condition != "spawned and proc.name in (shells) and not proc.pname = cron" || r.Output != "shell %proc.name" || len(r.Exceptions[0].Values) != 2 {
				t.Errorf("rule %+v", r)
			}
			d := diagLines(diags)
			if !strings.Contains(d, "local.yaml:3:3: warning: rule Shell: 'append: true' is deprecated") ||
				!strings.Contains(d, "local.yaml:5:3: warning: rule Shell: output is ignored in an item with 'append: true'") {
				t.Errorf("diagnostics:\n%s", d)
			}
		}},
		{"enabled-only item", `
- rule: Shell
  enabled: false
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if rs.Rules[0].Enabled {
				t.Error("still enabled")
			}
			if !strings.Contains(diagLines(diags), "local.yaml:2:3: warning: rule Shell: an item with only 'enabled' is deprecated") {
				t.Errorf("diagnostics:\n%s", diagLines(diags))
			}
			if rs.Files[1].Rules != 1 {
				t.Errorf("files %+v", rs.Files)
			}
		}},
		{"rule redefinition replaces, keeps first position and order", `
- rule: Other
  desc: o
  condition: spawned
  output: o
  priority: DEBUG
- rule: Shell
  desc: new
  condition: proc.name = fish
  output: fish
  priority: emergency
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			noErrors(t, diags)
			if len(rs.Rules) != 2 || rs.Rules[0].Name != "Shell" || rs.Rules[0].Desc != "new" || rs.Rules[0].Pos.String() != "base.yaml:6:3" ||
				rs.Rules[0].Priority != Emergency || len(rs.Rules[0].Exceptions) != 0 || len(rs.Rules[0].Tags) != 0 {
				t.Errorf("rules %+v", rs.Rules[0])
			}
		}},
		{"append before definition", `
- rule: Missing
  condition: and x
  override:
    condition: append
- macro: missing
  condition: x
  append: true
- list: missing
  items: [x]
  override:
    items: append
- rule: Missing2
  enabled: false
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			want := []string{
				"local.yaml:2:3: error: rule Missing: the item overrides a rule, but no rule by that name is defined before",
				"local.yaml:6:3: error: macro missing: cannot append to macro missing: no macro by that name is defined before",
				"local.yaml:9:3: error: list missing: cannot append to list missing: no list by that name is defined before",
				"local.yaml:13:3: error: rule Missing2: the item sets enabled, but no rule by that name is defined before",
			}
			d := diagLines(diags)
			for _, w := range want {
				if !strings.Contains(d, w) {
					t.Errorf("missing %q in:\n%s", w, d)
				}
			}
			if rs.Files[1] != (FileSummary{Name: "local.yaml"}) {
				t.Errorf("summary %+v", rs.Files[1])
			}
		}},
		{"override mistakes", `
- rule: Shell
  condition: and x
  output: o
  override:
    condition: append
- rule: Shell
  priority: INFO
  override:
    priority: append
- rule: Shell
  override:
    desc: replace
- rule: Shell
  desc: d
  append: true
  override:
    desc: replace
- rule: Shell
  desc: d
  override:
    desc: merge
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			want := []string{
				"local.yaml:4:3: error: rule Shell: key output has no entry under override",
				"local.yaml:10:5: error: rule Shell: key priority cannot be appended to, use replace instead",
				"local.yaml:13:5: error: rule Shell: override desc: replace, but the item has no desc",
				"local.yaml:17:3: error: rule Shell: 'override' and 'append: true' cannot be used together",
				"local.yaml:22:11: error: rule Shell: invalid override for key desc: want append or replace",
			}
			d := diagLines(diags)
			for _, w := range want {
				if !strings.Contains(d, w) {
					t.Errorf("missing %q in:\n%s", w, d)
				}
			}
			if r := rs.Rules[0]; r.Condition != "spawned and proc.name in (shells)" || r.Priority != Warning {
				t.Errorf("rule changed: %+v", r)
			}
		}},
		{"appended condition error points into the appending file", `
- macro: spawned
  condition: >
    or evt.type in (execveat
  override:
    condition: append
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			if len(diags) != 1 || diags[0].String() != "local.yaml:4:20: error: macro spawned: condition: unbalanced parenthesis: list '(' is never closed" {
				t.Errorf("diagnostics:\n%s", diagLines(diags))
			}
			if rs.Macros["spawned"].Cond != nil {
				t.Error("Cond set despite the error")
			}
		}},
		{"other sources are skipped, and so are updates to them", `
- rule: Audit
  desc: k8s audit
  condition: ka.verb = create
  output: x
  priority: INFO
  source: k8s_audit
- rule: Audit
  enabled: false
- rule: Audit
  condition: and ka.user.name = x
  override:
    condition: append
- rule: Shell
  desc: d
  condition: c
  output: o
  priority: INFO
  source: aws_cloudtrail
`, func(t *testing.T, rs *Ruleset, diags Diagnostics) {
			d := diagLines(diags)
			if !strings.Contains(d, "local.yaml:2:3: warning: rule Audit: source k8s_audit is not supported (Vigil evaluates syscall rules): rule skipped") ||
				!strings.Contains(d, "local.yaml:19:11: error: rule Shell: rule redefined with source aws_cloudtrail, but it was defined with source syscall") ||
				strings.Count(d, "error") != 1 {
				t.Errorf("diagnostics:\n%s", d)
			}
			if len(rs.Rules) != 1 || findRule(rs, "Audit") != nil {
				t.Errorf("rules %v", rs.Rules)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, diags := load(t, "base.yaml", base, "local.yaml", tt.local)
			tt.check(t, rs, diags)
		})
	}
}

func TestLoadBaseFileAsIs(t *testing.T) {
	rs, diags := load(t, "a.yaml", `
- required_engine_version: 13
- required_engine_version: 0.9.1
- list: l
  items: []
- rule: R
  desc: d
  condition: x.y = 1
  output: 'o %x.y'
  priority: Informational
  enabled: no
  warn_evttypes: false
  skip-if-unknown-filter: true
  actions: [kill, kill]
  exceptions:
    - name: e1
      fields: [proc.name, 'proc.aname[2]', tolower(fd.name)]
      comps: [in, =, startswith]
      values:
        - [[a, b], c, /tmp]
        - [shells, d, /var]
`, "b.yaml", `
---
- required_engine_version: 0.50.0
---
- required_plugin_versions:
    - name: k8saudit
      version: 0.7.0
      alternatives:
        - name: k8saudit-eks
          version: 0.4.0
    - name: json
      version: 0.7.0
`)
	noErrors(t, diags)
	if rs.RequiredEngineVersion != "0.50.0" {
		t.Errorf("engine version %q", rs.RequiredEngineVersion)
	}
	if len(diags) != 1 || diags[0].String() != "b.yaml:5:3: warning: the rules require Falco plugins k8saudit 0.7.0 (or k8saudit-eks 0.4.0), json 0.7.0: Vigil loads no plugins; it provides syscall, container and k8s fields itself" {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
	r := rs.Rules[0]
	if r.Enabled || r.WarnEvttypes || !r.SkipIfUnknownFilter || r.Priority != Informational || strings.Join(r.Actions, ",") != "kill" || r.Output != "o %x.y" {
		t.Errorf("rule %+v", r)
	}
	ex := r.Exceptions[0]
	if ex.Name != "e1" || len(ex.Fields) != 3 || ex.Fields[1].Arg != "2" || ex.Fields[2].Transformers[0] != "tolower" ||
		strings.Join(ex.Comps, " ") != "in = startswith" || len(ex.Values) != 2 || ex.Pos.String() != "a.yaml:16:7" {
		t.Fatalf("exception %+v", ex)
	}
	if v := ex.Values[0]; !v.Items[0].IsList || strings.Join(v.Items[0].List, ",") != "a,b" || v.Items[1].Text != "c" || v.Pos.String() != "a.yaml:20:11" || v.Items[2].Pos.String() != "a.yaml:20:23" {
		t.Errorf("values %+v", v)
	}
	if ex.Fields[1].Pos.String() != "a.yaml:17:28" {
		t.Errorf("field position %s", ex.Fields[1].Pos)
	}
	if fs := rs.Files; len(fs) != 2 || fs[0].Rules != 1 || fs[0].Lists != 1 || fs[1] != (FileSummary{Name: "b.yaml"}) {
		t.Errorf("files %+v", fs)
	}
}

func TestLoadMalformedYAML(t *testing.T) {
	rs, diags := load(t, "bad.yaml", `
- rule: A
  desc: d
  condition: "x
- macro: m
  condition: y
`, "good.yaml", `
- macro: m
  condition: z
`)
	if len(diags) != 1 || !strings.HasPrefix(diags[0].String(), "bad.yaml:4:") || !strings.Contains(diags[0].Msg, "malformed YAML") {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
	// Nothing loads from a malformed file; the next file loads.
	if m := rs.Macros["m"]; m == nil || m.Condition != "z" || len(rs.Rules) != 0 {
		t.Errorf("ruleset %+v", rs)
	}
	for _, src := range []string{"- a: [\n", "\t- x", "- {a: b\n", "key: value\n", "42", "- 1\n- [a]\n"} {
		_, diags := load(t, "x.yaml", src)
		if !diags.HasErrors() {
			t.Errorf("%q: no error", src)
		}
		for _, d := range diags {
			if d.Pos.File != "x.yaml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Errorf("%q: bad position in %s", src, d)
			}
		}
	}
	for _, src := range []string{"", "# nothing\n", "---\n...\n", "- \n- ~\n"} {
		rs, diags := load(t, "x.yaml", src)
		if len(diags) != 0 || len(rs.Rules) != 0 {
			t.Errorf("%q: %s", src, diagLines(diags))
		}
	}
}

func TestLoadWrongTypes(t *testing.T) {
	_, diags := load(t, "t.yaml", `
- rule: R
  desc: d
  condition: c
  output: o
  priority: [a]
- rule: S
  desc: [d]
  condition: {a: b}
  output:
  priority: loud
  enabled: maybe
  tags: x
- list: l
  items: x
- list: "bad name"
  items: []
- macro: bad-name
  condition: x
- rule: T
  condition: c
`)
	want := `t.yaml:6:13: error: rule R: priority must be a string, not a sequence
t.yaml:8:9: error: rule S: desc must be a string, not a sequence
t.yaml:9:14: error: rule S: condition must be a string, not a mapping
t.yaml:10:10: error: rule S: output is empty
t.yaml:11:13: error: rule S: unknown priority "loud" (want one of emergency, alert, critical, error, warning, notice, informational, debug)
t.yaml:12:12: error: rule S: enabled must be true or false, not "maybe"
t.yaml:13:9: error: rule S: tags must be a sequence of strings, not a scalar
t.yaml:15:10: error: list l: items must be a sequence, not a scalar
t.yaml:16:9: error: list bad name: invalid list name: it must not contain blanks, quotes, parentheses, '=' or ','
t.yaml:18:10: error: macro bad-name: invalid macro name: it must match [a-zA-Z][a-zA-Z0-9_]*
t.yaml:20:3: error: rule T: missing required key output
t.yaml:20:3: error: rule T: missing required key desc
t.yaml:20:3: error: rule T: missing required key priority
`
	if got := diagLines(diags); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
}

func TestLoadUnknownKeys(t *testing.T) {
	rs, diags := load(t, "u.yaml", `
- rule: R
  desc: d
  condition: c
  output: o
  priority: INFO
  severity: high
  capture: true
- macro: m
  condition: c
  desc: x
- frobnicate: yes
- list: l
  items: [a]
  rule: oops
`)
	want := `u.yaml:7:3: warning: rule R: unknown key "severity" in a rule (ignored)
u.yaml:11:3: warning: macro m: unknown key "desc" in a macro (ignored)
u.yaml:12:3: warning: unknown item (keys: frobnicate): expected rule, macro, list, required_engine_version or required_plugin_versions; ignored
u.yaml:15:3: warning: list l: unknown key "rule" in a list (ignored)
`
	if got := diagLines(diags); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	if len(rs.Rules) != 1 || len(rs.Macros) != 1 || len(rs.Lists) != 1 {
		t.Errorf("ruleset %+v", rs)
	}
}

func TestLoadExceptionErrors(t *testing.T) {
	_, diags := load(t, "e.yaml", `
- rule: R
  desc: d
  condition: c
  output: o
  priority: INFO
  exceptions:
    - name: a
      fields: [proc.name, fd.name]
      comps: [=]
    - name: b
      fields: proc.name
      comps: =
    - name: c
      fields: [proc.name]
      values: [x]
    - name: c
      fields: [proc.name]
    - name: d
      values: [[x]]
    - name: e
      fields: [proc.name]
      comps: [equals]
    - name: f
      fields: proc.name
      values: [[x]]
    - name: g
      fields: [proc.name bad]
`)
	want := `e.yaml:8:7: error: rule R: exception a: fields and comps must have the same length (2 and 1)
e.yaml:13:14: error: rule R: exception b: with a single field, comps must be in, pmatch or intersects, not "="
e.yaml:16:16: error: rule R: exception c: each value must be a sequence of 1 items, one per field
e.yaml:17:7: error: rule R: exception c: exception names must be unique within an item
e.yaml:19:7: error: rule R: exception d: missing fields
e.yaml:23:15: error: rule R: exception e: "equals" is not a comparison operator
e.yaml:26:16: error: rule R: exception f: with a single field, each value must be a string, not a sequence
e.yaml:28:26: error: rule R: exception g: field: unexpected "bad" after field proc.name
`
	if got := diagLines(diags); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
}

func TestLoadBrokenDefinitionStaysQuiet(t *testing.T) {
	// A rule whose definition failed is not defined; updates to it do not
	// pile up more errors.
	rs, diags := load(t, "a.yaml", `
- rule: R
  desc: d
  condition: c
  priority: INFO
`, "b.yaml", `
- rule: R
  enabled: false
- rule: R
  condition: and x
  override:
    condition: append
`)
	if len(diags) != 2 || diags[0].String() != "a.yaml:2:3: error: rule R: missing required key output" || diags[1].Severity != SevWarning {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
	if len(rs.Rules) != 0 {
		t.Errorf("rules %v", rs.Rules)
	}
}

func TestLoadAliasesAndDuplicates(t *testing.T) {
	rs, diags := load(t, "a.yaml", `
- macro: m
  condition: &c proc.name = a
- macro: n
  condition: *c
- macro: o
  condition: x
  condition: y
`)
	if len(diags) != 1 || diags[0].String() != "a.yaml:8:3: error: macro o: duplicate key condition (first at 7:3)" {
		t.Errorf("diagnostics:\n%s", diagLines(diags))
	}
	if n := rs.Macros["n"]; n == nil || Format(n.Cond) != "(= proc.name a)" || rs.Macros["o"].Condition != "x" {
		t.Errorf("macros %+v", rs.Macros)
	}
}

func TestUnknownAction(t *testing.T) {
	_, diags := Load([]File{{Name: "a.yaml", Data: []byte("- rule: R\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  actions: [kill, quarantine]\n")}})
	if len(diags) != 1 || !strings.Contains(diags[0].String(), `a.yaml:6:19: error: rule R: unknown action "quarantine" (known: kill)`) {
		t.Errorf("diagnostics: %v", diags)
	}
}
