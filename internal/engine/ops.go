package engine

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/fields"
)

// pred is a compiled condition.
type pred func(ev *event.Event) bool

// getter reads one (possibly transformed) field value. Exactly the function
// for its kind is set, as in fields.Accessor.
type getter struct {
	kind fields.Kind
	str  func(*event.Event) (string, bool)
	uint func(*event.Event) (uint64, bool)
	int  func(*event.Event) (int64, bool)
	bool func(*event.Event) (bool, bool)
	strs func(*event.Event, []string) ([]string, bool)
}

func fromAccessor(k fields.Kind, a fields.Accessor) (getter, error) {
	// A multi-valued field bound to one element (proc.aname[2]) also
	// offers a scalar accessor: prefer it.
	if k == fields.KindStrings {
		switch {
		case a.Str != nil:
			k = fields.KindString
		case a.Uint != nil:
			k = fields.KindUint
		}
	}
	g := getter{kind: k}
	switch k {
	case fields.KindString:
		g.str = a.Str
	case fields.KindIP, fields.KindIPNet:
		// fd.ip and fd.net test both ends of a socket: several values.
		g.str, g.strs = a.Str, a.Strs
		if g.str != nil {
			g.strs = nil
		}
	case fields.KindUint, fields.KindAbsTime, fields.KindDuration:
		g.uint = a.Uint
	case fields.KindInt:
		g.int = a.Int
	case fields.KindBool:
		g.bool = a.Bool
	case fields.KindStrings:
		g.strs = a.Strs
	}
	if g.str == nil && g.uint == nil && g.int == nil && g.bool == nil && g.strs == nil {
		return g, fmt.Errorf("field of kind %s has no accessor", k)
	}
	return g, nil
}

// transform applies a Falco field transformer.
func transform(g getter, name string) (getter, error) {
	isStr := g.kind == fields.KindString || g.kind == fields.KindIP || g.kind == fields.KindIPNet
	switch name {
	case "tolower", "toupper", "b64", "basename":
		if !isStr {
			return g, fmt.Errorf("transformer %s needs a string field, not %s", name, g.kind)
		}
		in := g.str
		var f func(string) (string, bool)
		switch name {
		case "tolower":
			f = func(s string) (string, bool) { return strings.ToLower(s), true }
		case "toupper":
			f = func(s string) (string, bool) { return strings.ToUpper(s), true }
		case "b64":
			f = func(s string) (string, bool) {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return "", false
				}
				return string(b), true
			}
		case "basename":
			f = func(s string) (string, bool) {
				if s == "" {
					return "", true
				}
				return path.Base(s), true
			}
		}
		return getter{kind: fields.KindString, str: func(ev *event.Event) (string, bool) {
			s, ok := in(ev)
			if !ok {
				return "", false
			}
			return f(s)
		}}, nil
	case "len":
		switch {
		case isStr:
			in := g.str
			return getter{kind: fields.KindUint, uint: func(ev *event.Event) (uint64, bool) {
				s, ok := in(ev)
				return uint64(len(s)), ok
			}}, nil
		case g.kind == fields.KindStrings:
			in := g.strs
			var buf []string
			return getter{kind: fields.KindUint, uint: func(ev *event.Event) (uint64, bool) {
				var ok bool
				buf, ok = in(ev, buf[:0])
				return uint64(len(buf)), ok
			}}, nil
		}
		return g, fmt.Errorf("transformer len needs a string or list field, not %s", g.kind)
	}
	return g, fmt.Errorf("unknown transformer %q (want tolower, toupper, b64, basename, len or val)", name)
}

var stringOps = map[string]bool{
	"=": true, "==": true, "!=": true, "contains": true, "icontains": true, "bcontains": true,
	"startswith": true, "bstartswith": true, "endswith": true, "glob": true, "iglob": true,
	"regex": true, "pmatch": true, "in": true, "intersects": true, "exists": true,
}

var numericOps = map[string]bool{
	"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"in": true, "intersects": true, "exists": true,
}

// checkOp validates op for a kind.
func checkOp(k fields.Kind, op string) error {
	ok := false
	switch k {
	case fields.KindString, fields.KindStrings:
		ok = stringOps[op]
	case fields.KindIP, fields.KindIPNet:
		ok = op == "=" || op == "==" || op == "!=" || op == "in" || op == "intersects" || op == "exists"
	case fields.KindUint, fields.KindInt, fields.KindAbsTime, fields.KindDuration:
		ok = numericOps[op]
	case fields.KindBool:
		ok = op == "=" || op == "==" || op == "!=" || op == "exists"
	}
	if !ok {
		return fmt.Errorf("operator %s does not apply to a %s field", op, k)
	}
	return nil
}

// exists compiles the unary exists operator.
func existsPred(g getter) pred {
	switch {
	case g.str != nil:
		return func(ev *event.Event) bool { _, ok := g.str(ev); return ok }
	case g.uint != nil:
		return func(ev *event.Event) bool { _, ok := g.uint(ev); return ok }
	case g.int != nil:
		return func(ev *event.Event) bool { _, ok := g.int(ev); return ok }
	case g.bool != nil:
		return func(ev *event.Event) bool { _, ok := g.bool(ev); return ok }
	default:
		var buf []string
		return func(ev *event.Event) bool {
			var ok bool
			buf, ok = g.strs(ev, buf[:0])
			return ok
		}
	}
}

