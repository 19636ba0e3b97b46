package fields

import "github.com/vigil-sec/vigil/internal/event"

// Kind is the type of a field's values.
type Kind uint8

// Field kinds.
const (
	KindString   Kind = iota + 1 // text: string operators apply
	KindUint                     // unsigned integer (pids, uids, ports)
	KindInt                      // signed integer (evt.res, loginuid -1)
	KindBool                     // true/false
	KindAbsTime                  // nanoseconds since the epoch (Uint accessor)
	KindDuration                 // nanoseconds (Uint accessor)
	KindIP                       // an IP address (String accessor, canonical text form)
	KindIPNet                    // an IP network (String accessor, CIDR)
	KindStrings                  // several strings (Strs accessor): in/intersects test any
)

// String names the kind as Falco's field reference does.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "CHARBUF"
	case KindUint:
		return "UINT64"
	case KindInt:
		return "INT64"
	case KindBool:
		return "BOOL"
	case KindAbsTime:
		return "ABSTIME"
	case KindDuration:
		return "RELTIME"
	case KindIP:
		return "IPADDR"
	case KindIPNet:
		return "IPNET"
	case KindStrings:
		return "LIST"
	}
	return "UNKNOWN"
}

// ArgMode says whether and how a field takes an argument.
type ArgMode uint8

// Argument modes.
const (
	ArgNone  ArgMode = iota // no argument
	ArgIndex                // [N], a non-negative integer (proc.aname[2])
	ArgKey                  // [name] or .name (evt.arg.flags, evt.arg[0])
)

// Accessor reads a field's value from an event. Exactly the function
// matching the field's Kind is set (Str for String, IP and IPNet; Uint for
// Uint, AbsTime and Duration; Int; Bool; Strs for Strings). The boolean is
// false when the event has no value for the field (Falco's <NA>).
// Accessors must not allocate on the common path, must not retain ev, and
// are called from one goroutine at a time.
type Accessor struct {
	Str  func(ev *event.Event) (string, bool)
	Uint func(ev *event.Event) (uint64, bool)
	Int  func(ev *event.Event) (int64, bool)
	Bool func(ev *event.Event) (bool, bool)
	// Strs appends the values to dst[:0] and returns it.
	Strs func(ev *event.Event, dst []string) ([]string, bool)
}

// Field describes one field of the catalog.
type Field struct {
	Name string
	Kind Kind
	Desc string
	Arg  ArgMode
	// ArgRequired: the field is unusable without its argument.
	ArgRequired bool
	// Available is false for fields Vigil knows by name but cannot
	// produce yet (the data comes with a later sensor); a rule using one
	// is reported and skipped rather than silently never matching.
	Available bool
	// Unavailable says why, when !Available ("file descriptors are not
	// captured yet").
	Unavailable string
	// Bind validates the argument (arg is "" when none was given) and
	// returns the accessor for it. Nil when !Available.
	Bind func(arg string) (Accessor, error)
	// BindFor, set for the fields whose validity depends on the event
	// types (evt.arg, evt.rawarg), binds like Bind for events of the given
	// types only: those a rule's condition restricts it to. evt.arg.dirfd
	// is refused by Bind (execveat has a dirfd Vigil does not capture) but
	// accepted by BindFor for openat. The accessor has no value for events
	// of other types. Nil types means every type, as Bind.
	BindFor func(arg string, types []event.Type) (Accessor, error)
}
