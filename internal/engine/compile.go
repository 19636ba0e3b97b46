package engine

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/fields"
	"github.com/vigil-sec/vigil/internal/rules"
)

// node is the compiled form of a condition: macros and lists expanded,
// fields resolved. It renders for `vigil rules explain` and builds the
// predicate.
type node interface {
	format(b *strings.Builder)
}

type andNode struct{ kids []node }
type orNode struct{ kids []node }
type notNode struct{ kid node }

type checkNode struct {
	field  string   // as written, with argument and transformers
	op     string   // operator
	values []string // operands after list expansion
	rhs    string   // field operand, when comparing two fields
	pred   pred
	// isType marks evt.type = / in / != checks, whose event types the
	// index uses.
	isType bool
	// For a check that holds exactly when a string field has a value that
	// match accepts (mergeableOp): the field's accessor and the matcher.
	// build merges such siblings of an or on the same field.
	str   func(*event.Event) (string, bool)
	match func(string) bool
}

func (n *andNode) format(b *strings.Builder) { formatList(b, "and", n.kids) }
func (n *orNode) format(b *strings.Builder)  { formatList(b, "or", n.kids) }
func (n *notNode) format(b *strings.Builder) {
	b.WriteString("(not ")
	n.kid.format(b)
	b.WriteString(")")
}

func formatList(b *strings.Builder, op string, kids []node) {
	b.WriteString("(" + op)
	for _, k := range kids {
		b.WriteString(" ")
		k.format(b)
	}
	b.WriteString(")")
}

func (n *checkNode) format(b *strings.Builder) {
	b.WriteString("(" + n.op + " " + n.field)
	switch {
	case n.rhs != "":
		b.WriteString(" " + n.rhs)
	case n.op == "exists":
	case n.op == "in" || n.op == "intersects" || n.op == "pmatch":
		b.WriteString(" [")
		for i, v := range n.values {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(strconv.Quote(v))
		}
		b.WriteString("]")
	default:
		for _, v := range n.values {
			b.WriteString(" " + strconv.Quote(v))
		}
	}
	b.WriteString(")")
}

func render(n node) string {
	var b strings.Builder
	n.format(&b)
	return b.String()
}

// build turns a node tree into a predicate.
func build(n node) pred {
	switch n := n.(type) {
	case *checkNode:
		return n.pred
	case *notNode:
		p := build(n.kid)
		return func(ev *event.Event) bool { return !p(ev) }
	case *andNode:
		ps := make([]pred, len(n.kids))
		for i, k := range n.kids {
			ps[i] = build(k)
		}
		if p := allOf(ps); p != nil {
			return p
		}
		return func(*event.Event) bool { return true } // and of nothing
	case *orNode:
		if ps := mergeOr(n.kids); len(ps) > 0 {
			return anyOf(ps)
		}
	}
	return func(*event.Event) bool { return false }
}

// allOf is the conjunction of ps; nil (true) when ps is empty.
func allOf(ps []pred) pred {
	switch len(ps) {
	case 0:
		return nil
	case 1:
		return ps[0]
	case 2:
		a, b := ps[0], ps[1]
		return func(ev *event.Event) bool { return a(ev) && b(ev) }
	}
	return func(ev *event.Event) bool {
		for _, p := range ps {
			if !p(ev) {
				return false
			}
		}
		return true
	}
}

// anyOf is the disjunction of ps, which is not empty.
func anyOf(ps []pred) pred {
	switch len(ps) {
	case 1:
		return ps[0]
	case 2:
		a, b := ps[0], ps[1]
		return func(ev *event.Event) bool { return a(ev) || b(ev) }
	}
	return func(ev *event.Event) bool {
		for _, p := range ps {
			if p(ev) {
				return true
			}
		}
		return false
	}
}

