package sandbox

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// CheckStatic reports an error unless bin is a statically linked ELF
// executable (one that runs in a root file system of its own).
func CheckStatic(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("busybox %s: %w", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("busybox %s is dynamically linked: install busybox-static", bin)
		}
	}
	return nil
}

// buildImage makes dir a busybox root file system: bb at /bin/busybox, a
// symlink to it for each applet where `busybox --list-full` puts it, the
// directories a container needs, a minimal /etc, and files (container
// path -> host path).
func buildImage(dir, bb string, files map[string]string) error {
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "proc", "sys", "dev", "tmp", "var/tmp", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("image: %w", err)
		}
	}
	for _, d := range []string{"tmp", "var/tmp"} {
		if err := os.Chmod(filepath.Join(dir, d), 0o1777); err != nil {
			return fmt.Errorf("image: %w", err)
		}
	}
	if err := copyFile(bb, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	out, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("image: busybox --list-full: %w", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "bin/busybox" || strings.Contains(applet, "..") {
			continue
		}
		p := filepath.Join(dir, applet)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("image: %w", err)
		}
		if err := os.Symlink("/bin/busybox", p); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("image: applet %s: %w", applet, err)
		}
	}
	for name, content := range map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":    "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
		"etc/hosts":    "127.0.0.1\tlocalhost\n::1\tlocalhost\n",
		"etc/hostname": "vigil-test\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("image: %w", err)
		}
	}
	for dst, src := range files {
		st, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("image: file %s: %w", dst, err)
		}
		p := filepath.Join(dir, filepath.Clean("/"+dst))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("image: %w", err)
		}
		if err := copyFile(src, p, st.Mode().Perm()); err != nil {
			return fmt.Errorf("image: file %s: %w", dst, err)
		}
	}
	return nil
}

// copyFile copies src to dst, created with mode.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode) // umask-independent
}

// mountOverlay mounts an overlay of lower (read-only) and upper (created,
// with its work directory) on target (created).
func mountOverlay(lower, upper, work, target string) error {
	for _, d := range []string{upper, work, target} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("overlay: %w", err)
		}
	}
	data := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := unix.Mount("overlay", target, "overlay", 0, data); err != nil {
		return fmt.Errorf("mount overlay on %s (%s): %w", target, data, err)
	}
	return nil
}

// unmount unmounts target, lazily when it is busy.
func unmount(target string) error {
	err := unix.Unmount(target, 0)
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(target, unix.MNT_DETACH)
	}
	if err != nil && !errors.Is(err, unix.EINVAL) { // EINVAL: not mounted
		return fmt.Errorf("unmount %s: %w", target, err)
	}
	return nil
}
