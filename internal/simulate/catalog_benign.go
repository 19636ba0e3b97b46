package simulate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// benignSimulations returns the near misses (Benign) of Catalog's own
// simulations, each named after the one it shadows with "-benign" and
// bound to the same rule, which must NOT fire: the ordinary action
// closest to the technique. The same safety rules apply: files are written
// only below env.Scratch, system files are only read, network use is
// loopback only, stand-ins are copies of /bin/true, and every process
// started is waited for.
func benignSimulations() []Simulation {
	sims := []Simulation{
		{
			Name:        "exec-from-tmp-benign",
			Description: "runs /bin/true from its own directory with the scratch directory under /tmp as the working directory",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "tmp-cwd")
				if err != nil {
					return err
				}
				bin, err := exec.LookPath("true")
				if err != nil {
					return err
				}
				if bin, err = filepath.EvalSymlinks(bin); err != nil {
					return err
				}
				if strings.HasPrefix(bin, "/tmp/") || strings.HasPrefix(bin, "/var/tmp/") || strings.HasPrefix(bin, "/dev/shm/") {
					return fmt.Errorf("true is in a temporary directory: %s", bin)
				}
				cmd := exec.Command(bin, payloadMarker)
				cmd.Dir = dir
				return runCmd(ctx, env, cmd)
			},
		},
		{
			Name:        "memfd-exec-benign",
			Description: "writes to a memfd_create file and has cat read it back through /dev/fd/3; nothing is executed from it",
			Benign:      true,
			Needs:       []string{"cat"},
			Run:         runMemfdRead,
		},
		{
			Name:        "netcat-reverse-shell-benign",
			Description: "runs a harmless stand-in named nc (a copy of /bin/true) as a port check: nc -z 127.0.0.1 PORT",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "nc", "-z", "-w", "1", "127.0.0.1", "4444")
			},
		},
		{
			Name:        "python-reverse-shell-benign",
			Description: "a python3 one-liner without sockets runs /bin/sh -c 'echo vigil-simulation' through subprocess",
			Benign:      true,
			Needs:       []string{"python3", "sh"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("python3", "-c",
					`import subprocess;subprocess.run(["/bin/sh","-c","echo `+payloadMarker+`"],timeout=8,check=True)`))
			},
		},
		{
			Name:        "perl-reverse-shell-benign",
			Description: "a perl socket one-liner connects to a loopback listener of the simulation and sends a line; no shell is started",
			Benign:      true,
			Needs:       []string{"perl"},
			Run: func(ctx context.Context, env *Env) error {
				a, err := listenAttacker("")
				if err != nil {
					return err
				}
				err = runCmd(ctx, env, exec.Command("perl", "-e", fmt.Sprintf(
					`use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp")) or die;connect(S,sockaddr_in(%d,inet_aton("127.0.0.1"))) or die;print S "%s\n";close(S);exit 0`,
					a.port(), payloadMarker)))
				got := a.close()
				if err != nil {
					return err
				}
				if !strings.Contains(got, payloadMarker) {
					return fmt.Errorf("the loopback listener got %q", got)
				}
				return nil
			},
		},
		{
			Name:        "curl-pipe-shell-benign",
			Description: "sh -c 'curl -o FILE http://127.0.0.1:PORT/install.sh' saves a script from an HTTP server of the simulation on loopback to a scratch file; nothing runs it",
			Benign:      true,
			Needs:       []string{"sh", "curl"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "download")
				if err != nil {
					return err
				}
				url, stop, err := serveLoopback("echo " + payloadMarker + "\n")
				if err != nil {
					return err
				}
				defer stop()
				dst := filepath.Join(dir, "install.sh")
				if err := runCmd(ctx, env, exec.Command("sh", "-c", `curl -fsS --max-time 5 -o "$1" "$2"`, "sh", dst, url)); err != nil {
					return err
				}
				return fileHas(dst, payloadMarker)
			},
		},
		{
			Name:        "base64-payload-shell-benign",
			Description: "sh -c 'echo BASE64 | base64 -d > FILE' decodes a payload into a scratch file; nothing runs it",
			Benign:      true,
			Needs:       []string{"sh", "base64"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "decode")
				if err != nil {
					return err
				}
				dst := filepath.Join(dir, "decoded.txt")
				b64 := base64.StdEncoding.EncodeToString([]byte(payloadMarker + "\n"))
				if err := runCmd(ctx, env, exec.Command("sh", "-c", "echo "+b64+` | base64 -d > "$1"`, "sh", dst)); err != nil {
					return err
				}
				return fileHas(dst, payloadMarker)
			},
		},
		{
			Name:        "crypto-miner-benign",
			Description: "runs a harmless stand-in with an ordinary name, worker (a copy of /bin/true), given an https:// URL on loopback",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "worker", "-o", "https://127.0.0.1:3333", "-u", payloadMarker)
			},
		},
		{
			Name:        "credential-dumper-benign",
			Description: "runs a harmless stand-in named ps (a copy of /bin/true), an ordinary process lister",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "ps", "aux")
			},
		},
		{
			Name:        "network-scanner-benign",
			Description: "runs a harmless stand-in named ping (a copy of /bin/true) as ping -c 1 127.0.0.1",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "ping", "-c", "1", "127.0.0.1")
			},
		},
		{
			Name:        "security-tooling-disabled-benign",
			Description: "runs a harmless stand-in named systemctl (a copy of /bin/true) as `systemctl status auditd`",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "systemctl", "status", "auditd")
			},
		},
		{
			Name:        "shell-history-cleared-benign",
			Description: "sh -c 'history' lists the shell's own history (where the shell has the builtin) without clearing it",
			Benign:      true,
			Needs:       []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("sh", "-c", "history 2>/dev/null; exit 0"))
			},
		},
		{
			Name:        "shell-history-deleted-benign",
			Description: "creates a scratch .bash_logout file (not a history file) and deletes it with rm",
			Benign:      true,
			Needs:       []string{"rm"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "home")
				if err != nil {
					return err
				}
				f := filepath.Join(dir, ".bash_logout")
				if err := os.WriteFile(f, []byte("# "+payloadMarker+"\n"), 0o600); err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("rm", "-f", f))
			},
		},
		{
			Name:        "deleted-binary-exec-benign",
			Description: "opens /bin/true and executes it through /proc/PID/fd without unlinking anything",
			Benign:      true,
			Needs:       []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				bin, err := exec.LookPath("true")
				if err != nil {
					return err
				}
				f, err := os.Open(bin)
				if err != nil {
					return err
				}
				defer f.Close()
				path := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd())
				return runCmd(ctx, env, exec.Command(path, payloadMarker))
			},
		},
		{
			Name:        "shadow-read-benign",
			Description: "cat /etc/passwd (the world-readable account list, no hashes), its output discarded",
			Benign:      true,
			Needs:       []string{"cat"},
			Run: func(ctx context.Context, env *Env) error {
				null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
				if err != nil {
					return err
				}
				defer null.Close()
				cmd := exec.Command("cat", "/etc/passwd")
				cmd.Stdout = null
				return runCmd(ctx, env, cmd)
			},
		},
		{
			Name:        "ssh-authorized-keys-benign",
			Description: "appends a dummy host key line to a scratch .ssh/known_hosts with sh, as ssh records a new host",
			Benign:      true,
			Needs:       []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "home")
				if err != nil {
					return err
				}
				ssh := filepath.Join(dir, ".ssh")
				if err := os.Mkdir(ssh, 0o700); err != nil {
					return err
				}
				line := "127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZpZ2lsLXNpbXVsYXRpb24tbm90LWEtcmVhbC1rZXk"
				return runCmd(ctx, env, exec.Command("sh", "-c", `printf '%s\n' "$1" >> "$2"`, "sh", line, filepath.Join(ssh, "known_hosts")))
			},
		},
		{
			Name:        "setuid-bit-benign",
			Description: "makes a scratch copy of a script executable (mode 0755, no setuid or setgid bit) with chmod(2)",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "chmod")
				if err != nil {
					return err
				}
				f := filepath.Join(dir, "script")
				if err := os.WriteFile(f, []byte("#!/bin/sh\nexit 0\n"), 0o600); err != nil {
					return err
				}
				return runCmd(ctx, env, stepCommand(env, "chmod", "0755", f))
			},
		},
		{
			Name:        "kernel-module-load-attempt-benign",
			Description: "cat /proc/modules lists the loaded modules, as lsmod does; nothing is loaded",
			Benign:      true,
			Needs:       []string{"sh", "cat"},
			Run: func(ctx context.Context, env *Env) error {
				null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
				if err != nil {
					return err
				}
				defer null.Close()
				cmd := exec.Command("sh", "-c", "cat /proc/modules 2>/dev/null; exit 0")
				cmd.Stdout = null
				return runCmd(ctx, env, cmd)
			},
		},
		{
			Name:        "ptrace-attach-benign",
			Description: "sh starts `sleep 10`, cat reads its /proc/PID/status (no ptrace), then sleep is killed",
			Benign:      true,
			Needs:       []string{"sh", "sleep", "cat"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("sh", "-c",
					`sleep 10 & p=$!; cat /proc/$p/status >/dev/null 2>&1; kill $p; wait $p; exit 0`))
			},
		},
		{
			Name:        "mprotect-rwx-benign",
			Description: "maps an anonymous read-write page and mprotects it to read-execute (W^X, never writable and executable at once), then unmaps it",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
				if err != nil {
					return fmt.Errorf("mmap: %w", err)
				}
				defer unix.Munmap(mem)
				mem[0] = 0xc3 // ret
				if err := unix.Mprotect(mem, unix.PROT_READ|unix.PROT_EXEC); err != nil {
					return fmt.Errorf("mprotect: %w", err)
				}
				return nil
			},
		},
		{
			Name:        "packet-socket-benign",
			Description: "opens an ordinary UDP socket (AF_INET) on loopback and closes it",
			Benign:      true,
			Run: func(ctx context.Context, env *Env) error {
				c, err := net.ListenPacket("udp4", "127.0.0.1:0")
				if err != nil {
					return err
				}
				return c.Close()
			},
		},
		{
			Name:        "stdout-to-socket-benign",
			Description: "sh redirects its standard output to a scratch file (a dup2 of a file, not a socket) and writes a line",
			Benign:      true,
			Needs:       []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "redirect")
				if err != nil {
					return err
				}
				dst := filepath.Join(dir, "out.txt")
				if err := runCmd(ctx, env, exec.Command("sh", "-c", `exec >"$1"; echo "$2"`, "sh", dst, payloadMarker)); err != nil {
					return err
				}
				return fileHas(dst, payloadMarker)
			},
		},
		{
			Name:        "unprivileged-userns-benign",
			Description: "runs `unshare -U true` as root (uid 0): a user namespace created by a privileged program",
			Benign:      true,
			Needs:       []string{"root", "unshare", "true"},
			Run: func(ctx context.Context, env *Env) error {
				if os.Geteuid() != 0 {
					return errors.New("needs root")
				}
				un, err := exec.LookPath("unshare")
				if err != nil {
					return err
				}
				tr, err := exec.LookPath("true")
				if err != nil {
					return err
				}
				cmd := exec.Command(un, "-U", tr)
				cmd.Dir = "/"
				return runCmd(ctx, env, cmd)
			},
		},
	}
	return sims
}

