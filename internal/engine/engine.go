package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

// Matching says which rules fire when several match an event.
type Matching int

const (
	// MatchAll fires every matching rule (Falco's rule_matching: all).
	MatchAll Matching = iota
	// MatchFirst fires only the first matching rule, in rule order.
	MatchFirst
)

// ParseMatching parses "all" or "first".
func ParseMatching(s string) (Matching, error) {
	switch s {
	case "all":
		return MatchAll, nil
	case "first":
		return MatchFirst, nil
	}
	return 0, fmt.Errorf("rule matching %q: want all or first", s)
}

// Options configure Compile.
type Options struct {
	Matching Matching
}

// Rule is a compiled rule.
type Rule struct {
	Spec *rules.Rule
	// Loaded is false when the rule could not be compiled or cannot fire
	// on this Vigil yet; Skipped says why.
	Loaded  bool
	Skipped string
	// Types are the Vigil event types the rule can match (all of them
	// when its condition does not restrict evt.type); OtherTypes the
	// event types it names that Vigil does not capture yet.
	Types      []event.Type
	AllTypes   bool
	OtherTypes []string
	// Compiled is the condition with macros and lists expanded and
	// exceptions applied, as an s-expression.
	Compiled string

	pred pred
	cond node // the condition pred is built from
	// filePossible is false when the rule cannot match an open of the
	// event's file whatever the rest (FileVerdict); nil: always possible.
	filePossible pred
	output       []outPart
	outVals      []outField
	matches      atomic.Uint64
}

// Matches counts the alerts the rule raised.
func (r *Rule) Matches() uint64 { return r.matches.Load() }

type outPart struct {
	text  string
	field int // index into outVals, -1 for literal text
}

type outField struct {
	name string // as written: proc.aname[2]
	g    getter
	na   bool // unavailable: always <NA>
}

// Engine evaluates compiled rules.
type Engine struct {
	rules    []*Rule
	byType   [][]*Rule
	byName   []*nameIndex // per type; nil where no rule names processes
	procName procNameOf   // proc.name's accessor, for byName
	matching Matching
	evals    atomic.Uint64
}

// Compile compiles every rule of rs. Rules with errors are kept (not
// Loaded) with their reason; the diagnostics say what and where.
func Compile(rs *rules.Ruleset, cat Catalog, opts Options) (*Engine, rules.Diagnostics) {
	c := &compiler{rs: rs, cat: cat, macros: map[string]*compiled{}, lists: map[string][]string{}}
	e := &Engine{matching: opts.Matching}
	naOutputs := map[string]*naOutput{}
	for _, r := range rs.Rules {
		e.rules = append(e.rules, c.rule(r, naOutputs))
	}
	// Macros and lists no rule uses are still checked.
	for _, name := range sortedMacroNames(rs) {
		if _, done := c.macros[name]; !done {
			c.item = ""
			c.macro(&rules.MacroRef{Pos: rs.Macros[name].Pos, Name: name})
		}
	}
	for name, l := range rs.Lists {
		c.item = "list " + name
		c.list(name, l.Pos)
	}
	for _, name := range sortedNA(naOutputs) {
		na := naOutputs[name]
		c.warnf(na.pos, "", "output field %s is rendered as <NA> in %d rule(s): %s", name, na.rules, na.reason)
	}

	e.byType = make([][]*Rule, len(event.Types())+1)
	for _, r := range e.rules {
		if !r.Loaded || !r.Spec.Enabled {
			continue
		}
		for _, t := range r.Types {
			e.byType[t] = append(e.byType[t], r)
		}
	}
	if f, _, ok := cat.Lookup("proc.name"); ok && f.Available && f.Bind != nil {
		if acc, err := f.Bind(""); err == nil && acc.Str != nil {
			e.procName = acc.Str
			e.byName = buildNameIndexes(e.byType)
		}
	}
	return e, c.diags
}

