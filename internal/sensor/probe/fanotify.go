package probe

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func probeFanotifyOpenPerm(context.Context) (bool, string) {
	return probeFanotify("FAN_OPEN_PERM", unix.FAN_OPEN_PERM)
}

func probeFanotifyExecPerm(context.Context) (bool, string) {
	return probeFanotify("FAN_OPEN_EXEC_PERM", unix.FAN_OPEN_EXEC_PERM)
}

// probeFanotify creates a content-class fanotify group and marks a fresh
// temporary directory for the permission event mask, then closes the group.
// Nothing opens the directory meanwhile, so no event is generated. The group
// is closed before the directory is removed.
func probeFanotify(name string, mask uint64) (_ bool, detail string) {
	dir, err := os.MkdirTemp("", "vigil-probe-fanotify-")
	if err != nil {
		return false, fmt.Sprintf("create a directory to mark: %v", err)
	}
	defer func() {
		if err := os.Remove(dir); err != nil {
			detail += fmt.Sprintf("; WARNING: remove %s: %v", dir, err)
		}
	}()

	fd, err := unix.FanotifyInit(unix.FAN_CLASS_CONTENT|unix.FAN_CLOEXEC, unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC)
	if err != nil {
		msg := fmt.Sprintf("fanotify_init(FAN_CLASS_CONTENT): %v", err)
		switch {
		case errors.Is(err, unix.ENOSYS):
			msg += " (kernel without CONFIG_FANOTIFY)"
		case errors.Is(err, unix.EINVAL):
			msg += " (kernel without CONFIG_FANOTIFY_ACCESS_PERMISSIONS?)"
		case errors.Is(err, unix.EPERM):
			msg += " (needs CAP_SYS_ADMIN)"
		}
		return false, msg
	}
	defer unix.Close(fd)

	if err := unix.FanotifyMark(fd, unix.FAN_MARK_ADD, mask, unix.AT_FDCWD, dir); err != nil {
		msg := fmt.Sprintf("fanotify_mark(%s): %v", name, err)
		if errors.Is(err, unix.EINVAL) {
			msg += " (event not supported by this kernel)"
		}
		return false, msg
	}
	return true, fmt.Sprintf("marked a temporary directory for %s in a FAN_CLASS_CONTENT group", name)
}
