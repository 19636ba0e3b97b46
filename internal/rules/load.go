package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads Falco rule files in order; a later file refines what earlier
// ones defined (appends, overrides, redefinitions, enabling/disabling), as
// Falco does when it is given several rules files. It never stops at the
// first problem: every problem is a Diagnostic at the file:line:col of the
// offending node, and loading carries on with the next item.
//
// Rules whose condition or output does not parse are kept with Cond nil
// (and an error diagnostic); items that are malformed are left out. Rules
// for a source other than syscall are left out with a warning.
func Load(files []File) (*Ruleset, Diagnostics) {
	l := &loader{
		rules:   map[string]*ruleState{},
		macros:  map[string]*macroState{},
		lists:   map[string]*List{},
		broken:  map[string]bool{},
		fileIdx: map[string]int{},
	}
	for i, f := range files {
		if _, ok := l.fileIdx[f.Name]; !ok {
			l.fileIdx[f.Name] = i
		}
		l.loadFile(f)
	}
	rs := l.finish()
	sort.SliceStable(l.diags, func(i, j int) bool {
		a, b := l.diags[i].Pos, l.diags[j].Pos
		if fa, fb := l.fileOrder(a.File), l.fileOrder(b.File); fa != fb {
			return fa < fb
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return rs, l.diags
}

type loader struct {
	diags   Diagnostics
	files   []FileSummary
	rules   map[string]*ruleState
	order   []*ruleState // rules in order of first definition
	macros  map[string]*macroState
	morder  []*macroState
	lists   map[string]*List
	broken  map[string]bool // rules whose only definition failed: later updates stay quiet
	counter int             // Falco's definition counter (see Macro.Index)
	engine  string
	fileIdx map[string]int
}

type ruleState struct {
	rule    *Rule
	cond    mappedText
	output  mappedText
	single  map[string]bool // exceptions written in the single-field form
	skipped bool            // source is not syscall: kept so updates are accepted
	source  string
}

type macroState struct {
	macro *Macro
	cond  mappedText
}

func (l *loader) fileOrder(name string) int {
	if i, ok := l.fileIdx[name]; ok {
		return i
	}
	return len(l.fileIdx)
}

func (l *loader) next() int {
	l.counter++
	return l.counter
}

func (l *loader) errorf(p Pos, item, format string, args ...any) {
	l.diags = append(l.diags, Diagnostic{Pos: p, Severity: SevError, Item: item, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(p Pos, item, format string, args ...any) {
	l.diags = append(l.diags, Diagnostic{Pos: p, Severity: SevWarning, Item: item, Msg: fmt.Sprintf(format, args...)})
}

// Messages shared with Falco's loader (rule_loading_messages.h), reworded.
const (
	msgAppendDeprecated  = "'append: true' is deprecated: list the keys to append under 'override' instead (e.g. 'override: {condition: append}')"
	msgEnabledDeprecated = "an item with only 'enabled' is deprecated: add 'override: {enabled: replace}'"
	msgOverrideAndAppend = "'override' and 'append: true' cannot be used together"
)

func (l *loader) loadFile(file File) {
	f := newYAMLFile(file.Name, file.Data)
	sum := FileSummary{Name: file.Name}
	docs, err := decodeYAML(file.Data)
	if err != nil {
		line, msg := yamlErrLine(err)
		l.errorf(Pos{File: file.Name, Line: line, Col: 1}, "", "malformed YAML: %s", msg)
		l.files = append(l.files, sum)
		return
	}
	for _, doc := range docs {
		root := doc
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		root = resolve(root)
		if isNull(root) {
			continue
		}
		if root.Kind != yaml.SequenceNode {
			l.errorf(f.pos(root), "", "a rules file must be a YAML sequence of items (- rule: ..., - macro: ..., - list: ...), not a %s", kindName(root))
			continue
		}
		for _, it := range root.Content {
			it = resolve(it)
			if isNull(it) {
				continue
			}
			if it.Kind != yaml.MappingNode {
				l.errorf(f.pos(it), "", "each item must be a mapping such as '- rule: NAME', not a %s", kindName(it))
				continue
			}
			l.item(f, it, &sum)
		}
	}
	l.files = append(l.files, sum)
}

// decodeYAML decodes every document of data. yaml.v3 is not expected to
// panic, but a rules loader must never crash on input: a panic becomes an
// error.
func decodeYAML(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("yaml: parser failure: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		n := new(yaml.Node)
		if err := dec.Decode(n); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return nil, err
		}
		docs = append(docs, n)
	}
}

// yamlErrLine extracts the line from a yaml.v3 error ("yaml: line 3: ...").
func yamlErrLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if k := strings.Index(rest, ": "); k > 0 {
			if n, err := strconv.Atoi(rest[:k]); err == nil && n > 0 {
				return n, rest[k+2:]
			}
		}
	}
	return 1, msg
}

func resolve(n *yaml.Node) *yaml.Node {
	for k := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && k < 64; k++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" || n.Kind == 0
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

// ymap is a YAML mapping with its keys checked.
type ymap struct {
	n    *yaml.Node
	keys []*yaml.Node
	vals []*yaml.Node
}

func (l *loader) mapping(f *yamlFile, n *yaml.Node, item string) *ymap {
	m := &ymap{n: n}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := resolve(n.Content[k]), resolve(n.Content[k+1])
		if key.Kind != yaml.ScalarNode {
			l.errorf(f.pos(key), item, "keys must be strings, not a %s", kindName(key))
			continue
		}
		if prev := m.key(key.Value); prev != nil {
			l.errorf(f.pos(key), item, "duplicate key %s (first at %d:%d)", key.Value, prev.Line, prev.Column)
			continue
		}
		m.keys = append(m.keys, key)
		m.vals = append(m.vals, val)
	}
	return m
}

func (m *ymap) key(name string) *yaml.Node {
	for _, k := range m.keys {
		if k.Value == name {
			return k
		}
	}
	return nil
}

func (m *ymap) get(name string) *yaml.Node {
	for i, k := range m.keys {
		if k.Value == name {
			return m.vals[i]
		}
	}
	return nil
}

func (m *ymap) has(name string) bool { return m.key(name) != nil }

// checkKeys warns about keys not in known. Falco accepts unknown keys when
// loading (its JSON schema only reports them), so they are warnings.
func (l *loader) checkKeys(f *yamlFile, m *ymap, item, kind string, known ...string) {
next:
	for _, k := range m.keys {
		for _, kn := range known {
			if k.Value == kn {
				continue next
			}
		}
		l.warnf(f.pos(k), item, "unknown key %q in a %s (ignored)", k.Value, kind)
	}
}

// str reads key as a non-empty scalar. A missing key is an error when
// required; ok is false when an error was reported.
func (l *loader) str(f *yamlFile, m *ymap, key, item string, required bool) (string, *yaml.Node, bool) {
	n := m.get(key)
	if n == nil {
		if required {
			l.errorf(f.pos(m.n), item, "missing required key %s", key)
			return "", nil, false
		}
		return "", nil, true
	}
	if isNull(n) {
		l.errorf(f.pos(n), item, "%s is empty", key)
		return "", nil, false
	}
	if n.Kind != yaml.ScalarNode {
		l.errorf(f.pos(n), item, "%s must be a string, not a %s", key, kindName(n))
		return "", nil, false
	}
	if n.Value == "" {
		l.errorf(f.pos(n), item, "%s must not be empty", key)
		return "", nil, false
	}
	return n.Value, n, true
}

// text reads key as a non-empty scalar with its position map.
func (l *loader) text(f *yamlFile, m *ymap, key, item string, required bool) (*mappedText, bool) {
	_, n, ok := l.str(f, m, key, item, required)
	if !ok || n == nil {
		return nil, ok
	}
	t := newMappedText(f.scalarMap(n, m.n.Column-1))
	return &t, true
}

// boolean reads an optional boolean key; set reports whether it is there.
func (l *loader) boolean(f *yamlFile, m *ymap, key, item string) (val, set, ok bool) {
	s, n, ok := l.str(f, m, key, item, false)
	if !ok || n == nil {
		return false, false, ok
	}
	v, good := parseBool(s)
	if !good {
		l.errorf(f.pos(n), item, "%s must be true or false, not %q", key, s)
		return false, false, false
	}
	return v, true, true
}

// parseBool accepts the spellings yaml-cpp (Falco's YAML library) does.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	return false, false
}

// strings reads an optional sequence of non-empty scalars.
func (l *loader) strList(f *yamlFile, m *ymap, key, item string) ([]string, []*yaml.Node, bool) {
	n := m.get(key)
	if n == nil {
		return nil, nil, true
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(f.pos(n), item, "%s must be a sequence of strings, not a %s", key, kindName(n))
		return nil, nil, false
	}
	out := make([]string, 0, len(n.Content))
	nodes := make([]*yaml.Node, 0, len(n.Content))
	ok := true
	for _, e := range n.Content {
		e = resolve(e)
		if e.Kind != yaml.ScalarNode || isNull(e) {
			l.errorf(f.pos(e), item, "%s must be a sequence of strings: found a %s", key, kindName(e))
			ok = false
			continue
		}
		out = append(out, e.Value)
		nodes = append(nodes, e)
	}
	return out, nodes, ok
}

// itemLabel names an item for diagnostics before its keys are checked.
func itemLabel(n *yaml.Node) string {
	for _, kind := range []string{"list", "macro", "rule"} {
		for k := 0; k+1 < len(n.Content); k += 2 {
			key, val := resolve(n.Content[k]), resolve(n.Content[k+1])
			if key.Kind == yaml.ScalarNode && key.Value == kind && val.Kind == yaml.ScalarNode && !isNull(val) {
				return kind + " " + val.Value
			}
		}
	}
	return ""
}

func (l *loader) item(f *yamlFile, n *yaml.Node, sum *FileSummary) {
	m := l.mapping(f, n, itemLabel(n))
	switch {
	case m.has("required_engine_version"):
		l.engineVersion(f, m)
	case m.has("required_plugin_versions"):
		l.pluginVersions(f, m)
	case m.has("list"):
		if l.list(f, m) {
			sum.Lists++
		}
	case m.has("macro"):
		if l.macro(f, m) {
			sum.Macros++
		}
	case m.has("rule"):
		if l.rule(f, m) {
			sum.Rules++
		}
	default:
		names := make([]string, len(m.keys))
		for i, k := range m.keys {
			names[i] = k.Value
		}
		l.warnf(f.pos(n), "", "unknown item (keys: %s): expected rule, macro, list, required_engine_version or required_plugin_versions; ignored", strings.Join(names, ", "))
	}
}

// isSemver accepts x.y.z with an optional suffix, as Falco's version
// parser does.
func isSemver(s string) bool {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 {
		return false
	}
	for i, p := range parts {
		if i == 2 {
			k := 0
			for k < len(p) && isDigit(p[k]) {
				k++
			}
			if k == 0 || k < len(p) && p[k] != '-' && p[k] != '+' {
				return false
			}
			continue
		}
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

func semverLess(a, b string) bool {
	pa, pb := strings.SplitN(a, ".", 3), strings.SplitN(b, ".", 3)
	for i := 0; i < 3 && i < len(pa) && i < len(pb); i++ {
		x, y := leadingInt(pa[i]), leadingInt(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

func leadingInt(s string) int {
	n := 0
	for i := 0; i < len(s) && isDigit(s[i]) && n < 1<<30; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func (l *loader) engineVersion(f *yamlFile, m *ymap) {
	l.checkKeys(f, m, "", "required_engine_version item", "required_engine_version")
	v, n, ok := l.str(f, m, "required_engine_version", "", true)
	if !ok {
		return
	}
	if strings.Trim(v, "0123456789") == "" {
		// Falco reads a bare number N as engine version 0.N.0.
		v = "0." + strconv.Itoa(leadingInt(v)) + ".0"
	} else if !isSemver(v) {
		l.errorf(f.pos(n), "", "required_engine_version %q must be a number or a semantic version x.y.z", v)
		return
	}
	if l.engine == "" || semverLess(l.engine, v) {
		l.engine = v
	}
}

func (l *loader) pluginVersions(f *yamlFile, m *ymap) {
	l.checkKeys(f, m, "", "required_plugin_versions item", "required_plugin_versions")
	n := m.get("required_plugin_versions")
	if n.Kind != yaml.SequenceNode {
		l.errorf(f.pos(n), "", "required_plugin_versions must be a sequence of {name, version}, not a %s", kindName(n))
		return
	}
	var reqs []string
	for _, e := range n.Content {
		e = resolve(e)
		if e.Kind != yaml.MappingNode {
			l.errorf(f.pos(e), "", "each required plugin must be a mapping {name, version}, not a %s", kindName(e))
			continue
		}
		pm := l.mapping(f, e, "")
		l.checkKeys(f, pm, "", "required plugin", "name", "version", "alternatives")
		name, ver, ok := l.pluginReq(f, pm)
		if !ok {
			continue
		}
		req := name + " " + ver
		if alts := pm.get("alternatives"); alts != nil {
			if alts.Kind != yaml.SequenceNode {
				l.errorf(f.pos(alts), "", "alternatives of plugin %s must be a sequence of {name, version}", name)
				continue
			}
			for _, a := range alts.Content {
				a = resolve(a)
				if a.Kind != yaml.MappingNode {
					l.errorf(f.pos(a), "", "each alternative of plugin %s must be a mapping {name, version}", name)
					continue
				}
				am := l.mapping(f, a, "")
				l.checkKeys(f, am, "", "plugin alternative", "name", "version")
				if an, av, ok := l.pluginReq(f, am); ok {
					req += " (or " + an + " " + av + ")"
				}
			}
		}
		reqs = append(reqs, req)
	}
	if len(reqs) > 0 {
		l.warnf(f.pos(m.n), "", "the rules require Falco plugins %s: Vigil loads no plugins; it provides syscall, container and k8s fields itself", strings.Join(reqs, ", "))
	}
}

func (l *loader) pluginReq(f *yamlFile, m *ymap) (string, string, bool) {
	name, _, ok1 := l.str(f, m, "name", "", true)
	ver, vn, ok2 := l.str(f, m, "version", "", true)
	if !ok1 || !ok2 {
		return "", "", false
	}
	if !isSemver(ver) {
		l.errorf(f.pos(vn), "", "invalid version %q for plugin %s: want x.y.z", ver, name)
		return "", "", false
	}
	return name, ver, true
}

// overrides reads `override:`, a mapping from keys to append or replace.
func (l *loader) overrides(f *yamlFile, m *ymap, item string, canAppend, canReplace []string) (map[string]string, []*yaml.Node, bool) {
	n := m.get("override")
	if n == nil {
		return nil, nil, true
	}
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		l.errorf(f.pos(n), item, "override must be a mapping of keys to append or replace")
		return nil, nil, false
	}
	om := l.mapping(f, n, item)
	ops := map[string]string{}
	var keys []*yaml.Node
	ok := true
	for i, k := range om.keys {
		v := om.vals[i]
		op := ""
		if v.Kind == yaml.ScalarNode {
			op = v.Value
		}
		switch op {
		case "append":
			if !contains(canAppend, k.Value) {
				if contains(canReplace, k.Value) {
					l.errorf(f.pos(k), item, "key %s cannot be appended to, use replace instead", k.Value)
				} else {
					l.errorf(f.pos(k), item, "key %s cannot be overridden", k.Value)
				}
				ok = false
				continue
			}
		case "replace":
			if !contains(canReplace, k.Value) {
				if contains(canAppend, k.Value) {
					l.errorf(f.pos(k), item, "key %s cannot be replaced, use append instead", k.Value)
				} else {
					l.errorf(f.pos(k), item, "key %s cannot be overridden", k.Value)
				}
				ok = false
				continue
			}
		default:
			l.errorf(f.pos(v), item, "invalid override for key %s: want append or replace", k.Value)
			ok = false
			continue
		}
		ops[k.Value] = op
		keys = append(keys, k)
	}
	return ops, keys, ok
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// appendFlag reads the legacy `append: true`.
func (l *loader) appendFlag(f *yamlFile, m *ymap, item string) (bool, bool) {
	v, set, ok := l.boolean(f, m, "append", item)
	if set && v {
		l.warnf(f.pos(m.key("append")), item, "%s", msgAppendDeprecated)
	}
	return v, ok
}

// isBareName: Falco's list names must be bare strings.
func isBareName(s string) bool { return isBareValue(s) }

// isIdentName: Falco's macro names must be identifiers.
func isIdentName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

func (l *loader) list(f *yamlFile, m *ymap) bool {
	name, nameNode, ok := l.str(f, m, "list", "", true)
	if !ok {
		return false
	}
	item := "list " + name
	l.checkKeys(f, m, item, "list", "list", "items", "append", "override")
	if !isBareName(name) {
		l.errorf(f.pos(nameNode), item, "invalid list name: it must not contain blanks, quotes, parentheses, '=' or ','")
		return false
	}
	good := true
	var items []ListItem
	switch n := m.get("items"); {
	case n == nil:
		l.errorf(f.pos(m.n), item, "missing required key items")
		good = false
	case n.Kind != yaml.SequenceNode:
		l.errorf(f.pos(n), item, "items must be a sequence, not a %s", kindName(n))
		good = false
	default:
		items = make([]ListItem, 0, len(n.Content))
		for _, e := range n.Content {
			e = resolve(e)
			if e.Kind != yaml.ScalarNode || isNull(e) {
				l.errorf(f.pos(e), item, "list items must be strings, found a %s", kindName(e))
				good = false
				continue
			}
			items = append(items, ListItem{Text: e.Value, Pos: f.pos(e)})
		}
	}
	appendFlag, ok1 := l.appendFlag(f, m, item)
	ops, _, ok2 := l.overrides(f, m, item, []string{"items"}, []string{"items"})
	if !good || !ok1 || !ok2 {
		return false
	}
	if appendFlag && ops != nil {
		l.errorf(f.pos(m.key("override")), item, msgOverrideAndAppend)
		return false
	}
	appendFlag = appendFlag || ops["items"] == "append"
	if appendFlag {
		prev := l.lists[name]
		if prev == nil {
			l.errorf(f.pos(m.n), item, "cannot append to list %s: no list by that name is defined before", name)
			return false
		}
		prev.Items = append(prev.Items, items...)
		prev.Visibility = l.next()
		return true
	}
	id := l.next()
	if prev := l.lists[name]; prev != nil {
		*prev = List{Name: name, Items: items, Pos: f.pos(m.n), Index: prev.Index, Visibility: id}
		return true
	}
	l.lists[name] = &List{Name: name, Items: items, Pos: f.pos(m.n), Index: id, Visibility: id}
	return true
}

func (l *loader) macro(f *yamlFile, m *ymap) bool {
	name, nameNode, ok := l.str(f, m, "macro", "", true)
	if !ok {
		return false
	}
	item := "macro " + name
	l.checkKeys(f, m, item, "macro", "macro", "condition", "append", "override")
	if !isIdentName(name) {
		l.errorf(f.pos(nameNode), item, "invalid macro name: it must match [a-zA-Z][a-zA-Z0-9_]*")
		return false
	}
	cond, ok0 := l.text(f, m, "condition", item, true)
	appendFlag, ok1 := l.appendFlag(f, m, item)
	ops, _, ok2 := l.overrides(f, m, item, []string{"condition"}, []string{"condition"})
	if !ok0 || !ok1 || !ok2 {
		return false
	}
	if appendFlag && ops != nil {
		l.errorf(f.pos(m.key("override")), item, msgOverrideAndAppend)
		return false
	}
	appendFlag = appendFlag || ops["condition"] == "append"
	if appendFlag {
		prev := l.macros[name]
		if prev == nil {
			l.errorf(f.pos(m.n), item, "cannot append to macro %s: no macro by that name is defined before", name)
			return false
		}
		prev.cond.appendText(*cond)
		prev.macro.Visibility = l.next()
		return true
	}
	id := l.next()
	if prev := l.macros[name]; prev != nil {
		*prev.macro = Macro{Name: name, Pos: f.pos(m.n), Index: prev.macro.Index, Visibility: id}
		prev.cond = *cond
		return true
	}
	ms := &macroState{macro: &Macro{Name: name, Pos: f.pos(m.n), Index: id, Visibility: id}, cond: *cond}
	l.macros[name] = ms
	l.morder = append(l.morder, ms)
	return true
}

// Rule keys, and which of them Falco lets `override` append or replace
// (rule_loader_reader.cpp); actions is Vigil's own.
func ruleKeys() []string {
	return []string{"rule", "desc", "condition", "output", "priority", "tags", "enabled", "source",
		"exceptions", "warn_evttypes", "skip-if-unknown-filter", "append", "override",
		"capture", "capture_duration", "capture_events", "capture_filesize", "actions"}
}

func ruleAppendable() []string {
	return []string{"condition", "output", "desc", "tags", "exceptions", "actions"}
}

func ruleReplaceable() []string {
	return []string{"condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "actions"}
}

// ruleFields holds the keys read from one rule item.
type ruleFields struct {
	cond, output *mappedText
	desc         string
	hasDesc      bool
	priority     Priority
	hasPriority  bool
	source       string
	sourceNode   *yaml.Node
	enabled      bool
	hasEnabled   bool
	warn         bool
	hasWarn      bool
	skip         bool
	hasSkip      bool
	tags         []string
	hasTags      bool
	exceptions   []rawException
	hasExc       bool
	actions      []string
	hasActions   bool
}

// readRule reads the given keys of a rule item, when present.
func (l *loader) readRule(f *yamlFile, m *ymap, item string, keys []string, required bool) (ruleFields, bool) {
	var rf ruleFields
	ok := true
	for _, k := range keys {
		var good bool
		switch k {
		case "condition":
			rf.cond, good = l.text(f, m, k, item, required)
		case "output":
			rf.output, good = l.text(f, m, k, item, required)
			if rf.output != nil {
				t := rf.output.trimSpace()
				rf.output = &t
			}
		case "desc":
			var n *yaml.Node
			rf.desc, n, good = l.str(f, m, k, item, required)
			rf.hasDesc = n != nil
		case "priority":
			var s string
			var n *yaml.Node
			s, n, good = l.str(f, m, k, item, required)
			if good && n != nil {
				p, err := ParsePriority(s)
				if err != nil {
					l.errorf(f.pos(n), item, "%v", err)
					good = false
				} else {
					rf.priority, rf.hasPriority = p, true
				}
			}
		case "source":
			rf.source, rf.sourceNode, good = l.str(f, m, k, item, false)
		case "enabled":
			rf.enabled, rf.hasEnabled, good = l.boolean(f, m, k, item)
		case "warn_evttypes":
			rf.warn, rf.hasWarn, good = l.boolean(f, m, k, item)
		case "skip-if-unknown-filter":
			rf.skip, rf.hasSkip, good = l.boolean(f, m, k, item)
		case "tags":
			rf.tags, _, good = l.strList(f, m, k, item)
			rf.hasTags = m.has(k)
		case "actions":
			var nodes []*yaml.Node
			rf.actions, nodes, good = l.strList(f, m, k, item)
			rf.hasActions = m.has(k)
			for i, a := range rf.actions {
				if !slices.Contains(KnownActions(), a) {
					l.errorf(f.pos(nodes[i]), item, "unknown action %q (known: %s)", a, strings.Join(KnownActions(), ", "))
					good = false
				}
			}
		case "exceptions":
			rf.exceptions, good = l.readExceptions(f, m, item)
			rf.hasExc = m.has(k)
		default:
			good = true
		}
		ok = ok && good
	}
	return rf, ok
}

func (l *loader) rule(f *yamlFile, m *ymap) bool {
	name, _, ok := l.str(f, m, "rule", "", true)
	if !ok {
		return false
	}
	item := "rule " + name
	l.checkKeys(f, m, item, "rule", ruleKeys()...)
	appendFlag, ok1 := l.appendFlag(f, m, item)
	ops, opKeys, ok2 := l.overrides(f, m, item, ruleAppendable(), ruleReplaceable())
	if !ok1 || !ok2 {
		return false
	}
	if appendFlag && ops != nil {
		l.errorf(f.pos(m.key("override")), item, msgOverrideAndAppend)
		return false
	}
	switch {
	case ops != nil:
		return l.ruleOverride(f, m, name, item, ops, opKeys)
	case appendFlag:
		return l.ruleAppend(f, m, name, item)
	case !m.has("condition") && !m.has("output") && !m.has("desc") && !m.has("priority"):
		return l.ruleEnable(f, m, name, item)
	default:
		return l.ruleDefine(f, m, name, item)
	}
}

func (l *loader) ruleDefine(f *yamlFile, m *ymap, name, item string) bool {
	rf, ok := l.readRule(f, m, item, []string{"condition", "output", "desc", "priority", "source",
		"enabled", "warn_evttypes", "skip-if-unknown-filter", "tags", "exceptions", "actions"}, true)
	single := map[string]bool{}
	exc, excOK := l.buildExceptions(f, item, rf.exceptions, nil, single, false)
	ok = ok && excOK
	prev := l.rules[name]
	if !ok {
		if prev == nil {
			l.broken[name] = true
		}
		return false
	}
	source := rf.source
	if source == "" {
		source = "syscall"
	}
	if prev != nil && prev.source != source {
		p := f.pos(m.n)
		if rf.sourceNode != nil {
			p = f.pos(rf.sourceNode)
		}
		l.errorf(p, item, "rule redefined with source %s, but it was defined with source %s", source, prev.source)
		return false
	}
	if source != "syscall" {
		l.warnf(f.pos(m.n), item, "source %s is not supported (Vigil evaluates syscall rules): rule skipped", source)
		if prev == nil {
			l.rules[name] = &ruleState{skipped: true, source: source}
		}
		delete(l.broken, name)
		return true
	}
	r := &Rule{
		Name:                name,
		Desc:                rf.desc,
		Condition:           rf.cond.s,
		Output:              rf.output.s,
		Priority:            rf.priority,
		Tags:                dedupe(nil, rf.tags),
		Enabled:             !rf.hasEnabled || rf.enabled,
		Source:              source,
		Exceptions:          exc,
		WarnEvttypes:        !rf.hasWarn || rf.warn,
		SkipIfUnknownFilter: rf.skip,
		Actions:             dedupe(nil, rf.actions),
		Pos:                 f.pos(m.n),
	}
	if prev != nil {
		r.Pos = prev.rule.Pos
		*prev.rule = *r
		prev.cond, prev.output, prev.single = *rf.cond, *rf.output, single
		return true
	}
	st := &ruleState{rule: r, cond: *rf.cond, output: *rf.output, single: single, source: source}
	l.rules[name] = st
	l.order = append(l.order, st)
	delete(l.broken, name)
	return true
}

// target returns the rule an update applies to; nil (and false) when
// there is none, with an error unless the rule is known to be broken.
// A skipped rule (other source) accepts updates silently: skip is true.
func (l *loader) target(f *yamlFile, m *ymap, name, item, what string) (st *ruleState, skip bool) {
	st = l.rules[name]
	if st == nil {
		if !l.broken[name] {
			l.errorf(f.pos(m.n), item, "%s, but no rule by that name is defined before", what)
		}
		return nil, false
	}
	return st, st.skipped
}

func (l *loader) ruleAppend(f *yamlFile, m *ymap, name, item string) bool {
	for _, k := range []string{"output", "desc", "priority", "tags", "enabled", "source", "warn_evttypes", "skip-if-unknown-filter", "actions"} {
		if kn := m.key(k); kn != nil {
			l.warnf(f.pos(kn), item, "%s is ignored in an item with 'append: true', which appends only condition and exceptions", k)
		}
	}
	rf, ok := l.readRule(f, m, item, []string{"condition", "exceptions"}, false)
	if !ok {
		return false
	}
	if rf.cond == nil && !rf.hasExc {
		l.errorf(f.pos(m.n), item, "a rule item with 'append: true' must have a condition or exceptions to append")
		return false
	}
	st, skip := l.target(f, m, name, item, "the item appends to a rule")
	if st == nil || skip {
		return skip
	}
	var exc []Exception
	single := copyBoolMap(st.single)
	if rf.hasExc {
		exc, ok = l.buildExceptions(f, item, rf.exceptions, st.rule.Exceptions, single, true)
		if !ok {
			return false
		}
	}
	if rf.cond != nil {
		st.cond.appendText(*rf.cond)
		st.rule.Condition = st.cond.s
	}
	if rf.hasExc {
		st.rule.Exceptions, st.single = exc, single
	}
	return true
}

func (l *loader) ruleEnable(f *yamlFile, m *ymap, name, item string) bool {
	enabled, set, ok := l.boolean(f, m, "enabled", item)
	if !ok {
		return false
	}
	if !set {
		l.errorf(f.pos(m.n), item, "a rule item without condition, output, desc and priority must set enabled (or use override)")
		return false
	}
	l.warnf(f.pos(m.n), item, "%s", msgEnabledDeprecated)
	for _, k := range m.keys {
		if k.Value != "rule" && k.Value != "enabled" && contains(ruleKeys(), k.Value) {
			l.warnf(f.pos(k), item, "%s is ignored in an item that only sets enabled", k.Value)
		}
	}
	st, skip := l.target(f, m, name, item, "the item sets enabled")
	if st == nil || skip {
		return skip
	}
	st.rule.Enabled = enabled
	return true
}

func (l *loader) ruleOverride(f *yamlFile, m *ymap, name, item string, ops map[string]string, opKeys []*yaml.Node) bool {
	good := true
	for _, k := range m.keys {
		if (contains(ruleAppendable(), k.Value) || contains(ruleReplaceable(), k.Value)) && ops[k.Value] == "" {
			l.errorf(f.pos(k), item, "key %s has no entry under override (add '%s: append' or '%s: replace')", k.Value, k.Value, k.Value)
			good = false
		}
	}
	var keys []string
	for _, k := range opKeys {
		if !m.has(k.Value) {
			l.errorf(f.pos(k), item, "override %s: %s, but the item has no %s", k.Value, ops[k.Value], k.Value)
			good = false
			continue
		}
		keys = append(keys, k.Value)
	}
	rf, ok := l.readRule(f, m, item, keys, false)
	if !ok || !good {
		return false
	}
	what := "the item overrides a rule"
	st, skip := l.target(f, m, name, item, what)
	if st == nil || skip {
		return skip
	}
	r := st.rule
	exc := r.Exceptions
	single := st.single
	if rf.hasExc {
		single = copyBoolMap(st.single)
		if ops["exceptions"] == "append" {
			exc, ok = l.buildExceptions(f, item, rf.exceptions, r.Exceptions, single, true)
		} else {
			single = map[string]bool{}
			exc, ok = l.buildExceptions(f, item, rf.exceptions, nil, single, false)
		}
		if !ok {
			return false
		}
	}
	for _, k := range keys {
		app := ops[k] == "append"
		switch k {
		case "condition":
			if app {
				st.cond.appendText(*rf.cond)
			} else {
				st.cond = *rf.cond
			}
			r.Condition = st.cond.s
		case "output":
			if app {
				st.output.appendText(*rf.output)
			} else {
				st.output = *rf.output
			}
			r.Output = st.output.s
		case "desc":
			if app {
				r.Desc += " " + rf.desc
			} else {
				r.Desc = rf.desc
			}
		case "tags":
			if app {
				r.Tags = dedupe(r.Tags, rf.tags)
			} else {
				r.Tags = dedupe(nil, rf.tags)
			}
		case "actions":
			if app {
				r.Actions = dedupe(r.Actions, rf.actions)
			} else {
				r.Actions = dedupe(nil, rf.actions)
			}
		case "exceptions":
			r.Exceptions, st.single = exc, single
		case "priority":
			r.Priority = rf.priority
		case "enabled":
			r.Enabled = rf.enabled
		case "warn_evttypes":
			r.WarnEvttypes = rf.warn
		case "skip-if-unknown-filter":
			r.SkipIfUnknownFilter = rf.skip
		}
	}
	return true
}

// dedupe appends the elements of add not yet in base.
func dedupe(base, add []string) []string {
	out := base
	for _, s := range add {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func copyBoolMap(m map[string]bool) map[string]bool {
	c := make(map[string]bool, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// syntaxDiag reports a condition, output or field syntax error.
func (l *loader) syntaxDiag(err error, item, what string) {
	var se *SyntaxError
	if errors.As(err, &se) {
		l.errorf(se.Pos, item, "%s: %s", what, se.Msg)
		return
	}
	l.errorf(Pos{}, item, "%s: %v", what, err)
}

// finish parses the final conditions and outputs and builds the Ruleset.
func (l *loader) finish() *Ruleset {
	rs := &Ruleset{
		Files:                 l.files,
		Rules:                 make([]*Rule, 0, len(l.order)),
		Macros:                make(map[string]*Macro, len(l.macros)),
		Lists:                 l.lists,
		RequiredEngineVersion: l.engine,
	}
	for _, ms := range l.morder {
		m := ms.macro
		m.Condition = ms.cond.s
		e, err := parseCondition(ms.cond.s, &ms.cond)
		if err != nil {
			l.syntaxDiag(err, "macro "+m.Name, "condition")
		}
		m.Cond = e
		rs.Macros[m.Name] = m
	}
	for _, st := range l.order {
		r := st.rule
		r.Condition, r.Output = st.cond.s, st.output.s
		e, err := parseCondition(st.cond.s, &st.cond)
		if err != nil {
			l.syntaxDiag(err, "rule "+r.Name, "condition")
		}
		r.Cond = e
		if _, err := parseOutput(st.output.s, &st.output); err != nil {
			l.syntaxDiag(err, "rule "+r.Name, "output")
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs
}
