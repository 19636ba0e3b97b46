package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil/runc"
)

// TestSoakNoFalsePositives runs the agent with its built-in ruleset and
// performs, for real, the ordinary work of a Debian host and a developer on
// it: building and testing Go code, package queries, file editing and
// archives, git, shell scripting, reading system files, ssh tooling, a
// loopback HTTP fetch and the usual system-inspection commands. The default
// ruleset must raise no alert on any of it.
func TestSoakNoFalsePositives(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	a := startAgent(t, "--json")
	start := time.Now()

	// The whole activity is bounded: every command shares this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	root, err := filepath.Abs("../..") // the module root
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	have := func(prog string) bool {
		if _, err := exec.LookPath(prog); err != nil {
			t.Logf("skipping %s: not installed", prog)
			return false
		}
		return true
	}
	// run runs one command, as a child of this test, in dir; a failure of
	// the command is a failure of the test (the activity must really run).
	run := func(dir string, name string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1", "HOME="+os.Getenv("HOME"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	sh := func(dir, script string) string { t.Helper(); return run(dir, "sh", "-c", script) }

	// Developer: build part of this project and run a small test suite,
	// with the toolchain this test runs with and the existing GOCACHE.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		t.Logf("skipping go build/test: %s: %v", goBin, err)
	} else {
		run(root, goBin, "build", "-o", filepath.Join(work, "vigil-soak"), "./cmd/vigil")
		run(root, goBin, "test", "./internal/policy/", "-count=1")
		run(root, goBin, "run", "./cmd/vigil", "rules", "check")
		run(root, goBin, "vet", "./internal/policy/")
	}

	// Package-manager queries (no installs).
	if have("dpkg") {
		sh(work, "dpkg -l >/dev/null")
		run(work, "dpkg", "-S", "/bin/ls")
	}
	if have("apt-cache") {
		run(work, "apt-cache", "policy", "bash")
	}

	// Editing files and archives.
	edit := filepath.Join(work, "edit")
	if err := os.MkdirAll(filepath.Join(edit, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	sh(edit, `printf 'hello world\nsecond line\n' > src/notes.txt &&
sed -i 's/world/vigil/' src/notes.txt &&
cp src/notes.txt src/copy.txt &&
mv src/copy.txt src/moved.txt &&
tar czf ../edit.tar.gz src &&
mkdir out && tar xzf ../edit.tar.gz -C out &&
gzip -k src/notes.txt && gzip -dc src/notes.txt.gz >/dev/null &&
rm src/moved.txt src/notes.txt.gz && rm -r out && grep -q vigil src/notes.txt`)

	// git in a temporary repository, then a clone of it.
	if have("git") {
		repo := filepath.Join(work, "repo")
		if err := os.MkdirAll(repo, 0o755); err != nil {
			t.Fatal(err)
		}
		git := func(dir string, args ...string) {
			t.Helper()
			run(dir, "git", append([]string{"-c", "user.name=Soak Test", "-c", "user.email=soak@example.invalid",
				"-c", "init.defaultBranch=main", "-c", "safe.directory=*"}, args...)...)
		}
		git(repo, "init", "-q")
		if err := os.WriteFile(filepath.Join(repo, "README"), []byte("soak\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		git(repo, "add", "README")
		git(repo, "commit", "-q", "-m", "first commit")
		git(repo, "log", "--oneline")
		git(work, "clone", "-q", repo, filepath.Join(work, "clone"))
		git(filepath.Join(work, "clone"), "status", "--short")
	}

	// Shell scripting: loops, pipes, find.
	sh(work, `for i in 1 2 3; do echo "item $i"; done | wc -l`)
	sh(work, `ps aux | grep -c x`)
	sh(work, `find /usr/share/doc -maxdepth 1 | head -n 5`)
	sh(work, `i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i | tr 0-9 a-j`)

	// Reading common files.
	run(work, "cat", "/etc/os-release")
	run(work, "ls", "-la", "/etc")

	// ssh tooling: version, and a key generated in a temporary directory.
	if have("ssh") {
		run(work, "ssh", "-V")
	}
	if have("ssh-keygen") {
		keys := filepath.Join(work, "keys")
		if err := os.MkdirAll(keys, 0o700); err != nil {
			t.Fatal(err)
		}
		run(keys, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "soak", "-f", filepath.Join(keys, "key"))
	}

	// Scripting language.
	if have("python3") {
		run(work, "python3", "-c", "print(1)")
	}

	// A loopback HTTP fetch.
	if have("curl") {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "soak ok")
		})}
		go srv.Serve(ln)
		if out := run(work, "curl", "-s", "--max-time", "10", "http://"+ln.Addr().String()+"/"); !strings.Contains(out, "soak ok") {
			t.Errorf("curl got %q", out)
		}
		srv.Close()
	}

	// A package install and removal, with apt-get and dpkg, of a package
	// built here (so no mirror is needed): maintainer scripts, dpkg's
	// database, files under /usr.
	if os.Geteuid() == 0 && have("dpkg-deb") && have("apt-get") {
		soakPackage(t, work, run)
	}

	// An ssh login over loopback to an sshd of the test's own (its own
	// configuration, host key and authorized keys file), running commands.
	if os.Geteuid() == 0 && have("ssh") && have("ssh-keygen") {
		if _, err := os.Stat("/usr/sbin/sshd"); err == nil {
			soakSSH(t, ctx, work, run)
		} else {
			t.Log("skipping ssh login: /usr/sbin/sshd not installed (Debian package openssh-server)")
		}
	}

	// An ordinary container: an entrypoint script that reads its
	// configuration and writes its state, and a probe run in it.
	if os.Geteuid() == 0 && have("runc") && have("busybox") {
		c := runc.New(t, runc.Options{Overlay: true})
		if err := c.Start("/bin/sh", "-c", "echo starting; cat /etc/passwd >/dev/null; mkdir -p /tmp/app; echo ready > /tmp/app/state; exec sleep 30"); err != nil {
			t.Error(err)
		} else {
			time.Sleep(200 * time.Millisecond)
			if out, err := c.Exec("cat", "/tmp/app/state"); err != nil {
				t.Errorf("probe: %v: %s", err, out)
			}
			if out, err := c.Exec("/bin/sh", "-c", "test -f /tmp/app/state && echo ok"); err != nil {
				t.Errorf("probe: %v: %s", err, out)
			}
			if err := c.Delete(); err != nil {
				t.Error(err)
			}
		}
	}

	// System inspection.
	run(work, "id")
	run(work, "uname", "-a")
	run(work, "date")
	run(work, "df", "-h")
	run(work, "ps")
	if have("top") {
		sh(work, "top -b -n1 | head -n 15")
	}

	activity := time.Since(start)
	// Let the agent drain the last events before stopping it.
	time.Sleep(time.Second)
	a.stop(t)
	t.Logf("soak activity took %v", activity.Round(time.Millisecond))

	// The agent watches the whole host: count the alerts raised on this
	// test's own process tree (this process or a descendant, by the alert's
	// lineage), and only log those of unrelated activity on the machine.
	self := uint32(os.Getpid())
	var alerts, foreign []string
	for _, l := range a.stdout.snapshot() {
		var al struct {
			Rule     string `json:"rule"`
			Priority string `json:"priority"`
			Output   string `json:"output"`
			Vigil    struct {
				PID     uint32 `json:"pid"`
				Lineage []struct {
					PID uint32 `json:"pid"`
				} `json:"lineage"`
			} `json:"vigil"`
		}
		if json.Unmarshal([]byte(l), &al) != nil || al.Rule == "" {
			continue
		}
		ours := al.Vigil.PID == self
		for _, anc := range al.Vigil.Lineage {
			ours = ours || anc.PID == self
		}
		desc := fmt.Sprintf("[%s] %s: %s", al.Priority, al.Rule, al.Output)
		if ours {
			alerts = append(alerts, desc)
		} else {
			foreign = append(foreign, desc)
		}
	}
	if len(foreign) > 0 {
		t.Logf("ignored %d alert(s) on processes outside this test:\n%s", len(foreign), strings.Join(foreign, "\n"))
	}
	if len(alerts) > 0 {
		t.Errorf("the default ruleset raised %d alert(s) on ordinary activity:\n%s", len(alerts), strings.Join(alerts, "\n"))
	}
}

