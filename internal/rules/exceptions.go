package rules

import "gopkg.in/yaml.v3"

// Rule exceptions, as Falco's loader reads and merges them
// (rule_loader_reader.cpp read_rule_exceptions, rule_loader_collector.cpp
// validate_exception_info and append).

// rawException is one entry of `exceptions:` as written.
type rawException struct {
	name       string
	node       *yaml.Node
	indent     int
	fields     []*yaml.Node
	fieldsSet  bool
	fieldsList bool
	comps      []*yaml.Node
	compsSet   bool
	compsList  bool
	values     []*yaml.Node
}

func (l *loader) readExceptions(f *yamlFile, m *ymap, item string) ([]rawException, bool) {
	n := m.get("exceptions")
	if n == nil || isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(f.pos(n), item, "exceptions must be a sequence, not a %s", kindName(n))
		return nil, false
	}
	var out []rawException
	ok := true
	for _, e := range n.Content {
		e = resolve(e)
		if e.Kind != yaml.MappingNode {
			l.errorf(f.pos(e), item, "each exception must be a mapping {name, fields, comps, values}, not a %s", kindName(e))
			ok = false
			continue
		}
		em := l.mapping(f, e, item)
		l.checkKeys(f, em, item, "exception", "name", "fields", "comps", "values")
		name, _, good := l.str(f, em, "name", item, true)
		if !good {
			ok = false
			continue
		}
		dup := false
		for _, o := range out {
			if o.name == name {
				l.errorf(f.pos(e), item, "exception %s: exception names must be unique within an item", name)
				dup = true
			}
		}
		if dup {
			ok = false
			continue
		}
		rx := rawException{name: name, node: e, indent: e.Column - 1}
		good = l.scalarOrList(f, em, "fields", item, name, &rx.fields, &rx.fieldsSet, &rx.fieldsList)
		good = l.scalarOrList(f, em, "comps", item, name, &rx.comps, &rx.compsSet, &rx.compsList) && good
		if v := em.get("values"); v != nil && !isNull(v) {
			if v.Kind != yaml.SequenceNode {
				l.errorf(f.pos(v), item, "exception %s: values must be a sequence, not a %s", name, kindName(v))
				good = false
			} else {
				for _, t := range v.Content {
					rx.values = append(rx.values, resolve(t))
				}
			}
		}
		if !good {
			ok = false
			continue
		}
		out = append(out, rx)
	}
	return out, ok
}

// scalarOrList reads fields or comps: a string, or a sequence of strings.
func (l *loader) scalarOrList(f *yamlFile, m *ymap, key, item, exc string, out *[]*yaml.Node, set, list *bool) bool {
	n := m.get(key)
	if n == nil || isNull(n) {
		return true
	}
	*set = true
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			l.errorf(f.pos(n), item, "exception %s: %s must not be empty", exc, key)
			return false
		}
		*out = []*yaml.Node{n}
		return true
	case yaml.SequenceNode:
		*list = true
		ok := true
		for _, e := range n.Content {
			e = resolve(e)
			if e.Kind != yaml.ScalarNode || isNull(e) || e.Value == "" {
				l.errorf(f.pos(e), item, "exception %s: %s must be a string or a sequence of strings", exc, key)
				ok = false
				continue
			}
			*out = append(*out, e)
		}
		return ok
	}
	l.errorf(f.pos(n), item, "exception %s: %s must be a string or a sequence of strings, not a %s", exc, key, kindName(n))
	return false
}

// buildExceptions turns raw exceptions into Exceptions. With merge, an
// exception named like one in base only adds values to it (as Falco's
// append does); otherwise every exception is new and must be complete.
// single records which exceptions use the single-field form.
func (l *loader) buildExceptions(f *yamlFile, item string, raws []rawException, base []Exception, single map[string]bool, merge bool) ([]Exception, bool) {
	out := append([]Exception(nil), base...)
	ok := true
	for i := range raws {
		rx := &raws[i]
		idx := -1
		if merge {
			for k := range out {
				if out[k].Name == rx.name {
					idx = k
				}
			}
		}
		if idx >= 0 {
			ex := out[idx]
			if rx.fieldsSet || rx.compsSet {
				l.errorf(f.pos(rx.node), item, "exception %s: only values can be appended to an existing exception, not fields or comps", rx.name)
				ok = false
				continue
			}
			vals, good := l.exceptionValues(f, item, rx, len(ex.Fields), single[rx.name])
			if !good {
				ok = false
				continue
			}
			ex.Values = append(append([]ExceptionValues(nil), ex.Values...), vals...)
			out[idx] = ex
			continue
		}
		if !rx.fieldsSet {
			l.errorf(f.pos(rx.node), item, "exception %s: missing fields", rx.name)
			ok = false
			continue
		}
		if merge && len(rx.values) == 0 {
			l.errorf(f.pos(rx.node), item, "exception %s: an appended exception must have values", rx.name)
			ok = false
			continue
		}
		ex, good := l.newException(f, item, rx)
		if !good {
			ok = false
			continue
		}
		single[rx.name] = !rx.fieldsList
		out = append(out, ex)
	}
	return out, ok
}

