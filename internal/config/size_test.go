package config

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		err  bool
	}{
		{"0", 0, false},
		{"4096", 4096, false},
		{"-1", -1, false},
		{"8MiB", 8 << 20, false},
		{"8 MiB", 8 << 20, false},
		{"8mib", 8 << 20, false},
		{"1KiB", 1024, false},
		{"2GiB", 2 << 30, false},
		{"1TiB", 1 << 40, false},
		{"10MB", 10_000_000, false},
		{"1kb", 1000, false},
		{"512B", 512, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"1.5GiB", 0, true},
		{"-1MiB", 0, true},
		{"10 parsecs", 0, true},
		{"9999999999TiB", 0, true},
		{"99999999999999999999", 0, true},
	} {
		got, err := ParseSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestSizeString(t *testing.T) {
	for _, tc := range []struct {
		in   Size
		want string
	}{
		{0, "0"}, {-1, "-1"}, {1000, "1000"}, {1024, "1KiB"}, {8 << 20, "8MiB"}, {1536, "1536"}, {3 << 30, "3GiB"}, {1 << 40, "1TiB"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
		if back, err := ParseSize(tc.want); err != nil || back != tc.in {
			t.Errorf("ParseSize(%q) = %v, %v", tc.want, back, err)
		}
	}
}
