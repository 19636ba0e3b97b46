package enforce

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/enforce/fanotify"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/policy"
)

// Mechanism names as decisions report them.
const (
	MechFanotify   = "fanotify"
	MechSockAddr   = "cgroup sock_addr"
	MechSendSignal = "bpf_send_signal"
)

// FileGuardOptions configure a FileGuard.
type FileGuardOptions struct {
	// Resolver describes the acting process (required).
	Resolver *Resolver
	// Emit receives each decision as a vigil_enforce event. It is called
	// from fanotify's worker goroutines and must not block for long.
	Emit func(*event.Event)
	// Host names the host in emitted events.
	Host string
	// Timeout and OnTimeout: see fanotify.Options (defaults 500ms, allow).
	Timeout   time.Duration
	OnTimeout fanotify.Verdict
	// Logger; nil discards.
	Logger *slog.Logger
}

// fileRules are the policies a FileGuard enforces, swapped as a whole.
type fileRules struct {
	exec, allow, open []*policy.Policy
	// containers is set when a policy's scope can cover containers.
	execContainers, openContainers bool
}

// FileGuard enforces exec, exec_allow and open policies (see the package
// contract).
type FileGuard struct {
	opts  FileGuardOptions
	log   *slog.Logger
	l     *fanotify.Listener
	rules atomic.Pointer[fileRules]

	rw         *rewatch
	mu         sync.Mutex
	marks      map[fanotify.Mark]bool // host marks in place
	containers map[string][]fanotify.Mark

	denied, audited atomic.Uint64
}

// NewFileGuard creates the fanotify listener (nothing is marked until
// Load).
func NewFileGuard(opts FileGuardOptions) (*FileGuard, error) {
	if opts.Resolver == nil || opts.Emit == nil {
		return nil, errors.New("file guard: Resolver and Emit are required")
	}
	g := &FileGuard{opts: opts, log: opts.Logger, marks: map[fanotify.Mark]bool{}, containers: map[string][]fanotify.Mark{}}
	if g.log == nil {
		g.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	g.rules.Store(&fileRules{})
	l, err := fanotify.New(fanotify.Options{
		Decider: g, Timeout: opts.Timeout, OnTimeout: opts.OnTimeout, ReportTID: true, Logger: g.log,
	})
	if err != nil {
		return nil, fmt.Errorf("file guard: %w", err)
	}
	g.l = l
	rw, err := newRewatch(g.remark)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("file guard: %w", err)
	}
	g.rw = rw
	return g, nil
}

// remark puts an inode mark on a file created (or renamed) under a name
// an exec or open policy names.
func (g *FileGuard) remark(path string, acc fanotify.Access) {
	m := fanotify.Mark{Path: path, Kind: fanotify.MarkInode, Access: acc}
	if err := g.l.AddMarks(m); err != nil {
		g.log.Warn("file created under a guarded name not marked", "path", path, "err", err)
		return
	}
	g.mu.Lock()
	g.marks[m] = true
	g.mu.Unlock()
}

// Start starts answering permission requests.
func (g *FileGuard) Start(ctx context.Context) error { return g.l.Start(ctx) }

// Close stops the guard; pending requests are allowed and the marks go
// with the fanotify group.
func (g *FileGuard) Close() error {
	return errors.Join(g.rw.close(), g.l.Close())
}

// Stats returns the listener's counters and the guard's decisions.
func (g *FileGuard) Stats() (fanotify.Stats, uint64, uint64) {
	return g.l.Stats(), g.denied.Load(), g.audited.Load()
}