// mergeOr builds the kids of an or, merging the string checks on one
// field (same text, mergeable operators) into one predicate that reads the
// field once and tries each matcher in turn: "fd.name endswith a or
// fd.name endswith b" costs one field read. Predicates are pure, so the
// merged check holds exactly when one of the checks would.
func mergeOr(kids []node) []pred {
	var out []pred
	groups := map[string]int{} // field -> index in out of its merged group
	var merged [][]func(string) bool
	var getters []func(*event.Event) (string, bool)
	var groupOf []int // out index -> group, -1 when not merged
	for _, k := range kids {
		c, ok := k.(*checkNode)
		if !ok || c.str == nil || c.match == nil {
			out = append(out, build(k))
			groupOf = append(groupOf, -1)
			continue
		}
		if i, ok := groups[c.field]; ok {
			g := groupOf[i]
			merged[g] = append(merged[g], c.match)
			continue
		}
		groups[c.field] = len(out)
		groupOf = append(groupOf, len(merged))
		merged = append(merged, []func(string) bool{c.match})
		getters = append(getters, c.str)
		out = append(out, c.pred)
	}
	for i, g := range groupOf {
		if g < 0 || len(merged[g]) < 2 {
			continue
		}
		get, ms := getters[g], merged[g]
		out[i] = func(ev *event.Event) bool {
			s, ok := get(ev)
			if !ok {
				return false
			}
			for _, m := range ms {
				if m(s) {
					return true
				}
			}
			return false
		}
	}
	return out
}

// Catalog resolves field names (fields.Catalog implements it).
type Catalog interface {
	// Lookup returns the field named name and, for fields taking a dotted
	// argument (evt.arg.flags), that argument.
	Lookup(name string) (f *fields.Field, dottedArg string, ok bool)
}

// compiled is a compiled condition fragment and what it needs.
type compiled struct {
	n     node
	types typeSet
	// pureType: the fragment tests only evt.type, so its negation's
	// types are the complement.
	pureType bool
	// unavailable fields used (name -> reason), and whether an error made
	// the fragment unusable.
	unavailable map[string]string
	failed      bool
}

// compiler holds the state of one Compile call.
type compiler struct {
	rs    *rules.Ruleset
	cat   Catalog
	diags rules.Diagnostics

	item        string // "rule X" / "macro Y" for diagnostics
	macros      map[string]*compiled
	macroStack  []string
	lists       map[string][]string
	listStack   []string
	unknownOK   bool // skip-if-unknown-filter of the current rule
	unknownSeen []string
	// hint, when not nil, are the event types the current rule can match:
	// fields whose validity depends on the type (evt.arg.dirfd) are bound
	// for these types only (fields.Field.BindFor).
	hint []event.Type
}

