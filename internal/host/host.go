package host

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// BootID reads the kernel's boot id (a UUID) from procRoot
// (normally "/proc") and returns its 16 bytes.
func BootID(procRoot string) ([16]byte, error) {
	var id [16]byte
	p := filepath.Join(procRoot, "sys/kernel/random/boot_id")
	b, err := os.ReadFile(p)
	if err != nil {
		return id, fmt.Errorf("read boot id: %w", err)
	}
	return ParseBootID(string(b))
}

// ParseBootID parses the text form of a boot id ("xxxxxxxx-xxxx-...").
func ParseBootID(s string) ([16]byte, error) {
	var id [16]byte
	h := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return id, fmt.Errorf("parse boot id %q: not a UUID", strings.TrimSpace(s))
	}
	copy(id[:], b)
	return id, nil
}

// Clock converts boot-time nanoseconds to wall-clock time.
type Clock struct {
	// BootWall is the wall-clock time at which CLOCK_BOOTTIME was zero.
	BootWall time.Time
}

// NewClock samples CLOCK_BOOTTIME and the wall clock together.
func NewClock() (Clock, error) {
	var ts unix.Timespec
	now := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return Clock{}, fmt.Errorf("clock_gettime(CLOCK_BOOTTIME): %w", err)
	}
	return Clock{BootWall: now.Add(-time.Duration(ts.Nano()))}, nil
}

// Wall returns the wall-clock time of a boot-time timestamp.
func (c Clock) Wall(bootNs uint64) time.Time {
	return c.BootWall.Add(time.Duration(bootNs))
}

// BootNs returns the boot-time timestamp of a wall-clock time.
func (c Clock) BootNs(t time.Time) uint64 {
	d := t.Sub(c.BootWall)
	if d < 0 {
		return 0
	}
	return uint64(d)
}

// Hostname returns the host's name, or "localhost" if it cannot be read.
func Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

// NamespaceInode returns the inode number of a namespace file
// (/proc/PID/ns/pid), the number namespaces are told apart by; 0 when it
// cannot be read.
func NamespaceInode(path string) uint32 {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0
	}
	return uint32(st.Ino)
}

// HostNamespaces returns the host's mount and pid namespace inodes: init's
// (procRoot/1/ns), or, where init's cannot be read (some VMs deny it even
// to root), this process's, which then runs on the host.
func HostNamespaces(procRoot string) (mnt, pid uint32) {
	mnt, pid = NamespaceInode(procRoot+"/1/ns/mnt"), NamespaceInode(procRoot+"/1/ns/pid")
	if mnt == 0 || pid == 0 {
		mnt, pid = NamespaceInode(procRoot+"/self/ns/mnt"), NamespaceInode(procRoot+"/self/ns/pid")
	}
	return mnt, pid
}
