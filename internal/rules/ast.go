package rules

import "fmt"

// Pos is a position in a rules file: 1-based line and column. For YAML
// scalars the column of the first character of the value; for positions
// inside a condition, the character's own line and column in the file
// (the loader maps condition offsets back to the file, also for block
// scalars such as `condition: >`).
type Pos struct {
	File string
	Line int
	Col  int
}

// String renders "file:line:col".
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Expr is a node of a parsed condition.
type Expr interface {
	Position() Pos
}

// AndExpr is Terms[0] and Terms[1] and ... (len(Terms) >= 2).
type AndExpr struct {
	Pos   Pos
	Terms []Expr
}

// OrExpr is Terms[0] or Terms[1] or ... (len(Terms) >= 2).
type OrExpr struct {
	Pos   Pos
	Terms []Expr
}

// NotExpr is not X.
type NotExpr struct {
	Pos Pos
	X   Expr
}

// MacroRef is a bare identifier where a check is expected: a macro.
type MacroRef struct {
	Pos  Pos
	Name string
}

// FieldExpr names a field with its optional argument and transformers:
// `proc.aname[2]` is Name "proc.aname", Arg "2", HasArg; `evt.arg.flags`
// stays Name "evt.arg.flags" (the field catalog splits dotted arguments);
// `tolower(basename(fd.name))` has Transformers ["basename", "tolower"], in
// the order they apply.
type FieldExpr struct {
	Pos          Pos
	Name         string
	Arg          string
	HasArg       bool
	Transformers []string
}

// ValueExpr is one operand on the right of an operator.
type ValueExpr struct {
	Pos Pos
	// Text is the value with quotes removed and escapes processed.
	Text string
	// Quoted is set for "..." and '...' values: a quoted value is never a
	// list reference.
	Quoted bool
	// Field is set instead of Text for a field operand: `val(proc.pname)`
	// or a transformer applied to a field on the right-hand side.
	Field *FieldExpr
}

// CompareExpr is a check: Field Op Value, Field Op (List...), or the unary
// Field exists.
type CompareExpr struct {
	Pos   Pos
	Field FieldExpr
	// Op is one of = == != < <= > >= contains icontains bcontains
	// startswith bstartswith endswith glob iglob regex pmatch in
	// intersects exists (lower case as written in Falco).
	Op string
	// Value is the single operand of a binary operator (nil for exists
	// and for list operators).
	Value *ValueExpr
	// List holds the items of a parenthesised list for in, intersects and
	// pmatch; an unquoted item may name a list to expand. A bare
	// identifier without parentheses after in/intersects/pmatch (Falco
	// accepts `proc.name in shell_binaries`) is one item with
	// ListRef set.
	List    []ValueExpr
	ListRef bool
}

func (e *AndExpr) Position() Pos     { return e.Pos }
func (e *OrExpr) Position() Pos      { return e.Pos }
func (e *NotExpr) Position() Pos     { return e.Pos }
func (e *MacroRef) Position() Pos    { return e.Pos }
func (e *CompareExpr) Position() Pos { return e.Pos }
