package fields

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Names resolves user and group ids to names. *users.DB satisfies it.
type Names interface {
	UserName(uid uint32) (string, bool)
	GroupName(gid uint32) (string, bool)
}

// UserInfo is implemented by Names that also know home directories and
// shells (*users.DB does); user.homedir and user.shell are available only
// then.
type UserInfo interface {
	HomeDir(uid uint32) (string, bool)
	Shell(uid uint32) (string, bool)
}

// Options configure a Catalog. The zero value is valid.
type Options struct {
	// Names resolves user.name, user.loginname and group.name; nil means
	// names are unknown and those fields are <NA>. It must not be a nil
	// pointer wrapped in the interface.
	Names Names
	// Location is the time zone of evt.time, evt.time.s, evt.datetime and
	// evt.datetime.s; nil means time.Local, as Falco (which prints the
	// host's local time).
	Location *time.Location
}

// Catalog is the set of fields, by name.
type Catalog struct {
	fields map[string]*Field
	sorted []*Field
	// dotted are the fields that take an argument after a dot
	// (evt.arg.flags), longest name first.
	dotted []*Field
	// falcoType is Falco's type name for the fields whose Kind is only the
	// nearest Vigil kind (DOUBLE, BYTEBUF, ...): for documentation.
	falcoType map[string]string

	dups []string

	names Names
	info  UserInfo
	loc   *time.Location
}

// UnavailableError is returned by Bind for an argument that is valid in
// Falco but that Vigil cannot produce yet, such as evt.arg.request (no
// event Vigil captures has it). A rule using it should be refused with
// Reason, like a field that is not Available.
type UnavailableError struct {
	Field  string // the field, e.g. "evt.arg"
	Arg    string // its argument, e.g. "request"
	Reason string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s with argument %q is not available: %s", e.Field, e.Arg, e.Reason)
}

// New builds the catalog.
func New(opts Options) *Catalog {
	c := &Catalog{
		fields:    map[string]*Field{},
		falcoType: map[string]string{},
		names:     opts.Names,
		loc:       opts.Location,
	}
	if c.loc == nil {
		c.loc = time.Local
	}
	if info, ok := opts.Names.(UserInfo); ok {
		c.info = info
	}
	c.addEventFields()
	c.addProcessFields()
	c.addUserFields()
	c.addFDFields()
	c.addFSPathFields()
	c.addContainerFields()
	c.addVigilFields()
	c.addUnavailableFields()

	for _, f := range c.fields {
		c.sorted = append(c.sorted, f)
	}
	sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Name < c.sorted[j].Name })
	sort.SliceStable(c.dotted, func(i, j int) bool { return len(c.dotted[i].Name) > len(c.dotted[j].Name) })
	return c
}

// Lookup finds a field by the name written in a rule. An exact name comes
// first; otherwise name may be a field that takes a dotted argument
// followed by ".argument" ("evt.arg.flags" is evt.arg with dottedArg
// "flags"; the longest such field wins). Bracketed arguments
// (proc.aname[2]) are not part of name: pass them to Bind.
func (c *Catalog) Lookup(name string) (f *Field, dottedArg string, ok bool) {
	if f, ok := c.fields[name]; ok {
		return f, "", true
	}
	for _, f := range c.dotted {
		if len(name) > len(f.Name)+1 && name[len(f.Name)] == '.' && strings.HasPrefix(name, f.Name) {
			return f, name[len(f.Name)+1:], true
		}
	}
	return nil, "", false
}

// Fields returns every field, sorted by name. The slice is the caller's;
// the Fields are shared and must not be modified.
func (c *Catalog) Fields() []*Field {
	return append([]*Field(nil), c.sorted...)
}

// KindFor returns the kind of the values that the accessor bound with arg
// yields. It is f.Kind except for the ancestor fields (proc.aname,
// proc.apid, ...), which are lists without an index and single values with
// one, and evt.rawarg, whose kind is its argument's (numbers for
// evt.rawarg.flags, text for evt.rawarg.name).
func (f *Field) KindFor(arg string) Kind {
	if f == nil {
		return 0
	}
	if f.Name == "evt.rawarg" && f.Available {
		return rawArgKind(arg)
	}
	if arg != "" {
		switch f.Name {
		case "proc.aname", "proc.aexe", "proc.aexepath", "proc.acmdline", "proc.aargs":
			return KindString
		case "proc.apid":
			return KindUint
		}
	}
	return f.Kind
}

// spec describes a field to register.
type spec struct {
	name        string
	kind        Kind
	desc        string
	arg         ArgMode
	argRequired bool
	// dotted: the argument may follow the name after a dot.
	dotted bool
	// unavailable is the reason the field cannot be produced yet.
	unavailable string
	// falcoType overrides Kind.String() in the documentation.
	falcoType string

	// Exactly one of these is set for an available field.
	acc     Accessor                           // ArgNone
	bindIdx func(idx int, has bool) Accessor   // ArgIndex
	bindKey func(key string) (Accessor, error) // ArgKey
	bindAny func(arg string) (Accessor, error) // custom parsing
}

func (c *Catalog) add(s spec) {
	if _, dup := c.fields[s.name]; dup {
		c.dups = append(c.dups, s.name) // a bug in the tables; a test checks
		return
	}
	f := &Field{
		Name:        s.name,
		Kind:        s.kind,
		Desc:        s.desc,
		Arg:         s.arg,
		ArgRequired: s.argRequired,
		Available:   s.unavailable == "",
		Unavailable: s.unavailable,
	}
	if s.falcoType != "" {
		c.falcoType[s.name] = s.falcoType
	}
	if s.dotted {
		c.dotted = append(c.dotted, f)
	}
	c.fields[s.name] = f
	if !f.Available {
		return
	}
	name := s.name
	switch {
	case s.arg == ArgNone:
		acc := s.acc
		f.Bind = func(arg string) (Accessor, error) {
			if arg != "" {
				return Accessor{}, fmt.Errorf("%s takes no argument (got %q)", name, arg)
			}
			return acc, nil
		}
	case s.arg == ArgIndex:
		bind, required := s.bindIdx, s.argRequired
		f.Bind = func(arg string) (Accessor, error) {
			if arg == "" {
				if required {
					return Accessor{}, fmt.Errorf("%s requires an index, as in %s[1]", name, name)
				}
				return bind(0, false), nil
			}
			idx, err := parseIndex(arg)
			if err != nil {
				return Accessor{}, fmt.Errorf("%s[%s]: %v", name, arg, err)
			}
			return bind(idx, true), nil
		}
	case s.arg == ArgKey:
		bind, required := s.bindKey, s.argRequired
		f.Bind = func(arg string) (Accessor, error) {
			if arg == "" && required {
				return Accessor{}, fmt.Errorf("%s requires an argument, as in %s.name or %s[name]", name, name, name)
			}
			return bind(arg)
		}
	}
}

// parseIndex parses a non-negative decimal index.
func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 9 {
		return 0, fmt.Errorf("index %q is not a number from 0 to 999999999", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("index %q is not a non-negative integer", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("index %q: %v", s, err)
	}
	return n, nil
}