type naOutput struct {
	pos    rules.Pos
	reason string
	rules  int
}

func (c *compiler) rule(r *rules.Rule, naOutputs map[string]*naOutput) *Rule {
	out := &Rule{Spec: r}
	c.item = "rule " + r.Name
	c.unknownOK = r.SkipIfUnknownFilter
	c.unknownSeen = nil
	defer func() { c.unknownOK = false }()

	if r.Source != "" && r.Source != "syscall" {
		out.Skipped = fmt.Sprintf("source %q is not supported (only syscall)", r.Source)
		return out
	}
	if r.Cond == nil {
		out.Skipped = "condition does not parse"
		return out
	}
	cond := c.expr(r.Cond)
	if !cond.types.all {
		c.hint = cond.types.types()
		if c.hint == nil {
			c.hint = []event.Type{}
		}
		if len(cond.unavailable) > 0 && !cond.failed {
			cond = c.retypedCond(r, cond)
		}
	}
	defer func() { c.hint = nil }()
	n := cond.n
	if ex := c.exceptions(r, cond); ex != nil {
		n = &andNode{kids: append(flatAnd(n), &notNode{kid: ex})}
	}
	parts, outErr := c.output(r, naOutputs, out)

	switch {
	case len(c.unknownSeen) > 0:
		out.Skipped = "unknown field(s) " + strings.Join(c.unknownSeen, ", ") + " (skip-if-unknown-filter)"
		c.warnf(r.Pos, c.item, "skipped: %s", out.Skipped)
		return out
	case cond.failed || outErr:
		out.Skipped = "errors in its condition or output (see above)"
		return out
	case len(cond.unavailable) > 0:
		var why []string
		for _, f := range sortedKeys(cond.unavailable) {
			why = append(why, f+": "+cond.unavailable[f])
		}
		out.Skipped = "uses fields Vigil cannot produce yet: " + strings.Join(why, "; ")
		c.warnf(r.Pos, c.item, "skipped: %s", out.Skipped)
		return out
	}
	out.AllTypes = cond.types.all
	out.Types = cond.types.types()
	out.OtherTypes = cond.types.otherNames()
	out.Compiled = render(n)
	out.pred = build(n)
	out.cond = n
	out.filePossible = buildPossible(n, fileField)
	out.output = parts
	if len(out.Types) == 0 {
		out.Skipped = "matches only event types Vigil does not capture yet: " + strings.Join(out.OtherTypes, ", ")
		c.warnf(r.Pos, c.item, "skipped: %s", out.Skipped)
		return out
	}
	if out.AllTypes && r.WarnEvttypes {
		c.warnf(r.Pos, c.item, "condition does not restrict evt.type: the rule is tested against every event")
	}
	out.Loaded = true
	return out
}

// retypedCond compiles the rule's condition again with c.hint set, so
// that a field valid for the event types the rule can match but not for
// every type (evt.arg.dirfd with evt.type=openat: execveat's dirfd is not
// captured) is bound. Macros are compiled afresh for it, and the
// diagnostics, already reported by the first pass, are dropped. The first
// result stays when the second is not better.
func (c *compiler) retypedCond(r *rules.Rule, first *compiled) *compiled {
	saved, ndiags, nunknown := c.macros, len(c.diags), len(c.unknownSeen)
	c.macros = map[string]*compiled{}
	second := c.expr(r.Cond)
	c.macros, c.diags, c.unknownSeen = saved, c.diags[:ndiags], c.unknownSeen[:nunknown]
	if second.failed || len(second.unavailable) >= len(first.unavailable) {
		return first
	}
	return second
}

func flatAnd(n node) []node {
	if a, ok := n.(*andNode); ok {
		return a.kids
	}
	return []node{n}
}