func (l *loader) newException(f *yamlFile, item string, rx *rawException) (Exception, bool) {
	ex := Exception{Name: rx.name, Pos: f.pos(rx.node)}
	ok := true
	for _, fn := range rx.fields {
		fe, err := parseField(fn.Value, f.scalarMap(fn, rx.indent))
		if err != nil {
			l.syntaxDiag(err, item, "exception "+rx.name+": field")
			ok = false
			continue
		}
		ex.Fields = append(ex.Fields, *fe)
	}
	switch {
	case rx.fieldsList && !rx.compsSet:
		for range rx.fields {
			ex.Comps = append(ex.Comps, "=")
		}
	case rx.fieldsList && !rx.compsList:
		l.errorf(f.pos(rx.comps[0]), item, "exception %s: fields is a sequence, so comps must be a sequence too", rx.name)
		return ex, false
	case rx.fieldsList:
		if len(rx.comps) != len(rx.fields) {
			l.errorf(f.pos(rx.node), item, "exception %s: fields and comps must have the same length (%d and %d)", rx.name, len(rx.fields), len(rx.comps))
			return ex, false
		}
		for _, c := range rx.comps {
			if !IsOperator(c.Value) {
				l.errorf(f.pos(c), item, "exception %s: %q is not a comparison operator", rx.name, c.Value)
				ok = false
			}
			ex.Comps = append(ex.Comps, c.Value)
		}
	case rx.compsList:
		l.errorf(f.pos(rx.comps[0]), item, "exception %s: fields is a string, so comps must be a string too", rx.name)
		return ex, false
	default:
		comp := "in"
		if rx.compsSet {
			comp = rx.comps[0].Value
		}
		if comp != "in" && comp != "pmatch" && comp != "intersects" {
			l.errorf(f.pos(rx.comps[0]), item, "exception %s: with a single field, comps must be in, pmatch or intersects, not %q", rx.name, comp)
			return ex, false
		}
		ex.Comps = []string{comp}
	}
	if !ok {
		return ex, false
	}
	vals, good := l.exceptionValues(f, item, rx, len(ex.Fields), !rx.fieldsList)
	ex.Values = vals
	return ex, good
}

// exceptionValues reads the values of an exception with nfields fields.
func (l *loader) exceptionValues(f *yamlFile, item string, rx *rawException, nfields int, single bool) ([]ExceptionValues, bool) {
	var out []ExceptionValues
	ok := true
	for _, v := range rx.values {
		if single {
			if v.Kind != yaml.ScalarNode || isNull(v) {
				l.errorf(f.pos(v), item, "exception %s: with a single field, each value must be a string, not a %s", rx.name, kindName(v))
				ok = false
				continue
			}
			out = append(out, ExceptionValues{Pos: f.pos(v), Items: []ExceptionItem{{Text: v.Value, Pos: f.pos(v)}}})
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) != nfields {
			l.errorf(f.pos(v), item, "exception %s: each value must be a sequence of %d items, one per field", rx.name, nfields)
			ok = false
			continue
		}
		ev := ExceptionValues{Pos: f.pos(v), Items: make([]ExceptionItem, 0, nfields)}
		good := true
		for _, it := range v.Content {
			it = resolve(it)
			switch {
			case it.Kind == yaml.ScalarNode && !isNull(it):
				ev.Items = append(ev.Items, ExceptionItem{Text: it.Value, Pos: f.pos(it)})
			case it.Kind == yaml.SequenceNode:
				ei := ExceptionItem{IsList: true, List: make([]string, 0, len(it.Content)), Pos: f.pos(it)}
				for _, s := range it.Content {
					s = resolve(s)
					if s.Kind != yaml.ScalarNode || isNull(s) {
						l.errorf(f.pos(s), item, "exception %s: value lists must hold strings, not a %s", rx.name, kindName(s))
						good = false
						continue
					}
					ei.List = append(ei.List, s.Value)
				}
				ev.Items = append(ev.Items, ei)
			default:
				l.errorf(f.pos(it), item, "exception %s: a value item must be a string or a sequence of strings, not a %s", rx.name, kindName(it))
				good = false
			}
		}
		if !good {
			ok = false
			continue
		}
		out = append(out, ev)
	}
	return out, ok
}
