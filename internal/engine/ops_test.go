package engine

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/fields"
)

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "/a/b", true},
		{"/etc/*", "/etc/passwd", true},
		{"/etc/*", "/etc/ssh/sshd_config", true}, // * crosses '/' as in fnmatch without FNM_PATHNAME
		{"/etc/*.conf", "/etc/a.conf", true},
		{"/etc/*.conf", "/etc/a.confx", false},
		{"?", "a", true},
		{"?", "", false},
		{"a?c", "abc", true},
		{"[abc]x", "bx", true},
		{"[!abc]x", "bx", false},
		{"[^abc]x", "dx", true},
		{"[a-c]", "b", true},
		{"[a-c]", "d", false},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"[", "[", true},
		{"", "", true},
		{"", "a", false},
		{"/dev/sd[a-z]*", "/dev/sda1", true},
		{"/dev/sd[a-z]*", "/dev/s", false},
		{"/dev/sd[a-z]*", "/etc/sda", false},
		{`/a\*b`, "/a*b", true},
		{`/a\*b`, "/axb", false},
	} {
		if got := fields.Glob(tc.pat, tc.s); got != tc.want {
			t.Errorf("fields.Glob(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
		// The compiled matcher tests the literal prefix first: same answers.
		m, err := stringMatcher("glob", []string{tc.pat})
		if err != nil {
			t.Fatal(err)
		}
		if got := m(tc.s); got != tc.want {
			t.Errorf("glob matcher %q on %q = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
}

func TestPathPrefix(t *testing.T) {
	m := pathPrefixMatcher([]string{"/etc", "/usr/lib/", "/"})
	n := pathPrefixMatcher([]string{"/etc", "/usr/lib/"})
	for _, tc := range []struct {
		s         string
		withRoot  bool
		withoutRt bool
	}{
		{"/etc", true, true},
		{"/etc/passwd", true, true},
		{"/etcd", true, false},
		{"/usr/lib/x", true, true},
		{"/usr/lib", true, true},
		{"/usr/libexec", true, false},
		{"relative", false, false},
	} {
		if got := m(tc.s); got != tc.withRoot {
			t.Errorf("with /: %q = %v", tc.s, got)
		}
		if got := n(tc.s); got != tc.withoutRt {
			t.Errorf("without /: %q = %v", tc.s, got)
		}
	}
}

func TestContainsFold(t *testing.T) {
	for _, tc := range []struct {
		s, sub string
		want   bool
	}{
		{"Hello World", "WORLD", true},
		{"Hello", "", true},
		{"", "a", false},
		{"abc", "abcd", false},
	} {
		if got := containsFold(tc.s, tc.sub); got != tc.want {
			t.Errorf("containsFold(%q, %q) = %v", tc.s, tc.sub, got)
		}
	}
}

func TestIPMatcher(t *testing.T) {
	m, err := ipMatcher("in", []string{"10.0.0.0/8", "192.168.1.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{"10.2.3.4": true, "192.168.1.1": true, "192.168.1.2": false, "::1": true, "bogus": false} {
		if m(s) != want {
			t.Errorf("%s: %v", s, !want)
		}
	}
	if _, err := ipMatcher("=", []string{"not-an-ip"}); err == nil {
		t.Error("bad operand accepted")
	}
}
