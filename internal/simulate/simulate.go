package simulate

import (
	"context"
	"io"
)

// Env is what a simulation runs with.
type Env struct {
	// Scratch is a directory under /tmp created for this run and removed
	// after it; every file a simulation writes is below it.
	Scratch string
	// Exe is the vigil binary (os.Executable), for simulations that need
	// a child process running some code of their own (re-exec with
	// Exe, "simulate", "exec", NAME, ...).
	Exe string
	// Out receives human-readable progress; never nil.
	Out io.Writer
}

// Simulation is one safe, self-cleaning reproduction of an attack
// technique: the real system calls, on scratch files, against loopback.
type Simulation struct {
	Name        string // short, unique, kebab-case: "memfd-exec"
	Description string // one line: what it does for real
	Technique   string // MITRE ATT&CK technique id: "T1620"
	Tactic      string // MITRE ATT&CK tactic: "defense-evasion"
	// Rule is the name of the built-in rule expected to fire, or, for a
	// near miss (Benign), the rule that must NOT fire: an ordinary action
	// close to the technique that the rule must tell apart from it. A near
	// miss named NAME-benign that leaves Technique, Tactic and Rule empty
	// takes them from the simulation NAME (Catalog fills them in).
	Rule   string
	Benign bool
	// Tags select simulations in `vigil simulate run TAG`.
	Tags []string
	// Needs are programs that must be on PATH (the simulation is skipped,
	// saying so, when one is missing), "root", or NeedModules.
	Needs []string
	// Run performs the technique. It returns when every process it
	// started has ended and it must leave nothing outside env.Scratch.
	Run func(ctx context.Context, env *Env) error
}
