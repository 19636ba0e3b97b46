// Package rules reads Falco's rule language: rule files (YAML) into a
// Ruleset, conditions into an AST, output templates into parts.
//
// # Contract
//
// Load takes rule files in order and returns the Ruleset after appends
// and overrides, plus Diagnostics. It follows Falco's loader
// (falco/userspace/engine/rule_loader_reader.cpp, rule_loader_collector.cpp):
//
//   - items are `rule`, `macro`, `list`, `required_engine_version` and
//     `required_plugin_versions` (a warning: Vigil loads no plugins);
//   - a later plain definition replaces an earlier one (a rule keeps its
//     place and first position); `override: {key: append|replace}` and the
//     deprecated `append: true` refine earlier definitions, possibly from
//     other files; an item with only `rule` and `enabled` toggles a rule;
//   - appended conditions and outputs are joined with a space, as Falco
//     does, and parsed once at the end; an error in an appended fragment
//     is reported in the file and at the line:col where the fragment is;
//   - rules of a source other than syscall are skipped with a warning;
//   - Vigil adds `actions: [kill, ...]` to rules.
//
// Load never stops at the first problem and never panics: every problem is
// a Diagnostic at the file:line:col of the offending YAML node or of the
// offending character inside a condition or output, also inside block
// scalars (`condition: >`) and quoted strings with escapes. Columns count
// characters, as yaml.v3 does. Malformed items are left out; a rule whose
// condition does not parse is kept with Cond nil.
//
// Load does not expand macros or lists, and knows nothing of field names:
// that is the compiler's job. ParseListItem interprets a list item as
// Falco does when it expands a list into a condition.
//
// ParseCondition implements Falco's condition grammar
// (libsinsp/filter/parser.cpp): `or` binds loosest, then `and`, then
// `not`; checks are `( expr )`, a macro name, or `field op operand`, with
// Falco's operators, bare and quoted strings, escapes
// (libsinsp/filter/escaping.cpp), numbers, lists, transformers (tolower,
// toupper, b64, basename, len) and val(). Errors are *SyntaxError.
// Format renders a condition as a canonical s-expression and
// FormatCondition back into condition syntax.
//
// ParseOutput splits an output template into literal text and fields.
//
// The package is pure: no I/O, no global state.
package rules
