package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a problem in a condition or an output template, at the
// exact position of the offending character.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.Pos.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return e.Pos.String() + ": " + e.Msg
}

// maxNesting bounds nested parentheses, transformers and consecutive
// `not`s, so that hostile input cannot exhaust the stack. (Falco bounds
// the recursion depth of its parser in the same spirit.)
const maxNesting = 200

// Falco's operators, in the order its lexer tries them. Word operators
// that compare strings must be followed by a blank; list operators by
// anything but an identifier character. (Functions, not variables: the
// package keeps no mutable state.)
func numOps() [4]string { return [4]string{"<=", "<", ">=", ">"} }

func symStrOps() [3]string { return [3]string{"==", "=", "!="} }

func wordStrOps() [9]string {
	return [9]string{"glob", "iglob", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "regex"}
}

func listOps() [3]string { return [3]string{"intersects", "in", "pmatch"} }

func transformers() [5]string { return [5]string{"tolower", "toupper", "b64", "basename", "len"} }

// IsOperator reports whether op is one of Falco's comparison operators
// (exactly as written, case-sensitive).
func IsOperator(op string) bool {
	if op == "exists" {
		return true
	}
	for _, o := range numOps() {
		if o == op {
			return true
		}
	}
	for _, o := range symStrOps() {
		if o == op {
			return true
		}
	}
	for _, o := range wordStrOps() {
		if o == op {
			return true
		}
	}
	return IsListOperator(op)
}

// IsListOperator reports whether op takes a list operand (in, intersects,
// pmatch).
func IsListOperator(op string) bool {
	for _, o := range listOps() {
		if o == op {
			return true
		}
	}
	return false
}

// ParseCondition parses a Falco condition. pos is where src starts in its
// file; the positions of the nodes, and of a *SyntaxError, are those of
// their characters in the file (columns count characters).
func ParseCondition(src string, pos Pos) (Expr, error) {
	return parseCondition(src, linearMap(src, pos))
}

