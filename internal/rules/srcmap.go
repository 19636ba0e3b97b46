package rules

import "sort"

// posMapper maps a byte offset in a condition or output text to the
// position of that byte in its rules file.
type posMapper interface {
	posAt(off int) Pos
}

// srcRun says that the text bytes from off up to the next run's off are
// consecutive characters of one file line, the first at line:col.
type srcRun struct {
	off, line, col int
}

// srcMap maps offsets of one text (a YAML scalar's value, or a string
// given to ParseCondition) to file positions. Columns count characters
// (runes), as yaml.v3 does.
type srcMap struct {
	file  string
	text  string
	runs  []srcRun
	fixed bool // every offset maps to runs[0] (position of the scalar only)
}

func (m *srcMap) posAt(off int) Pos {
	if len(m.runs) == 0 {
		return Pos{File: m.file, Line: 1, Col: 1}
	}
	if m.fixed {
		r := m.runs[0]
		return Pos{File: m.file, Line: r.line, Col: r.col}
	}
	if off < 0 {
		off = 0
	}
	if off > len(m.text) {
		off = len(m.text)
	}
	i := sort.Search(len(m.runs), func(i int) bool { return m.runs[i].off > off }) - 1
	if i < 0 {
		i = 0
	}
	r := m.runs[i]
	col := r.col
	if r.off < off {
		col += runeCount(m.text[r.off:off])
	}
	return Pos{File: m.file, Line: r.line, Col: col}
}

// linearMap maps text that appears verbatim in a file starting at start.
func linearMap(text string, start Pos) *srcMap {
	line, col := start.Line, start.Col
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	m := &srcMap{file: start.File, text: text, runs: []srcRun{{0, line, col}}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			line++
			m.runs = append(m.runs, srcRun{i + 1, line, 1})
		}
	}
	return m
}

// fixedMap maps every offset of text to one position.
func fixedMap(text string, p Pos) *srcMap {
	return &srcMap{file: p.File, text: text, runs: []srcRun{{0, p.Line, p.Col}}, fixed: true}
}

// runeCount counts the characters of s; invalid UTF-8 bytes count one each.
func runeCount[T string | []byte](s T) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// textSeg is a piece of a mappedText: text bytes from off (which may be
// negative after trimming) map through m at offset-off.
type textSeg struct {
	off int
	m   *srcMap
}

// mappedText is a condition or output text made of one or more scalars,
// possibly from different files (appends), that remembers where each
// byte came from.
type mappedText struct {
	s    string
	segs []textSeg
}

func newMappedText(m *srcMap) mappedText {
	return mappedText{s: m.text, segs: []textSeg{{0, m}}}
}

// appendText appends " " + o, as Falco joins appended conditions and
// outputs.
func (t *mappedText) appendText(o mappedText) {
	t.s += " "
	base := len(t.s)
	for _, sg := range o.segs {
		t.segs = append(t.segs, textSeg{sg.off + base, sg.m})
	}
	t.s += o.s
}

// trimSpace removes leading and trailing white space, keeping the map.
func (t mappedText) trimSpace() mappedText {
	i, j := 0, len(t.s)
	for i < j && isTrimSpace(t.s[i]) {
		i++
	}
	for j > i && isTrimSpace(t.s[j-1]) {
		j--
	}
	out := mappedText{s: t.s[i:j], segs: make([]textSeg, len(t.segs))}
	for k, sg := range t.segs {
		out.segs[k] = textSeg{sg.off - i, sg.m}
	}
	return out
}

func isTrimSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func (t *mappedText) posAt(off int) Pos {
	if len(t.segs) == 0 {
		return Pos{Line: 1, Col: 1}
	}
	i := sort.Search(len(t.segs), func(i int) bool { return t.segs[i].off > off }) - 1
	if i < 0 {
		i = 0
	}
	sg := t.segs[i]
	return sg.m.posAt(off - sg.off)
}
