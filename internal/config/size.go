package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Size is a number of bytes. In the file it is an integer (bytes) or an
// integer followed by a unit: B; KiB, MiB, GiB, TiB (powers of 1024); KB,
// MB, GB, TB (powers of 1000). Units are case-insensitive ("10mib").
type Size int64

// The binary units.
const (
	KiB Size = 1 << 10
	MiB Size = 1 << 20
	GiB Size = 1 << 30
	TiB Size = 1 << 40
)

var sizeUnits = []struct {
	name string
	mult int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
	{"B", 1},
}

// ParseSize reads a size: "1048576", "1MiB", "10 MB", "-1". Only a plain
// integer may be negative.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("want a size such as 1048576 or 10MiB, got nothing")
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return Size(n), nil
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if strings.HasPrefix(unit, ".") {
		return 0, fmt.Errorf("size %q: want a whole number of a unit (1536MiB, not 1.5GiB)", s)
	}
	if num == "" || unit == "" {
		return 0, fmt.Errorf("want a size such as 1048576 or 10MiB, got %q", s)
	}
	for _, u := range sizeUnits {
		if !strings.EqualFold(unit, u.name) {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/u.mult {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return Size(n * u.mult), nil
	}
	return 0, fmt.Errorf("size %q: unknown unit %q (want B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)", s, unit)
}

// String writes the size with the largest binary unit that divides it
// exactly ("8MiB"), or in bytes ("1000", "-1"); ParseSize reads it back.
func (s Size) String() string {
	if s > 0 {
		for _, u := range sizeUnits[:4] {
			if int64(s)%u.mult == 0 {
				return strconv.FormatInt(int64(s)/u.mult, 10) + u.name
			}
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// Set implements pflag.Value.
func (s *Size) Set(v string) error {
	n, err := ParseSize(v)
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// Type implements pflag.Value.
func (s *Size) Type() string { return "size" }
