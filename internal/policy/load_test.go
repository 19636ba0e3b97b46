package policy

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

func load(t *testing.T, src string) (*Set, rules.Diagnostics) {
	t.Helper()
	return Load([]File{{Name: "p.yaml", Data: []byte(src)}})
}

func TestLoadExample(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, diags := Load([]File{{Name: "example.yaml", Data: data}})
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	var b strings.Builder
	for _, p := range set.Policies {
		b.WriteString(p.Name + ": " + p.Mode.String() + " " + string(p.Action) + " " + p.Describe() +
			" where=" + p.Scope.Where.String() + " priority=" + p.Priority.String() + "\n")
	}
	golden(t, "example.golden", b.String())

	p := set.Policies[3]
	if p.Name != "no-metadata-service" || p.Mode != Audit || len(p.Net) != 2 ||
		p.Net[0].Prefix != netip.MustParsePrefix("169.254.169.254/32") || p.Net[0].Ports != (PortRange{80, 80}) ||
		p.Net[0].Proto != ProtoTCP || p.Net[1].Ports != (PortRange{6443, 6444}) || p.Net[1].Proto != ProtoAny {
		t.Errorf("connect policy: %+v", p)
	}
	if got := set.Policies[0].Paths; len(got) != 2 || got[0] != "/tmp/*" {
		t.Errorf("directory patterns: %v", got)
	}
	if n := len(set.ByKind(KindExec, KindExecAllow)); n != 2 {
		t.Errorf("ByKind(exec, exec_allow) = %d policies", n)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // substrings of the diagnostics, in order
	}{
		{"not a list", "policy: x\n", []string{"p.yaml:1:1: error: a policy file is a list of policies, got a mapping"}},
		{"malformed", "- policy: [\n", []string{"p.yaml:1:1: error: malformed YAML: did not find expected node content"}},
		{"no name no match", "- mode: audit\n", []string{"1:3: error: policy: missing key policy", "1:3: error: policy: missing key match"}},
		{"unknown key", "- policy: a\n  match: {exec: /x}\n  colour: red\n", []string{`3:3: error: policy a: unknown key "colour"`}},
		{"duplicate name", "- policy: a\n  match: {exec: /x}\n- policy: a\n  match: {exec: /y}\n", []string{`3:11: error: policy a: policy "a" is already defined at p.yaml:1:11`}},
		{"bad mode", "- policy: a\n  mode: strict\n  match: {exec: /x}\n", []string{`2:9: error: policy a: mode: unknown mode "strict"`}},
		{"bad priority", "- policy: a\n  priority: loud\n  match: {exec: /x}\n", []string{`2:13: error: policy a: priority: unknown priority "loud"`}},
		{"two kinds", "- policy: a\n  match: {exec: /x, open: /y}\n", []string{"2:10: error: policy a: match: exec, open: a policy matches one kind"}},
		{"relative path", "- policy: a\n  match: {open: [etc/shadow]}\n", []string{`2:18: error: policy a: match.open: "etc/shadow" is not an absolute path`}},
		{"access on exec", "- policy: a\n  match: {exec: /x, access: read}\n", []string{"2:21: error: policy a: match.access applies to open only"}},
		{"bad access", "- policy: a\n  match: {open: /x, access: append}\n", []string{`match.access: unknown access "append"`}},
		{"kill on exec", "- policy: a\n  match: {exec: /x}\n  action: kill\n", []string{"3:11: error: policy a: action kill does not apply to match.exec (it takes deny)"}},
		{"deny on syscall", "- policy: a\n  match: {syscall: ptrace}\n  action: deny\n", []string{"action deny does not apply to match.syscall (it takes kill)"}},
		{"unknown action", "- policy: a\n  match: {exec: /x}\n  action: quarantine\n", []string{`action: unknown action "quarantine"`}},
		{"bad syscall", "- policy: a\n  match: {syscall: [Ptrace!]}\n", []string{`match.syscall: "Ptrace!" is not a system call name`}},
		{"bad cidr", "- policy: a\n  match: {connect: {cidr: 10.0.0.0/33}}\n", []string{`match.connect.cidr: "10.0.0.0/33" is not a CIDR`}},
		{"bad port", "- policy: a\n  match: {connect: {port: 70000}}\n", []string{`match.connect.port: "70000" is not a port`}},
		{"reversed range", "- policy: a\n  match: {bind: {ports: 90-80}}\n", []string{`match.bind.ports: "90-80" is not a port`}},
		{"connect needs target", "- policy: a\n  match: {connect: {protocol: tcp}}\n", []string{"match.connect: a connect match needs a cidr, a port or both"}},
		{"bind needs port", "- policy: a\n  match: {bind: {protocol: udp}}\n", []string{"match.bind: a bind match needs a port"}},
		{"bind has no cidr", "- policy: a\n  match: {bind: {cidr: 10.0.0.1, port: 1}}\n", []string{`unknown key "cidr"`}},
		{"bad protocol", "- policy: a\n  match: {bind: {port: 1, protocol: sctp}}\n", []string{`unknown protocol "sctp"`}},
		{"bad where", "- policy: a\n  scope: {where: cloud}\n  match: {exec: /x}\n", []string{`scope.where: unknown value "cloud"`}},
		{"host with selector", "- policy: a\n  scope: {where: host, container: {image: nginx}}\n  match: {exec: /x}\n", []string{"where: host cannot be combined with container or k8s selectors"}},
		{"relative binary", "- policy: a\n  scope: {binary: [nc]}\n  match: {exec: /x}\n", []string{`scope.binary: "nc" is not an absolute path`}},
		{"label not a map", "- policy: a\n  scope: {k8s: {pod_label: [app]}}\n  match: {exec: /x}\n", []string{"scope.k8s.pod_label: want a mapping"}},
		{"empty list", "- policy: a\n  match: {exec: []}\n", []string{"match.exec: empty list"}},
		{"null name", "- policy:\n  match: {exec: /x}\n", []string{"policy: want a string, got the scalar"}},
		{"ancestor in kernel", "- policy: a\n  scope: {ancestor: /usr/sbin/sshd}\n  match: {syscall: ptrace}\n", []string{"1:3: error: policy a: scope.ancestor is not available for match.syscall"}},
		{"enabled not bool", "- policy: a\n  enabled: maybe\n  match: {exec: /x}\n", []string{"enabled: want true or false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, diags := load(t, tc.src)
			if len(diags) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(tc.want), joinDiags(diags))
			}
			for i, w := range tc.want {
				if !strings.Contains(diags[i].String(), w) {
					t.Errorf("diagnostic %d = %q, want it to contain %q", i, diags[i], w)
				}
			}
			if set != nil {
				for _, p := range set.Policies {
					if p.Name == "a" && tc.name != "duplicate name" {
						t.Errorf("policy with errors loaded: %+v", p)
					}
				}
			}
		})
	}
}

