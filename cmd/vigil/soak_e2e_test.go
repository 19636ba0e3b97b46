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
	"strings"
	"testing"
	"time"
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
