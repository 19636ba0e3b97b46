package simulate

import (
	"context"
	"os/exec"
)

// nsSimulations are the techniques that change system directories
// (/etc, /var/log), simulated where the change cannot reach the host: in a
// private mount namespace (unshare --mount --propagation private) over
// whose /etc or /var/log an empty tmpfs is mounted first. The kernel
// reports the real paths (/etc/cron.d/...), the rules fire on them, and the
// tmpfs, with everything written to it, disappears with the namespace when
// the shell exits. Nothing of the host's /etc or /var/log is read,
// written or deleted.
func nsSimulations() []Simulation {
	needs := []string{"root", "unshare", "sh", "mount", "mkdir"}
	return []Simulation{
		{
			Name:        "cron-job-written",
			Description: "in a private mount namespace with an empty tmpfs over /etc, writes /etc/cron.d/vigil-sim (the host's /etc is untouched)",
			Technique:   "T1053.003", Tactic: "persistence",
			Rule:  "Cron job created or modified",
			Needs: needs,
			Run: func(ctx context.Context, env *Env) error {
				return runPrivateNS(ctx, env, "/etc", `mkdir /etc/cron.d && echo "* * * * * root true" > /etc/cron.d/vigil-sim`)
			},
		},
		{
			Name:        "cron-job-written-benign",
			Description: "in the same private namespace, writes /etc/vigil-sim.conf, an ordinary configuration file",
			Benign:      true,
			Needs:       needs,
			Run: func(ctx context.Context, env *Env) error {
				return runPrivateNS(ctx, env, "/etc", `echo "key=value" > /etc/vigil-sim.conf`)
			},
		},
		{
			Name:        "ld-preload-written",
			Description: "in a private mount namespace with an empty tmpfs over /etc, creates an empty /etc/ld.so.preload (the host's is untouched; nothing runs in that namespace afterwards)",
			Technique:   "T1574.006", Tactic: "persistence",
			Rule:  "Dynamic linker preload file written",
			Needs: needs,
			Run: func(ctx context.Context, env *Env) error {
				return runPrivateNS(ctx, env, "/etc", `: > /etc/ld.so.preload`)
			},
		},
		{
			Name:        "ld-preload-written-benign",
			Description: "in the same private namespace, writes /etc/ld.so.conf, the loader's ordinary search path file",
			Benign:      true,
			Needs:       needs,
			Run: func(ctx context.Context, env *Env) error {
				return runPrivateNS(ctx, env, "/etc", `echo /opt/lib > /etc/ld.so.conf`)
			},
		},
		{
			Name:        "log-file-deleted",
			Description: "in a private mount namespace with an empty tmpfs over /var/log, creates and deletes /var/log/vigil-sim.log (the host's logs are untouched)",
			Technique:   "T1070.002", Tactic: "defense-evasion",
			Rule:  "Log file deleted",
			Needs: append(needs, "rm"),
			Run: func(ctx context.Context, env *Env) error {
				return runPrivateNS(ctx, env, "/var/log", `echo x > /var/log/vigil-sim.log && rm /var/log/vigil-sim.log`)
			},
		},
		{
			Name:        "log-file-deleted-benign",
			Description: "in the same private namespace, a stand-in named logrotate (a copy of rm) deletes /var/log/vigil-sim.log.1, as log rotation does",
			Benign:      true,
			Needs:       append(needs, "rm"),
			Run: func(ctx context.Context, env *Env) error {
				rot, err := standInOf(env, "rm", "logrotate")
				if err != nil {
					return err
				}
				return runPrivateNS(ctx, env, "/var/log", `echo x > /var/log/vigil-sim.log.1 && "$1" /var/log/vigil-sim.log.1`, rot)
			},
		},
	}
}

// runPrivateNS runs script with sh in a new mount namespace whose mounts
// do not propagate to the host's, after mounting an empty tmpfs over dir;
// args are the script's $1, $2, ...
func runPrivateNS(ctx context.Context, env *Env, dir, script string, args ...string) error {
	full := "mount -t tmpfs -o size=1m,mode=0755 vigil-sim " + dir + " && " + script
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", full, "sh"}, args...)...)
	return runCmd(ctx, env, cmd)
}
