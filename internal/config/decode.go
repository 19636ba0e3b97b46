package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/rules"
)

// Load reads the configuration file at path, laid over Default, and
// checks it. An empty path means DefaultPath, whose absence yields
// Default and no error; a path named explicitly must exist. Problems in
// the file are returned as *Error, all of them. Relative paths in
// rules.files and policies.files are relative to the file's directory.
func Load(path string) (*Config, error) {
	if path == "" {
		return load(DefaultPath, false)
	}
	return load(path, true)
}

// load reads path; a missing file yields Default unless explicit.
func load(path string, explicit bool) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return Default(), nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("configuration file %s does not exist", path)
		}
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	// One byte more than Parse accepts, so that it says the file is too big.
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	c.resolvePaths(filepath.Dir(path))
	return c, nil
}

// resolvePaths makes the relative rules and policy paths relative to dir,
// the configuration file's directory.
func (c *Config) resolvePaths(dir string) {
	for _, ps := range [][]string{c.Rules.Files, c.Policies.Files} {
		for i, p := range ps {
			if p != BuiltinRules && p != "" && !filepath.IsAbs(p) {
				ps[i] = filepath.Join(dir, p)
			}
		}
	}
}

// Parse reads a configuration from data (name is shown in messages),
// laid over Default, and checks it. Problems are returned as *Error,
// all of them; the Config is then nil.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > maxFileBytes {
		return nil, newError(rules.Diagnostics{{Pos: rules.Pos{File: name, Line: 1, Col: 1}, Severity: rules.SevError,
			Msg: fmt.Sprintf("%d bytes: a configuration file is at most %v", len(data), Size(maxFileBytes))}})
	}
	c := Default()
	d := &decoder{file: name, src: newSource(name)}
	d.document(c, data)
	c.src = d.src
	if !d.fatal {
		deriveNames(c)
		d.diags = append(d.diags, c.check(d.failed)...)
	}
	if len(d.diags) > 0 {
		return nil, newError(d.diags)
	}
	return c, nil
}

// source records where values came from: positions in the file for the
// keys it set, flag names for the keys flags set.
type source struct {
	file  string
	pos   map[string]rules.Pos
	flags map[string]string
}

func newSource(file string) *source {
	return &source{file: file, pos: map[string]rules.Pos{}, flags: map[string]string{}}
}

func (s *source) clone() *source {
	return &source{file: s.file, pos: maps.Clone(s.pos), flags: maps.Clone(s.flags)}
}

// decoder lays a YAML document over a Config, reporting every problem.
type decoder struct {
	file  string
	src   *source
	diags rules.Diagnostics
	// failed are the key paths whose value was refused: checks of the
	// values do not report them again.
	failed map[string]bool
	// fatal: the document could not be read at all.
	fatal bool
	// values counts the values read, aliases expanded, against maxValues.
	values int
}

// Bounds on what one file may hold: a configuration is a few hundred
// values, and aliases must not make it expand beyond reason.
const (
	maxFileBytes = 4 << 20
	maxValues    = 100_000
)

// spend counts one value read; false once the document holds too many.
func (d *decoder) spend(n *yaml.Node) bool {
	if d.fatal {
		return false
	}
	d.values++
	if d.values > maxValues {
		d.diags = append(d.diags, rules.Diagnostic{Pos: d.pos(n), Severity: rules.SevError,
			Msg: fmt.Sprintf("the document holds more than %d values (aliases included): not a configuration", maxValues)})
		d.fatal = true
		return false
	}
	return true
}

func (d *decoder) pos(n *yaml.Node) rules.Pos {
	return rules.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.diags = append(d.diags, rules.Diagnostic{Pos: d.pos(n), Severity: rules.SevError, Item: path, Msg: fmt.Sprintf(format, args...)})
	if d.failed == nil {
		d.failed = map[string]bool{}
	}
	d.failed[path] = true
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *decoder) document(c *Config, data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			d.diags = append(d.diags, rules.Diagnostic{Pos: rules.Pos{File: d.file, Line: line, Col: 1},
				Severity: rules.SevError, Msg: "malformed YAML: " + msg})
			d.fatal = true
			return
		}
		docs = append(docs, n)
	}
	var root *yaml.Node
	for _, doc := range docs {
		n := doc
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		if isNull(n) {
			continue
		}
		if root != nil {
			d.diags = append(d.diags, rules.Diagnostic{Pos: d.pos(n), Severity: rules.SevError,
				Msg: "a configuration file holds one YAML document (this is a second one)"})
			d.fatal = true
			return
		}
		root = n
	}
	if root == nil {
		return // empty: every default
	}
	if resolve(root).Kind != yaml.MappingNode {
		d.diags = append(d.diags, rules.Diagnostic{Pos: d.pos(root), Severity: rules.SevError,
			Msg: "a configuration file is a mapping of sections (rules:, outputs:, ...), got " + kindName(root)})
		d.fatal = true
		return
	}
	d.value(reflect.ValueOf(c).Elem(), root, "")
}