// output compiles the rule's output template. Unavailable fields render as
// <NA> (one warning per field for the whole ruleset); unknown fields are
// errors.
func (c *compiler) output(r *rules.Rule, naOutputs map[string]*naOutput, out *Rule) ([]outPart, bool) {
	parts, err := rules.ParseOutput(r.Output, r.Pos)
	if err != nil {
		c.errorf(r.Pos, "output: %v", err)
		return nil, true
	}
	failed := false
	index := map[string]int{}
	var res []outPart
	for _, p := range parts {
		if p.Field == nil {
			res = append(res, outPart{text: p.Text, field: -1})
			continue
		}
		name := fieldText(p.Field)
		i, seen := index[name]
		if !seen {
			tmp := &compiled{}
			f := outField{name: name}
			g, ok := c.resolve(p.Field, tmp)
			switch {
			case ok:
				f.g = g
			case tmp.failed:
				failed = true
			default:
				f.na = true
				na := naOutputs[name]
				if na == nil {
					reason := tmp.unavailable[p.Field.Name]
					if reason == "" {
						reason = tmp.unavailable[name]
					}
					na = &naOutput{pos: r.Pos, reason: reason}
					naOutputs[name] = na
				}
				na.rules++
			}
			i = len(out.outVals)
			index[name] = i
			out.outVals = append(out.outVals, f)
		}
		res = append(res, outPart{field: i})
	}
	return res, failed
}

// Rules returns every rule, loaded or not, in ruleset order.
func (e *Engine) Rules() []*Rule { return e.rules }

// Rule returns the named rule.
func (e *Engine) Rule(name string) (*Rule, bool) {
	for _, r := range e.rules {
		if r.Spec.Name == name {
			return r, true
		}
	}
	return nil, false
}

// Loaded counts the rules that can fire.
func (e *Engine) Loaded() int {
	n := 0
	for _, r := range e.rules {
		if r.Loaded && r.Spec.Enabled {
			n++
		}
	}
	return n
}

// Evaluations counts events evaluated.
func (e *Engine) Evaluations() uint64 { return e.evals.Load() }

// Eval tests ev against the rules that can match its type and calls fire
// for each match (only the first in MatchFirst mode). It allocates only
// for matches.
func (e *Engine) Eval(ev *event.Event, fire func(*Alert)) { e.EvalCached(ev, nil, fire) }

// EvalCached is Eval with a FileCache (nil for none): an open-family
// event is tested only against the rules that could match its file.
func (e *Engine) EvalCached(ev *event.Event, files *FileCache, fire func(*Alert)) {
	e.evals.Add(1)
	if int(ev.Type) >= len(e.byType) {
		return
	}
	rs := e.byType[ev.Type]
	if files != nil && len(rs) > 0 && ev.Type.IsOpen() && ev.Syscall != nil && ev.Syscall.FD != nil {
		rs = e.fileRules(ev, files)
	} else if e.byName != nil {
		if x := e.byName[ev.Type]; x != nil {
			rs = x.candidates(e.procName(ev))
		}
	}
	for _, r := range rs {
		if !r.pred(ev) {
			continue
		}
		r.matches.Add(1)
		fire(r.alert(ev))
		if e.matching == MatchFirst {
			return
		}
	}
}

// Alert is a rule match: Falco's alert, plus the event behind it.
type Alert struct {
	Time     time.Time
	Rule     string
	Priority rules.Priority
	Source   string
	Tags     []string
	Hostname string
	// Output is Falco's full output line: "<time>: <Priority> <message>".
	Output string
	// Message is the rendered rule output alone.
	Message string
	// Fields are the output fields in order of first use, with typed
	// values (string, uint64, int64, bool) or nil for <NA>.
	Fields  []FieldValue
	Actions []string
	Event   *event.Event
}

// FieldValue is one output field.
type FieldValue struct {
	Name  string
	Value any
}

