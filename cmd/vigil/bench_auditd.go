package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// The auditd configuration of `bench overhead`: Debian's audit daemon with
// one audit rule on the system calls the vigil-default configuration
// captures (the most widely deployed peer). The daemon runs in the
// foreground as a child (`auditd -n`, no systemd) with a private
// configuration directory: Debian's auditd.conf defaults (auditdConf) but
// for the log file and the plugin directory, which live in a temporary
// directory. The rules are Debian's default audit.rules (-D, -b 8192,
// --backlog_wait_time 60000, -f 1) plus the measured rule. Stopping deletes
// the rules, waits for the kernel's backlog to drain, stops the daemon and
// restores the audit settings read before starting; so does every failure
// on the way. One effect cannot be undone: once audit has been enabled, the
// kernel gives every process created afterwards an audit context until the
// next boot (audit_ever_enabled), whatever rules remain.

// auditdKey tags the measured rule and its configuration records.
const auditdKey = "vigil-bench"

// auditdConf is Debian 12's /etc/audit/auditd.conf (auditd 3.0.9) with
// log_file and plugin_dir left to fill: %[1]s is the log file, %[2]s an
// empty plugin directory (Debian's plugins are inactive by default).
const auditdConf = `local_events = yes
write_logs = yes
log_file = %[1]s
log_group = adm
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 5
priority_boost = 4
name_format = NONE
max_log_file_action = ROTATE
space_left = 75
space_left_action = SYSLOG
verify_email = yes
action_mail_acct = root
admin_space_left = 50
admin_space_left_action = SUSPEND
disk_full_action = SUSPEND
disk_error_action = SUSPEND
use_libwrap = yes
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
transport = TCP
krb5_principal = auditd
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = %[2]s
end_of_event_timeout = 2
`

// debianAuditRules are Debian's default audit.rules, which its auditd
// service loads (augenrules) before any site rule.
const debianAuditRules = `-D
-b 8192
--backlog_wait_time 60000
-f 1
`

// auditLifecycle are the process lifecycle events Vigil's sensor always
// captures, whatever the rules: the audit rule watches their system calls
// too.
var auditLifecycle = []event.Type{
	event.TypeExecve, event.TypeExecveat,
	event.TypeClone, event.TypeClone3, event.TypeFork, event.TypeVfork,
	event.TypeProcExit,
}

// auditSyscallName is the system call auditctl's -S takes for an event
// type; false for pseudo-events without one.
func auditSyscallName(t event.Type) (string, bool) {
	switch t {
	case event.TypeUnknown, event.TypeDrop, event.TypeEnforce:
		return "", false
	case event.TypeProcExit:
		// The last thread's exit; audit records exit_group at do_exit.
		return "exit_group", true
	}
	name := t.String()
	if name == "" || name == "unknown" {
		return "", false
	}
	return name, true
}