// resolve follows aliases (bounded: yaml.v3 rejects alias cycles).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func kindName(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	sizeType     = reflect.TypeFor[Size]()
	priorityType = reflect.TypeFor[rules.Priority]()
	outputsType  = reflect.TypeFor[[]Output]()
)

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value decodes n into v, the value at path.
func (d *decoder) value(v reflect.Value, n *yaml.Node, path string) {
	n = resolve(n)
	if !d.spend(n) {
		return
	}
	d.src.pos[path] = d.pos(n)
	switch v.Type() {
	case durationType:
		s, ok := d.scalar(n, path, "a duration such as 500ms, 30s or 1m30s")
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			hint := ""
			if _, nerr := strconv.ParseFloat(s, 64); nerr == nil && s != "0" {
				hint = " (a unit is required: ns, us, ms, s, m, h)"
			}
			d.errorf(n, path, "want a duration such as 500ms, 30s or 1m30s, got %q%s", s, hint)
			return
		}
		v.SetInt(int64(dur))
		return
	case sizeType:
		s, ok := d.scalar(n, path, "a size such as 1048576 or 10MiB")
		if !ok {
			return
		}
		sz, err := ParseSize(s)
		if err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		v.SetInt(int64(sz))
		return
	case priorityType:
		s, ok := d.scalar(n, path, "a priority (emergency, alert, critical, error, warning, notice, informational, debug)")
		if !ok {
			return
		}
		p, err := rules.ParsePriority(s)
		if err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		v.SetInt(int64(p))
		return
	case outputsType:
		d.outputs(v, n, path)
		return
	}
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n, path, "want true or false, got %s", kindName(n))
			return
		}
		b, err := strconv.ParseBool(n.Value)
		if err != nil {
			d.errorf(n, path, "want true or false, got %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errorf(n, path, "want an integer, got %s", kindName(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, v.Type().Bits())
		if err != nil {
			d.errorf(n, path, "want an integer, got %q (out of range)", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			panic("config: no decoder for " + v.Type().String())
		}
		d.strings(v, n, path)
	case reflect.Map:
		d.stringMap(v, n, path)
	case reflect.Pointer:
		if isNull(n) {
			d.errorf(n, path, "want a mapping, got nothing")
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(v.Elem(), n, path)
	case reflect.Struct:
		d.mapping(v, n, path)
	default:
		panic("config: no decoder for " + v.Type().String())
	}
}

// scalar returns a non-null scalar's text.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, path, "want %s, got %s", want, kindName(n))
		return "", false
	}
	return n.Value, true
}

// strings decodes a list of non-empty strings, or one string as a list
// of one.
func (d *decoder) strings(v reflect.Value, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		v.Set(reflect.ValueOf([]string{n.Value}))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list of strings, got %s", kindName(n))
		return
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, e := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		e = resolve(e)
		if !d.spend(e) {
			return
		}
		d.src.pos[p] = d.pos(e)
		if e.Kind != yaml.ScalarNode || e.Tag == "!!null" {
			d.errorf(e, p, "want a string, got %s", kindName(e))
			ok = false
			continue
		}
		out = append(out, e.Value)
	}
	if ok {
		v.Set(reflect.ValueOf(out))
	}
}

// stringMap decodes a mapping of strings to strings.
func (d *decoder) stringMap(v reflect.Value, n *yaml.Node, path string) {
	if isNull(n) {
		v.Set(reflect.ValueOf(map[string]string{}))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of names to strings, got %s", kindName(n))
		return
	}
	out := map[string]string{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), resolve(n.Content[i+1])
		p := join(path, k.Value)
		if !d.spend(k) {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "want a name, got %s", kindName(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, p, "duplicate key (first at line %d)", prev.Line)
			continue
		}
		seen[k.Value] = k
		d.src.pos[p] = d.pos(val)
		if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
			d.errorf(val, p, "want a string, got %s", kindName(val))
			continue
		}
		out[k.Value] = val.Value
	}
	v.Set(reflect.ValueOf(out))
}

