package fields

import (
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
)

// This file implements the fd class the way libsinsp's
// sinsp_filter_check_fd does (userspace/libsinsp/sinsp_filtercheck_fd.cpp)
// for the events Vigil has: the exit events of open, openat, openat2 and
// creat.
//
// Falco keeps a table of each process's descriptors; an fd field reads the
// descriptor the event is about. Vigil's events carry that descriptor
// (event.Syscall.FD). What libsinsp does when the call failed and no
// descriptor was created (extract_from_null_fd) is mirrored here: fd.num is
// -1, fd.name and fd.directory come from the path the call was given,
// fd.typechar is 'f' for the open family, and fd.type, fd.filename, fd.dev
// and fd.ino are <NA>.

// eventFD returns the descriptor an event is about; nil for events without
// one (exec, clone, procexit, drop, and the path calls such as unlink,
// mkdir, rename, chmod or chown, whose Syscall has no FD): Falco's fd fields
// are <NA> there. fchmod and fchown carry the descriptor they act on.
func eventFD(ev *event.Event) *event.FD {
	if ev == nil || ev.Syscall == nil {
		return nil
	}
	return ev.Syscall.FD
}

// hasFDInfo reports whether Falco would have the descriptor in its table:
// a failed fd-creating call (FD.Num < 0) created none.
func hasFDInfo(fd *event.FD) bool { return fd.Num >= 0 }

// fdNum is Falco's fd.num: the descriptor, -1 when the call created none
// (libsinsp's m_lastevent_fd stays -1 when a failed open adds no fd).
func fdNum(fd *event.FD) int64 {
	if hasFDInfo(fd) {
		return fd.Num
	}
	return -1
}

// fdDirectory is libsinsp's directory part of a file name: the name up to
// its last '/'; "/" when that '/' is the first character or there is none;
// the name itself when it ends with '/'.
func fdDirectory(name string) string {
	pos := strings.LastIndexByte(name, '/')
	if pos <= 0 {
		return "/"
	}
	if pos < len(name)-1 {
		return name[:pos]
	}
	return name
}

// fdFilename is libsinsp's file part of a file name: what follows the last
// '/'; the name itself when it ends with '/'; "/" when there is no '/'.
func fdFilename(name string) string {
	pos := strings.LastIndexByte(name, '/')
	if pos < 0 {
		return "/"
	}
	if pos < len(name)-1 {
		return name[pos+1:]
	}
	return name
}

// dedupCache collapses runs of '/' (libsinsp's
// remove_duplicate_path_separators), remembering the last result so that
// reading the same event again does not allocate. Strings without "//"
// are returned as they are.
type dedupCache struct{ in, out string }

func (c *dedupCache) get(s string) string {
	if !strings.Contains(s, "//") {
		return s
	}
	if s == c.in && c.out != "" {
		return c.out
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && len(b) > 0 && b[len(b)-1] == '/' {
			continue
		}
		b = append(b, s[i])
	}
	c.in, c.out = s, string(b)
	return c.out
}

// fdNameRaw is Falco's fd.nameraw. With a descriptor it is the path as the
// caller passed it. For a failed call it is what libsinsp's
// extract_fdname_from_creator gives: for openat and openat2 the path as
// passed; for open and creat the path resolved against the working
// directory when it is relative (libsinsp reads the resolved form of their
// name parameter there), which is fd.name.
func fdNameRaw(ev *event.Event, fd *event.FD) string {
	if !hasFDInfo(fd) && (ev.Type == event.TypeOpen || ev.Type == event.TypeCreat) &&
		fd.NameRaw != "" && fd.NameRaw[0] != '/' {
		return fd.Name
	}
	return fd.NameRaw
}

// devMajor and devMinor split a device number in the kernel's
// new_encode_dev form, as libsinsp's sinsp_fdinfo does.
func devMajor(dev uint32) uint32 { return (dev & 0xfff00) >> 8 }
func devMinor(dev uint32) uint32 { return (dev & 0xff) | ((dev >> 12) & 0xfff00) }