// Load replaces the policies: the exec, exec_allow and open policies of
// set (nil: none). Marks the new policies need are added first, then the
// policies are swapped, then marks no longer needed are removed. A mark
// that cannot be added is an error naming the policy and path (the
// policies are still swapped; the others are enforced).
func (g *FileGuard) Load(set *policy.Set) error {
	r := &fileRules{}
	if set != nil {
		r.exec = set.ByKind(policy.KindExec)
		r.allow = set.ByKind(policy.KindExecAllow)
		r.open = set.ByKind(policy.KindOpen)
	}
	for _, p := range append(append(r.exec[:len(r.exec):len(r.exec)], r.allow...), r.open...) {
		if p.Scope.Where != policy.WhereHost {
			if p.Kind == policy.KindOpen {
				r.openContainers = true
			} else {
				r.execContainers = true
			}
		}
	}
	want, watch, errs := hostMarks(r)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rw.reset()
	for _, w := range watch {
		if err := g.rw.watch(w.path, w.acc); err != nil {
			g.log.Warn("a file created later under this name will not be guarded", "path", w.path, "err", err)
		}
	}
	for m, owner := range want {
		if g.marks[m] {
			continue
		}
		if err := g.l.AddMarks(m); err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", owner, err))
			delete(want, m)
			continue
		}
		g.marks[m] = true
	}
	g.rules.Store(r)
	for m := range g.marks {
		if _, ok := want[m]; !ok {
			if err := g.l.RemoveMarks(m); err != nil {
				g.log.Debug("remove fanotify mark", "path", m.Path, "err", err)
			}
			delete(g.marks, m)
		}
	}
	return errors.Join(errs...)
}

// hostMarks returns the marks r's policies need on the host's
// filesystems, each with the name of a policy that needs it.
func hostMarks(r *fileRules) (map[fanotify.Mark]string, []watchPath, []error) {
	want := map[fanotify.Mark]string{}
	var errs []error
	byDev := map[uint64]bool{}
	addFS := func(dir string, acc fanotify.Access, owner string) {
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %s: %w", owner, dir, err))
			return
		}
		key := st.Dev<<2 | uint64(acc)
		if byDev[key] {
			return
		}
		byDev[key] = true
		want[fanotify.Mark{Path: dir, Kind: fanotify.MarkFilesystem, Access: acc}] = owner
	}
	var watch []watchPath
	for _, p := range r.exec {
		if p.Scope.Where == policy.WhereContainers {
			continue
		}
		marks, w := pathMarks("", p.Paths, fanotify.AccessExec)
		for _, path := range w {
			watch = append(watch, watchPath{path, fanotify.AccessExec})
		}
		for _, m := range marks {
			if m.Kind == fanotify.MarkFilesystem {
				addFS(m.Path, m.Access, p.Name)
				continue
			}
			want[m] = p.Name
		}
	}
	for _, p := range r.allow {
		if p.Scope.Where == policy.WhereContainers {
			continue
		}
		for _, mp := range realMounts("/proc/self/mountinfo") {
			addFS(mp, fanotify.AccessExec, p.Name)
		}
	}
	for _, p := range r.open {
		if p.Scope.Where == policy.WhereContainers {
			continue
		}
		marks, w := openMarks("", p.Paths)
		for _, path := range w {
			watch = append(watch, watchPath{path, fanotify.AccessOpen})
		}
		for _, m := range marks {
			if m.Kind == fanotify.MarkFilesystem {
				addFS(m.Path, m.Access, p.Name)
				continue
			}
			want[m] = p.Name
		}
	}
	return want, watch, errs
}

// watchPath is a path whose later creation must be marked for acc.
type watchPath struct {
	path string
	acc  fanotify.Access
}

// openMarks returns the marks that cover opens of the path patterns,
// below root ("" for the host): a plain path's file (an inode mark; the
// path is also returned in watch, so that a file created or renamed to
// that name later is marked too); a pattern's filesystem.
func openMarks(root string, pats []string) (marks []fanotify.Mark, watch []string) {
	return pathMarks(root, pats, fanotify.AccessOpen)
}

