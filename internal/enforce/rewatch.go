package enforce

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/enforce/fanotify"
)

// rewatch keeps inode marks on files that are created or replaced after
// they were marked: it watches their directories with inotify
// (IN_CREATE, IN_MOVED_TO) and calls mark for each watched name that
// appears. An inode mark costs nothing for the directory's other files,
// where a directory mark would send every open in it to user space.
type rewatch struct {
	f    *os.File // the inotify descriptor, read through the netpoller
	mark func(path string, acc fanotify.Access)

	mu    sync.Mutex
	dirs  map[int32]string                      // watch descriptor -> directory
	names map[string]map[string]fanotify.Access // directory -> watched names
	wg    sync.WaitGroup
}

// newRewatch starts an inotify reader calling mark(path, access).
func newRewatch(mark func(path string, acc fanotify.Access)) (*rewatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify_init1: %w", err)
	}
	w := &rewatch{f: os.NewFile(uintptr(fd), "inotify"), mark: mark, dirs: map[int32]string{}, names: map[string]map[string]fanotify.Access{}}
	w.wg.Go(w.read)
	return w, nil
}

// watch adds path's name, for the accesses acc, to the names watched in
// its directory.
func (w *rewatch) watch(path string, acc fanotify.Access) error {
	dir, name := filepath.Split(filepath.Clean(path))
	dir = filepath.Clean(dir)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.names[dir] == nil {
		var wd int
		err := w.control(func(fd int) error {
			var err error
			wd, err = unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_ONLYDIR)
			return err
		})
		if err != nil {
			return fmt.Errorf("inotify watch %s: %w", dir, err)
		}
		w.dirs[int32(wd)] = dir
		w.names[dir] = map[string]fanotify.Access{}
	}
	w.names[dir][name] |= acc
	return nil
}

func (w *rewatch) control(fn func(fd int) error) error {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func (w *rewatch) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return // closed
		}
		parseInotify(buf[:n], func(wd int32, name string) {
			w.mu.Lock()
			dir, ok := w.dirs[wd]
			var acc fanotify.Access
			if ok {
				acc = w.names[dir][name]
			}
			w.mu.Unlock()
			if acc != 0 {
				w.mark(filepath.Join(dir, name), acc)
			}
		})
	}
}

// parseInotify calls fn for each event of buf that names a file; a
// truncated or malformed tail is ignored.
func parseInotify(buf []byte, fn func(wd int32, name string)) {
	const head = unix.SizeofInotifyEvent
	for len(buf) >= head {
		wd := int32(binary.NativeEndian.Uint32(buf[0:4]))
		l := int(binary.NativeEndian.Uint32(buf[12:16]))
		if l < 0 || l > len(buf)-head {
			return
		}
		name := buf[head : head+l]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) > 0 {
			fn(wd, string(name))
		}
		buf = buf[head+l:]
	}
}

// reset forgets the watched names (the directories stay watched: cheap).
// The caller holds no lock of w.
func (w *rewatch) reset() {
	w.mu.Lock()
	for d := range w.names {
		w.names[d] = map[string]fanotify.Access{}
	}
	w.mu.Unlock()
}

// close stops the reader.
func (w *rewatch) close() error {
	err := w.f.Close()
	w.wg.Wait()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
