package rules

import (
	"strconv"
	"strings"
)

// OutputPart is one piece of a rule's output template: literal text, or a
// field to substitute.
type OutputPart struct {
	Text  string
	Field *FieldExpr
	// Width is Falco's length modifier (%20proc.name): the value is
	// padded with spaces or cut to Width characters. 0 means as is.
	Width int
}

// maxOutputWidth bounds the %N length modifier.
const maxOutputWidth = 1 << 16

// ParseOutput parses a Falco output template such as
// "shell=%proc.name parent=%proc.aname[2] %tolower(fd.name)". pos is
// where s starts in its file. A field starts after '%' (optionally after
// a width) and is a field name with an optional [argument], or a
// transformer around one; `%(proc.name)` is also accepted and lets a
// field touch the text after it. As in Falco, a leading '*' is dropped (it
// only tells Falco to print <NA> for missing values, which Vigil always
// does), and a '%' that does not introduce a field is an error.
func ParseOutput(s string, pos Pos) ([]OutputPart, error) {
	return parseOutput(s, linearMap(s, pos))
}

func parseOutput(s string, pm posMapper) ([]OutputPart, error) {
	p := &parser{src: s, pm: pm}
	if s == "" {
		return nil, p.errAt(0, "empty output")
	}
	if s[0] == '*' {
		p.i = 1
	}
	var parts []OutputPart
	litStart := p.i
	flush := func(end int) {
		if end > litStart {
			parts = append(parts, OutputPart{Text: s[litStart:end]})
		}
	}
	for p.i < len(s) {
		k := strings.IndexByte(s[p.i:], '%')
		if k < 0 {
			p.i = len(s)
			break
		}
		pct := p.i + k
		flush(pct)
		p.i = pct + 1
		if p.i >= len(s) {
			return nil, p.errAt(pct, "output cannot end with '%%'")
		}
		width := 0
		if isDigit(s[p.i]) {
			j := p.i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j >= len(s) {
				return nil, p.errAt(pct, "output cannot end with a field width")
			}
			w, err := strconv.Atoi(s[p.i:j])
			if err != nil || w > maxOutputWidth {
				return nil, p.errAt(p.i, "field width %s is too large (max %d)", s[p.i:j], maxOutputWidth)
			}
			width = w
			p.i = j
		}
		var f *FieldExpr
		var err error
		if s[p.i] == '(' {
			open := p.i
			p.i++
			p.blank()
			f, err = p.parseFieldOrTransformer()
			if err != nil {
				return nil, err
			}
			p.blank()
			if p.i >= len(s) {
				return nil, p.errAt(open, "unbalanced parenthesis: '%%(' is never closed")
			}
			if s[p.i] != ')' {
				return nil, p.unexpected(p.i, "expected ')' after the field")
			}
			p.i++
		} else {
			_, isTr := p.transformerAt(p.i)
			if !isTr && p.fieldNameEnd(p.i) < 0 {
				return nil, p.errAt(pct, "'%%' must be followed by a field name, such as %%proc.name")
			}
			f, err = p.parseFieldOrTransformer()
			if err != nil {
				return nil, err
			}
		}
		parts = append(parts, OutputPart{Field: f, Width: width})
		litStart = p.i
	}
	flush(len(s))
	return parts, nil
}

// FormatOutput renders output parts back to a template that ParseOutput
// reads back to the same parts (a literal '%' cannot be written: Falco's
// templates have no escape for it).
func FormatOutput(parts []OutputPart) string {
	var b strings.Builder
	if len(parts) > 0 && parts[0].Field == nil && strings.HasPrefix(parts[0].Text, "*") {
		b.WriteByte('*') // ParseOutput drops one leading '*'
	}
	for i, pt := range parts {
		if pt.Field == nil {
			b.WriteString(pt.Text)
			continue
		}
		b.WriteByte('%')
		if pt.Width > 0 {
			b.WriteString(strconv.Itoa(pt.Width))
		}
		// Parenthesise when the next literal would otherwise continue
		// the field name or argument.
		paren := false
		if i+1 < len(parts) && parts[i+1].Field == nil && parts[i+1].Text != "" {
			c := parts[i+1].Text[0]
			paren = isIdentChar(c) || c == '[' || c == '.' || c == '('
		}
		if paren {
			b.WriteByte('(')
		}
		unparseField(&b, pt.Field)
		if paren {
			b.WriteByte(')')
		}
	}
	return b.String()
}
