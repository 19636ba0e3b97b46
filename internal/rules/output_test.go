package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// formatParts renders output parts for tests and goldens: literals
// Go-quoted, fields as %FIELD (with their width).
func formatParts(parts []OutputPart) string {
	var out []string
	for _, p := range parts {
		if p.Field == nil {
			out = append(out, strconv.Quote(p.Text))
			continue
		}
		w := ""
		if p.Width > 0 {
			w = strconv.Itoa(p.Width)
		}
		out = append(out, "%"+w+FormatField(p.Field))
	}
	return strings.Join(out, " ")
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"plain text", `"plain text"`},
		{"shell=%proc.name parent=%proc.pname", `"shell=" %proc.name " parent=" %proc.pname`},
		{"%proc.name", `%proc.name`},
		{"gparent=%proc.aname[2] x", `"gparent=" %proc.aname[2] " x"`},
		{"flags=%evt.arg.flags", `"flags=" %evt.arg.flags`},
		{"%evt.arg[0]|%evt.arg['a b']", `%evt.arg[0] "|" %evt.arg["a b"]`},
		{"%(proc.name)x", `%proc.name "x"`},
		{"%( proc.aname[3] )suffix", `%proc.aname[3] "suffix"`},
		{"file %fd.name.", `"file " %fd.name "."`},
		{"%fd.name: opened", `%fd.name ": opened"`},
		{"(%user.name)", `"(" %user.name ")"`},
		{"%proc.name,%proc.pid", `%proc.name "," %proc.pid`},
		{"%20proc.name|", `%20proc.name "|"`},
		{"%tolower(proc.name) %toupper(basename(fd.name))", `%(tolower proc.name) " " %(toupper (basename fd.name))`},
		{"*%proc.name", `%proc.name`},
		{"a*b", `"a*b"`},
		{"é %proc.name é", `"é " %proc.name " é"`},
	}
	for _, tt := range tests {
		parts, err := ParseOutput(tt.src, Pos{Line: 1, Col: 1})
		if err != nil {
			t.Errorf("ParseOutput(%q): %v", tt.src, err)
			continue
		}
		if got := formatParts(parts); got != tt.want {
			t.Errorf("ParseOutput(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
		back := FormatOutput(parts)
		parts2, err := ParseOutput(back, Pos{Line: 1, Col: 1})
		if err != nil {
			t.Errorf("re-parsing %q (from %q): %v", back, tt.src, err)
			continue
		}
		if got := formatParts(parts2); got != tt.want {
			t.Errorf("round trip of %q via %q: got %s", tt.src, back, got)
		}
	}
}

func TestParseOutputPositions(t *testing.T) {
	parts, err := ParseOutput("é=%proc.name\n  x=%(fd.name) %tolower(user.name)", Pos{File: "o", Line: 5, Col: 12})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range parts {
		if p.Field != nil {
			got = append(got, p.Field.Pos.String())
		}
	}
	if want := "o:5:15 o:6:7 o:6:25"; strings.Join(got, " ") != want {
		t.Errorf("field positions %v, want %s", got, want)
	}
}

func TestParseOutputErrors(t *testing.T) {
	tests := []struct {
		src, pos, want string
	}{
		{"", "1:1", "empty output"},
		{"100%", "1:4", "output cannot end with '%'"},
		{"100% sure", "1:4", "'%' must be followed by a field name"},
		{"a %%proc.name", "1:3", "'%' must be followed by a field name"},
		{"x=%proc", "1:3", "'%' must be followed by a field name"},
		{"x=%12", "1:3", "output cannot end with a field width"},
		{"x=%99999999proc.name", "1:4", "too large"},
		{"x=%proc.aname[2", "1:14", "'[' is never closed"},
		{"x=%(proc.name", "1:4", "'%(' is never closed"},
		{"x=%(proc.name x)", "1:15", "expected ')' after the field"},
		{"x=%(oops)", "1:5", "expected a field name"},
		{"x=%tolower(proc.name", "1:4", "tolower( is never closed"},
		{"line1\n  x=%val(proc.name)", "2:5", "'%' must be followed by a field name"},
	}
	for _, tt := range tests {
		_, err := ParseOutput(tt.src, Pos{File: "o", Line: 1, Col: 1})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseOutput(%q): got %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if got := fmt.Sprintf("%d:%d", se.Pos.Line, se.Pos.Col); got != tt.pos {
			t.Errorf("ParseOutput(%q): error at %s, want %s (%s)", tt.src, got, tt.pos, se.Msg)
		}
		if !strings.Contains(se.Msg, tt.want) {
			t.Errorf("ParseOutput(%q): %q, want %q", tt.src, se.Msg, tt.want)
		}
	}
}

func TestFormatOutputParenthesises(t *testing.T) {
	parts := []OutputPart{{Field: &FieldExpr{Name: "proc.name"}}, {Text: "x"}, {Field: &FieldExpr{Name: "fd.name"}}, {Text: " y"}}
	if got := FormatOutput(parts); got != "%(proc.name)x%fd.name y" {
		t.Errorf("FormatOutput = %q", got)
	}
	if got := FormatOutput([]OutputPart{{Text: "*star"}}); got != "**star" {
		t.Errorf("FormatOutput = %q", got)
	}
}
