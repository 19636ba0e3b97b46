// Package doctor turns a kernel feature report (package probe) into the
// answer to "what will Vigil do on this host": for each of Vigil's
// capabilities, the mechanism it will use (the strongest one available) or
// why it cannot, and whether the agent can run at all.
//
// Contract:
//   - Pure Go and deterministic: Diagnose reads only the report it is given
//     (it imports probe's types, never the eBPF library), so the same report
//     always gives the same diagnosis, and tests need no root.
//   - A feature missing from the report counts as unavailable ("not
//     probed"); Diagnose never panics, whatever the report holds.
//   - When the process lacks privileges, features that failed only for that
//     reason are not blamed on the kernel: the fix given is to add
//     privileges.
//   - Capability names and mechanism strings are exported constants; other
//     packages (the agent's start-up log, enforcement back-ends) compare
//     against them rather than against literals.
//   - WriteText is for people and may change; WriteJSON's field names are
//     stable.
package doctor
