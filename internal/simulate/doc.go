// Package simulate is Vigil's built-in attack simulator: safe,
// self-cleaning reproductions of attack techniques that do the real system
// calls (on scratch files under /tmp, against loopback listeners they open
// themselves), each expected to fire one rule of the built-in ruleset, and
// the verification that a running agent detected them.
//
// Contract:
//
//   - Catalog lists the simulations; names are unique, each names its
//     MITRE ATT&CK technique and tactic and the rule it must fire.
//   - A simulation writes nothing outside its Env.Scratch directory,
//     which the runner creates under /tmp and removes; it only reads
//     system files; every process it starts has ended when Run returns.
//     Simulations needing a program that is missing are skipped, saying
//     which.
//   - Launch runs one simulation in a child process of its own (the vigil
//     binary, `simulate exec`), so that every alert it causes names that
//     child, or a descendant of it, in its process or lineage: Verify
//     matches alerts to simulations by that pid and the rule name.
//   - Verify reads the agent's alert file (Falco alert JSON lines, as
//     `vigil run --alerts-file` writes) from its end at the start, runs
//     the simulations one after the other, and waits for each one's alert
//     a bounded time; the report gives, per simulation, whether it was
//     detected and the latency from its start to the alerting event.
package simulate