// field is a struct field known by its YAML key.
type field struct {
	key   string
	index int
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		out = append(out, field{key: strings.Split(tag, ",")[0], index: i})
	}
	return out
}

// mapping decodes a YAML mapping into a struct; null keeps every default.
func (d *decoder) mapping(v reflect.Value, n *yaml.Node, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping, got %s", kindName(n))
		return
	}
	fields := fieldsOf(v.Type())
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		if !d.spend(k) {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "want a key name, got %s", kindName(k))
			continue
		}
		p := join(path, k.Value)
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, p, "duplicate key (first at line %d)", prev.Line)
			continue
		}
		seen[k.Value] = k
		idx := -1
		for _, f := range fields {
			if f.key == k.Value {
				idx = f.index
			}
		}
		if idx < 0 {
			d.errorf(k, p, "%s", unknownKey(k.Value, keys))
			continue
		}
		d.value(v.Field(idx), val, p)
	}
}

// unknownKey says a key is unknown, suggesting the nearest known one.
func unknownKey(key string, known []string) string {
	msg := "unknown key"
	if s := suggest(key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	if len(known) > 0 {
		msg += " (known here: " + strings.Join(known, ", ") + ")"
	}
	return msg
}

func suggest(key string, known []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestD := "", 3
	for _, k := range known {
		if norm(k) == norm(key) {
			return k
		}
		// A stem of the key: retry for retries, max_size for max_size_bytes.
		if cp := commonPrefix(strings.ToLower(key), k); cp >= 4 && cp >= len(key)-2 && bestD > 1 {
			best, bestD = k, 1
			continue
		}
		if dist := levenshtein(strings.ToLower(key), k); dist < bestD {
			best, bestD = k, dist
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// outputs decodes the outputs list: each item is laid over the defaults
// of its type, so that an http output's format is json unless it says
// otherwise.
func (d *decoder) outputs(v reflect.Value, n *yaml.Node, path string) {
	if isNull(n) {
		return // the default stdout output
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list of outputs, got %s", kindName(n))
		return
	}
	if len(n.Content) == 0 {
		d.errorf(n, path, "empty list: leave outputs out for the default (alerts as text on stdout), or list outputs with enabled: false")
		return
	}
	outs := make([]Output, 0, len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		item = resolve(item)
		if d.fatal {
			return
		}
		t := OutputType("")
		if item.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(item.Content); j += 2 {
				if k, val := resolve(item.Content[j]), resolve(item.Content[j+1]); k.Value == "type" && val.Kind == yaml.ScalarNode {
					t = OutputType(val.Value)
				}
			}
		}
		o := DefaultOutput(OutputType(""))
		if validType(t) {
			o = DefaultOutput(t)
		}
		o.Name = ""
		if isNull(item) {
			d.errorf(item, p, "want an output (a mapping with at least type:), got nothing")
		} else {
			d.value(reflect.ValueOf(&o).Elem(), item, p)
		}
		outs = append(outs, o)
	}
	v.Set(reflect.ValueOf(outs))
}

func validType(t OutputType) bool {
	for _, k := range OutputTypes() {
		if t == k {
			return true
		}
	}
	return false
}

// deriveNames names the outputs that have no name: by their type, with
// -1, -2, ... when several of one type have none.
func deriveNames(c *Config) {
	unnamed := map[OutputType]int{}
	for i, o := range c.Outputs {
		if o.Name == "" && !c.nameGiven(i) {
			unnamed[o.Type]++
		}
	}
	k := map[OutputType]int{}
	for i := range c.Outputs {
		o := &c.Outputs[i]
		if o.Name != "" || c.nameGiven(i) || o.Type == "" {
			continue
		}
		k[o.Type]++
		o.Name = string(o.Type)
		if unnamed[o.Type] > 1 {
			o.Name = fmt.Sprintf("%s-%d", o.Type, k[o.Type])
		}
	}
}

// nameGiven reports whether outputs[i].name was set by the file or a
// flag rather than derived.
func (c *Config) nameGiven(i int) bool {
	if c.src == nil {
		return false
	}
	p := fmt.Sprintf("outputs[%d].name", i)
	_, inFile := c.src.pos[p]
	_, byFlag := c.src.flags[p]
	_, addedByFlag := c.src.flags[fmt.Sprintf("outputs[%d]", i)]
	return inFile || byFlag || addedByFlag
}