// runMemfdRead writes to a memfd_create file and has cat read it through
// an inherited descriptor (fd 3).
func runMemfdRead(ctx context.Context, env *Env) error {
	fd, err := unix.MemfdCreate(payloadMarker, unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	defer f.Close()
	if _, err := io.WriteString(f, payloadMarker+"\n"); err != nil {
		return fmt.Errorf("write memfd: %w", err)
	}
	var out strings.Builder
	cmd := exec.Command("cat", "/dev/fd/3")
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout = &out
	if err := runCmd(ctx, env, cmd); err != nil {
		return err
	}
	if !strings.Contains(out.String(), payloadMarker) {
		return fmt.Errorf("cat read %q from the memfd", out.String())
	}
	return nil
}

// serveLoopback serves body over HTTP on 127.0.0.1 until stop is called.
func serveLoopback(body string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, body)
		}),
		ReadHeaderTimeout: cmdTimeout,
	}
	go srv.Serve(ln)
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = srv.Close()
	}
	return "http://" + ln.Addr().String() + "/install.sh", stop, nil
}

// fileHas reports an error unless the file at p contains s.
func fileHas(p, s string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if !strings.Contains(string(b), s) {
		return fmt.Errorf("%s: got %q, want %q", p, b, s)
	}
	return nil
}
