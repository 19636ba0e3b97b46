package rules

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yamlFile is a rules file being loaded. It maps the value of a YAML
// scalar back to the file, character by character, so that a syntax error
// inside a condition is reported where it is in the file, also for block
// scalars (`condition: >`), folded lines and quoted strings with escapes.
//
// yaml.v3 gives each node's line and column (in characters) only; the
// mapping re-reads the scalar's source the way libyaml's scanner does and
// checks that it reproduces node.Value exactly. When it does not (an
// exotic construct), every offset maps to the scalar's own position.
type yamlFile struct {
	name  string
	data  []byte
	lines []int // byte offset of the start of each line
}

func newYAMLFile(name string, data []byte) *yamlFile {
	f := &yamlFile{name: name, data: data, lines: make([]int, 1, 64)}
	for i, c := range data {
		if c == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

func (f *yamlFile) pos(n *yaml.Node) Pos {
	return Pos{File: f.name, Line: n.Line, Col: n.Column}
}

// offset returns the byte offset of line:col (col in characters).
func (f *yamlFile) offset(line, col int) (int, bool) {
	if line < 1 || line > len(f.lines) || col < 1 {
		return 0, false
	}
	i := f.lines[line-1]
	for c := 1; c < col; c++ {
		if i >= len(f.data) || f.data[i] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(f.data[i:])
		i += size
	}
	return i, true
}

// scalarMap maps the value of scalar node n to file positions.
// parentIndent is the 0-based indentation of the block collection that
// holds n (needed for block scalars with an indentation indicator).
func (f *yamlFile) scalarMap(n *yaml.Node, parentIndent int) *srcMap {
	p := f.pos(n)
	text := n.Value
	if n.Kind != yaml.ScalarNode || text == "" {
		return fixedMap(text, p)
	}
	off, ok := f.offset(n.Line, n.Column)
	if !ok {
		return fixedMap(text, p)
	}
	// Fast paths: the value appears verbatim on one line.
	if strings.IndexByte(text, '\n') < 0 {
		switch n.Style {
		case 0:
			if bytes.HasPrefix(f.data[off:], []byte(text)) {
				return linearMap(text, p)
			}
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			end := off + 1 + len(text)
			if end < len(f.data) && string(f.data[off+1:end]) == text && f.data[end] == f.data[off] {
				return linearMap(text, Pos{File: p.File, Line: p.Line, Col: p.Col + 1})
			}
		}
	}
	c := &ycursor{data: f.data, i: off, line: n.Line, col: n.Column}
	c.skipProperties()
	var b mapBuilder
	switch style := n.Style &^ yaml.TaggedStyle; {
	case style&yaml.DoubleQuotedStyle != 0:
		decodeQuoted(c, &b, '"')
	case style&yaml.SingleQuotedStyle != 0:
		decodeQuoted(c, &b, '\'')
	case style&yaml.LiteralStyle != 0:
		decodeBlock(c, &b, true, parentIndent)
	case style&yaml.FoldedStyle != 0:
		decodeBlock(c, &b, false, parentIndent)
	default:
		decodePlain(c, &b, len(text))
	}
	if string(b.buf) != text || len(b.runs) == 0 {
		return fixedMap(text, p)
	}
	return &srcMap{file: f.name, text: text, runs: b.runs}
}

// ycursor walks the file, tracking line and column.
type ycursor struct {
	data      []byte
	i         int
	line, col int
}

func (c *ycursor) eof() bool { return c.i >= len(c.data) }

func (c *ycursor) peek() byte { return c.at(0) }

func (c *ycursor) at(k int) byte {
	if c.i+k >= len(c.data) || c.i+k < 0 {
		return 0
	}
	return c.data[c.i+k]
}

func (c *ycursor) isBreak() bool { b := c.peek(); return !c.eof() && (b == '\n' || b == '\r') }

func (c *ycursor) isBlank() bool { b := c.peek(); return !c.eof() && (b == ' ' || b == '\t') }

// next moves past one character that is not a line break.
func (c *ycursor) next() {
	if c.eof() {
		return
	}
	_, size := utf8.DecodeRune(c.data[c.i:])
	c.i += size
	c.col++
}

// char returns the bytes of the current character.
func (c *ycursor) char() []byte {
	_, size := utf8.DecodeRune(c.data[c.i:])
	return c.data[c.i : c.i+size]
}

func (c *ycursor) nextBreak() {
	if c.peek() == '\r' && c.at(1) == '\n' {
		c.i++
	}
	c.i++
	c.line++
	c.col = 1
}

// skipProperties skips a tag (!!str) and an anchor (&a) before a value.
func (c *ycursor) skipProperties() {
	for !c.eof() && (c.peek() == '!' || c.peek() == '&') {
		for !c.eof() && !c.isBlank() && !c.isBreak() {
			c.next()
		}
		for c.isBlank() || c.isBreak() {
			if c.isBreak() {
				c.nextBreak()
			} else {
				c.next()
			}
		}
	}
}

type lineCol struct{ line, col int }

// mapBuilder accumulates a decoded value and its runs.
type mapBuilder struct {
	buf          []byte
	runs         []srcRun
	nline, nchar int
}

func (b *mapBuilder) add(s []byte, line, col int) {
	if len(b.runs) == 0 || line != b.nline || col != b.nchar {
		b.runs = append(b.runs, srcRun{len(b.buf), line, col})
	}
	b.buf = append(b.buf, s...)
	b.nline, b.nchar = line, col+runeCount(s)
}

func (b *mapBuilder) addStr(s string, at lineCol) { b.add([]byte(s), at.line, at.col) }

// folding holds the white space between two pieces of a flow scalar.
type folding struct {
	blanks       bool // a line break was seen (libyaml's leading_blanks)
	leadingBreak bool
	lb           lineCol
	ws           []byte
	wsAt         []lineCol
	trailing     []lineCol
}

func (fo *folding) reset() {
	fo.blanks, fo.leadingBreak = false, false
	fo.ws, fo.wsAt, fo.trailing = fo.ws[:0], fo.wsAt[:0], fo.trailing[:0]
}

// consume eats blanks and breaks the way libyaml does inside flow scalars.
func (fo *folding) consume(c *ycursor) {
	for c.isBlank() || c.isBreak() {
		if c.isBlank() {
			if !fo.blanks {
				fo.ws = append(fo.ws, c.peek())
				fo.wsAt = append(fo.wsAt, lineCol{c.line, c.col})
			}
			c.next()
			continue
		}
		if !fo.blanks {
			fo.ws, fo.wsAt = fo.ws[:0], fo.wsAt[:0]
			fo.leadingBreak = true
			fo.lb = lineCol{c.line, c.col}
			fo.blanks = true
		} else {
			fo.trailing = append(fo.trailing, lineCol{c.line, c.col})
		}
		c.nextBreak()
	}
}

// emit writes the folded white space.
func (fo *folding) emit(b *mapBuilder) {
	if fo.blanks {
		if fo.leadingBreak && len(fo.trailing) == 0 {
			b.addStr(" ", fo.lb)
		}
		for _, t := range fo.trailing {
			b.addStr("\n", t)
		}
	} else {
		for k, w := range fo.ws {
			b.add([]byte{w}, fo.wsAt[k].line, fo.wsAt[k].col)
		}
	}
	fo.reset()
}

func (fo *folding) pending() bool { return fo.blanks || len(fo.ws) > 0 }

func decodeQuoted(c *ycursor, b *mapBuilder, q byte) {
	if c.peek() != q {
		return
	}
	c.next()
	var fo folding
	for !c.eof() {
		for !c.eof() && !c.isBlank() && !c.isBreak() {
			ch := c.peek()
			if ch == q && q == '\'' && c.at(1) == '\'' {
				b.add([]byte{'\''}, c.line, c.col)
				c.next()
				c.next()
				continue
			}
			if ch == q {
				return
			}
			if ch == '\\' && q == '"' {
				if nb := c.at(1); nb == '\n' || nb == '\r' {
					c.next()
					c.nextBreak()
					fo.blanks = true
					break
				}
				dec, n := yamlEscape(c.data[c.i:])
				if n == 0 {
					return
				}
				b.add(dec, c.line, c.col)
				c.i += n
				c.col += n
				continue
			}
			b.add(c.char(), c.line, c.col)
			c.next()
		}
		fo.consume(c)
		fo.emit(b)
	}
}

func decodePlain(c *ycursor, b *mapBuilder, want int) {
	var fo folding
	for !c.eof() && len(b.buf) < want {
		for !c.eof() && !c.isBlank() && !c.isBreak() {
			if c.peek() == ':' {
				if n := c.at(1); n == 0 || n == ' ' || n == '\t' || n == '\n' || n == '\r' {
					return
				}
			}
			if fo.pending() {
				fo.emit(b)
			}
			b.add(c.char(), c.line, c.col)
			c.next()
			if len(b.buf) >= want {
				return
			}
		}
		if !c.isBlank() && !c.isBreak() {
			return
		}
		fo.consume(c)
		if c.peek() == '#' {
			return
		}
	}
}

func decodeBlock(c *ycursor, b *mapBuilder, literal bool, parentIndent int) {
	c.next() // '|' or '>'
	chomping, increment := 0, 0
	for k := 0; k < 2; k++ {
		switch ch := c.peek(); {
		case ch == '+':
			chomping = 1
		case ch == '-':
			chomping = -1
		case ch >= '1' && ch <= '9':
			increment = int(ch - '0')
		default:
			k = 2
			continue
		}
		c.next()
	}
	for c.isBlank() {
		c.next()
	}
	if c.peek() == '#' {
		for !c.eof() && !c.isBreak() {
			c.next()
		}
	}
	if !c.eof() {
		if !c.isBreak() {
			return
		}
		c.nextBreak()
	}
	indent := 0
	if increment > 0 {
		indent = increment
		if parentIndent >= 0 {
			indent += parentIndent
		}
	}
	var trailing []lineCol
	indent, trailing = blockBreaks(c, indent, parentIndent, trailing)
	leadingBreak, leadingBlank := false, false
	var lb lineCol
	for c.col-1 == indent && !c.eof() {
		trailingBlank := c.isBlank()
		if !literal && leadingBreak && !leadingBlank && !trailingBlank {
			if len(trailing) == 0 {
				b.addStr(" ", lb)
			}
		} else if leadingBreak {
			b.addStr("\n", lb)
		}
		leadingBreak = false
		for _, t := range trailing {
			b.addStr("\n", t)
		}
		trailing = trailing[:0]
		leadingBlank = c.isBlank()
		end := len(c.data)
		if k := bytes.IndexAny(c.data[c.i:], "\r\n"); k >= 0 {
			end = c.i + k
		}
		if end > c.i {
			line := c.data[c.i:end]
			b.add(line, c.line, c.col)
			c.col += runeCount(line)
			c.i = end
		}
		if c.eof() {
			break
		}
		leadingBreak, lb = true, lineCol{c.line, c.col}
		c.nextBreak()
		indent, trailing = blockBreaks(c, indent, parentIndent, trailing)
	}
	if chomping != -1 && leadingBreak {
		b.addStr("\n", lb)
	}
	if chomping == 1 {
		for _, t := range trailing {
			b.addStr("\n", t)
		}
	}
}

// blockBreaks eats indentation and empty lines, and determines the
// indentation of a block scalar when it is not known yet.
func blockBreaks(c *ycursor, indent, parentIndent int, trailing []lineCol) (int, []lineCol) {
	maxIndent := 0
	for {
		for (indent == 0 || c.col-1 < indent) && c.peek() == ' ' {
			c.next()
		}
		if c.col-1 > maxIndent {
			maxIndent = c.col - 1
		}
		if !c.isBreak() {
			break
		}
		trailing = append(trailing, lineCol{c.line, c.col})
		c.nextBreak()
	}
	if indent == 0 {
		indent = maxIndent
		if indent < parentIndent+1 {
			indent = parentIndent + 1
		}
		if indent < 1 {
			indent = 1
		}
	}
	return indent, trailing
}

// yamlEscape decodes the double-quoted YAML escape at the start of s
// (s[0] == '\\'); n is the number of bytes it takes, 0 if invalid.
func yamlEscape(s []byte) (dec []byte, n int) {
	if len(s) < 2 {
		return nil, 0
	}
	var r string
	hex := 0
	switch s[1] {
	case '0':
		r = "\x00"
	case 'a':
		r = "\a"
	case 'b':
		r = "\b"
	case 't', '\t':
		r = "\t"
	case 'n':
		r = "\n"
	case 'v':
		r = "\v"
	case 'f':
		r = "\f"
	case 'r':
		r = "\r"
	case 'e':
		r = "\x1b"
	case ' ':
		r = " "
	case '"':
		r = "\""
	case '/':
		r = "/"
	case '\'':
		r = "'"
	case '\\':
		r = "\\"
	case 'N':
		r = "\u0085"
	case '_':
		r = "\u00a0"
	case 'L':
		r = "\u2028"
	case 'P':
		r = "\u2029"
	case 'x':
		hex = 2
	case 'u':
		hex = 4
	case 'U':
		hex = 8
	default:
		return nil, 0
	}
	if hex == 0 {
		return []byte(r), 2
	}
	if len(s) < 2+hex {
		return nil, 0
	}
	v, err := strconv.ParseUint(string(s[2:2+hex]), 16, 32)
	if err != nil {
		return nil, 0
	}
	return utf8.AppendRune(nil, rune(v)), 2 + hex
}
