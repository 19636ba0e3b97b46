package rules

import (
	"fmt"
	"strings"
)

// Priority is a Falco rule priority, most severe first.
type Priority int

// The eight Falco priorities.
const (
	Emergency Priority = iota
	Alert
	Critical
	Error
	Warning
	Notice
	Informational
	Debug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String returns Falco's spelling, as its alert JSON carries it.
func (p Priority) String() string {
	if p >= 0 && int(p) < len(priorityNames) {
		return priorityNames[p]
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}

// ParsePriority accepts Falco's names in any case, and "info" for
// Informational.
func ParsePriority(s string) (Priority, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "info" {
		return Informational, nil
	}
	for i, n := range priorityNames {
		if strings.ToLower(n) == l {
			return Priority(i), nil
		}
	}
	return 0, fmt.Errorf("unknown priority %q (want one of emergency, alert, critical, error, warning, notice, informational, debug)", s)
}

// KnownActions are the response actions a rule's actions may name.
func KnownActions() []string { return []string{"kill"} }

// Ruleset is the result of loading rule files in order, with appends and
// overrides applied: the final definitions, ready to compile. Macros and
// lists are not expanded here (the compiler does it, and reports cycles).
type Ruleset struct {
	Files  []FileSummary
	Rules  []*Rule // in order of first definition
	Macros map[string]*Macro
	Lists  map[string]*List
	// RequiredEngineVersion is the highest required_engine_version seen.
	RequiredEngineVersion string
}

// FileSummary counts what one file defined (appends included).
type FileSummary struct {
	Name                 string
	Rules, Macros, Lists int
}

// Rule is one rule after appends and overrides.
type Rule struct {
	Name      string
	Desc      string
	Condition string // final condition text
	Cond      Expr   // Condition parsed
	Output    string
	Priority  Priority
	Tags      []string
	Enabled   bool
	Source    string // "syscall" when absent
	// Exceptions as declared; the compiler turns them into
	// `and not (...)` clauses as Falco does.
	Exceptions          []Exception
	WarnEvttypes        bool // default true
	SkipIfUnknownFilter bool
	// Actions are Vigil's response actions (e.g. "kill"); empty for Falco
	// rules.
	Actions []string
	Pos     Pos // where the rule was first defined
}

// Macro is a named condition fragment.
type Macro struct {
	Name      string
	Condition string
	Cond      Expr
	Pos       Pos // where the definition in effect is (a redefinition replaces it)
	// Index and Visibility replicate Falco's definition order: the loader
	// counts every definition, append and override of rules, macros and
	// lists (1, 2, ...). Index is the count at the macro's first
	// definition, Visibility at its last definition or append. Falco
	// resolves a macro used inside a macro only if that macro's Index is
	// below the using macro's Visibility (rules see every macro).
	Index, Visibility int
}

// List is a named list of values; an item may name another list.
type List struct {
	Name  string
	Items []ListItem
	Pos   Pos // where the definition in effect is (a redefinition replaces it)
	// Index and Visibility: as for Macro. Falco expands an item naming a
	// list only if that list's Index is below this list's Visibility.
	Index, Visibility int
}

// ListItem is one list element as written.
type ListItem struct {
	Text string
	Pos  Pos
}

// Exception is one entry of a rule's exceptions: tuples of values for
// Fields compared with Comps. Falco's single-field form (`fields:
// proc.name`, `comps: in`) is normalised to one field whose values each
// hold one item.
type Exception struct {
	Name   string
	Fields []FieldExpr
	Comps  []string // one per field; default "=" (or "in" for the single-field form)
	Values []ExceptionValues
	Pos    Pos
}

// ExceptionValues is one tuple: Items[i] is compared with Fields[i].
type ExceptionValues struct {
	Items []ExceptionItem
	Pos   Pos
}

// ExceptionItem is a scalar value, or a YAML sequence (for in, pmatch and
// intersects comparisons) when IsList is set. A scalar item naming a list
// is expanded by the compiler for list comparisons.
type ExceptionItem struct {
	Text   string
	List   []string
	IsList bool
	Pos    Pos
}

// Severity of a Diagnostic.
type Severity int

// Severities.
const (
	SevError Severity = iota
	SevWarning
)

// Diagnostic is one problem found while loading or compiling rules.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	// Item names the rule, macro or list concerned ("rule Terminal shell
	// in container"), empty when the problem concerns the file itself.
	Item string
	Msg  string
}

// String renders "file:line:col: error: Item: Msg" (Item omitted if empty).
func (d Diagnostic) String() string {
	sev := "error"
	if d.Severity == SevWarning {
		sev = "warning"
	}
	if d.Item != "" {
		return fmt.Sprintf("%s: %s: %s: %s", d.Pos, sev, d.Item, d.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", d.Pos, sev, d.Msg)
}

// Diagnostics is a list of diagnostics.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}

// File is one rules file to load.
type File struct {
	Name string // shown in diagnostics
	Data []byte
}
