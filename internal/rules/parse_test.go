package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		// comparison operators
		{`proc.name = bash`, `(= proc.name bash)`},
		{`proc.name=bash`, `(= proc.name bash)`},
		{`proc.name == bash`, `(== proc.name bash)`},
		{`proc.name != "bash"`, `(!= proc.name "bash")`},
		{`fd.num<3`, `(< fd.num 3)`},
		{`fd.num <= -1`, `(<= fd.num -1)`},
		{`proc.duration > 5000000000`, `(> proc.duration 5000000000)`},
		{`evt.rawres >= 0x1F`, `(>= evt.rawres 0x1F)`},
		{`x.y > 1.5`, `(> x.y 1.5)`},
		{`x.y > +2e-3`, `(> x.y +2e-3)`},
		{`proc.cmdline contains ansible`, `(contains proc.cmdline ansible)`},
		{`proc.args icontains "BEGIN PRIVATE"`, `(icontains proc.args "BEGIN PRIVATE")`},
		{`evt.buffer bcontains 2f2f`, `(bcontains evt.buffer 2f2f)`},
		{`fd.name startswith /etc/`, `(startswith fd.name /etc/)`},
		{`evt.buffer bstartswith 7F454C46`, `(bstartswith evt.buffer 7F454C46)`},
		{`proc.exe endswith ssh`, `(endswith proc.exe ssh)`},
		{`fd.name glob '/home/*/.ssh/*'`, `(glob fd.name "/home/*/.ssh/*")`},
		{`fd.name glob *.sh`, `(glob fd.name *.sh)`},
		{`fd.name iglob /TMP/*`, `(iglob fd.name /TMP/*)`},
		{`proc.name regex '^x[0-9]+$'`, `(regex proc.name "^x[0-9]+$")`},
		{`proc.pname exists`, `(exists proc.pname)`},
		// operators may be followed by any blank, also a newline
		{"proc.name contains\n\tx", `(contains proc.name x)`},
		// list operators
		{`proc.name in (bash, "zsh", 'sh -c')`, `(in proc.name (bash "zsh" "sh -c"))`},
		{`evt.type in (open,openat,openat2)`, `(in evt.type (open openat openat2))`},
		{`proc.name in(a,b)`, `(in proc.name (a b))`},
		{`proc.name in ( a , b )`, `(in proc.name (a b))`},
		{`proc.name in (shell_binaries)`, `(in proc.name (shell_binaries))`},
		{`proc.name in (shell_binaries, login_binaries, sudo)`, `(in proc.name (shell_binaries login_binaries sudo))`},
		{`proc.name in shell_binaries`, `(in proc.name shell_binaries)`},
		{`proc.name in ()`, `(in proc.name ())`},
		{`proc.name in ( )`, `(in proc.name ())`},
		{`fd.name pmatch (/etc, /var/run)`, `(pmatch fd.name (/etc /var/run))`},
		{`proc.aname intersects (sshd, sudo)`, `(intersects proc.aname (sshd sudo))`},
		{`fd.snet in ("10.0.0.0/8", '172.16.0.0/12', 192.168.0.0/16)`, `(in fd.snet ("10.0.0.0/8" "172.16.0.0/12" 192.168.0.0/16))`},
		{`proc.name in (runc:[0:PARENT], runc:[1:CHILD])`, `(in proc.name (runc:[0:PARENT] runc:[1:CHILD]))`},
		// bare strings: anything but blanks ( ) " ' = ,
		{`fd.name = /etc/`, `(= fd.name /etc/)`},
		{`proc.args startswith -c`, `(startswith proc.args -c)`},
		{`fd.net != 127.0.0.0/8`, `(!= fd.net 127.0.0.0/8)`},
		{`fd.name = ~`, `(= fd.name ~)`},
		{`k8s.ns.name = k8s.io`, `(= k8s.ns.name k8s.io)`},
		{`evt.res startswith E`, `(startswith evt.res E)`},
		{`fd.name = a!b@c#d$e%f^g&h*i`, `(= fd.name a!b@c#d$e%f^g&h*i)`},
		// macros and boolean structure
		{`spawned_process`, `(macro spawned_process)`},
		{`a and b and c`, `(and (macro a) (macro b) (macro c))`},
		{`a or b or c`, `(or (macro a) (macro b) (macro c))`},
		{`a or b and c`, `(or (macro a) (and (macro b) (macro c)))`},
		{`a and b or c`, `(or (and (macro a) (macro b)) (macro c))`},
		{`not a and b`, `(and (not (macro a)) (macro b))`},
		{`not a or b`, `(or (not (macro a)) (macro b))`},
		{`not (a and b)`, `(not (and (macro a) (macro b)))`},
		{`not not a`, `(not (not (macro a)))`},
		{`a and not b or c`, `(or (and (macro a) (not (macro b))) (macro c))`},
		{`((a))`, `(macro a)`},
		{`(a or b) and (c or (d and e))`, `(and (or (macro a) (macro b)) (or (macro c) (and (macro d) (macro e))))`},
		{`(a and b) and c`, `(and (and (macro a) (macro b)) (macro c))`},
		{`not(a)`, `(not (macro a))`},
		{`a and(b)`, `(and (macro a) (macro b))`},
		{`a or(b)`, `(or (macro a) (macro b))`},
		{`(a)or(b)`, `(or (macro a) (macro b))`},
		{`nothing and notify`, `(and (macro nothing) (macro notify))`},
		{`oracle or android`, `(or (macro oracle) (macro android))`},
		{"\n\t a\r\n and\tb \n", `(and (macro a) (macro b))`},
		{`x.y>1and z.w<2`, `(and (> x.y 1) (< z.w 2))`},
		// fields with arguments
		{`proc.aname[2] = sshd`, `(= proc.aname[2] sshd)`},
		{`proc.aname[2]=sshd`, `(= proc.aname[2] sshd)`},
		{`evt.arg[0] = x`, `(= evt.arg[0] x)`},
		{`evt.arg.flags contains O_TRUNC`, `(contains evt.arg.flags O_TRUNC)`},
		{`evt.arg["my key"] = v`, `(= evt.arg["my key"] v)`},
		{`evt.arg['k'] = v`, `(= evt.arg[k] v)`},
		{`proc.exe_ino.ctime_duration_proc_start > 0`, `(> proc.exe_ino.ctime_duration_proc_start 0)`},
		{`fd.types[0] in (ipv4, ipv6)`, `(in fd.types[0] (ipv4 ipv6))`},
		// transformers and field operands
		{`tolower(proc.name) = bash`, `(= (tolower proc.name) bash)`},
		{`toupper( basename( fd.name ) ) = PASSWD`, `(= (toupper (basename fd.name)) PASSWD)`},
		{`len(proc.args) > 0`, `(> (len proc.args) 0)`},
		{`b64(evt.arg.data) contains x`, `(contains (b64 evt.arg.data) x)`},
		{`proc.name = val(proc.pname)`, `(= proc.name (val proc.pname))`},
		{`proc.name = val( proc.aname[1] )`, `(= proc.name (val proc.aname[1]))`},
		{`proc.name = tolower(proc.pname)`, `(= proc.name (tolower proc.pname))`},
		{`len(proc.args) > len(proc.name)`, `(> (len proc.args) (len proc.name))`},
		{`proc.name in val(proc.aname)`, `(in proc.name (val proc.aname))`},
		{`proc.name = val`, `(= proc.name val)`},
		// quoted strings and Falco's escapes
		{`proc.cmdline = "a\"b"`, `(= proc.cmdline "a\"b")`},
		{`proc.cmdline = 'it\'s'`, `(= proc.cmdline "it's")`},
		{`proc.cmdline = 'say "hi"'`, `(= proc.cmdline "say \"hi\"")`},
		{`proc.cmdline = "tab\there\nnl\rcr\bbs\fff"`, `(= proc.cmdline "tab\there\nnl\rcr\bbs\fff")`},
		{`proc.cmdline = "back\\slash \/ok"`, `(= proc.cmdline "back\\slash /ok")`},
		{`proc.cmdline = "a\ b"`, `(= proc.cmdline "a\\b")`}, // Falco: "\ " is a backslash
		{`proc.cmdline = ""`, `(= proc.cmdline "")`},
		{`proc.cmdline = "a(b), c=d"`, `(= proc.cmdline "a(b), c=d")`},
		{"proc.cmdline = \"two\nlines\"", `(= proc.cmdline "two\nlines")`},
		{`proc.cmdline = "é"`, `(= proc.cmdline "é")`},
	}
	for _, tt := range tests {
		e, err := ParseCondition(tt.src, Pos{File: "t", Line: 1, Col: 1})
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tt.src, err)
			continue
		}
		if got := Format(e); got != tt.want {
			t.Errorf("ParseCondition(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
		// FormatCondition gives back the same tree.
		back := FormatCondition(e)
		e2, err := ParseCondition(back, Pos{})
		if err != nil {
			t.Errorf("re-parsing %q (from %q): %v", back, tt.src, err)
			continue
		}
		if got := Format(e2); got != tt.want {
			t.Errorf("round trip of %q via %q\n got %s\nwant %s", tt.src, back, got, tt.want)
		}
	}
}