// addFSPathFields adds Falco's fs.path.name, fs.path.source, fs.path.target
// and fs.path.nameraw: the paths a file system call operates on, whatever
// the call (an open, an unlink, a mkdir, a rename...), so one condition
// covers them all.
func (c *Catalog) addFSPathFields() {
	c.add(spec{name: "fs.path.name", kind: KindString,
		desc: "The resolved, absolute path a file system call operates on: for the open family the opened file's path (fd.name), for unlink, unlinkat, mkdir, mkdirat and rmdir their path argument resolved against the cwd or dirfd; for chmod, fchmodat, chown, lchown and fchownat their path argument (filename, path, pathname), for fchmod and fchown the name of the descriptor they act on (fd.name); <NA> for the calls with two paths (rename, link, symlink: see fs.path.source and fs.path.target).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if ev == nil || ev.Syscall == nil {
				return "", false
			}
			switch {
			case ev.Type.IsOpen():
				if fd := ev.Syscall.FD; fd != nil && fd.Name != "" {
					return fd.Name, true
				}
			case ev.Type.IsPathOp():
				for _, a := range ev.Syscall.Args {
					if (a.Name == "path" || a.Name == "name") && a.Kind == event.ArgPath && a.Str != "" {
						return a.Str, true
					}
				}
			case ev.Type.IsAttrChange():
				return attrPath(ev)
			}
			// rename, link and symlink have two paths: fs.path.source and
			// fs.path.target, and no fs.path.name, as in Falco.
			return "", false
		}}})
	c.add(spec{name: "fs.path.source", kind: KindString,
		desc: "The source path of the calls with a source and a target: for rename, renameat, renameat2, link and linkat the resolved, absolute oldpath; for symlink and symlinkat the link's content (the target argument), as the caller wrote it. <NA> for other events. (fs.path.sourceraw is not captured yet.)",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			src, _ := pathPairPaths(ev)
			return src, src != ""
		}}})
	c.add(spec{name: "fs.path.target", kind: KindString,
		desc: "The target path of the calls with a source and a target: the resolved, absolute newpath of rename, renameat, renameat2, link and linkat, the linkpath of symlink and symlinkat (the link created). <NA> for other events. (fs.path.targetraw is not captured yet.)",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			_, dst := pathPairPaths(ev)
			return dst, dst != ""
		}}})
	c.add(spec{name: "fs.path.nameraw", kind: KindString,
		desc: "The path a file system call operates on as the caller passed it (fd.nameraw); <NA> for unlink, mkdir and rmdir, whose events keep only the resolved path.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			if ev == nil || ev.Syscall == nil || !ev.Type.IsOpen() || ev.Syscall.FD == nil || ev.Syscall.FD.NameRaw == "" {
				return "", false
			}
			return ev.Syscall.FD.NameRaw, true
		}}})
}