// auditSyscallNames maps the captured system call types, plus the process
// lifecycle, to auditctl's names: sorted, without duplicates.
func auditSyscallNames(types []event.Type) []string {
	var names []string
	for _, t := range slices.Concat(auditLifecycle, types) {
		if n, ok := auditSyscallName(t); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// builtinAuditSyscalls is auditSyscallNames of what `vigil run` with the
// built-in rules captures (capturedSyscalls).
func builtinAuditSyscalls() ([]string, error) {
	l, err := loadRules(&ruleFlags{matching: "all"})
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	if n := l.errorCount(); n > 0 {
		return nil, fmt.Errorf("built-in rules: %d error(s)", n)
	}
	return auditSyscallNames(capturedSyscalls(l.engine)), nil
}

// parseAusyscallDump reads `ausyscall --dump` (a header line, then
// "NUMBER\tNAME" lines) into the set of names.
func parseAusyscallDump(out string) map[string]bool {
	known := map[string]bool{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if _, err := strconv.Atoi(f[0]); err == nil {
			known[f[1]] = true
		}
	}
	return known
}

// splitKnown separates the names in known from the others, keeping order.
func splitKnown(names []string, known map[string]bool) (in, out []string) {
	for _, n := range names {
		if known[n] {
			in = append(in, n)
		} else {
			out = append(out, n)
		}
	}
	return in, out
}

// auditStatus is what `auditctl -s` says.
type auditStatus struct {
	enabled         uint64 // 0, 1, or 2 (locked until reboot)
	failure         uint64
	pid             uint64 // the audit daemon's, 0 when none
	backlogLimit    uint64
	backlog         uint64
	backlogWaitTime uint64
	lost            uint64
}

// parseAuditStatus reads `auditctl -s`'s "key value" lines; enabled, pid
// and lost are required.
func parseAuditStatus(out string) (auditStatus, error) {
	var st auditStatus
	fields := map[string]*uint64{
		"enabled": &st.enabled, "failure": &st.failure, "pid": &st.pid,
		"backlog_limit": &st.backlogLimit, "backlog": &st.backlog,
		"backlog_wait_time": &st.backlogWaitTime, "lost": &st.lost,
	}
	seen := map[string]bool{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		p, ok := fields[f[0]]
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return st, fmt.Errorf("auditctl -s: %s %q: %w", f[0], f[1], err)
		}
		*p = v
		seen[f[0]] = true
	}
	for _, k := range []string{"enabled", "pid", "lost"} {
		if !seen[k] {
			return st, fmt.Errorf("auditctl -s: no %q in %q", k, strings.TrimSpace(out))
		}
	}
	return st, nil
}

// auditSerialRE finds a record's serial number: msg=audit(TIME:SERIAL).
var auditSerialRE = regexp.MustCompile(`msg=audit\([0-9.]+:([0-9]+)\)`)

// ruleChangeSerial returns the serial number of the last CONFIG_CHANGE
// record of op (add_rule, remove_rule) on the rule keyed auditdKey in an
// audit log.
func ruleChangeSerial(log, op string) (uint64, bool) {
	var serial uint64
	found := false
	for line := range strings.Lines(log) {
		if !strings.HasPrefix(line, "type=CONFIG_CHANGE ") || !strings.Contains(line, " op="+op+" ") ||
			!strings.Contains(line, `key="`+auditdKey+`"`) {
			continue
		}
		m := auditSerialRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if v, err := strconv.ParseUint(m[1], 10, 64); err == nil {
			serial, found = v, true
		}
	}
	return serial, found
}

// auditdBench is the auditd configuration, ready to start.
type auditdBench struct {
	auditd   string
	auditctl string
	syscalls []string // the rule's -S names
	log      *slog.Logger
}

// rule is the measured audit rule, as auditctl arguments.
func (b *auditdBench) rule() []string {
	return []string{"-a", "always,exit", "-F", "arch=b64", "-S", strings.Join(b.syscalls, ","), "-k", auditdKey}
}

// command describes the configuration (the agents table's args).
func (b *auditdBench) command() string {
	return "auditd -n -c DIR; auditctl " + strings.Join(b.rule(), " ")
}

// agentCommand is how the agents table shows a configuration's command.
func agentCommand(a agentReport) string {
	if a.Config == cfgAuditd {
		n := 0
		if i := strings.Index(a.Args, " -S "); i >= 0 {
			rest := strings.Fields(a.Args[i+4:])
			if len(rest) > 0 {
				n = len(strings.Split(rest[0], ","))
			}
		}
		return fmt.Sprintf("auditd -n; auditctl -a always,exit -F arch=b64 -S (%d system calls) -k %s", n, auditdKey)
	}
	return "vigil " + a.Args
}

// auditctlTimeout bounds every auditctl call.
const auditctlTimeout = 30 * time.Second

// auditctl runs auditctl with args and returns its output. It does not
// take the benchmark's context: cleanup must run after a cancellation.
func auditctl(path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), auditctlTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("auditctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func (b *auditdBench) status() (auditStatus, error) {
	out, err := auditctl(b.auditctl, "-s")
	if err != nil {
		return auditStatus{}, err
	}
	return parseAuditStatus(out)
}

// foreignRules says why the audit rules in place forbid the benchmark
// (which deletes every rule), or "".
func (b *auditdBench) foreignRules() string {
	out, err := auditctl(b.auditctl, "-l")
	if err != nil {
		return err.Error()
	}
	if rules := strings.TrimSpace(out); rules != "No rules" && rules != "" {
		return fmt.Sprintf("audit rules are already loaded (the benchmark would delete them): %s", lastLine([]byte(rules)))
	}
	return ""
}

// aptInstall installs Debian packages with apt-get; it returns why not,
// or "".
func aptInstall(ctx context.Context, log *slog.Logger, pkgs ...string) string {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "no apt-get to install " + strings.Join(pkgs, " ")
	}
	log.Info("bench overhead: installing with apt-get", "packages", pkgs)
	if out, err := exec.CommandContext(ctx, "apt-get", "update", "-qq").CombinedOutput(); err != nil {
		return fmt.Sprintf("apt-get update: %v: %s", err, lastLine(out))
	}
	install := exec.CommandContext(ctx, "apt-get", append([]string{"install", "-y", "-qq"}, pkgs...)...)
	install.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := install.CombinedOutput(); err != nil {
		return fmt.Sprintf("apt-get install %s: %v: %s", strings.Join(pkgs, " "), err, lastLine(out))
	}
	return ""
}