// stringMatcher compiles op against constant operands into a test on one
// string. Falco semantics: in tests membership; pmatch tests path
// prefixes; b* operators take hex operands.
func stringMatcher(op string, vals []string) (func(string) bool, error) {
	one := func() (string, error) {
		if len(vals) != 1 {
			return "", fmt.Errorf("operator %s takes one value, got %d", op, len(vals))
		}
		return vals[0], nil
	}
	switch op {
	case "=", "==", "!=":
		v, err := one()
		if err != nil {
			return nil, err
		}
		if op == "!=" {
			return func(s string) bool { return s != v }, nil
		}
		return func(s string) bool { return s == v }, nil
	case "contains":
		v, err := one()
		return func(s string) bool { return strings.Contains(s, v) }, err
	case "icontains":
		v, err := one()
		return func(s string) bool { return containsFold(s, v) }, err
	case "startswith":
		v, err := one()
		return func(s string) bool { return strings.HasPrefix(s, v) }, err
	case "endswith":
		v, err := one()
		return func(s string) bool { return strings.HasSuffix(s, v) }, err
	case "bcontains", "bstartswith":
		v, err := one()
		if err != nil {
			return nil, err
		}
		b, err := hex.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("operator %s needs hex bytes, got %q", op, v)
		}
		bs := string(b)
		if op == "bcontains" {
			return func(s string) bool { return strings.Contains(s, bs) }, nil
		}
		return func(s string) bool { return strings.HasPrefix(s, bs) }, nil
	case "glob", "iglob":
		v, err := one()
		if err != nil {
			return nil, err
		}
		if op == "iglob" {
			lv := strings.ToLower(v)
			return func(s string) bool { return fields.Glob(lv, strings.ToLower(s)) }, nil
		}
		// Most patterns start with a literal ("/dev/sd[a-z]*"): test it
		// first, the matcher only for names that have it.
		lit := v[:len(v)-len(strings.TrimLeftFunc(v, func(r rune) bool { return !strings.ContainsRune(`*?[\\`, r) }))]
		if lit == "" {
			return func(s string) bool { return fields.Glob(v, s) }, nil
		}
		return func(s string) bool { return strings.HasPrefix(s, lit) && fields.Glob(v, s) }, nil
	case "regex":
		v, err := one()
		if err != nil {
			return nil, err
		}
		if _, err := regexp.Compile(v); err != nil {
			return nil, fmt.Errorf("bad regex %q: %v", v, err)
		}
		// Falco matches the whole value (RE2 ANCHOR_BOTH).
		re := regexp.MustCompile(`^(?:` + v + `)$`)
		return re.MatchString, nil
	case "in", "intersects":
		return setMatcher(vals), nil
	case "pmatch":
		return pathPrefixMatcher(vals), nil
	}
	return nil, fmt.Errorf("operator %s is not a string operator", op)
}

// setMatcher tests membership, linearly for short lists.
func setMatcher(vals []string) func(string) bool {
	if len(vals) <= 8 {
		vs := append([]string(nil), vals...)
		return func(s string) bool {
			for _, v := range vs {
				if s == v {
					return true
				}
			}
			return false
		}
	}
	set := make(map[string]struct{}, len(vals))
	for _, v := range vals {
		set[v] = struct{}{}
	}
	return func(s string) bool { _, ok := set[s]; return ok }
}

// pathPrefixMatcher is Falco's pmatch: s is one of the paths or below one
// of them ("/etc" matches "/etc" and "/etc/passwd", not "/etcd").
func pathPrefixMatcher(vals []string) func(string) bool {
	prefixes := make([]string, 0, len(vals))
	for _, v := range vals {
		if v != "/" {
			v = strings.TrimSuffix(v, "/")
		}
		prefixes = append(prefixes, v)
	}
	return func(s string) bool {
		for _, p := range prefixes {
			if p == "/" {
				if strings.HasPrefix(s, "/") {
					return true
				}
				continue
			}
			if strings.HasPrefix(s, p) && (len(s) == len(p) || s[len(p)] == '/') {
				return true
			}
		}
		return false
	}
}

// containsFold reports whether substr is in s, ignoring case, without
// allocating.
func containsFold(s, substr string) bool {
	if substr == "" {
		return true
	}
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return true
		}
	}
	return false
}

// parseUint parses a decimal (or 0x hex) unsigned value.
func parseUint(s string) (uint64, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		return strconv.ParseUint(h, 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

func parseInt(s string) (int64, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 64)
		return int64(v), err
	}
	return strconv.ParseInt(s, 10, 64)
}

func cmpOrdered[T uint64 | int64](op string) func(a, b T) bool {
	switch op {
	case "=", "==":
		return func(a, b T) bool { return a == b }
	case "!=":
		return func(a, b T) bool { return a != b }
	case "<":
		return func(a, b T) bool { return a < b }
	case "<=":
		return func(a, b T) bool { return a <= b }
	case ">":
		return func(a, b T) bool { return a > b }
	case ">=":
		return func(a, b T) bool { return a >= b }
	}
	return nil
}

// ipMatcher compiles = != in for IP fields: operands are addresses or
// CIDR networks (an address field matches a network containing it).
func ipMatcher(op string, vals []string) (func(string) bool, error) {
	prefixes := make([]netip.Prefix, 0, len(vals))
	for _, v := range vals {
		if p, err := netip.ParsePrefix(v); err == nil {
			prefixes = append(prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or network", v)
		}
		prefixes = append(prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	match := func(s string) bool {
		if p, err := netip.ParsePrefix(s); err == nil { // an IPNET field value
			for _, q := range prefixes {
				if q == p.Masked() {
					return true
				}
			}
			return false
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, q := range prefixes {
			if q.Contains(a) {
				return true
			}
		}
		return false
	}
	if op == "!=" {
		return func(s string) bool { return !match(s) }, nil
	}
	return match, nil
}