func (c *Catalog) addFDFields() {
	fdStr := func(name, desc string, fn func(ev *event.Event, fd *event.FD) (string, bool)) {
		c.add(spec{name: name, kind: KindString, desc: desc, acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			fd := eventFD(ev)
			if fd == nil {
				return "", false
			}
			return fn(ev, fd)
		}}})
	}
	fdInt := func(name, desc, falcoType string, fn func(fd *event.FD) (int64, bool)) {
		c.add(spec{name: name, kind: KindInt, desc: desc, falcoType: falcoType, acc: Accessor{Int: func(ev *event.Event) (int64, bool) {
			fd := eventFD(ev)
			if fd == nil {
				return 0, false
			}
			return fn(fd)
		}}})
	}
	const failed = " For a failed call, which created no descriptor, "
	c.addSockFields()

	fdInt("fd.num", "The number of the file descriptor the event is about: for the open family the new descriptor, and -1 when the call failed (as in Falco, whatever the error); for fchmod and fchown the descriptor they act on.", "",
		func(fd *event.FD) (int64, bool) { return fdNum(fd), true })
	fdStr("fd.type", "The type of the file descriptor: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, timerfd, netlink, memfd, unknown. An open gives file, or directory for a directory."+failed+"<NA>.",
		func(ev *event.Event, fd *event.FD) (string, bool) {
			if !hasFDInfo(fd) {
				return "", false
			}
			return fd.Type.String(), true
		})
	fdStr("fd.typechar", "The type of the file descriptor as one character: f (file), d (directory), 4, 6, u, p, e, s, l, i, t, n, m, o (unknown)."+failed+"f for the open family, as in Falco.",
		func(ev *event.Event, fd *event.FD) (string, bool) {
			if !hasFDInfo(fd) {
				if ev.Type.IsOpen() {
					return "f", true
				}
				return "o", true
			}
			return fdTypeCharString(fd.Type), true
		})
	fdStr("fd.name", "The full name of the file descriptor: for a file or directory its absolute path. "+
		"For a successful open Vigil's is the path of the file the kernel opened, with symbolic links resolved (Falco's joins the path the caller passed to the working directory or dirfd directory, without resolving links); "+
		"for a failed one, the path the caller passed resolved against its working directory or dirfd directory, as in Falco.",
		func(ev *event.Event, fd *event.FD) (string, bool) { return fd.Name, true })
	var rawCache dedupCache
	fdStr("fd.nameraw", "The path as the caller passed it, with repeated '/' collapsed, without deriving the absolute path. For a failed open or creat with a relative path, the path resolved against the working directory (fd.name), as in Falco. <NA> for fchmod and fchown, whose descriptor Vigil knows only by its resolved name.",
		func(ev *event.Event, fd *event.FD) (string, bool) {
			if fd.NameRaw == "" && !ev.Type.IsOpen() {
				// fchmod and fchown: the sensor has only the kernel's name.
				return "", false
			}
			return rawCache.get(fdNameRaw(ev, fd)), true
		})
	fdStr("fd.directory", "For a file, the directory that contains it (fd.name up to its last '/'); for a directory, fd.name itself; <NA> for other descriptors. For a failed open, the directory part of the path it was given.",
		func(ev *event.Event, fd *event.FD) (string, bool) {
			switch {
			case !hasFDInfo(fd) || fd.Type == event.FDFile:
				return fdDirectory(fd.Name), true
			case fd.Type == event.FDDirectory:
				return fd.Name, true
			}
			return "", false
		})
	fdStr("fd.filename", "For a file, its name without the directory (fd.name after its last '/'); <NA> for directories and other descriptors, and for failed opens, as in Falco.",
		func(ev *event.Event, fd *event.FD) (string, bool) {
			if !hasFDInfo(fd) || fd.Type != event.FDFile {
				return "", false
			}
			return fdFilename(fd.Name), true
		})
	fdInt("fd.dev", "The device number of the file system that holds the file, in the kernel's new_encode_dev form (2049 is 8:1; Falco prints it in hexadecimal, 801). <NA> for a failed call.", "INT32",
		func(fd *event.FD) (int64, bool) { return int64(int32(fd.Dev)), hasFDInfo(fd) })
	fdInt("fd.dev.major", "The major number of fd.dev.", "INT32",
		func(fd *event.FD) (int64, bool) { return int64(int32(devMajor(fd.Dev))), hasFDInfo(fd) })
	fdInt("fd.dev.minor", "The minor number of fd.dev.", "INT32",
		func(fd *event.FD) (int64, bool) { return int64(int32(devMinor(fd.Dev))), hasFDInfo(fd) })
	fdInt("fd.ino", "The inode number of the file. <NA> for a failed call.", "",
		func(fd *event.FD) (int64, bool) { return int64(fd.Ino), hasFDInfo(fd) })

	var uid struct {
		tid   uint32
		num   int64
		out   string
		valid bool
	}
	c.add(spec{name: "fd.uid", kind: KindString,
		desc: "A unique id of the file descriptor: the thread id followed by fd.num, as decimal numbers without a separator (4321 and 3 give 43213).",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			fd := eventFD(ev)
			if fd == nil || ev.Process.TID == 0 {
				return "", false
			}
			tid, num := ev.Process.TID, fdNum(fd)
			if !uid.valid || uid.tid != tid || uid.num != num {
				uid.tid, uid.num, uid.valid = tid, num, true
				uid.out = strconv.FormatUint(uint64(tid), 10) + strconv.FormatInt(num, 10)
			}
			return uid.out, true
		}}})
}

// fdTypeChars holds fd.typechar as one-character strings, so that reading
// it does not allocate.
var fdTypeChars = func() (out [256]string) {
	for i := range out {
		out[i] = string(rune(event.FDType(i).Char()))
	}
	return out
}()

func fdTypeCharString(t event.FDType) string { return fdTypeChars[t] }
