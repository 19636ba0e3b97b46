package state

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Limits of what is read from /proc.
const (
	// maxCmdline is how much of /proc/PID/cmdline is kept; it matches the
	// kernel sensor's argv capture limit (VIGIL_ARGS_MAX), so a seeded
	// process and an exec'd one truncate alike.
	maxCmdline = 8192
	// ticksPerSecond is USER_HZ, the unit of /proc/PID/stat starttime.
	ticksPerSecond = 100
	nsPerTick      = 1e9 / ticksPerSecond
	// smallFile bounds stat, status and loginuid.
	smallFile = 4096
	pathMax   = 4096
)

// errGone marks a process that vanished while it was being read.
var errGone = errors.New("process gone")

// procInfo is what /proc says about one process.
type procInfo struct {
	pid, ppid     uint32
	name          string
	sid, tty      uint32
	startTicks    uint64
	uid, euid     uint32
	gid, egid     uint32
	loginUID      uint32
	args          []string
	argsTruncated bool
	exe, cwd      string
	exeDeleted    bool
	exeMemfd      bool
	// cgroup paths (v2, and the v1 memory controller's or the first v1
	// one) and namespace inodes
	cgroup, cgroupV1 string
	mntNS, pidNS     uint32
}

// procReader reads /proc/PID with reusable buffers. Not safe for
// concurrent use.
type procReader struct {
	root string
	buf  []byte // smallFile bytes
	cmd  []byte // maxCmdline+1 bytes
	link []byte // pathMax bytes
	path []byte
}

func newProcReader(root string) *procReader {
	return &procReader{
		root: root,
		buf:  make([]byte, smallFile),
		link: make([]byte, pathMax),
	}
}

// read reads /proc/PID into pi. It returns errGone (wrapped) when the
// process disappeared, another error when /proc could not be read or
// parsed.
func (r *procReader) read(pid uint32, pi *procInfo) error {
	*pi = procInfo{pid: pid}
	r.path = append(r.path[:0], r.root...)
	r.path = append(r.path, '/')
	r.path = strconv.AppendUint(r.path, uint64(pid), 10)
	r.path = append(r.path, '/')
	dir := len(r.path)

	n, err := r.readFile(r.file(dir, "stat"), r.buf)
	if err != nil {
		return err
	}
	if err := parseStat(r.buf[:n], pi); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}

	n, err = r.readFile(r.file(dir, "status"), r.buf)
	if err != nil {
		return err
	}
	if err := parseStatus(r.buf[:n], pi); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}

	if r.cmd == nil {
		r.cmd = make([]byte, maxCmdline+1)
	}
	n, err = r.readFile(r.file(dir, "cmdline"), r.cmd)
	if err != nil {
		return err
	}
	pi.args, pi.argsTruncated = splitCmdline(r.cmd[:n])

	pi.loginUID = ^uint32(0)
	if n, err := r.readFile(r.file(dir, "loginuid"), r.buf); err == nil {
		if v, err := strconv.ParseUint(string(bytes.TrimSpace(r.buf[:n])), 10, 32); err == nil {
			pi.loginUID = uint32(v)
		}
	}

	pi.exe = r.readlink(r.file(dir, "exe"))
	if e, ok := strings.CutSuffix(pi.exe, " (deleted)"); ok {
		pi.exe, pi.exeDeleted = e, true
	}
	pi.exeMemfd = strings.HasPrefix(pi.exe, "/memfd:")
	pi.cwd = r.readlink(r.file(dir, "cwd"))
	if c, ok := strings.CutSuffix(pi.cwd, " (deleted)"); ok {
		pi.cwd = c
	}
	if n, err := r.readFile(r.file(dir, "cgroup"), r.buf); err == nil {
		pi.cgroup, pi.cgroupV1 = parseCgroupFile(r.buf[:n])
	}
	pi.mntNS = nsInode(r.readlink(r.file(dir, "ns/mnt")))
	pi.pidNS = nsInode(r.readlink(r.file(dir, "ns/pid")))
	return nil
}

// parseCgroupFile reads /proc/PID/cgroup: the v2 path (the "0::" line) and
// a v1 path: the memory controller's, else the first non-root one, as the
// kernel sensor picks it.
func parseCgroupFile(b []byte) (v2, v1 string) {
	var first string
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		// hierarchy-ID:controller-list:path
		i := bytes.IndexByte(line, ':')
		if i < 0 {
			continue
		}
		j := bytes.IndexByte(line[i+1:], ':')
		if j < 0 {
			continue
		}
		id, ctrls, path := line[:i], line[i+1:i+1+j], line[i+2+j:]
		switch {
		case string(id) == "0" && len(ctrls) == 0:
			v2 = string(path)
		case v1 == "" && hasController(ctrls, "memory"):
			v1 = string(path)
		case first == "" && len(path) > 1 && len(ctrls) > 0:
			first = string(path)
		}
	}
	if v1 == "" {
		v1 = first
	}
	return v2, v1
}

