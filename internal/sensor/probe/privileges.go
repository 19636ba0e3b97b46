package probe

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Capability bit numbers (linux/capability.h).
const (
	capSysAdmin    = 21
	capSysResource = 24
	capPerfmon     = 38
	capBPF         = 39
)

func probePrivileges(context.Context) (bool, string) {
	euid := os.Geteuid()
	capEff, err := readCapEff("/proc/self/status")
	if err != nil {
		// Without the capability sets, the effective uid is all there is.
		if euid == 0 {
			return true, fmt.Sprintf("euid 0; capability sets unknown: %v", err)
		}
		return false, fmt.Sprintf("euid %d and capability sets unknown: %v", euid, err)
	}
	return privilegesFrom(euid, capEff)
}

// privilegesFrom decides from the effective uid and the effective capability
// set. A root whose capabilities were dropped (as in an unprivileged
// container) cannot use BPF, so the capability set decides when known.
func privilegesFrom(euid int, capEff uint64) (bool, string) {
	has := func(c uint) bool { return capEff&(1<<c) != 0 }
	var names []string
	for _, c := range []struct {
		bit  uint
		name string
	}{{capSysAdmin, "CAP_SYS_ADMIN"}, {capBPF, "CAP_BPF"}, {capPerfmon, "CAP_PERFMON"}, {capSysResource, "CAP_SYS_RESOURCE"}} {
		if has(c.bit) {
			names = append(names, c.name)
		}
	}
	set := "none of CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE"
	if len(names) > 0 {
		set = strings.Join(names, ", ")
	}
	detail := fmt.Sprintf("euid %d; CapEff %016x has %s", euid, capEff, set)
	if !has(capSysResource) {
		detail += " (RLIMIT_MEMLOCK cannot be raised; fine on Linux >= 5.11)"
	}
	switch {
	case has(capSysAdmin), has(capBPF) && has(capPerfmon):
		return true, detail
	default:
		return false, detail + ": need CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON"
	}
}

// readCapEff returns the effective capability set from a proc status file.
func readCapEff(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read capabilities: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "CapEff:")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			return 0, fmt.Errorf("parse CapEff in %s: %w", path, err)
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return 0, fmt.Errorf("no CapEff line in %s", path)
}
