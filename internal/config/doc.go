// Package config reads Vigil's configuration file: one YAML file
// (DefaultPath unless --config names another) holding every setting of
// `vigil run`. docs/configuration.md documents it key by key, and
// deploy/vigil.yaml is the default configuration written out in full.
//
// Contract:
//
//   - Default returns the built-in configuration, which is what the agent
//     did before there was a file: the built-in rules, alerts as text on
//     stdout, no policies, no metrics listener.
//   - Load and Parse are strict and pure (Load only reads the one file):
//     the file is laid over Default, every problem is reported, not only
//     the first, each naming the key (outputs[1].http.retries) and the
//     file:line:col of the offending node, as *Error. An unknown key, a
//     value of the wrong kind or out of range, a duration without a unit,
//     an output block that does not fit the output's type: all errors.
//     Nothing panics on any input (FuzzParse).
//   - Load("") reads DefaultPath when it exists and returns Default when it
//     does not; a path that was named explicitly must exist.
//   - Flags (AddFlags) registers `vigil run`'s command-line flags; Flags.Load loads
//     the file and lays over it the flags that were given on the command
//     line (pflag's Changed), so a flag always wins over the file and a
//     flag left alone never hides the file's value. Problems a flag causes
//     name the flag.
//   - Validate checks a Config built or changed in code the same way Load
//     checks a file; Marshal writes a Config that Parse reads back equal.
//
// The package knows nothing of how outputs, metrics or reloads are
// implemented: it only says what was asked for.
package config