// pathMarks is openMarks for the accesses acc.
func pathMarks(root string, pats []string, acc fanotify.Access) (marks []fanotify.Mark, watch []string) {
	for _, pat := range pats {
		if !hasGlob(pat) {
			if _, err := os.Stat(root + pat); err == nil {
				marks = append(marks, fanotify.Mark{Path: root + pat, Kind: fanotify.MarkInode, Access: acc})
			}
			watch = append(watch, root+pat)
			continue
		}
		marks = append(marks, fanotify.Mark{Path: existingDir(root + fixedPrefix(pat)), Kind: fanotify.MarkFilesystem, Access: acc})
	}
	return marks, watch
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[\\") }

// fixedPrefix is the directory part of a pattern before its first glob
// character ("/tmp/*" -> "/tmp", "/usr/bin/nc" -> "/usr/bin").
func fixedPrefix(pat string) string {
	if i := strings.IndexAny(pat, "*?[\\"); i >= 0 {
		pat = pat[:i]
	}
	if i := strings.LastIndexByte(pat, '/'); i > 0 {
		return pat[:i]
	}
	return "/"
}

// existingDir returns dir, or its nearest existing ancestor.
func existingDir(dir string) string {
	for dir != "/" && dir != "." && dir != "" {
		if dirExists(dir) {
			return dir
		}
		dir = path.Dir(dir)
	}
	return "/"
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// pseudoFS reports filesystem types nobody executes from or opens
// secrets on.
func pseudoFS(t string) bool {
	switch t {
	case "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "bpf", "tracefs", "debugfs",
		"securityfs", "pstore", "configfs", "fusectl", "autofs", "binfmt_misc", "nsfs", "efivarfs",
		"rpc_pipefs", "hugetlbfs":
		return true
	}
	return false
}

// realMounts returns the mount points of mountinfo whose filesystems can
// hold programs.
func realMounts(mountinfo string) []string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return []string{"/"}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// id parent maj:min root mountpoint opts [optional...] - fstype src superopts
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+1 >= len(fields) || pseudoFS(fields[sep+1]) {
			continue
		}
		out = append(out, unescapeMount(fields[4]))
	}
	if len(out) == 0 {
		out = []string{"/"}
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ContainerSeen marks the root filesystem (and, for open policies, the
// named files) of a container that process pid runs in, when a policy
// can cover containers. Called once per container id; safe from any
// goroutine.
func (g *FileGuard) ContainerSeen(id string, pid int) {
	r := g.rules.Load()
	if id == "" || pid <= 0 || (!r.execContainers && !r.openContainers) {
		return
	}
	g.mu.Lock()
	if _, done := g.containers[id]; done {
		g.mu.Unlock()
		return
	}
	g.containers[id] = nil
	g.mu.Unlock()

	root := fmt.Sprintf("%s/%d/root", g.opts.Resolver.proc(), pid)
	var marks []fanotify.Mark
	if r.execContainers {
		marks = append(marks, fanotify.Mark{Path: root + "/", Kind: fanotify.MarkFilesystem, Access: fanotify.AccessExec})
		if len(r.allow) > 0 {
			for _, mp := range realMounts(fmt.Sprintf("%s/%d/mountinfo", g.opts.Resolver.proc(), pid)) {
				if mp != "/" {
					marks = append(marks, fanotify.Mark{Path: root + mp, Kind: fanotify.MarkFilesystem, Access: fanotify.AccessExec})
				}
			}
		}
	}
	if r.openContainers {
		for _, p := range r.open {
			if p.Scope.Where != policy.WhereHost {
				m, watch := openMarks(root, p.Paths)
				marks = append(marks, m...)
				g.mu.Lock()
				for _, w := range watch {
					if err := g.rw.watch(w, fanotify.AccessOpen); err != nil {
						g.log.Debug("container file not watched", "path", w, "err", err)
					}
				}
				g.mu.Unlock()
			}
		}
	}
	var added []fanotify.Mark
	for _, m := range marks {
		if err := g.l.AddMarks(m); err != nil {
			g.log.Warn("container not guarded", "container", id, "path", m.Path, "err", err)
			continue
		}
		added = append(added, m)
	}
	g.mu.Lock()
	g.containers[id] = added
	g.mu.Unlock()
	g.log.Info("container guarded", "container", id, "pid", pid, "marks", len(added))
}

// Decide answers one permission request (fanotify.Decider).
func (g *FileGuard) Decide(req fanotify.Request) fanotify.Verdict {
	r := g.rules.Load()
	var cands [2][]*policy.Policy
	switch req.Access {
	case fanotify.AccessExec:
		cands = [2][]*policy.Policy{r.exec, r.allow}
	case fanotify.AccessOpen:
		cands[0] = r.open
	}
	if len(cands[0]) == 0 && len(cands[1]) == 0 {
		return fanotify.Allow
	}
	pid := req.Tgid
	if pid == 0 {
		pid = req.Pid
	}
	target := strings.TrimSuffix(req.Path, " (deleted)")
	if target == "" {
		return fanotify.Allow // nothing to match a path policy against
	}
	// A container's files, as the container names them.
	if root := rootOf(g.opts.Resolver.proc(), pid); root != "" && root != "/" {
		if rest, ok := strings.CutPrefix(target, root); ok && strings.HasPrefix(rest, "/") {
			target = rest
		}
	}
	var sub *policy.Subject
	needProcess := false
	for _, ps := range cands {
		for _, p := range ps {
			needProcess = needProcess || p.Scope.NeedsProcess()
		}
	}
	subject := func() *policy.Subject {
		if sub == nil {
			s := g.opts.Resolver.Subject(pid, needProcess)
			sub = &s
		}
		return sub
	}
	verdict := fanotify.Allow
	check := func(p *policy.Policy, hit bool) bool {
		if !hit || !p.Scope.Match(subject()) {
			return false
		}
		if p.Kind == policy.KindOpen && p.Access != policy.AccessAny && !openAccessMatches(g.opts.Resolver.proc(), req.Pid, p.Access) {
			return false
		}
		g.emit(p, req, pid, target)
		if p.Mode == policy.Enforce {
			verdict = fanotify.Deny
			return true
		}
		return false
	}
	for _, p := range cands[0] {
		if check(p, p.MatchPath(target)) {
			return verdict
		}
	}
	for _, p := range cands[1] {
		if check(p, !p.MatchPath(target)) {
			return verdict
		}
	}
	return verdict
}

func (g *FileGuard) emit(p *policy.Policy, req fanotify.Request, pid int, target string) {
	result := "denied"
	if p.Mode == policy.Audit {
		result = "would deny"
		g.audited.Add(1)
	} else {
		g.denied.Add(1)
	}
	g.opts.Emit(&event.Event{
		Time: time.Now(), Type: event.TypeEnforce, Host: g.opts.Host,
		Process: event.Process{PID: uint32(pid), TID: uint32(req.Pid)},
		Enforcement: &event.Enforcement{
			Policy: p.Name, Mode: p.Mode.String(), Action: string(p.Action), Match: p.Kind.String(),
			Target: target, Result: result, Mechanism: MechFanotify,
		},
	})
}

// openAccessMatches tells whether the open thread tid is blocked in asks
// for access, from /proc/TID/syscall (the call and its arguments). When
// the call cannot be read or is not a plain open (openat2 passes its
// flags in memory), it matches: a policy is never bypassed for lack of
// information.
func openAccessMatches(proc string, tid int, want policy.Access) bool {
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/syscall", proc, tid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(data))
	if len(f) < 4 {
		return true
	}
	nr, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return true
	}
	arg := func(i int) (uint64, bool) {
		if 1+i >= len(f) {
			return 0, false
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(f[1+i], "0x"), 16, 64)
		return v, err == nil
	}
	var flags uint64
	var ok bool
	switch {
	case runtime.GOARCH == "amd64" && nr == 2: // open(path, flags, mode)
		flags, ok = arg(1)
	case (runtime.GOARCH == "amd64" && nr == 257) || (runtime.GOARCH == "arm64" && nr == 56): // openat(dirfd, path, flags, mode)
		flags, ok = arg(2)
	case runtime.GOARCH == "amd64" && nr == 85: // creat
		flags, ok = unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, true
	}
	if !ok {
		return true
	}
	acc := flags & unix.O_ACCMODE
	write := acc == unix.O_WRONLY || acc == unix.O_RDWR || flags&(unix.O_TRUNC|unix.O_CREAT) != 0
	read := acc == unix.O_RDONLY || acc == unix.O_RDWR
	if want == policy.AccessWrite {
		return write
	}
	return read
}