func hasController(list []byte, name string) bool {
	for _, c := range bytes.Split(list, []byte{','}) {
		if string(c) == name {
			return true
		}
	}
	return false
}

// nsInode reads the inode number from a namespace link ("mnt:[4026531841]").
func nsInode(link string) uint32 {
	i := strings.IndexByte(link, '[')
	if i < 0 || !strings.HasSuffix(link, "]") {
		return 0
	}
	v, err := strconv.ParseUint(link[i+1:len(link)-1], 10, 32)
	if err != nil {
		return 0
	}
	return uint32(v)
}

func (r *procReader) file(dir int, name string) string {
	r.path = append(r.path[:dir], name...)
	return string(r.path)
}

// readFile reads path into buf, up to len(buf) bytes.
func (r *procReader) readFile(path string, buf []byte) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, procErr(path, err)
	}
	defer unix.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, procErr(path, err)
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

func (r *procReader) readlink(path string) string {
	n, err := unix.Readlink(path, r.link)
	if err != nil || n <= 0 {
		return ""
	}
	return string(r.link[:n])
}

func procErr(path string, err error) error {
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("%s: %w", path, errGone)
	}
	return fmt.Errorf("read %s: %w", path, err)
}

// parseStat parses /proc/PID/stat. The comm field, in parentheses, may
// hold spaces and parentheses, so the fields are counted from the last ')'.
func parseStat(b []byte, pi *procInfo) error {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return errors.New("stat: no (comm)")
	}
	pi.name = string(b[open+1 : end])
	// Field 3 (state) is rest[0]; field N is rest[N-3].
	rest := b[end+1:]
	var ppid, session, tty, start uint64
	var err error
	for i := 0; i <= 19; i++ {
		rest = bytes.TrimLeft(rest, " ")
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			j = len(rest)
		}
		f := rest[:j]
		rest = rest[j:]
		switch i {
		case 1: // ppid (4)
			ppid, err = parseUint(f, 32)
		case 3: // session (6)
			session, err = parseInt32(f)
		case 4: // tty_nr (7)
			tty, err = parseInt32(f)
		case 19: // starttime (22)
			start, err = parseUint(bytes.TrimSpace(f), 64)
		}
		if err != nil {
			return fmt.Errorf("stat field %d: %w", i+3, err)
		}
	}
	pi.ppid, pi.sid, pi.tty, pi.startTicks = uint32(ppid), uint32(session), uint32(tty), start
	return nil
}

// parseInt32 parses a decimal int that the kernel prints signed but that
// is a 32-bit quantity (session, tty_nr).
func parseInt32(b []byte) (uint64, error) {
	if len(b) > 0 && b[0] == '-' {
		v, err := parseUint(b[1:], 32)
		return uint64(uint32(-int64(v))), err
	}
	return parseUint(b, 32)
}

func parseUint(b []byte, bits int) (uint64, error) {
	if len(b) == 0 {
		return 0, errors.New("empty number")
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", b)
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, fmt.Errorf("number %q out of range", b)
		}
		v = v*10 + d
	}
	if bits < 64 && v >= 1<<bits {
		return 0, fmt.Errorf("number %q out of range", b)
	}
	return v, nil
}

// parseStatus takes the real and effective ids from the Uid: and Gid:
// lines of /proc/PID/status.
func parseStatus(b []byte, pi *procInfo) error {
	var haveUID, haveGID bool
	for len(b) > 0 && !(haveUID && haveGID) {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		var real, eff *uint32
		switch {
		case bytes.HasPrefix(line, []byte("Uid:")):
			real, eff, haveUID = &pi.uid, &pi.euid, true
		case bytes.HasPrefix(line, []byte("Gid:")):
			real, eff, haveGID = &pi.gid, &pi.egid, true
		default:
			continue
		}
		f := bytes.Fields(line[4:])
		if len(f) < 2 {
			return fmt.Errorf("status: short line %q", line)
		}
		r, err := parseUint(f[0], 32)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		e, err := parseUint(f[1], 32)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		*real, *eff = uint32(r), uint32(e)
	}
	if !haveUID || !haveGID {
		return errors.New("status: no Uid:/Gid: lines")
	}
	return nil
}

// splitCmdline splits NUL-separated argv, at most maxCmdline bytes of it;
// b may hold one byte more to reveal truncation. Empty (a kernel thread or
// a zombie) gives nil. One string holds every argument.
func splitCmdline(b []byte) ([]string, bool) {
	trunc := false
	if len(b) > maxCmdline {
		b, trunc = b[:maxCmdline], true
	}
	if len(b) == 0 {
		return nil, trunc
	}
	s := string(b)
	if !trunc {
		s = strings.TrimSuffix(s, "\x00")
	}
	return strings.Split(s, "\x00"), trunc
}
