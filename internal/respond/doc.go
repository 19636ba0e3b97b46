// Package respond turns what Vigil's prevention did into alerts, and
// carries out the response actions rules ask for.
//
// Contract:
//
//   - Reporter is a pipeline stage (it implements pipeline.Sink). For each
//     vigil_enforce event (a policy denied, killed, or in audit mode would
//     have) it writes one alert, in the same Falco shape as rule alerts:
//     rule "Vigil policy: NAME", the policy's priority and tags plus
//     vigil_enforce and the mode, and an output naming the policy, the
//     mode, the action, its result, the mechanism, the target, and the
//     process (with its parent and user) and container (with its image
//     and pod) that tried. The output is a rule compiled by the engine
//     from ReporterRule, so its fields mean what they mean in rules.
//     Other events are ignored. Policies can be swapped at any time
//     (SetPolicies) from any goroutine; Write is called from the
//     pipeline's goroutine.
//   - Actor wraps alert sinks: for an alert whose rule carries response
//     actions it carries them out before passing the alert on, and records
//     each outcome in Alert.Actions as "ACTION:RESULT" ("kill:killed",
//     "kill:failed: process gone"). The only action is kill (SIGKILL
//     through a pidfd, so a reused pid is never signalled; the agent
//     itself and PID 1 are never killed). Unknown actions are recorded as
//     "NAME:unsupported". Actions act after the fact: the event already
//     happened; in-kernel prevention is what policies are for.
package respond