// soakPackage builds a small .deb (a file under /usr/share/doc and
// maintainer scripts), installs it with apt-get and removes it with dpkg.
func soakPackage(t *testing.T, work string, run func(dir, name string, args ...string) string) {
	t.Helper()
	const pkg = "vigil-soak-pkg"
	if out, err := exec.Command("dpkg-query", "-W", pkg).CombinedOutput(); err == nil {
		t.Logf("%s already installed (%s): removing it first", pkg, strings.TrimSpace(string(out)))
		run(work, "dpkg", "-r", pkg)
	}
	root := filepath.Join(work, "pkg")
	files := map[string]string{
		"DEBIAN/control": "Package: " + pkg + "\nVersion: 1.0\nArchitecture: all\nMaintainer: Vigil <soak@example.invalid>\n" +
			"Description: Vigil soak test package\n a package the false-positive soak installs and removes\n",
		"DEBIAN/postinst":                       "#!/bin/sh\nset -e\nmkdir -p /var/lib/" + pkg + "\necho installed > /var/lib/" + pkg + "/state\n",
		"DEBIAN/postrm":                         "#!/bin/sh\nset -e\nrm -rf /var/lib/" + pkg + "\n",
		"usr/share/doc/" + pkg + "/README":      "soak\n",
		"usr/share/" + pkg + "/data/config.txt": "key=value\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "DEBIAN/post") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	deb := filepath.Join(work, pkg+".deb")
	run(work, "dpkg-deb", "--root-owner-group", "--build", root, deb)
	run(work, "apt-get", "install", "-y", "-q", "--no-install-recommends", deb)
	run(work, "dpkg", "-s", pkg)
	run(work, "dpkg", "-r", pkg)
}

// soakSSH starts sshd on a loopback port with a configuration, host key
// and authorized keys file of its own in work, logs in as root with a key
// and runs a few commands, then stops sshd.
func soakSSH(t *testing.T, ctx context.Context, work string, run func(dir, name string, args ...string) string) {
	t.Helper()
	dir := filepath.Join(work, "ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	run(dir, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "host_key"))
	run(dir, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "soak", "-f", filepath.Join(dir, "client_key"))
	pub, err := os.ReadFile(filepath.Join(dir, "client_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\n"+
		"PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"+
		"StrictModes no\nPrintMotd no\n",
		port, filepath.Join(dir, "host_key"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd's privilege separation directory, as its package creates it.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	sshd := exec.CommandContext(ctx, "/usr/sbin/sshd", "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	var sshdOut strings.Builder
	sshd.Stdout, sshd.Stderr = &sshdOut, &sshdOut
	if err := sshd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = sshd.Process.Signal(os.Interrupt)
		_ = sshd.Wait()
	}()
	// Wait until it listens.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			t.Fatalf("sshd does not listen: %v\n%s", err, sshdOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	out := run(dir, "ssh", "-i", filepath.Join(dir, "client_key"), "-p", strconv.Itoa(port),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "LogLevel=ERROR", "root@127.0.0.1", "id -un; ls / >/dev/null; cat /etc/hostname >/dev/null; echo logged-in")
	if !strings.Contains(out, "logged-in") {
		t.Errorf("ssh login: %q\n%s", out, sshdOut.String())
	}
}