// prepareAuditd installs auditd when missing (if allowed), checks that
// the kernel's audit can be used and works out the rule. On failure it
// returns nil and why the configuration is unavailable.
func prepareAuditd(ctx context.Context, install bool, log *slog.Logger) (*auditdBench, string) {
	daemon, errD := exec.LookPath("auditd")
	ctl, errC := exec.LookPath("auditctl")
	if errD != nil || errC != nil {
		if !install {
			return nil, "auditd or auditctl not installed (and --install=false)"
		}
		if why := aptInstall(ctx, log, "auditd"); why != "" {
			return nil, why
		}
		if daemon, errD = exec.LookPath("auditd"); errD != nil {
			return nil, fmt.Sprintf("auditd after installing: %v", errD)
		}
		if ctl, errC = exec.LookPath("auditctl"); errC != nil {
			return nil, fmt.Sprintf("auditctl after installing: %v", errC)
		}
	}
	b := &auditdBench{auditd: daemon, auditctl: ctl, log: log}
	st, err := b.status()
	if err != nil {
		return nil, fmt.Sprintf("kernel audit unavailable: %v", err)
	}
	switch {
	case st.enabled == 2:
		return nil, "the audit configuration is locked (enabled 2) until reboot"
	case st.pid != 0:
		return nil, fmt.Sprintf("an audit daemon already runs (pid %d)", st.pid)
	}
	if why := b.foreignRules(); why != "" {
		return nil, why
	}
	names, err := builtinAuditSyscalls()
	if err != nil {
		return nil, err.Error()
	}
	// Names this architecture's table lacks (open on arm64, say) would
	// make auditctl refuse the whole rule.
	if out, err := exec.CommandContext(ctx, "ausyscall", "--dump").Output(); err == nil {
		var unknown []string
		names, unknown = splitKnown(names, parseAusyscallDump(string(out)))
		if len(unknown) > 0 {
			log.Info("bench overhead: auditd rule leaves out system calls this architecture lacks", "syscalls", unknown)
		}
	} else {
		log.Warn("bench overhead: ausyscall --dump failed; the auditd rule names every system call", "err", err)
	}
	if len(names) == 0 {
		return nil, "no system call to audit"
	}
	b.syscalls = names
	log.Info("bench overhead: auditd rule", "syscalls", names)
	return b, ""
}

// auditdRun is a running auditd configuration.
type auditdRun struct {
	b      *auditdBench
	dir    string
	cmd    *exec.Cmd
	done   chan error
	prev   auditStatus // before starting: what stop restores
	lost   uint64      // the kernel's lost counter once ready
	serial uint64      // the add_rule record's serial (0: not found)

	mu     sync.Mutex
	output []byte // the daemon's stdout and stderr
}

func (r *auditdRun) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.output = append(r.output, p...)
	if len(r.output) > 16<<10 {
		r.output = r.output[len(r.output)-16<<10:]
	}
	return len(p), nil
}

func (r *auditdRun) outputText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.TrimSpace(string(r.output))
}

func (r *auditdRun) logPath() string { return filepath.Join(r.dir, "log", "audit.log") }

