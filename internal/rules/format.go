package rules

import (
	"strconv"
	"strings"
)

// Format renders a condition as a canonical s-expression, one line, no
// positions:
//
//	(and (= proc.name bash) (not (macro spawned_process)))
//
// Checks are (OP FIELD VALUE), (exists FIELD), (in FIELD (ITEM ...)) or,
// for a list name without parentheses, (in FIELD NAME). Bare values print
// as written, quoted values as Go-quoted strings ("a b"), field operands
// as (val FIELD), transformers as (tolower FIELD).
func Format(e Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

func formatExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *AndExpr:
		formatTerms(b, "and", e.Terms)
	case *OrExpr:
		formatTerms(b, "or", e.Terms)
	case *NotExpr:
		b.WriteString("(not ")
		formatExpr(b, e.X)
		b.WriteByte(')')
	case *MacroRef:
		b.WriteString("(macro ")
		b.WriteString(e.Name)
		b.WriteByte(')')
	case *CompareExpr:
		b.WriteByte('(')
		b.WriteString(e.Op)
		b.WriteByte(' ')
		formatField(b, &e.Field)
		switch {
		case e.Op == "exists":
		case e.Value != nil:
			b.WriteByte(' ')
			formatValue(b, e.Value)
		case e.ListRef && len(e.List) == 1:
			b.WriteByte(' ')
			b.WriteString(e.List[0].Text)
		default:
			b.WriteString(" (")
			for i := range e.List {
				if i > 0 {
					b.WriteByte(' ')
				}
				formatValue(b, &e.List[i])
			}
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case nil:
		b.WriteString("<nil>")
	default:
		b.WriteString("<unknown>")
	}
}

func formatTerms(b *strings.Builder, op string, terms []Expr) {
	b.WriteByte('(')
	b.WriteString(op)
	for _, t := range terms {
		b.WriteByte(' ')
		formatExpr(b, t)
	}
	b.WriteByte(')')
}

// FormatField renders a field as Format does: proc.aname[2],
// (tolower (basename fd.name)).
func FormatField(f *FieldExpr) string {
	var b strings.Builder
	formatField(&b, f)
	return b.String()
}

func formatField(b *strings.Builder, f *FieldExpr) {
	for i := len(f.Transformers) - 1; i >= 0; i-- {
		b.WriteByte('(')
		b.WriteString(f.Transformers[i])
		b.WriteByte(' ')
	}
	writeFieldName(b, f, strconv.Quote)
	for range f.Transformers {
		b.WriteByte(')')
	}
}

func writeFieldName(b *strings.Builder, f *FieldExpr, quote func(string) string) {
	b.WriteString(f.Name)
	if f.HasArg {
		b.WriteByte('[')
		if isBareArg(f.Arg) {
			b.WriteString(f.Arg)
		} else {
			b.WriteString(quote(f.Arg))
		}
		b.WriteByte(']')
	}
}

func formatValue(b *strings.Builder, v *ValueExpr) {
	switch {
	case v.Field != nil && len(v.Field.Transformers) == 0:
		b.WriteString("(val ")
		formatField(b, v.Field)
		b.WriteByte(')')
	case v.Field != nil:
		formatField(b, v.Field)
	case v.Quoted || !isBareValue(v.Text):
		b.WriteString(strconv.Quote(v.Text))
	default:
		b.WriteString(v.Text)
	}
}

func isBareValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareChar(s[i]) {
			return false
		}
	}
	return true
}

func isBareArg(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isArgChar(s[i]) {
			return false
		}
	}
	return true
}

// FormatCondition renders a condition back to Falco condition syntax,
// parenthesising nested and/or, such that ParseCondition gives back the
// same tree (positions aside). Use it to show a condition after appends
// or to build conditions from parts.
func FormatCondition(e Expr) string {
	var b strings.Builder
	unparse(&b, e)
	return b.String()
}

func unparse(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *AndExpr:
		unparseTerms(b, " and ", e.Terms)
	case *OrExpr:
		unparseTerms(b, " or ", e.Terms)
	case *NotExpr:
		b.WriteString("not ")
		unparseOperand(b, e.X)
	case *MacroRef:
		b.WriteString(e.Name)
	case *CompareExpr:
		unparseField(b, &e.Field)
		b.WriteByte(' ')
		b.WriteString(e.Op)
		switch {
		case e.Op == "exists":
		case e.Value != nil:
			b.WriteByte(' ')
			unparseValue(b, e.Value, !IsListOperator(e.Op) && isNumOp(e.Op))
		case e.ListRef && len(e.List) == 1:
			b.WriteByte(' ')
			b.WriteString(e.List[0].Text)
		default:
			b.WriteString(" (")
			for i := range e.List {
				if i > 0 {
					b.WriteString(", ")
				}
				unparseValue(b, &e.List[i], false)
			}
			b.WriteByte(')')
		}
	}
}

func unparseTerms(b *strings.Builder, sep string, terms []Expr) {
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		unparseOperand(b, t)
	}
}

// unparseOperand parenthesises and/or used as an operand.
func unparseOperand(b *strings.Builder, e Expr) {
	switch e.(type) {
	case *AndExpr, *OrExpr:
		b.WriteByte('(')
		unparse(b, e)
		b.WriteByte(')')
	default:
		unparse(b, e)
	}
}

func unparseField(b *strings.Builder, f *FieldExpr) {
	for i := len(f.Transformers) - 1; i >= 0; i-- {
		b.WriteString(f.Transformers[i])
		b.WriteByte('(')
	}
	writeFieldName(b, f, quoteFalco)
	for range f.Transformers {
		b.WriteByte(')')
	}
}

func unparseValue(b *strings.Builder, v *ValueExpr, number bool) {
	switch {
	case v.Field != nil && len(v.Field.Transformers) == 0:
		b.WriteString("val(")
		unparseField(b, v.Field)
		b.WriteByte(')')
	case v.Field != nil:
		unparseField(b, v.Field)
	case number && !v.Quoted:
		b.WriteString(v.Text)
	case v.Quoted || !isBareValue(v.Text):
		b.WriteString(quoteFalco(v.Text))
	default:
		b.WriteString(v.Text)
	}
}

func isNumOp(op string) bool {
	for _, o := range numOps() {
		if o == op {
			return true
		}
	}
	return false
}

// quoteFalco double-quotes s with the escapes Falco's lexer understands.
func quoteFalco(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