func joinDiags(ds rules.Diagnostics) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.String())
	}
	return strings.Join(s, "\n")
}

// One broken policy does not drop the good ones beside it.
func TestLoadKeepsValid(t *testing.T) {
	set, diags := load(t, "- policy: good\n  match: {exec: /x}\n- policy: bad\n  match: {exec: x}\n")
	if len(diags) != 1 || set == nil || len(set.Policies) != 1 || set.Policies[0].Name != "good" {
		t.Fatalf("set %+v diags %v", set, diags)
	}
	if set, diags := load(t, ""); set != nil || len(diags) != 0 {
		t.Errorf("empty file: %+v %v", set, diags)
	}
}

func TestScopeMatch(t *testing.T) {
	nginx := &event.Container{ID: "c1", Name: "web", Image: "docker.io/library/nginx:1.27", ImageRepository: "docker.io/library/nginx",
		Labels: map[string]string{"tier": "front"},
		Pod:    &event.Pod{Name: "web-0", Namespace: "team-a", Labels: map[string]string{"app": "web"}}}
	redis := &event.Container{ID: "c2", Image: "redis:7", ImageRepository: "redis"}
	host := &Subject{Exe: "/usr/bin/curl", Ancestors: []string{"/bin/bash", "/usr/sbin/sshd"}}
	inNginx := &Subject{InContainer: true, Container: nginx, Exe: "/bin/sh", Ancestors: []string{"/usr/sbin/nginx"}}
	inRedis := &Subject{InContainer: true, Container: redis, Exe: "/usr/bin/curl"}
	unknown := &Subject{InContainer: true, Exe: "/bin/sh"} // metadata not (yet) known

	for _, tc := range []struct {
		name  string
		scope Scope
		want  [4]bool // host, nginx, redis, unknown
	}{
		{"everywhere", Scope{}, [4]bool{true, true, true, true}},
		{"host", Scope{Where: WhereHost}, [4]bool{true, false, false, false}},
		{"containers", Scope{Where: WhereContainers}, [4]bool{false, true, true, true}},
		{"image glob", Scope{Images: []string{"*nginx*"}}, [4]bool{false, true, false, false}},
		{"image repository", Scope{Images: []string{"redis"}}, [4]bool{false, false, true, false}},
		{"name", Scope{Names: []string{"web"}}, [4]bool{false, true, false, false}},
		{"container label", Scope{ContainerLabels: map[string]string{"tier": "f*"}}, [4]bool{false, true, false, false}},
		{"namespace", Scope{Namespaces: []string{"team-*"}}, [4]bool{false, true, false, false}},
		{"pod label miss", Scope{PodLabels: map[string]string{"app": "db"}}, [4]bool{false, false, false, false}},
		{"binary", Scope{Binaries: []string{"/usr/bin/curl"}}, [4]bool{true, false, true, false}},
		{"binary in containers", Scope{Where: WhereContainers, Binaries: []string{"*/curl"}}, [4]bool{false, false, true, false}},
		{"ancestor", Scope{Ancestors: []string{"/usr/sbin/*"}}, [4]bool{true, true, false, false}},
		{"image and ancestor", Scope{Images: []string{"*nginx*"}, Ancestors: []string{"/usr/sbin/nginx"}}, [4]bool{false, true, false, false}},
	} {
		for i, sub := range []*Subject{host, inNginx, inRedis, unknown} {
			if got := tc.scope.Match(sub); got != tc.want[i] {
				t.Errorf("%s: subject %d: Match = %v, want %v", tc.name, i, got, tc.want[i])
			}
		}
	}
}