func (r *Rule) alert(ev *event.Event) *Alert {
	a := &Alert{
		Time:     ev.Time,
		Rule:     r.Spec.Name,
		Priority: r.Spec.Priority,
		Source:   "syscall",
		Tags:     r.Spec.Tags,
		Hostname: ev.Host,
		Actions:  r.Spec.Actions,
		Event:    ev,
		Fields:   make([]FieldValue, len(r.outVals)),
	}
	texts := make([]string, len(r.outVals))
	for i, f := range r.outVals {
		v, s := value(f, ev)
		a.Fields[i] = FieldValue{Name: f.name, Value: v}
		texts[i] = s
	}
	var b strings.Builder
	for _, p := range r.output {
		if p.field < 0 {
			b.WriteString(p.text)
		} else {
			b.WriteString(texts[p.field])
		}
	}
	a.Message = b.String()
	a.Output = ev.Time.Local().Format("15:04:05.000000000") + ": " + r.Spec.Priority.String() + " " + a.Message
	return a
}

// value extracts an output field: its typed value and its text.
func value(f outField, ev *event.Event) (any, string) {
	const na = "<NA>"
	if f.na {
		return nil, na
	}
	g := f.g
	switch {
	case g.str != nil:
		if s, ok := g.str(ev); ok {
			return s, s
		}
	case g.uint != nil:
		if v, ok := g.uint(ev); ok {
			return v, strconv.FormatUint(v, 10)
		}
	case g.int != nil:
		if v, ok := g.int(ev); ok {
			return v, strconv.FormatInt(v, 10)
		}
	case g.bool != nil:
		if v, ok := g.bool(ev); ok {
			return v, strconv.FormatBool(v)
		}
	case g.strs != nil:
		if vs, ok := g.strs(ev, nil); ok {
			s := "(" + strings.Join(vs, ",") + ")"
			return s, s
		}
	}
	return nil, na
}

// Explain describes a compiled rule for humans.
func (r *Rule) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule:      %s\n", r.Spec.Name)
	fmt.Fprintf(&b, "defined:   %s\n", r.Spec.Pos)
	fmt.Fprintf(&b, "priority:  %s\n", r.Spec.Priority)
	fmt.Fprintf(&b, "enabled:   %v\n", r.Spec.Enabled)
	if !r.Loaded {
		fmt.Fprintf(&b, "loaded:    no: %s\n", r.Skipped)
	}
	switch {
	case r.AllTypes:
		b.WriteString("evt.type:  (every event type)\n")
	case len(r.Types) > 0 || len(r.OtherTypes) > 0:
		names := make([]string, 0, len(r.Types))
		for _, t := range r.Types {
			names = append(names, t.String())
		}
		fmt.Fprintf(&b, "evt.type:  %s\n", strings.Join(names, " "))
		if len(r.OtherTypes) > 0 {
			fmt.Fprintf(&b, "           not captured yet: %s\n", strings.Join(r.OtherTypes, " "))
		}
	}
	if r.Compiled != "" {
		fmt.Fprintf(&b, "compiled:  %s\n", r.Compiled)
	}
	fmt.Fprintf(&b, "condition: %s\n", strings.TrimSpace(r.Spec.Condition))
	return b.String()
}

// TypeNames lists the event type names a rule matches, for listings.
func (r *Rule) TypeNames() []string {
	if r.AllTypes {
		return []string{"*"}
	}
	var out []string
	for _, t := range r.Types {
		out = append(out, t.String())
	}
	return append(out, r.OtherTypes...)
}

// NeededTypes is the set of event types the loaded, enabled rules name
// explicitly in evt.type: what a source must capture for them to fire (as
// Falco's adaptive syscall set). Rules that do not restrict evt.type match
// whatever is captured and add nothing.
func (e *Engine) NeededTypes() []event.Type {
	var set typeSet
	for _, r := range e.rules {
		if !r.Loaded || !r.Spec.Enabled || r.AllTypes {
			continue
		}
		for _, t := range r.Types {
			set.add(t)
		}
	}
	return set.types()
}