func (c *compiler) errorf(pos rules.Pos, format string, args ...any) {
	c.diags = append(c.diags, rules.Diagnostic{Pos: pos, Severity: rules.SevError, Item: c.item, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) warnf(pos rules.Pos, item, format string, args ...any) {
	c.diags = append(c.diags, rules.Diagnostic{Pos: pos, Severity: rules.SevWarning, Item: item, Msg: fmt.Sprintf(format, args...)})
}

func merge(dst *compiled, src *compiled) {
	if src.failed {
		dst.failed = true
	}
	for k, v := range src.unavailable {
		if dst.unavailable == nil {
			dst.unavailable = map[string]string{}
		}
		dst.unavailable[k] = v
	}
}

// expr compiles one condition expression.
func (c *compiler) expr(e rules.Expr) *compiled {
	switch e := e.(type) {
	case *rules.AndExpr, *rules.OrExpr:
		var terms []rules.Expr
		isAnd := false
		if a, ok := e.(*rules.AndExpr); ok {
			terms, isAnd = a.Terms, true
		} else {
			terms = e.(*rules.OrExpr).Terms
		}
		out := &compiled{pureType: true}
		var kids []node
		for i, t := range terms {
			k := c.expr(t)
			merge(out, k)
			if !k.pureType {
				out.pureType = false
			}
			// Flatten nested and/or of the same kind.
			switch kn := k.n.(type) {
			case *andNode:
				if isAnd {
					kids = append(kids, kn.kids...)
				} else {
					kids = append(kids, kn)
				}
			case *orNode:
				if !isAnd {
					kids = append(kids, kn.kids...)
				} else {
					kids = append(kids, kn)
				}
			default:
				kids = append(kids, k.n)
			}
			switch {
			case i == 0:
				out.types = k.types
			case isAnd:
				out.types = intersect(out.types, k.types)
			default:
				out.types = union(out.types, k.types)
			}
		}
		if isAnd {
			out.n = &andNode{kids: kids}
		} else {
			out.n = &orNode{kids: kids}
		}
		return out
	case *rules.NotExpr:
		k := c.expr(e.X)
		out := &compiled{n: &notNode{kid: k.n}, pureType: k.pureType, types: allTypes()}
		merge(out, k)
		if k.pureType {
			out.types = complement(k.types)
		}
		return out
	case *rules.MacroRef:
		return c.macro(e)
	case *rules.CompareExpr:
		return c.check(e)
	case nil:
		return &compiled{n: &andNode{}, types: allTypes(), failed: true}
	}
	c.errorf(e.Position(), "unsupported expression %T", e)
	return &compiled{n: &andNode{}, types: allTypes(), failed: true}
}

// macro expands a macro reference, compiling each macro once.
func (c *compiler) macro(ref *rules.MacroRef) *compiled {
	if done, ok := c.macros[ref.Name]; ok {
		return done
	}
	m, ok := c.rs.Macros[ref.Name]
	if !ok {
		c.errorf(ref.Pos, "undefined macro %q", ref.Name)
		return &compiled{n: &andNode{}, types: allTypes(), failed: true}
	}
	for i, name := range c.macroStack {
		if name == ref.Name {
			cycle := append(append([]string(nil), c.macroStack[i:]...), ref.Name)
			c.errorf(ref.Pos, "macro cycle: %s", strings.Join(cycle, " -> "))
			return &compiled{n: &andNode{}, types: allTypes(), failed: true}
		}
	}
	if m.Cond == nil { // the loader reported why
		out := &compiled{n: &andNode{}, types: allTypes(), failed: true}
		c.macros[ref.Name] = out
		return out
	}
	c.macroStack = append(c.macroStack, ref.Name)
	outer := c.item
	c.item = "macro " + ref.Name
	out := c.expr(m.Cond)
	c.item = outer
	c.macroStack = c.macroStack[:len(c.macroStack)-1]
	c.macros[ref.Name] = out
	return out
}

// list expands a named list, recursively, once.
func (c *compiler) list(name string, pos rules.Pos) ([]string, bool) {
	if items, ok := c.lists[name]; ok {
		return items, true
	}
	l, ok := c.rs.Lists[name]
	if !ok {
		return nil, false
	}
	for i, n := range c.listStack {
		if n == name {
			c.errorf(pos, "list cycle: %s -> %s", strings.Join(c.listStack[i:], " -> "), name)
			return nil, true
		}
	}
	c.listStack = append(c.listStack, name)
	var out []string
	for _, it := range l.Items {
		// Falco pastes items into the condition text: '"(systemd)"' is
		// the string (systemd), and a bare item may name another list.
		vals, err := rules.ParseListItem(it.Text, it.Pos)
		if err != nil {
			c.errorf(it.Pos, "list %s: item %q: %v", name, it.Text, err)
			continue
		}
		for _, v := range vals {
			if !v.Quoted && v.Text != name {
				if sub, ok := c.list(v.Text, v.Pos); ok {
					out = append(out, sub...)
					continue
				}
			}
			out = append(out, v.Text)
		}
	}
	c.listStack = c.listStack[:len(c.listStack)-1]
	c.lists[name] = out
	return out, true
}

// operands expands a check's operands: list items that name lists are
// spliced in. ok is false when a list reference is undefined.
func (c *compiler) operands(ce *rules.CompareExpr) (vals []string, ok bool) {
	if ce.Value != nil {
		return []string{ce.Value.Text}, true
	}
	ok = true
	var out []string
	for _, v := range ce.List {
		if !v.Quoted && v.Field == nil {
			if items, ok := c.list(v.Text, v.Pos); ok {
				out = append(out, items...)
				continue
			}
			if ce.ListRef {
				c.errorf(v.Pos, "undefined list %q", v.Text)
				ok = false
				continue
			}
		}
		out = append(out, v.Text)
	}
	return out, ok
}

func fieldText(fe *rules.FieldExpr) string {
	s := fe.Name
	if fe.HasArg {
		s += "[" + fe.Arg + "]"
	}
	for _, t := range fe.Transformers {
		s = t + "(" + s + ")"
	}
	return s
}

// resolve binds a field expression to a getter. ok is false when the field
// is unknown (error), unavailable (recorded in out) or its argument is bad.
func (c *compiler) resolve(fe *rules.FieldExpr, out *compiled) (getter, bool) {
	f, dotted, ok := c.cat.Lookup(fe.Name)
	if !ok {
		if c.unknownOK {
			c.unknownSeen = append(c.unknownSeen, fe.Name)
			out.failed = true
			return getter{}, false
		}
		c.errorf(fe.Pos, "unknown field %q", fe.Name)
		out.failed = true
		return getter{}, false
	}
	arg := dotted
	if fe.HasArg {
		if dotted != "" {
			c.errorf(fe.Pos, "field %s: argument given twice", fe.Name)
			out.failed = true
			return getter{}, false
		}
		arg = fe.Arg
	}
	if !f.Available {
		if out.unavailable == nil {
			out.unavailable = map[string]string{}
		}
		out.unavailable[fe.Name] = f.Unavailable
		return getter{}, false
	}
	var acc fields.Accessor
	var err error
	if c.hint != nil && f.BindFor != nil {
		acc, err = f.BindFor(arg, c.hint)
	} else {
		acc, err = f.Bind(arg)
	}
	var ua *fields.UnavailableError
	if errors.As(err, &ua) {
		// A real Falco field argument whose data Vigil lacks: skip with a
		// warning, like an unavailable field.
		if out.unavailable == nil {
			out.unavailable = map[string]string{}
		}
		out.unavailable[fieldText(fe)] = ua.Reason
		return getter{}, false
	}
	if err != nil {
		c.errorf(fe.Pos, "field %s: %v", fieldText(fe), err)
		out.failed = true
		return getter{}, false
	}
	g, err := fromAccessor(f.KindFor(arg), acc)
	if err != nil {
		c.errorf(fe.Pos, "field %s: %v", fe.Name, err)
		out.failed = true
		return getter{}, false
	}
	for _, t := range fe.Transformers {
		if t == "val" {
			continue
		}
		if g, err = transform(g, t); err != nil {
			c.errorf(fe.Pos, "field %s: %v", fieldText(fe), err)
			out.failed = true
			return getter{}, false
		}
	}
	return g, true
}

// check compiles one comparison.
func (c *compiler) check(ce *rules.CompareExpr) *compiled {
	out := &compiled{types: allTypes()}
	n := &checkNode{field: fieldText(&ce.Field), op: ce.Op}
	out.n = n
	fail := func() *compiled {
		n.pred = func(*event.Event) bool { return false }
		return out
	}
	if ce.Value == nil || ce.Value.Field == nil {
		vals, ok := c.operands(ce)
		if !ok {
			out.failed = true
			return fail()
		}
		n.values = vals
	}
	if ce.Field.Name == "evt.type" && len(ce.Field.Transformers) == 0 && !ce.Field.HasArg {
		if t, ok := c.typeCheck(ce, n); ok {
			out.types = t
			out.pureType = true
			return out
		}
	}
	g, ok := c.resolve(&ce.Field, out)
	if !ok {
		return fail()
	}
	if err := checkOp(g.kind, ce.Op); err != nil {
		c.errorf(ce.Pos, "%s: %v", n.field, err)
		out.failed = true
		return fail()
	}
	if ce.Op == "exists" {
		n.pred = existsPred(g)
		return out
	}
	if ce.Value != nil && ce.Value.Field != nil {
		rg, ok := c.resolve(ce.Value.Field, out)
		if !ok {
			return fail()
		}
		n.rhs = fieldText(ce.Value.Field)
		p, err := fieldPair(g, rg, ce.Op)
		if err != nil {
			c.errorf(ce.Pos, "%s %s %s: %v", n.field, ce.Op, n.rhs, err)
			out.failed = true
			return fail()
		}
		n.pred = p
		return out
	}
	p, err := constPred(g, ce.Op, n.values)
	if err != nil {
		c.errorf(ce.Pos, "%s %s: %v", n.field, ce.Op, err)
		out.failed = true
		return fail()
	}
	n.pred = p
	if g.kind == fields.KindString && mergeableOp(ce.Op) {
		// or of such checks on one field test the field once (build)
		n.str = g.str
		n.match, _ = stringMatcher(ce.Op, n.values)
	}
	return out
}

// mergeableOp reports whether op's check holds exactly when the field has
// a value and the value matches (not != and its kin, which hold on <NA>
// differently): an or of such checks on one field is the field read once
// and any matcher.
func mergeableOp(op string) bool {
	switch op {
	case "=", "==", "in", "contains", "startswith", "endswith", "glob", "pmatch":
		return true
	}
	return false
}

// positiveOp is the operator whose negation op is ("=" for "!=").
func positiveOp(op string) string {
	if op == "!=" {
		return "="
	}
	return op
}

// typeCheck compiles evt.type = / == / != / in checks into a type set.
func (c *compiler) typeCheck(ce *rules.CompareExpr, n *checkNode) (typeSet, bool) {
	switch ce.Op {
	case "=", "==", "!=", "in":
	default:
		return typeSet{}, false
	}
	var set typeSet
	for _, name := range n.values {
		if t, err := event.ParseType(name); err == nil {
			set.add(t)
			continue
		}
		if !isKnownEventName(name) {
			c.errorf(ce.Pos, "unknown event type %q", name)
		}
		set.addOther(name)
	}
	n.isType = true
	if ce.Op == "!=" {
		set = complement(set)
	}
	match := set
	n.pred = func(ev *event.Event) bool { return match.has(ev.Type) }
	return set, true
}

// constPred compiles a check against constant operands.
func constPred(g getter, op string, vals []string) (pred, error) {
	switch g.kind {
	case fields.KindString:
		m, err := stringMatcher(op, vals)
		if err != nil {
			return nil, err
		}
		get := g.str
		return func(ev *event.Event) bool {
			s, ok := get(ev)
			return ok && m(s)
		}, nil
	case fields.KindIP, fields.KindIPNet:
		m, err := ipMatcher(op, vals)
		if err != nil {
			return nil, err
		}
		if g.strs != nil {
			// Several addresses (fd.ip, fd.net): = and in hold when one
			// matches, != when none is equal (m is then the negation).
			pos, err := ipMatcher(positiveOp(op), vals)
			if err != nil {
				return nil, err
			}
			get := g.strs
			var buf []string
			neg := op == "!="
			return func(ev *event.Event) bool {
				var ok bool
				buf, ok = get(ev, buf[:0])
				if !ok {
					return false
				}
				for _, s := range buf {
					if pos(s) {
						return !neg
					}
				}
				return neg
			}, nil
		}
		get := g.str
		return func(ev *event.Event) bool {
			s, ok := get(ev)
			return ok && m(s)
		}, nil
	case fields.KindStrings:
		m, err := stringMatcher(op, vals)
		if err != nil {
			return nil, err
		}
		get := g.strs
		var buf []string
		neg := op == "!="
		return func(ev *event.Event) bool {
			var ok bool
			buf, ok = get(ev, buf[:0])
			if !ok {
				return false
			}
			// A multi-valued field matches when any value does (all
			// values differ, for !=).
			for _, s := range buf {
				if m(s) != neg {
					return !neg
				}
			}
			return neg
		}, nil
	case fields.KindUint, fields.KindAbsTime, fields.KindDuration:
		return numericPred(g.uint, op, vals, parseUint, g.kind)
	case fields.KindInt:
		return numericPred(g.int, op, vals, parseInt, g.kind)
	case fields.KindBool:
		if len(vals) != 1 {
			return nil, fmt.Errorf("operator %s takes one value", op)
		}
		want, err := strconv.ParseBool(vals[0])
		if err != nil || (vals[0] != "true" && vals[0] != "false") {
			return nil, fmt.Errorf("%q is not true or false", vals[0])
		}
		get := g.bool
		neg := op == "!="
		return func(ev *event.Event) bool {
			x, ok := get(ev)
			return ok && (x == want) != neg
		}, nil
	}
	return nil, fmt.Errorf("fields of kind %s cannot be compared", g.kind)
}

// numericPred compiles a numeric check: in/intersects against a set, or an
// ordered comparison against one value.
func numericPred[T uint64 | int64](get func(*event.Event) (T, bool), op string, vals []string, parse func(string) (T, error), kind fields.Kind) (pred, error) {
	nums := make([]T, 0, len(vals))
	for _, v := range vals {
		x, err := parse(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number (the field is %s)", v, kind)
		}
		nums = append(nums, x)
	}
	if op == "in" || op == "intersects" {
		return func(ev *event.Event) bool {
			x, ok := get(ev)
			if !ok {
				return false
			}
			for _, n := range nums {
				if x == n {
					return true
				}
			}
			return false
		}, nil
	}
	if len(nums) != 1 {
		return nil, fmt.Errorf("operator %s takes one value", op)
	}
	cmp, want := cmpOrdered[T](op), nums[0]
	return func(ev *event.Event) bool {
		x, ok := get(ev)
		return ok && cmp(x, want)
	}, nil
}

// fieldPair compiles a comparison of two fields (val()).
func fieldPair(l, r getter, op string) (pred, error) {
	switch {
	case l.str != nil && r.str != nil:
		switch op {
		case "=", "==":
			return func(ev *event.Event) bool {
				a, ok1 := l.str(ev)
				b, ok2 := r.str(ev)
				return ok1 && ok2 && a == b
			}, nil
		case "!=":
			return func(ev *event.Event) bool {
				a, ok1 := l.str(ev)
				b, ok2 := r.str(ev)
				return ok1 && ok2 && a != b
			}, nil
		case "contains", "startswith", "endswith":
			f := map[string]func(string, string) bool{"contains": strings.Contains, "startswith": strings.HasPrefix, "endswith": strings.HasSuffix}[op]
			return func(ev *event.Event) bool {
				a, ok1 := l.str(ev)
				b, ok2 := r.str(ev)
				return ok1 && ok2 && f(a, b)
			}, nil
		}
	case l.uint != nil && r.uint != nil:
		if cmp := cmpOrdered[uint64](op); cmp != nil {
			return func(ev *event.Event) bool {
				a, ok1 := l.uint(ev)
				b, ok2 := r.uint(ev)
				return ok1 && ok2 && cmp(a, b)
			}, nil
		}
	case l.int != nil && r.int != nil:
		if cmp := cmpOrdered[int64](op); cmp != nil {
			return func(ev *event.Event) bool {
				a, ok1 := l.int(ev)
				b, ok2 := r.int(ev)
				return ok1 && ok2 && cmp(a, b)
			}, nil
		}
	}
	return nil, fmt.Errorf("cannot compare a %s field with a %s field using %s", l.kind, r.kind, op)
}

// exceptions compiles a rule's exceptions into (or (and ...)...): the
// rule matches only when none holds.
func (c *compiler) exceptions(r *rules.Rule, out *compiled) node {
	var alts []node
	for _, ex := range r.Exceptions {
		if len(ex.Comps) != len(ex.Fields) {
			c.errorf(ex.Pos, "exception %s: %d fields but %d comps", ex.Name, len(ex.Fields), len(ex.Comps))
			out.failed = true
			continue
		}
		for _, tuple := range ex.Values {
			if len(tuple.Items) != len(ex.Fields) {
				c.errorf(tuple.Pos, "exception %s: %d values for %d fields", ex.Name, len(tuple.Items), len(ex.Fields))
				out.failed = true
				continue
			}
			var terms []node
			for i, f := range ex.Fields {
				it := tuple.Items[i]
				ce := &rules.CompareExpr{Pos: it.Pos, Field: f, Op: ex.Comps[i]}
				switch {
				case it.IsList:
					for _, v := range it.List {
						ce.List = append(ce.List, rules.ValueExpr{Pos: it.Pos, Text: v})
					}
				case ce.Op == "in" || ce.Op == "intersects" || ce.Op == "pmatch":
					ce.List = []rules.ValueExpr{{Pos: it.Pos, Text: it.Text}}
				default:
					ce.Value = &rules.ValueExpr{Pos: it.Pos, Text: it.Text, Quoted: true}
				}
				k := c.check(ce)
				merge(out, k)
				terms = append(terms, k.n)
			}
			if len(terms) == 1 {
				alts = append(alts, terms[0])
			} else {
				alts = append(alts, &andNode{kids: terms})
			}
		}
	}
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	return &orNode{kids: alts}
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
