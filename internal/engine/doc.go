// Package engine compiles a loaded Falco-language ruleset (package rules)
// into predicates over events, using the field catalog (package fields),
// and evaluates them: each event is tested only against the rules that can
// match its type, and every matching rule (or the first, in first-match
// mode) yields an Alert with its output rendered as Falco renders it.
//
// Contract:
//   - Compile never panics and reports every problem as a rules.Diagnostic
//     with its file:line:col. Errors (unknown macro, list or field, type
//     mismatch, macro cycle, bad regex) skip the rule; the caller decides
//     whether to run with the rest. A field Vigil cannot produce yet skips
//     its rule with a warning naming the field and the reason, so a rule
//     is never silently always-false.
//   - Evaluation is pure and allocation-free for events that match no rule;
//     an Engine is used from one goroutine at a time.
package engine
