// Package policy reads Vigil's prevention policies: YAML files, each a
// list of policies with a name, a mode (enforce or audit), a scope (where
// it applies), one match (the action it stops) and an action (deny, or
// kill for system calls). docs/policies.md documents the format.
//
// Contract:
//
//   - Load is pure: it parses and checks files and returns the valid
//     policies and every problem found, each with its file, line and
//     column (rules.Diagnostic), in the same form as rule errors. A
//     policy with any error is left out of the Set; nothing panics on any
//     input (FuzzLoad).
//   - Names are unique across all files loaded together.
//   - Scope.Match and Policy.MatchPath/MatchNet are pure predicates over
//     what the caller knows of the acting process (Subject) and the
//     target. Unknown values never match a selector: a container whose
//     image is not known is not "an nginx container".
//   - Path patterns are Falco globs (fields.Glob: * and ? also match
//     '/'); a pattern ending in "/" is stored as that directory followed
//     by "*" (everything below it).
//
// The mechanisms that enforce policies (fanotify, cgroup BPF programs,
// bpf_send_signal) live in internal/enforce; this package knows nothing
// of them.
package policy
