package users

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

const passwdData = `root:x:0:0:root:/root:/bin/bash
# a comment

daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh
dup:x:1000:1000::/home/dup:/bin/sh
broken line without colons
toofew:x:5:5
toomany:x:6:6:a:b:c:d
badid:x:notanumber:1::/:/bin/sh
neg:x:-3:1::/:/bin/sh
big:x:4294967296:1::/:/bin/sh
nouid:x:4294967295:1::/:/bin/sh
:x:7:7::/:/bin/sh
crlf:x:2000:2000::/home/crlf:/bin/sh` + "\r\n"

const groupData = `root:x:0:
adm:x:4:syslog,alice
alice:x:1000:
dupgroup:x:4:
bad:x:x:
short:x:9
`

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newTestDB(t *testing.T, passwd, group string) (*DB, *clock, string, string) {
	t.Helper()
	dir := t.TempDir()
	pp, gp := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	if passwd != "" {
		write(t, pp, passwd)
	}
	if group != "" {
		write(t, gp, group)
	}
	db := New(pp, gp)
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	db.now = c.now
	return db, c, pp, gp
}

func TestLookups(t *testing.T) {
	db, _, _, _ := newTestDB(t, passwdData, groupData)
	users := []struct {
		uid               uint32
		name, home, shell string
		ok                bool
	}{
		{0, "root", "/root", "/bin/bash", true},
		{1, "daemon", "/usr/sbin", "/usr/sbin/nologin", true},
		{1000, "alice", "/home/alice", "/bin/zsh", true}, // first entry wins over dup
		{2000, "crlf", "/home/crlf", "/bin/sh", true},
		{5, "", "", "", false},
		{6, "", "", "", false},
		{7, "", "", "", false},
		{4294967295, "", "", "", false},
		{42, "", "", "", false},
	}
	for _, u := range users {
		name, ok := db.UserName(u.uid)
		home, _ := db.HomeDir(u.uid)
		shell, _ := db.Shell(u.uid)
		if name != u.name || ok != u.ok || home != u.home || shell != u.shell {
			t.Errorf("uid %d: got (%q,%q,%q,%v), want (%q,%q,%q,%v)", u.uid, name, home, shell, ok, u.name, u.home, u.shell, u.ok)
		}
	}
	groups := []struct {
		gid  uint32
		name string
		ok   bool
	}{
		{0, "root", true}, {4, "adm", true}, {1000, "alice", true}, {9, "", false}, {77, "", false},
	}
	for _, g := range groups {
		name, ok := db.GroupName(g.gid)
		if name != g.name || ok != g.ok {
			t.Errorf("gid %d: got (%q,%v), want (%q,%v)", g.gid, name, ok, g.name, g.ok)
		}
	}
	st := db.Stats()
	// broken, toofew, toomany, badid, neg, big, nouid, empty name
	if st.PasswdMalformed != 8 {
		t.Errorf("PasswdMalformed = %d, want 8", st.PasswdMalformed)
	}
	if st.GroupMalformed != 2 {
		t.Errorf("GroupMalformed = %d, want 2", st.GroupMalformed)
	}
	if st.Users != 4 || st.Groups != 3 || st.PasswdLoads != 1 || st.GroupLoads != 1 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestMissingFiles(t *testing.T) {
	db, c, pp, gp := newTestDB(t, "", "")
	if _, ok := db.UserName(0); ok {
		t.Error("user found without a passwd file")
	}
	if _, ok := db.GroupName(0); ok {
		t.Error("group found without a group file")
	}
	// The files appear: picked up at the next check, not before.
	write(t, pp, "root:x:0:0::/root:/bin/sh\n")
	write(t, gp, "root:x:0:\n")
	c.t = c.t.Add(500 * time.Millisecond)
	if _, ok := db.UserName(0); ok {
		t.Error("files re-checked within a second")
	}
	c.t = c.t.Add(600 * time.Millisecond)
	if n, ok := db.UserName(0); !ok || n != "root" {
		t.Errorf("UserName(0) = %q, %v after the file appeared", n, ok)
	}
	if n, ok := db.GroupName(0); !ok || n != "root" {
		t.Errorf("GroupName(0) = %q, %v after the file appeared", n, ok)
	}
	// The files disappear: names go away.
	os.Remove(pp)
	os.Remove(gp)
	c.t = c.t.Add(2 * time.Second)
	if _, ok := db.UserName(0); ok {
		t.Error("user still found after the passwd file was removed")
	}
	if _, ok := db.GroupName(0); ok {
		t.Error("group still found after the group file was removed")
	}
}

func TestReload(t *testing.T) {
	db, c, pp, gp := newTestDB(t, "alice:x:1000:1000::/home/alice:/bin/sh\n", "staff:x:50:\n")
	if n, _ := db.UserName(1000); n != "alice" {
		t.Fatalf("UserName(1000) = %q", n)
	}
	tests := []struct {
		name   string
		change func()
		uid    uint32
		want   string
	}{
		{"rename in place, same size, new mtime", func() {
			write(t, pp, "alicx:x:1000:1000::/home/alice:/bin/sh\n")
			os.Chtimes(pp, c.t.Add(time.Hour), c.t.Add(time.Hour))
		}, 1000, "alicx"},
		{"new user appended", func() {
			write(t, pp, "alicx:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n")
		}, 1001, "bob"},
		{"replaced by rename (new inode)", func() {
			tmp := pp + ".new"
			write(t, tmp, "carol:x:1001:1001::/home/carol:/bin/sh\n")
			os.Chtimes(tmp, c.t.Add(2*time.Hour), c.t.Add(2*time.Hour))
			if err := os.Rename(tmp, pp); err != nil {
				t.Fatal(err)
			}
		}, 1001, "carol"},
	}
	for _, tt := range tests {
		tt.change()
		c.t = c.t.Add(time.Second)
		if got, _ := db.UserName(tt.uid); got != tt.want {
			t.Errorf("%s: UserName(%d) = %q, want %q", tt.name, tt.uid, got, tt.want)
		}
	}
	if _, ok := db.UserName(1000); ok {
		t.Error("uid 1000 still known after the file was replaced")
	}

	write(t, gp, "staff:x:50:\nwheel:x:10:\n")
	c.t = c.t.Add(time.Second)
	if n, _ := db.GroupName(10); n != "wheel" {
		t.Errorf("GroupName(10) = %q after reload", n)
	}
	if st := db.Stats(); st.PasswdLoads != 4 || st.GroupLoads != 2 {
		t.Errorf("loads = %d, %d; want 4, 2", st.PasswdLoads, st.GroupLoads)
	}

	// Unchanged files are not re-read.
	c.t = c.t.Add(10 * time.Second)
	db.UserName(0)
	if st := db.Stats(); st.PasswdLoads != 4 || st.GroupLoads != 2 {
		t.Errorf("unchanged files re-read: loads = %d, %d", st.PasswdLoads, st.GroupLoads)
	}

	// A clock that goes backwards still allows a check.
	write(t, gp, "staff:x:50:\nwheel:x:10:\nops:x:11:\n")
	c.t = c.t.Add(-time.Hour)
	if n, _ := db.GroupName(11); n != "ops" {
		t.Errorf("GroupName(11) = %q after the clock went back", n)
	}
}

func TestDefaultsAndDirectory(t *testing.T) {
	db := New("", "")
	if db.passwd.path != DefaultPasswd || db.group.path != DefaultGroup {
		t.Errorf("default paths = %q, %q", db.passwd.path, db.group.path)
	}
	dir := t.TempDir()
	db = New(dir, dir) // directories are not databases
	if _, ok := db.UserName(0); ok {
		t.Error("a directory was read as a passwd file")
	}
}

func TestLookupAllocs(t *testing.T) {
	db, _, _, _ := newTestDB(t, passwdData, groupData)
	db.UserName(0)
	allocs := testing.AllocsPerRun(1000, func() {
		db.UserName(1000)
		db.GroupName(4)
		db.UserName(12345)
	})
	if allocs != 0 {
		t.Errorf("lookups allocate: %v allocs per run", allocs)
	}
}

func BenchmarkUserName(b *testing.B) {
	dir := b.TempDir()
	pp := filepath.Join(dir, "passwd")
	os.WriteFile(pp, []byte(passwdData), 0o644)
	db := New(pp, filepath.Join(dir, "group"))
	b.ReportAllocs()
	for b.Loop() {
		db.UserName(1000)
	}
}
