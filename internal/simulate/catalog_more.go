package simulate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// moreSimulations returns the simulations of the rules in
// rules/vigil_rules_more.yaml: for each rule one that fires it and one
// near miss (Benign) that must not. The same safety rules as Catalog's
// apply: files are written only below env.Scratch (fake home directories,
// fake keys and tokens), system files are only read, network use is
// loopback only, and attack tools are harmless stand-ins (copies of
// /bin/true, or of cat, under the tool's name).
func moreSimulations() []Simulation {
	sims := []Simulation{
		// SSH private keys.
		{
			Name:        "ssh-private-key-read",
			Description: "cat reads a fake private key in a scratch home directory's .ssh/id_ed25519",
			Technique:   "T1552.004", Tactic: "credential-access",
			Rule:  "SSH private key read by an unexpected program",
			Needs: []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", ".ssh/id_ed25519", fakeKey)
			},
		},
		{
			Name:        "ssh-private-key-read-benign",
			Description: "a stand-in named ssh (a copy of cat) reads a fake private key in a scratch home directory's .ssh/id_ed25519, as ssh reads its own key",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "ssh", ".ssh/id_ed25519", fakeKey)
			},
		},
		// Cloud credentials.
		{
			Name:        "cloud-credentials-read",
			Description: "cat reads a fake .aws/credentials in a scratch home directory",
			Technique:   "T1552.001", Tactic: "credential-access",
			Rule:  "Cloud or cluster credentials read by an unexpected program",
			Needs: []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", ".aws/credentials",
					"[default]\naws_access_key_id = AKIAVIGILSIMULATION0\naws_secret_access_key = "+payloadMarker+"\n")
			},
		},
		{
			Name:        "cloud-credentials-read-benign",
			Description: "a stand-in named kubectl (a copy of cat) reads a fake .kube/config in a scratch home directory, as kubectl does",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "kubectl", ".kube/config", "apiVersion: v1\nkind: Config\n# "+payloadMarker+"\n")
			},
		},
		// /proc/PID/mem.
		{
			Name:        "proc-mem-read",
			Description: "sh starts `sleep 10` and cat opens its /proc/PID/mem for reading (the first read fails at address 0; nothing is dumped), then sleep is killed",
			Technique:   "T1003.007", Tactic: "credential-access",
			Rule:  "Memory of another process read through /proc",
			Needs: []string{"root", "sh", "sleep", "cat"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("sh", "-c",
					`sleep 10 & p=$!; cat /proc/$p/mem >/dev/null 2>&1; kill $p; wait $p; exit 0`))
			},
		},
		{
			Name:        "proc-mem-read-benign",
			Description: "cat opens its own memory, /proc/self/mem (the first read fails at address 0)",
			Benign:      true,
			Needs:       []string{"sh", "cat"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("sh", "-c", `cat /proc/self/mem >/dev/null 2>&1; exit 0`))
			},
		},
		// Shell startup files.
		{
			Name:        "shell-rc-modified",
			Description: "sh appends a command to a scratch home directory's .bashrc",
			Technique:   "T1546.004", Tactic: "persistence",
			Rule:  "Shell startup file modified",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				rc, err := fakeFile(env, "rc", ".bashrc", "# .bashrc\n")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("sh", "-c", `echo "echo $2" >> "$1"; exit 0`, "sh", rc, payloadMarker))
			},
		},
		{
			Name:        "shell-rc-modified-benign",
			Description: "sh sources a scratch home directory's .bashrc (read only), as a starting shell does",
			Benign:      true,
			Needs:       []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				rc, err := fakeFile(env, "rc", ".bashrc", "true "+payloadMarker+"\n")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("sh", "-c", `. "$1"; exit 0`, "sh", rc))
			},
		},
		// Local accounts.
		{
			Name:        "local-account-created",
			Description: "runs a harmless stand-in named useradd (a copy of /bin/true) as `useradd -m -s /bin/bash vigil-sim`; no account is created",
			Technique:   "T1136.001", Tactic: "persistence",
			Rule:  "Local account created",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "useradd", "-m", "-s", "/bin/bash", "vigil-sim")
			},
		},
		{
			Name:        "local-account-created-benign",
			Description: "a stand-in named dpkg (a copy of sh) runs a stand-in useradd (a copy of /bin/true) as `useradd --system vigil-sim`, as a package's maintainer script does; no account is created",
			Benign:      true,
			Needs:       []string{"sh", "true"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "dpkg")
				if err != nil {
					return err
				}
				dpkg, err := copyProgram("sh", dir, "dpkg")
				if err != nil {
					return err
				}
				useradd, err := copyProgram("true", dir, "useradd")
				if err != nil {
					return err
				}
				// "; exit 0" keeps the shell from exec'ing useradd in its place.
				return runCmd(ctx, env, exec.Command(dpkg, "-c", `"$1" --system vigil-sim; exit 0`, "dpkg", useradd))
			},
		},
		// Sudoers.
		{
			Name:        "sudoers-nopasswd",
			Description: "sh -c 'echo \"vigil-sim ALL=(ALL) NOPASSWD: ALL\" > SCRATCH/etc/sudoers.d/vigil-sim': the command line of a sudoers backdoor, written into a scratch copy of /etc/sudoers.d",
			Technique:   "T1548.003", Tactic: "privilege-escalation",
			Rule:  "Passwordless sudo granted from a shell command",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "sudoers")
				if err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Join(dir, "etc", "sudoers.d"), 0o755); err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("sh", "-c",
					`echo "vigil-sim ALL=(ALL) NOPASSWD: ALL" > "$1/etc/sudoers.d/vigil-sim"; exit 0`, "sh", dir))
			},
		},
		{
			Name:        "sudoers-nopasswd-benign",
			Description: "sh -c 'grep -s NOPASSWD /etc/sudoers': an audit that reads the sudoers file, writing nothing",
			Benign:      true,
			Needs:       []string{"sh", "grep"},
			Run: func(ctx context.Context, env *Env) error {
				cmd := exec.Command("sh", "-c", `grep -s NOPASSWD /etc/sudoers; exit 0`)
				return runCmd(ctx, env, cmd)
			},
		},
		// Timestomping.
		{
			Name:        "timestomp",
			Description: "touch -r /etc/passwd SCRATCH/file: copies the times of /etc/passwd (only read) onto a scratch file",
			Technique:   "T1070.006", Tactic: "defense-evasion",
			Rule:  "File timestamps altered with touch",
			Needs: []string{"touch"},
			Run: func(ctx context.Context, env *Env) error {
				f, err := fakeFile(env, "touch", "implant", payloadMarker+"\n")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("touch", "-r", "/etc/passwd", f))
			},
		},
		{
			Name:        "timestomp-benign",
			Description: "touch SCRATCH/file: sets a scratch file's times to now",
			Benign:      true,
			Needs:       []string{"touch"},
			Run: func(ctx context.Context, env *Env) error {
				f, err := fakeFile(env, "touch", "file", payloadMarker+"\n")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("touch", f))
			},
		},
		// Password cracking.
		{
			Name:        "password-cracker",
			Description: "runs a harmless stand-in named john (a copy of /bin/true) as `john --wordlist=words.txt hashes.txt`",
			Technique:   "T1110.002", Tactic: "credential-access",
			Rule:  "Password cracking tool executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "john", "--wordlist=words.txt", "hashes.txt")
			},
		},
		{
			Name:        "password-cracker-benign",
			Description: "sha256sum hashes a scratch file: computing a hash, not cracking one",
			Benign:      true,
			Needs:       []string{"sha256sum"},
			Run: func(ctx context.Context, env *Env) error {
				f, err := fakeFile(env, "hash", "file", payloadMarker+"\n")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("sha256sum", f))
			},
		},
		// Tunneling tools.
		{
			Name:        "tunneling-tool",
			Description: "runs a harmless stand-in named chisel (a copy of /bin/true) as `chisel client 127.0.0.1:8080 R:socks`",
			Technique:   "T1572", Tactic: "command-and-control",
			Rule:  "Tunneling tool executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "chisel", "client", "127.0.0.1:8080", "R:socks")
			},
		},
		{
			Name:        "tunneling-tool-benign",
			Description: "runs a harmless stand-in named ssh (a copy of /bin/true) as an ordinary `ssh -o BatchMode=yes 127.0.0.1 true`, no tunnel",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "ssh", "-o", "BatchMode=yes", "127.0.0.1", "true")
			},
		},
		// Namespaces.
		{
			Name:        "nsenter-setns",
			Description: "nsenter -t PID -n true, where PID is the simulation itself: setns into the network namespace it is already in, then runs true",
			Technique:   "T1611", Tactic: "privilege-escalation",
			Rule:  "Namespace joined by an unexpected program",
			Needs: []string{"root", "nsenter", "true"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("nsenter", "-t", strconv.Itoa(os.Getpid()), "-n", "true"))
			},
		},
		{
			Name:        "nsenter-setns-benign",
			Description: "a stand-in named runc (a copy of nsenter) joins the simulation's own network namespace and runs true, as a container runtime joins namespaces",
			Benign:      true,
			Needs:       []string{"root", "nsenter", "true"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "runc")
				if err != nil {
					return err
				}
				runc, err := copyProgram("nsenter", dir, "runc")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command(runc, "-t", strconv.Itoa(os.Getpid()), "-n", "true"))
			},
		},
		// Kernel thread masquerading.
		{
			Name:        "kworker-masquerade",
			Description: "perl -e '$0 = \"[kworker/0:1]\"': perl renames itself (prctl PR_SET_NAME) to a kernel thread name and exits",
			Technique:   "T1036.004", Tactic: "defense-evasion",
			Rule:  "Process renamed to look like a kernel thread",
			Needs: []string{"perl"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("perl", "-e", `$0 = "[kworker/0:1]"; exit 0`))
			},
		},
		{
			Name:        "kworker-masquerade-benign",
			Description: "perl -e '$0 = \"vigil-sim-worker\"': perl gives itself an ordinary worker name (prctl PR_SET_NAME), as daemons do",
			Benign:      true,
			Needs:       []string{"perl"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("perl", "-e", `$0 = "vigil-sim-worker"; exit 0`))
			},
		},
		// Kubernetes service account tokens.
		{
			Name:        "k8s-token-read",
			Description: "cat reads a fake service account token in a scratch copy of /run/secrets/kubernetes.io/serviceaccount",
			Technique:   "T1528", Tactic: "credential-access",
			Rule:  "Kubernetes service account token read by a shell tool",
			Needs: []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", "run/secrets/kubernetes.io/serviceaccount/token", "eyJ"+payloadMarker)
			},
		},
		{
			Name:        "k8s-token-read-benign",
			Description: "cat reads the fake CA certificate next to the token in a scratch copy of /run/secrets/kubernetes.io/serviceaccount",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", "run/secrets/kubernetes.io/serviceaccount/ca.crt", "-----BEGIN CERTIFICATE-----\n"+payloadMarker+"\n")
			},
		},
		// systemd user units.
		{
			Name:        "systemd-user-unit",
			Description: "sh writes a service unit into a scratch home directory's .config/systemd/user; nothing is enabled or started",
			Technique:   "T1543.002", Tactic: "persistence",
			Rule:  "Systemd user unit created",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				return writeFakeFile(ctx, env, ".config/systemd/user/vigil-sim.service",
					"[Service]\nExecStart=/bin/echo "+payloadMarker+"\n")
			},
		},
		{
			Name:        "systemd-user-unit-benign",
			Description: "cat reads a service unit in a scratch home directory's .config/systemd/user, as systemd reads its units",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", ".config/systemd/user/vigil-sim.service",
					"[Service]\nExecStart=/bin/echo "+payloadMarker+"\n")
			},
		},
		// XDG autostart.
		{
			Name:        "xdg-autostart",
			Description: "sh writes a .desktop entry into a scratch home directory's .config/autostart",
			Technique:   "T1547.013", Tactic: "persistence",
			Rule:  "XDG autostart entry created",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				return writeFakeFile(ctx, env, ".config/autostart/vigil-sim.desktop",
					"[Desktop Entry]\nType=Application\nExec=/bin/echo "+payloadMarker+"\n")
			},
		},
		{
			Name:        "xdg-autostart-benign",
			Description: "sh writes a .desktop launcher into a scratch home directory's .local/share/applications (a menu entry, not autostart)",
			Benign:      true,
			Needs:       []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				return writeFakeFile(ctx, env, ".local/share/applications/vigil-sim.desktop",
					"[Desktop Entry]\nType=Application\nExec=/bin/echo "+payloadMarker+"\n")
			},
		},
		// Encrypted archives.
		{
			Name:        "archive-with-password",
			Description: "runs a harmless stand-in named zip (a copy of /bin/true) as `zip -P PASSWORD loot.zip notes.txt`",
			Technique:   "T1560.001", Tactic: "collection",
			Rule:  "Archive created with a password",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "zip", "-P", payloadMarker, "loot.zip", "notes.txt")
			},
		},
		{
			Name:        "archive-with-password-benign",
			Description: "runs a harmless stand-in named zip (a copy of /bin/true) as an ordinary `zip -r backup.zip notes`",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "zip", "-r", "backup.zip", "notes")
			},
		},
		// Browser credential stores.
		{
			Name:        "browser-credentials-read",
			Description: "cat reads a fake Firefox logins.json in a scratch home directory's .mozilla/firefox profile",
			Technique:   "T1555.003", Tactic: "credential-access",
			Rule:  "Browser credential store read by an unexpected program",
			Needs: []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", ".mozilla/firefox/vigil.default-release/logins.json",
					`{"logins":[],"note":"`+payloadMarker+`"}`+"\n")
			},
		},
		{
			Name:        "browser-credentials-read-benign",
			Description: "cat reads a fake prefs.js (preferences, no secrets) in a scratch home directory's .mozilla/firefox profile",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return readFakeFile(ctx, env, "cat", "cat", ".mozilla/firefox/vigil.default-release/prefs.js",
					"// "+payloadMarker+"\n")
			},
		},
	}
	return sims
}

