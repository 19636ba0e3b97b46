package users

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Default paths of the host's databases.
const (
	DefaultPasswd = "/etc/passwd"
	DefaultGroup  = "/etc/group"
)

// checkInterval is the least time between two checks of the files.
const checkInterval = time.Second

// User is one entry of the passwd file.
type User struct {
	Name    string
	HomeDir string
	Shell   string
}

// Stats counts what the DB has read.
type Stats struct {
	// Loads counts successful (re)reads of the passwd and group files.
	PasswdLoads, GroupLoads uint64
	// Malformed counts the lines skipped in the last read of each file.
	PasswdMalformed, GroupMalformed int
	// Users and Groups are the numbers of ids known.
	Users, Groups int
}

// DB is a cached user and group database. The zero value is not usable;
// call New.
type DB struct {
	passwd fileState
	group  fileState

	users  map[uint32]User
	groups map[uint32]string

	now       func() time.Time
	lastCheck time.Time
	checked   bool
	stats     Stats
}

// fileState identifies the version of a file that was last read.
type fileState struct {
	path    string
	present bool
	mtime   time.Time
	size    int64
	ino     uint64
}

// New returns a DB reading the given files. An empty path uses the default
// one (DefaultPasswd, DefaultGroup).
func New(passwdPath, groupPath string) *DB {
	if passwdPath == "" {
		passwdPath = DefaultPasswd
	}
	if groupPath == "" {
		groupPath = DefaultGroup
	}
	return &DB{
		passwd: fileState{path: passwdPath},
		group:  fileState{path: groupPath},
		users:  map[uint32]User{},
		groups: map[uint32]string{},
		now:    time.Now,
	}
}

// UserName returns the name of user uid.
func (db *DB) UserName(uid uint32) (string, bool) {
	u, ok := db.User(uid)
	return u.Name, ok
}

// HomeDir returns the home directory of user uid.
func (db *DB) HomeDir(uid uint32) (string, bool) {
	u, ok := db.User(uid)
	return u.HomeDir, ok
}

// Shell returns the login shell of user uid.
func (db *DB) Shell(uid uint32) (string, bool) {
	u, ok := db.User(uid)
	return u.Shell, ok
}

// User returns the passwd entry of user uid.
func (db *DB) User(uid uint32) (User, bool) {
	db.refresh()
	u, ok := db.users[uid]
	return u, ok
}

// GroupName returns the name of group gid.
func (db *DB) GroupName(gid uint32) (string, bool) {
	db.refresh()
	g, ok := db.groups[gid]
	return g, ok
}

// Stats returns the counters of the DB.
func (db *DB) Stats() Stats {
	s := db.stats
	s.Users, s.Groups = len(db.users), len(db.groups)
	return s
}

// refresh re-reads the files that changed, at most once per checkInterval.
func (db *DB) refresh() {
	now := db.now()
	if db.checked {
		d := now.Sub(db.lastCheck)
		if d >= 0 && d < checkInterval {
			return
		}
	}
	db.checked = true
	db.lastCheck = now

	if st, changed := db.passwd.changed(); changed {
		data, err := os.ReadFile(db.passwd.path)
		if err != nil {
			st = fileState{path: db.passwd.path}
			data = nil
		} else {
			db.stats.PasswdLoads++
		}
		db.passwd = st
		db.users, db.stats.PasswdMalformed = parsePasswd(data)
	}
	if st, changed := db.group.changed(); changed {
		data, err := os.ReadFile(db.group.path)
		if err != nil {
			st = fileState{path: db.group.path}
			data = nil
		} else {
			db.stats.GroupLoads++
		}
		db.group = st
		db.groups, db.stats.GroupMalformed = parseGroup(data)
	}
}

// changed stats the file and reports whether it differs from the version
// read last; it returns the new state.
func (f fileState) changed() (fileState, bool) {
	fi, err := os.Stat(f.path)
	if err != nil || !fi.Mode().IsRegular() {
		return fileState{path: f.path}, f.present
	}
	st := fileState{path: f.path, present: true, mtime: fi.ModTime(), size: fi.Size()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = uint64(sys.Ino)
	}
	return st, !f.present || !st.mtime.Equal(f.mtime) || st.size != f.size || st.ino != f.ino
}

// parsePasswd parses passwd(5) lines: name:password:uid:gid:gecos:home:shell.
func parsePasswd(data []byte) (map[uint32]User, int) {
	users := map[uint32]User{}
	malformed := 0
	forEachLine(data, func(line []byte) {
		var f [7][]byte
		if !splitFields(line, f[:]) || len(f[0]) == 0 {
			malformed++
			return
		}
		uid, ok := parseID(f[2])
		if !ok {
			malformed++
			return
		}
		if _, dup := users[uid]; dup {
			return
		}
		users[uid] = User{Name: string(f[0]), HomeDir: string(f[5]), Shell: string(f[6])}
	})
	return users, malformed
}

// parseGroup parses group(5) lines: name:password:gid:members.
func parseGroup(data []byte) (map[uint32]string, int) {
	groups := map[uint32]string{}
	malformed := 0
	forEachLine(data, func(line []byte) {
		var f [4][]byte
		if !splitFields(line, f[:]) || len(f[0]) == 0 {
			malformed++
			return
		}
		gid, ok := parseID(f[2])
		if !ok {
			malformed++
			return
		}
		if _, dup := groups[gid]; dup {
			return
		}
		groups[gid] = string(f[0])
	})
	return groups, malformed
}

// forEachLine calls fn for every line that is neither blank nor a comment,
// without its line ending.
func forEachLine(data []byte, fn func([]byte)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	for sc.Scan() {
		line := bytes.TrimSuffix(sc.Bytes(), []byte{'\r'})
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		fn(line)
	}
}

// splitFields splits line on ':' into exactly len(dst) fields.
func splitFields(line []byte, dst [][]byte) bool {
	for i := range dst {
		if i == len(dst)-1 {
			if bytes.IndexByte(line, ':') >= 0 {
				return false
			}
			dst[i] = line
			return true
		}
		j := bytes.IndexByte(line, ':')
		if j < 0 {
			return false
		}
		dst[i], line = line[:j], line[j+1:]
	}
	return false
}

// parseID parses a decimal uid or gid. (uid_t)-1 is not a valid id.
func parseID(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil || n == 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}