func TestParseConditionValues(t *testing.T) {
	e, err := ParseCondition(`proc.name in ("a b", c) and x.y = 'q' and z.w in lst`, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	terms := e.(*AndExpr).Terms
	in := terms[0].(*CompareExpr)
	if len(in.List) != 2 || !in.List[0].Quoted || in.List[0].Text != "a b" || in.List[1].Quoted || in.List[1].Text != "c" || in.ListRef || in.Value != nil {
		t.Errorf("list: %+v", in)
	}
	eq := terms[1].(*CompareExpr)
	if eq.Value == nil || !eq.Value.Quoted || eq.Value.Text != "q" || eq.List != nil {
		t.Errorf("=: %+v", eq)
	}
	ref := terms[2].(*CompareExpr)
	if !ref.ListRef || len(ref.List) != 1 || ref.List[0].Text != "lst" || ref.List[0].Quoted {
		t.Errorf("list ref: %+v", ref)
	}
	e, err = ParseCondition(`toupper(basename(fd.name)) = val(proc.aname[3])`, Pos{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.(*CompareExpr)
	if c.Field.Name != "fd.name" || strings.Join(c.Field.Transformers, ",") != "basename,toupper" || c.Field.HasArg {
		t.Errorf("field: %+v", c.Field)
	}
	if f := c.Value.Field; f == nil || f.Name != "proc.aname" || !f.HasArg || f.Arg != "3" || len(f.Transformers) != 0 {
		t.Errorf("val: %+v", c.Value)
	}
}

// TestParsePositions checks the recorded position of every kind of node,
// also across lines and after multi-byte characters.
func TestParsePositions(t *testing.T) {
	src := "spawned_process and\n  not proc.name in (\"é\", bash)\n  and (tolower(fd.name) = val(proc.aname[2]) or a)"
	e, err := ParseCondition(src, Pos{File: "f.yaml", Line: 10, Col: 5})
	if err != nil {
		t.Fatal(err)
	}
	and := e.(*AndExpr)
	not := and.Terms[1].(*NotExpr)
	in := not.X.(*CompareExpr)
	or := and.Terms[2].(*OrExpr)
	cmp := or.Terms[0].(*CompareExpr)
	checks := []struct {
		what string
		got  Pos
		want string
	}{
		{"and", and.Pos, "f.yaml:10:5"},
		{"macro", and.Terms[0].Position(), "f.yaml:10:5"},
		{"not", not.Pos, "f.yaml:11:3"},
		{"in", in.Pos, "f.yaml:11:7"},
		{"in field", in.Field.Pos, "f.yaml:11:7"},
		{"item 0", in.List[0].Pos, "f.yaml:11:21"},
		{"item 1", in.List[1].Pos, "f.yaml:11:26"},
		{"or", or.Pos, "f.yaml:12:8"},
		{"cmp", cmp.Pos, "f.yaml:12:8"},
		{"transformed field", cmp.Field.Pos, "f.yaml:12:16"},
		{"val", cmp.Value.Pos, "f.yaml:12:27"},
		{"val field", cmp.Value.Field.Pos, "f.yaml:12:31"},
		{"macro a", or.Terms[1].Position(), "f.yaml:12:49"},
	}
	for _, c := range checks {
		if c.got.String() != c.want {
			t.Errorf("%s at %s, want %s", c.what, c.got, c.want)
		}
	}
}

func TestParseConditionErrors(t *testing.T) {
	tests := []struct {
		src  string
		pos  string // line:col
		want string // part of the message
	}{
		{``, "1:1", "empty condition"},
		{"  \n ", "2:2", "empty condition"},
		{`(a and b`, "1:1", "unbalanced parenthesis: '(' is never closed"},
		{"a and\n  (b or\n   c", "2:3", "'(' is never closed"},
		{`a and b)`, "1:8", "unbalanced parenthesis: unexpected ')'"},
		{`(a b)`, "1:4", `expected ')', 'and' or 'or', found "b"`},
		{`()`, "1:2", "missing operand before ')'"},
		{`proc.name =`, "1:12", "missing value after '='"},
		{`proc.name = `, "1:13", "missing value after '='"},
		{`proc.name = bash and`, "1:21", "missing operand after 'and'"},
		{`a or`, "1:5", "missing operand after 'or'"},
		{`not`, "1:4", "missing operand after 'not'"},
		{`a and `, "1:7", "missing operand"},
		{`a and and b`, "1:7", "missing operand: unexpected 'and'"},
		{`proc.name`, "1:10", "missing operator after field proc.name"},
		{`proc.name equals bash`, "1:11", "unknown operator 'equals'"},
		{`proc.name IN (a)`, "1:11", "unknown operator 'IN'"},
		{`proc.name infoo`, "1:11", "unknown operator 'infoo'"},
		{`proc.name ~= x`, "1:11", `expected an operator after field proc.name, found "~="`},
		{`proc.name contains"x"`, "1:19", "expected a blank after 'contains'"},
		{`proc.name = "bash`, "1:13", `unterminated string: missing closing "`},
		{`proc.name = 'bash`, "1:13", `unterminated string: missing closing '`},
		{"a and\n proc.name in (\"x\\\")", "2:16", "unterminated string"},
		{`proc.name = bash bash`, "1:18", `unexpected "bash" after a complete condition`},
		{`proc.name = bash)`, "1:17", "unexpected ')'"},
		{`a b`, "1:3", `unexpected "b" after a complete condition`},
		{`a andx`, "1:3", `unexpected "andx"`},
		{`proc.name in (a, b`, "1:14", "list '(' is never closed"},
		{`proc.name in (a,)`, "1:17", `expected a value, found ")"`},
		{`proc.name in (a b)`, "1:17", `expected ',' or ')' in list, found "b"`},
		{`proc.name in (a, (b))`, "1:18", `expected a value, found "("`},
		{`proc.name in`, "1:13", "missing list after 'in'"},
		{`proc.name in "a"`, "1:14", `expected '(' or a list name after 'in'`},
		{`fd.num > abc`, "1:10", "expected a number after '>'"},
		{`fd.num > "1"`, "1:10", "expected a number after '>'"},
		{`proc.name = "a\qb"`, "1:15", `unsupported escape sequence \q`},
		{`proc.name = 'a\"b'`, "1:15", `invalid \" escape in a '-quoted string`},
		{`proc.name = "a\'b"`, "1:15", `invalid \' escape in a "-quoted string`},
		{`foo(bar)`, "1:1", "unknown transformer 'foo'"},
		{`val(proc.name) = x`, "1:1", "val() can only be used on the right-hand side"},
		{`join(proc.args) = x`, "1:1", "join() transformer is not supported"},
		{`tolower(proc.name = x`, "1:19", "expected ')' closing tolower("},
		{`tolower(proc.name`, "1:1", "tolower( is never closed"},
		{`tolower(proc.name, fd.name) = x`, "1:18", "tolower() takes a single argument"},
		{`tolower(x) = y`, "1:9", `expected a field inside tolower(), found "x"`},
		{`proc.name = val(x)`, "1:17", "expected a field inside val()"},
		{`proc.aname[2 = x`, "1:13", "expected ']' after the field argument, found a blank"},
		{`proc.aname[] = x`, "1:12", "expected an argument for field proc.aname"},
		{`proc.aname[2`, "1:11", "'[' is never closed"},
		{`_x`, "1:1", "expected '(', a field check or a macro name"},
		{`a and 9`, "1:7", "expected '(', a field check or a macro name"},
		{strings.Repeat("(", maxNesting+1) + "a" + strings.Repeat(")", maxNesting+1), fmt.Sprintf("1:%d", maxNesting+1), "nested more than"},
	}
	for _, tt := range tests {
		_, err := ParseCondition(tt.src, Pos{File: "f.yaml", Line: 1, Col: 1})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseCondition(%q): got %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if got := fmt.Sprintf("%d:%d", se.Pos.Line, se.Pos.Col); got != tt.pos || se.Pos.File != "f.yaml" {
			t.Errorf("ParseCondition(%q): error at %s, want f.yaml:%s (%s)", tt.src, se.Pos, tt.pos, se.Msg)
		}
		if !strings.Contains(se.Msg, tt.want) {
			t.Errorf("ParseCondition(%q): error %q, want it to contain %q", tt.src, se.Msg, tt.want)
		}
	}
}

func TestSyntaxErrorString(t *testing.T) {
	err := &SyntaxError{Pos: Pos{File: "a.yaml", Line: 3, Col: 7}, Msg: "boom"}
	if err.Error() != "a.yaml:3:7: boom" {
		t.Error(err.Error())
	}
	err.Pos.File = ""
	if err.Error() != "3:7: boom" {
		t.Error(err.Error())
	}
}

func TestParseField(t *testing.T) {
	for src, want := range map[string]string{
		"proc.name":                  "proc.name",
		" proc.aname[2] ":            "proc.aname[2]",
		"tolower(basename(fd.name))": "(tolower (basename fd.name))",
		`evt.arg["a b"]`:             `evt.arg["a b"]`,
	} {
		f, err := ParseField(src, Pos{})
		if err != nil {
			t.Errorf("ParseField(%q): %v", src, err)
			continue
		}
		if got := FormatField(f); got != want {
			t.Errorf("ParseField(%q) = %s, want %s", src, got, want)
		}
	}
	for _, src := range []string{"", "proc", "proc.name x", "proc.name)", "9.x"} {
		if _, err := ParseField(src, Pos{}); err == nil {
			t.Errorf("ParseField(%q): no error", src)
		}
	}
}

func TestParseListItem(t *testing.T) {
	tests := []struct {
		item string
		want []string // Go-quoted when quoted
	}{
		{"bash", []string{"bash"}},
		{`"(systemd)"`, []string{`"(systemd)"`}},
		{`'"75-system-updat"'`[1:18], []string{`"75-system-updat"`}},
		{"sh -c uname -p", []string{`"sh -c uname -p"`}},
		{`"sh -c node -e \"require('nan')\""`, []string{`"sh -c node -e \"require('nan')\""`}},
		{"a,b", []string{"a", "b"}},
		{"", nil},
		{"80", []string{"80"}},
		{"runc:[1:CHILD]", []string{"runc:[1:CHILD]"}},
	}
	for _, tt := range tests {
		vs, err := ParseListItem(tt.item, Pos{Line: 1, Col: 1})
		if err != nil {
			t.Errorf("ParseListItem(%q): %v", tt.item, err)
			continue
		}
		var got []string
		for _, v := range vs {
			var b strings.Builder
			formatValue(&b, &v)
			got = append(got, b.String())
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ParseListItem(%q) = %q, want %q", tt.item, got, tt.want)
		}
	}
	if _, err := ParseListItem(`a"b`, Pos{Line: 1, Col: 1}); err == nil {
		t.Error(`ParseListItem("a\"b"): no error`)
	}
	_, err := ParseListItem(`sh -c \q`, Pos{File: "l", Line: 4, Col: 10})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos.String() != "l:4:16" {
		t.Errorf("escape error in spaced item: %v", err)
	}
}

func TestIsOperator(t *testing.T) {
	for _, op := range []string{"=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains",
		"startswith", "bstartswith", "endswith", "glob", "iglob", "regex", "in", "intersects", "pmatch", "exists"} {
		if !IsOperator(op) {
			t.Errorf("IsOperator(%q) = false", op)
		}
	}
	for _, op := range []string{"IN", "", "equals", "=~"} {
		if IsOperator(op) {
			t.Errorf("IsOperator(%q) = true", op)
		}
	}
}
