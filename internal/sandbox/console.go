package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ExecTTY runs args in the started container with a terminal of its own,
// as `docker exec -it` and `kubectl exec -it` do from a user's terminal:
// runc runs on a pseudo-terminal this method opens (its controlling
// terminal), and `runc exec -t` gives the process a second one inside the
// container, relaying between the two. input is what is typed; the
// returned output is everything shown on the outer terminal (the typed
// input is echoed and line ends are CRLF). A non-zero exit is a (wrapped)
// *exec.ExitError.
func (c *Container) ExecTTY(input string, args ...string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("exec: no args")
	}
	master, slave, err := openPTY()
	if err != nil {
		return "", err
	}
	defer master.Close()
	cmd := exec.Command(c.runc, c.runcArgs(append([]string{"exec", "-t", c.id}, args...)...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	slave.Close() // runc holds it now
	if err != nil {
		return "", fmt.Errorf("runc exec -t: %w", err)
	}
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		// Ends with EIO once the last holder of the slave is gone.
		_, _ = io.Copy(&out, master)
		close(copied)
	}()
	if input != "" {
		if _, err := master.WriteString(input); err != nil {
			_ = cmd.Process.Kill()
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(c.opts.Timeout):
		_ = cmd.Process.Kill()
		<-done
		err = fmt.Errorf("timed out after %v (killed)", c.opts.Timeout)
	}
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
		_ = master.SetReadDeadline(time.Now())
		<-copied
	}
	if err != nil {
		return out.String(), fmt.Errorf("runc exec -t %s: %w: %s", c.id, err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// openPTY opens a new pseudo-terminal pair.
func openPTY() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	// Not m.Fd(), which would make the master blocking (no read deadline).
	var n uint32
	rc, err := m.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err != nil {
				return
			}
			n, err = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN)
		})
		if err == nil {
			err = cerr
		}
	}
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("set up pty: %w", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("open pty slave: %w", err)
	}
	return m, s, nil
}