// fakeKey is a placeholder in the format of an OpenSSH private key; it is
// not a key.
const fakeKey = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + payloadMarker + "-not-a-key\n-----END OPENSSH PRIVATE KEY-----\n"

// fakeFile writes content to rel below a fresh scratch directory (a fake
// home or root directory) and returns its path. The rule of a near miss
// that reads the file must not see this setup as a write of it.
func fakeFile(env *Env, name, rel, content string) (string, error) {
	dir, err := workDir(env, name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	// Written under another name and renamed into place, so that this
	// setup is no open for writing of the file the rules look at.
	tmp := filepath.Join(filepath.Dir(p), "vigil-sim.tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// readFakeFile creates rel with content below a fresh scratch directory and
// has a copy of prog named as (or prog itself when as is prog) read it,
// its output discarded.
func readFakeFile(ctx context.Context, env *Env, prog, as, rel, content string) error {
	p, err := fakeFile(env, "home", rel, content)
	if err != nil {
		return err
	}
	bin := prog
	if as != prog {
		dir, err := workDir(env, as)
		if err != nil {
			return err
		}
		if bin, err = copyProgram(prog, dir, as); err != nil {
			return err
		}
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	cmd := exec.Command(bin, p)
	cmd.Stdout = null
	return runCmd(ctx, env, cmd)
}

// writeFakeFile has sh write a file at rel below a fresh scratch
// directory (its directories are created first).
func writeFakeFile(ctx context.Context, env *Env, rel, content string) error {
	dir, err := workDir(env, "home")
	if err != nil {
		return err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	if filepath.Dir(p) == dir {
		return fmt.Errorf("%s: want a file in a subdirectory", rel)
	}
	return runCmd(ctx, env, exec.Command("sh", "-c", `printf '%s' "$2" > "$1"; exit 0`, "sh", p, content))
}
