package host

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseBootID(t *testing.T) {
	id, err := ParseBootID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n")
	if err != nil {
		t.Fatal(err)
	}
	if id[0] != 0x0f || id[15] != 0xf0 {
		t.Errorf("id = %x", id)
	}
	for _, bad := range []string{"", "nothex-4b5a-6978-8796-a5b4c3d2e1f0", "0f1e2d3c"} {
		if _, err := ParseBootID(bad); err == nil {
			t.Errorf("ParseBootID(%q) succeeded", bad)
		}
	}
}

func TestBootIDFromProcRoot(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sys/kernel/random")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := BootID(root); err == nil {
		t.Error("missing boot_id file accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, "boot_id"), []byte("00112233-4455-6677-8899-aabbccddeeff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id, err := BootID(root)
	if err != nil || id[1] != 0x11 {
		t.Errorf("BootID = %x, %v", id, err)
	}
	if _, err := BootID("/proc"); err != nil {
		t.Errorf("real boot id: %v", err)
	}
}

func TestClock(t *testing.T) {
	c, err := NewClock()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if c.BootWall.After(now) {
		t.Fatalf("boot %v is in the future", c.BootWall)
	}
	ns := c.BootNs(now)
	if got := c.Wall(ns); !got.Equal(now) {
		t.Errorf("Wall(BootNs(t)) = %v, want %v", got, now)
	}
	if c.BootNs(c.BootWall.Add(-time.Hour)) != 0 {
		t.Error("time before boot must map to 0")
	}
}

func TestNamespaces(t *testing.T) {
	if NamespaceInode("/proc/self/ns/pid") == 0 || NamespaceInode("/proc/self/ns/mnt") == 0 {
		t.Fatal("own namespaces unreadable")
	}
	if NamespaceInode("/nonexistent/ns/pid") != 0 {
		t.Error("a missing namespace file gave an inode")
	}
	mnt, pid := HostNamespaces("/proc")
	if mnt == 0 || pid == 0 {
		t.Errorf("HostNamespaces = %d, %d", mnt, pid)
	}
	// A proc root without init falls back to this process's namespaces.
	dir := t.TempDir()
	if err := os.Symlink("/proc/self", dir+"/self"); err != nil {
		t.Fatal(err)
	}
	mnt, pid = HostNamespaces(dir)
	if mnt != NamespaceInode("/proc/self/ns/mnt") || pid != NamespaceInode("/proc/self/ns/pid") {
		t.Errorf("fallback = %d, %d", mnt, pid)
	}
}