func parseCondition(src string, pm posMapper) (Expr, error) {
	p := &parser{src: src, pm: pm}
	p.blank()
	if p.i >= len(src) {
		return nil, p.errAt(p.i, "empty condition")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.blank()
	if p.i < len(src) {
		if src[p.i] == ')' {
			return nil, p.errAt(p.i, "unbalanced parenthesis: unexpected ')'")
		}
		return nil, p.errAt(p.i, "unexpected %s after a complete condition: expected 'and', 'or' or the end of the condition", p.describe(p.i))
	}
	return e, nil
}

// ParseField parses a field reference as written in exceptions and
// outputs: `proc.name`, `proc.aname[2]`, `tolower(fd.name)`.
func ParseField(src string, pos Pos) (*FieldExpr, error) {
	return parseField(src, linearMap(src, pos))
}

func parseField(src string, pm posMapper) (*FieldExpr, error) {
	p := &parser{src: src, pm: pm}
	p.blank()
	if p.i >= len(src) {
		return nil, p.errAt(p.i, "empty field name")
	}
	f, err := p.parseFieldOrTransformer()
	if err != nil {
		return nil, err
	}
	p.blank()
	if p.i < len(src) {
		return nil, p.errAt(p.i, "unexpected %s after field %s", p.describe(p.i), f.Name)
	}
	return f, nil
}

// ParseListItem interprets one item of a Falco list the way Falco does
// when it expands the list into a condition: an item containing a space
// and not starting with a quote is taken as one string; otherwise the
// item is lexed as condition text, so `"(systemd)"` is the quoted string
// (systemd), `bash` is a bare word, and `a, b` gives two values. An empty
// item gives no value.
func ParseListItem(text string, pos Pos) ([]ValueExpr, error) {
	var pm posMapper = linearMap(text, pos)
	src := text
	if strings.Contains(text, " ") && text[0] != '"' && text[0] != '\'' {
		src = `"` + text + `"`
		pm = shiftMap{pm, 1}
	}
	p := &parser{src: src, pm: pm}
	var out []ValueExpr
	p.blank()
	if p.i >= len(src) {
		return nil, nil
	}
	for {
		v, err := p.listItem()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.blank()
		if p.i >= len(src) {
			return out, nil
		}
		if src[p.i] != ',' {
			return nil, p.errAt(p.i, "unexpected %s in list item: expected ',' or the end of the item", p.describe(p.i))
		}
		p.i++
		p.blank()
	}
}

type shiftMap struct {
	m     posMapper
	shift int
}

func (s shiftMap) posAt(off int) Pos { return s.m.posAt(off - s.shift) }

type parser struct {
	src   string
	i     int
	pm    posMapper
	depth int
}

func (p *parser) pos(off int) Pos { return p.pm.posAt(off) }

func (p *parser) errAt(off int, format string, args ...any) error {
	return &SyntaxError{Pos: p.pos(off), Msg: fmt.Sprintf(format, args...)}
}

// describe names what is at off for an error message.
func (p *parser) describe(off int) string {
	if off >= len(p.src) {
		return "end of condition"
	}
	if isBlank(p.src[off]) {
		return "a blank"
	}
	j := off + 1
	if c := p.src[off]; c != '(' && c != ')' && c != ',' {
		for j < len(p.src) && j-off < 24 && !isBlank(p.src[j]) {
			if c := p.src[j]; c == '(' || c == ')' || c == ',' {
				break
			}
			j++
		}
	}
	for j < len(p.src) && !utf8.RuneStart(p.src[j]) {
		j++
	}
	return fmt.Sprintf("%q", p.src[off:j])
}

// unexpected builds "<what>, found <token>" at off.
func (p *parser) unexpected(off int, what string) error {
	return p.errAt(off, "%s, found %s", what, p.describe(off))
}

// Character classes, as in Falco's lexer (libsinsp filter/parser.cpp).
func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n' }

func isPosixSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// isBareChar: Falco's bare strings are [^()"'[:space:]=,]+.
func isBareChar(c byte) bool {
	return !isPosixSpace(c) && c != '(' && c != ')' && c != '"' && c != '\'' && c != '=' && c != ','
}

// isArgChar: bare field arguments are [^][\"'[:space:]]+.
func isArgChar(c byte) bool {
	return !isPosixSpace(c) && c != '[' && c != ']' && c != '"' && c != '\''
}

func (p *parser) blank() bool {
	start := p.i
	for p.i < len(p.src) && isBlank(p.src[p.i]) {
		p.i++
	}
	return p.i > start
}

// keywordAt reports whether kw starts at i as a keyword: followed by a
// blank or '(' (ok), or by the end of input (ok and atEnd).
func (p *parser) keywordAt(i int, kw string) (ok, atEnd bool) {
	if !strings.HasPrefix(p.src[i:], kw) {
		return false, false
	}
	j := i + len(kw)
	if j == len(p.src) {
		return true, true
	}
	return isBlank(p.src[j]) || p.src[j] == '(', false
}

// wordAt reports whether word starts at i and is not followed by an
// identifier character.
func (p *parser) wordAt(i int, word string) bool {
	if !strings.HasPrefix(p.src[i:], word) {
		return false
	}
	j := i + len(word)
	return j == len(p.src) || !isIdentChar(p.src[j])
}

// identEnd returns the end of an identifier [a-zA-Z][a-zA-Z0-9_]* at i,
// or -1.
func (p *parser) identEnd(i int) int {
	if i >= len(p.src) || !isLetter(p.src[i]) {
		return -1
	}
	i++
	for i < len(p.src) && isIdentChar(p.src[i]) {
		i++
	}
	return i
}

// fieldNameEnd returns the end of a field name at i (an identifier
// followed by one or more .identifier), or -1.
func (p *parser) fieldNameEnd(i int) int {
	j := p.identEnd(i)
	if j < 0 {
		return -1
	}
	segs := 0
	for j+1 < len(p.src) && p.src[j] == '.' && isLetter(p.src[j+1]) {
		j = p.identEnd(j + 1)
		segs++
	}
	if segs == 0 {
		return -1
	}
	return j
}

// transformerAt returns the transformer whose "name(" starts at i.
func (p *parser) transformerAt(i int) (string, bool) {
	for _, t := range transformers() {
		if strings.HasPrefix(p.src[i:], t) && len(p.src) > i+len(t) && p.src[i+len(t)] == '(' {
			return t, true
		}
	}
	return "", false
}

func (p *parser) parseOr() (Expr, error) {
	start, terms, err := p.parseChain("or", p.parseAnd)
	if err != nil || len(terms) == 1 {
		return first(terms), err
	}
	return &OrExpr{Pos: p.pos(start), Terms: terms}, nil
}

func (p *parser) parseAnd() (Expr, error) {
	start, terms, err := p.parseChain("and", p.parseNot)
	if err != nil || len(terms) == 1 {
		return first(terms), err
	}
	return &AndExpr{Pos: p.pos(start), Terms: terms}, nil
}

// parseChain parses operand (keyword operand)*: the terms of one
// precedence level, and where the first began.
func (p *parser) parseChain(keyword string, operand func() (Expr, error)) (int, []Expr, error) {
	p.blank()
	start := p.i
	x, err := operand()
	if err != nil {
		return start, nil, err
	}
	terms := []Expr{x}
	for {
		p.blank()
		ok, atEnd := p.keywordAt(p.i, keyword)
		if !ok {
			return start, terms, nil
		}
		p.i += len(keyword)
		if atEnd {
			return start, nil, p.errAt(p.i, "missing operand after '%s'", keyword)
		}
		next, err := operand()
		if err != nil {
			return start, nil, err
		}
		terms = append(terms, next)
	}
}

func first(terms []Expr) Expr {
	if len(terms) == 0 {
		return nil
	}
	return terms[0]
}

// parseNot: `not` binds tighter than `and`, so `not a and b` is
// `(not a) and b`, as in Falco.
func (p *parser) parseNot() (Expr, error) {
	p.blank()
	var nots []int
	for {
		ok, atEnd := p.keywordAt(p.i, "not")
		if !ok {
			break
		}
		nots = append(nots, p.i)
		p.i += 3
		if atEnd {
			return nil, p.errAt(p.i, "missing operand after 'not'")
		}
		if len(nots) > maxNesting {
			return nil, p.errAt(nots[0], "more than %d consecutive 'not'", maxNesting)
		}
		p.blank()
	}
	x, err := p.parseCheck()
	if err != nil {
		return nil, err
	}
	for k := len(nots) - 1; k >= 0; k-- {
		x = &NotExpr{Pos: p.pos(nots[k]), X: x}
	}
	return x, nil
}

func (p *parser) parseCheck() (Expr, error) {
	p.blank()
	start := p.i
	if start >= len(p.src) {
		return nil, p.errAt(start, "missing operand: expected '(', a field check or a macro name")
	}
	switch p.src[start] {
	case '(':
		p.depth++
		if p.depth > maxNesting {
			return nil, p.errAt(start, "parentheses nested more than %d levels deep", maxNesting)
		}
		p.i++
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.blank()
		if p.i >= len(p.src) {
			return nil, p.errAt(start, "unbalanced parenthesis: '(' is never closed")
		}
		if p.src[p.i] != ')' {
			return nil, p.unexpected(p.i, "expected ')', 'and' or 'or'")
		}
		p.i++
		p.depth--
		return e, nil
	case ')':
		return nil, p.errAt(start, "missing operand before ')'")
	}
	if p.fieldNameEnd(start) > 0 {
		f, err := p.parseFieldOrTransformer()
		if err != nil {
			return nil, err
		}
		return p.parseComparison(start, f)
	}
	if _, ok := p.transformerAt(start); ok {
		f, err := p.parseFieldOrTransformer()
		if err != nil {
			return nil, err
		}
		return p.parseComparison(start, f)
	}
	if end := p.identEnd(start); end > 0 {
		name := p.src[start:end]
		if name == "and" || name == "or" || name == "not" {
			return nil, p.errAt(start, "missing operand: unexpected '%s'", name)
		}
		if end < len(p.src) && p.src[end] == '(' {
			return nil, p.badFunction(start, name)
		}
		p.i = end
		return &MacroRef{Pos: p.pos(start), Name: name}, nil
	}
	return nil, p.unexpected(start, "expected '(', a field check or a macro name")
}

func (p *parser) badFunction(at int, name string) error {
	switch name {
	case "val":
		return p.errAt(at, "val() can only be used on the right-hand side of a comparison")
	case "join":
		return p.errAt(at, "the join() transformer is not supported")
	}
	return p.errAt(at, "unknown transformer '%s': want one of tolower, toupper, b64, basename, len", name)
}

// parseFieldOrTransformer parses `field`, `field[arg]` or
// transformer(...(field)...) at p.i.
func (p *parser) parseFieldOrTransformer() (*FieldExpr, error) {
	var trs []string
	var opens []int
	for {
		t, ok := p.transformerAt(p.i)
		if !ok {
			break
		}
		if len(trs) >= maxNesting {
			return nil, p.errAt(p.i, "transformers nested more than %d levels deep", maxNesting)
		}
		trs = append(trs, t)
		opens = append(opens, p.i)
		p.i += len(t) + 1
		p.blank()
	}
	end := p.fieldNameEnd(p.i)
	if end < 0 {
		if e := p.identEnd(p.i); e > 0 && e < len(p.src) && p.src[e] == '(' {
			return nil, p.badFunction(p.i, p.src[p.i:e])
		}
		if len(trs) == 0 {
			return nil, p.unexpected(p.i, "expected a field name")
		}
		return nil, p.unexpected(p.i, fmt.Sprintf("expected a field inside %s()", trs[len(trs)-1]))
	}
	f, err := p.parseFieldRest(p.i, end)
	if err != nil {
		return nil, err
	}
	for k := len(trs) - 1; k >= 0; k-- {
		p.blank()
		if p.i >= len(p.src) {
			return nil, p.errAt(opens[k], "unbalanced parenthesis: %s( is never closed", trs[k])
		}
		if p.src[p.i] != ')' {
			if p.src[p.i] == ',' {
				return nil, p.errAt(p.i, "%s() takes a single argument", trs[k])
			}
			return nil, p.unexpected(p.i, fmt.Sprintf("expected ')' closing %s(", trs[k]))
		}
		p.i++
		f.Transformers = append(f.Transformers, trs[k])
	}
	return f, nil
}

// parseFieldRest parses the field name src[start:end] and its optional
// [argument].
func (p *parser) parseFieldRest(start, end int) (*FieldExpr, error) {
	f := &FieldExpr{Pos: p.pos(start), Name: p.src[start:end]}
	p.i = end
	if p.i >= len(p.src) || p.src[p.i] != '[' {
		return f, nil
	}
	open := p.i
	p.i++
	if p.i < len(p.src) && (p.src[p.i] == '"' || p.src[p.i] == '\'') {
		s, err := p.lexQuoted()
		if err != nil {
			return nil, err
		}
		f.Arg = s
	} else {
		j := p.i
		for j < len(p.src) && isArgChar(p.src[j]) {
			j++
		}
		if j == p.i {
			if j >= len(p.src) {
				return nil, p.errAt(open, "unbalanced bracket: '[' is never closed")
			}
			return nil, p.unexpected(p.i, fmt.Sprintf("expected an argument for field %s", f.Name))
		}
		f.Arg = p.src[p.i:j]
		p.i = j
	}
	if p.i >= len(p.src) {
		return nil, p.errAt(open, "unbalanced bracket: '[' is never closed")
	}
	if p.src[p.i] != ']' {
		return nil, p.unexpected(p.i, "expected ']' after the field argument")
	}
	p.i++
	f.HasArg = true
	return f, nil
}

func (p *parser) parseComparison(start int, f *FieldExpr) (Expr, error) {
	p.blank()
	at := p.i
	if at >= len(p.src) {
		return nil, p.errAt(at, "missing operator after field %s", f.Name)
	}
	c := &CompareExpr{Pos: p.pos(start), Field: *f}
	s := p.src[at:]
	if p.wordAt(at, "exists") {
		p.i += len("exists")
		c.Op = "exists"
		return c, nil
	}
	for _, op := range numOps() {
		if strings.HasPrefix(s, op) {
			p.i += len(op)
			c.Op = op
			v, err := p.parseNumValue(op)
			if err != nil {
				return nil, err
			}
			c.Value = v
			return c, nil
		}
	}
	for _, op := range symStrOps() {
		if strings.HasPrefix(s, op) {
			p.i += len(op)
			c.Op = op
			v, err := p.parseStrValue(op)
			if err != nil {
				return nil, err
			}
			c.Value = v
			return c, nil
		}
	}
	for _, op := range wordStrOps() {
		if p.wordAt(at, op) {
			p.i += len(op)
			if !p.blank() {
				if p.i >= len(p.src) {
					return nil, p.errAt(p.i, "missing value after '%s'", op)
				}
				return nil, p.errAt(p.i, "expected a blank after '%s'", op)
			}
			c.Op = op
			v, err := p.parseStrValue(op)
			if err != nil {
				return nil, err
			}
			c.Value = v
			return c, nil
		}
	}
	for _, op := range listOps() {
		if p.wordAt(at, op) {
			p.i += len(op)
			c.Op = op
			if err := p.parseListValue(c); err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	if e := p.identEnd(at); e > 0 {
		return nil, p.errAt(at, "unknown operator '%s'", p.src[at:e])
	}
	return nil, p.unexpected(at, fmt.Sprintf("expected an operator after field %s", f.Name))
}

func (p *parser) parseNumValue(op string) (*ValueExpr, error) {
	p.blank()
	if v, err := p.tryFieldOperand(); v != nil || err != nil {
		return v, err
	}
	if p.i >= len(p.src) {
		return nil, p.errAt(p.i, "missing value after '%s'", op)
	}
	end := p.numberEnd(p.i)
	if end < 0 {
		return nil, p.unexpected(p.i, fmt.Sprintf("expected a number after '%s'", op))
	}
	v := &ValueExpr{Pos: p.pos(p.i), Text: p.src[p.i:end]}
	p.i = end
	return v, nil
}

// numberEnd matches Falco's 0[xX][0-9a-fA-F]+ or
// [+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)? at i.
func (p *parser) numberEnd(i int) int {
	s := p.src
	if i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && isHex(s[i+2]) {
		j := i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		return j
	}
	j := i
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	d := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == d {
		return -1
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j+2 < len(s) && (s[j] == 'e' || s[j] == 'E') && (s[j+1] == '+' || s[j+1] == '-') && isDigit(s[j+2]) {
		j += 2
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	return j
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func (p *parser) parseStrValue(op string) (*ValueExpr, error) {
	p.blank()
	if v, err := p.tryFieldOperand(); v != nil || err != nil {
		return v, err
	}
	if p.i >= len(p.src) {
		return nil, p.errAt(p.i, "missing value after '%s'", op)
	}
	v, err := p.listItem()
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// listItem lexes a quoted or bare string at p.i.
func (p *parser) listItem() (ValueExpr, error) {
	at := p.i
	if at >= len(p.src) {
		return ValueExpr{}, p.errAt(at, "missing value")
	}
	if c := p.src[at]; c == '"' || c == '\'' {
		s, err := p.lexQuoted()
		if err != nil {
			return ValueExpr{}, err
		}
		return ValueExpr{Pos: p.pos(at), Text: s, Quoted: true}, nil
	}
	j := at
	for j < len(p.src) && isBareChar(p.src[j]) {
		j++
	}
	if j == at {
		return ValueExpr{}, p.unexpected(at, "expected a value")
	}
	p.i = j
	return ValueExpr{Pos: p.pos(at), Text: p.src[at:j]}, nil
}

func (p *parser) parseListValue(c *CompareExpr) error {
	p.blank()
	if p.i >= len(p.src) {
		return p.errAt(p.i, "missing list after '%s'", c.Op)
	}
	if p.src[p.i] != '(' {
		v, err := p.tryFieldOperand()
		if err != nil {
			return err
		}
		if v != nil {
			c.Value = v
			return nil
		}
		if end := p.identEnd(p.i); end > 0 {
			c.List = []ValueExpr{{Pos: p.pos(p.i), Text: p.src[p.i:end]}}
			c.ListRef = true
			p.i = end
			return nil
		}
		return p.unexpected(p.i, fmt.Sprintf("expected '(' or a list name after '%s'", c.Op))
	}
	open := p.i
	p.i++
	p.blank()
	c.List = []ValueExpr{}
	if p.i < len(p.src) && p.src[p.i] == ')' {
		p.i++
		return nil
	}
	for {
		if p.i >= len(p.src) {
			return p.errAt(open, "unbalanced parenthesis: list '(' is never closed")
		}
		v, err := p.listItem()
		if err != nil {
			return err
		}
		c.List = append(c.List, v)
		p.blank()
		if p.i >= len(p.src) {
			return p.errAt(open, "unbalanced parenthesis: list '(' is never closed")
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			p.blank()
		case ')':
			p.i++
			return nil
		default:
			return p.unexpected(p.i, "expected ',' or ')' in list")
		}
	}
}

// tryFieldOperand parses val(field) or a transformer applied to a field
// on the right-hand side; it returns nil, nil if neither is at p.i.
func (p *parser) tryFieldOperand() (*ValueExpr, error) {
	at := p.i
	if strings.HasPrefix(p.src[at:], "val(") {
		p.i += len("val(")
		p.blank()
		end := p.fieldNameEnd(p.i)
		if end < 0 {
			return nil, p.unexpected(p.i, "expected a field inside val()")
		}
		f, err := p.parseFieldRest(p.i, end)
		if err != nil {
			return nil, err
		}
		p.blank()
		if p.i >= len(p.src) {
			return nil, p.errAt(at, "unbalanced parenthesis: val( is never closed")
		}
		if p.src[p.i] != ')' {
			return nil, p.unexpected(p.i, "expected ')' closing val(")
		}
		p.i++
		return &ValueExpr{Pos: p.pos(at), Field: f}, nil
	}
	if _, ok := p.transformerAt(at); ok {
		f, err := p.parseFieldOrTransformer()
		if err != nil {
			return nil, err
		}
		return &ValueExpr{Pos: p.pos(at), Field: f}, nil
	}
	if strings.HasPrefix(p.src[at:], "join(") {
		return nil, p.badFunction(at, "join")
	}
	return nil, nil
}

// lexQuoted lexes a '...' or "..." string at p.i and processes Falco's
// escapes (libsinsp filter/escaping.cpp).
func (p *parser) lexQuoted() (string, error) {
	start := p.i
	q := p.src[start]
	j := start + 1
	for j < len(p.src) && p.src[j] != q {
		if p.src[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.src) {
		return "", p.errAt(start, "unterminated string: missing closing %c", q)
	}
	s, err := p.unescape(start+1, j, q)
	if err != nil {
		return "", err
	}
	p.i = j + 1
	return s, nil
}

func (p *parser) unescape(from, to int, q byte) (string, error) {
	raw := p.src[from:to]
	if strings.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for k := 0; k < len(raw); k++ {
		c := raw[k]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		k++
		e := raw[k] // lexQuoted guarantees a character after '\'
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case ' ', '\\':
			// Falco turns both `\\` and (for compatibility with old
			// rules) `\ ` into a single backslash.
			b.WriteByte('\\')
		case '/':
			b.WriteByte('/')
		case '"', '\'':
			if e != q {
				return "", p.errAt(from+k-1, "invalid \\%c escape in a %c-quoted string", e, q)
			}
			b.WriteByte(e)
		default:
			r, _ := utf8.DecodeRuneInString(raw[k:])
			return "", p.errAt(from+k-1, "unsupported escape sequence \\%c", r)
		}
	}
	return b.String(), nil
}