// start runs the audit daemon, waits until the kernel talks to it and
// loads the rules. On failure everything is undone.
func (b *auditdBench) start(ctx context.Context) (_ *auditdRun, err error) {
	prev, err := b.status()
	if err != nil {
		return nil, err
	}
	if prev.pid != 0 {
		return nil, fmt.Errorf("an audit daemon already runs (pid %d)", prev.pid)
	}
	if why := b.foreignRules(); why != "" {
		return nil, errors.New(why)
	}
	dir, err := os.MkdirTemp("", "vigil-bench-auditd")
	if err != nil {
		return nil, err
	}
	r := &auditdRun{b: b, dir: dir, prev: prev, done: make(chan error, 1)}
	defer func() {
		if err != nil {
			if _, cerr := r.stop(); cerr != nil {
				b.log.Warn("bench overhead: cleaning up after a failed auditd start", "err", cerr)
			}
		}
	}()
	for _, d := range []string{"log", "plugins"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o750); err != nil {
			return r, err
		}
	}
	conf := fmt.Sprintf(auditdConf, r.logPath(), filepath.Join(dir, "plugins"))
	if err := os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte(conf), 0o640); err != nil {
		return r, err
	}
	rules := debianAuditRules + strings.Join(b.rule(), " ") + "\n"
	rulesPath := filepath.Join(dir, "audit.rules")
	if err := os.WriteFile(rulesPath, []byte(rules), 0o640); err != nil {
		return r, err
	}

	cmd := exec.Command(b.auditd, "-n", "-c", dir)
	cmd.Stdout, cmd.Stderr = r, r
	// Should this process die, so does the daemon (its rules cannot be
	// helped then).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return r, fmt.Errorf("start auditd: %w", err)
	}
	r.cmd = cmd
	go func() { r.done <- cmd.Wait() }()

	// Ready when the kernel has registered the daemon.
	pid := uint64(cmd.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); ; {
		st, err := b.status()
		if err != nil {
			return r, err
		}
		if st.pid == pid {
			r.lost = st.lost
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("auditd (pid %d) not registered with the kernel after 10s (audit pid %d): %s", pid, st.pid, r.outputText())
		}
		select {
		case err := <-r.done:
			r.done <- err // for stop
			return r, fmt.Errorf("auditd exited (%v): %s", err, r.outputText())
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := auditctl(b.auditctl, "-R", rulesPath); err != nil {
		return r, err
	}
	// The rule's own configuration record gives the first serial number;
	// the daemon writes it shortly.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if log, err := os.ReadFile(r.logPath()); err == nil {
			if s, ok := ruleChangeSerial(string(log), "add_rule"); ok {
				r.serial = s
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r.serial == 0 {
		b.log.Warn("bench overhead: no add_rule record in auditd's log; its event count will be 0")
	}
	return r, nil
}

// stop deletes the rules, lets the kernel's backlog drain, stops the
// daemon, restores the audit settings and removes the directory, going on
// through errors. Its counters: Events, the audit events between adding
// and deleting the rule (record serial numbers); KernelLost["audit"], the
// growth of the kernel's lost counter.
func (r *auditdRun) stop() (*agentStats, error) {
	b := r.b
	var errs []error
	if _, err := auditctl(b.auditctl, "-D"); err != nil {
		errs = append(errs, err)
	}
	var lost uint64
	running := r.cmd != nil
	// The events already queued reach the daemon before it stops.
	for deadline := time.Now().Add(10 * time.Second); running; {
		st, err := b.status()
		if err != nil {
			errs = append(errs, err)
			break
		}
		lost = st.lost
		if st.backlog == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	exited := false
	if running {
		select {
		case err := <-r.done:
			errs = append(errs, fmt.Errorf("auditd exited during the measurement (%v): %s", err, r.outputText()))
			exited = true
		default:
		}
	}
	if running && !exited {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			b.log.Warn("auditd did not stop on SIGTERM; killing it", "pid", r.cmd.Process.Pid)
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	}
	// What the daemon and Debian's rules changed, back as it was.
	restore := [][]string{
		{"-e", strconv.FormatUint(r.prev.enabled, 10)},
		{"-b", strconv.FormatUint(r.prev.backlogLimit, 10)},
		{"--backlog_wait_time", strconv.FormatUint(r.prev.backlogWaitTime, 10)},
		{"-f", strconv.FormatUint(r.prev.failure, 10)},
	}
	for _, args := range restore {
		if _, err := auditctl(b.auditctl, args...); err != nil {
			errs = append(errs, err)
		}
	}
	st := &agentStats{KernelLost: map[string]uint64{}}
	if running && lost >= r.lost {
		st.KernelLost["audit"] = lost - r.lost
	}
	if r.serial != 0 {
		// The daemon may write the remove_rule record late on a busy host.
		for deadline := time.Now().Add(3 * time.Second); ; {
			if log, err := os.ReadFile(r.logPath()); err == nil {
				if end, ok := ruleChangeSerial(string(log), "remove_rule"); ok && end > r.serial {
					st.Events = end - r.serial - 1
					break
				}
			}
			if time.Now().After(deadline) {
				b.log.Warn("bench overhead: no remove_rule record in auditd's log; its event count will be 0")
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := os.RemoveAll(r.dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("stop auditd: %w", err)
	}
	return st, nil
}