func TestMatchPathNet(t *testing.T) {
	set, diags := load(t, `
- policy: p
  match: {exec: [/tmp/, /usr/bin/nc]}
- policy: n
  match:
    connect:
      - {cidr: 10.0.0.0/8, port: 22, protocol: tcp}
      - {cidr: "::1", ports: "8000-8100"}
      - {port: 53, protocol: udp}
`)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	p, n := set.Policies[0], set.Policies[1]
	for path, want := range map[string]bool{"/tmp/x": true, "/tmp/a/b": true, "/tmp": false, "/usr/bin/nc": true, "/usr/bin/ncat": false, "": false} {
		if got := p.MatchPath(path); got != want {
			t.Errorf("MatchPath(%q) = %v", path, got)
		}
	}
	for _, tc := range []struct {
		addr  string
		port  uint16
		proto Proto
		want  bool
	}{
		{"10.1.2.3", 22, ProtoTCP, true},
		{"10.1.2.3", 22, ProtoUDP, false},
		{"11.1.2.3", 22, ProtoTCP, false},
		{"::ffff:10.1.2.3", 22, ProtoTCP, true},
		{"::1", 8050, ProtoTCP, true},
		{"::1", 8101, ProtoTCP, false},
		{"8.8.8.8", 53, ProtoUDP, true},
		{"8.8.8.8", 53, ProtoTCP, false},
	} {
		if got := n.MatchNet(netip.MustParseAddr(tc.addr), tc.port, tc.proto); got != tc.want {
			t.Errorf("MatchNet(%s, %d, %v) = %v", tc.addr, tc.port, tc.proto, got)
		}
	}
}

func FuzzLoad(f *testing.F) {
	if data, err := os.ReadFile("testdata/example.yaml"); err == nil {
		f.Add(string(data))
	}
	f.Add("- policy: a\n  match: {connect: [{cidr: '::/0', ports: 1-2}]}\n")
	f.Add("- &x {policy: a, match: {exec: /x}}\n- *x\n")
	f.Fuzz(func(t *testing.T, src string) {
		set, diags := Load([]File{{Name: "f.yaml", Data: []byte(src)}})
		for _, d := range diags {
			if d.Pos.File != "f.yaml" || d.Pos.Line < 1 || d.Msg == "" {
				t.Fatalf("diagnostic without a position or message: %+v", d)
			}
		}
		if set != nil {
			for _, p := range set.Policies {
				if p.Name == "" || p.Kind == 0 || p.Action == "" {
					t.Fatalf("incomplete policy loaded: %+v", p)
				}
				_ = p.Describe()
			}
		}
	})
}
