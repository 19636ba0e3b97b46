package fields

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/fields.md from the catalog")

const fieldsDoc = "../../docs/fields.md"

// TestFieldsDoc checks that docs/fields.md is the catalog's; with -update
// it rewrites it.
func TestFieldsDoc(t *testing.T) {
	got := fieldsMarkdown(New(Options{Names: fakeNames{}}))
	if *update {
		if err := os.WriteFile(fieldsDoc, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(fieldsDoc)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/fields -run TestFieldsDoc -update)", err)
	}
	if !bytes.Equal(old, got) {
		t.Errorf("%s is stale: run go test ./internal/fields -run TestFieldsDoc -update", fieldsDoc)
	}
}

func fieldsMarkdown(c *Catalog) []byte {
	var b bytes.Buffer
	fields := c.Fields()
	avail := 0
	type class struct {
		name        string
		n, availble int
	}
	var classes []*class
	byClass := map[string]*class{}
	for _, f := range fields {
		name := f.Name[:strings.IndexByte(f.Name, '.')]
		cl := byClass[name]
		if cl == nil {
			cl = &class{name: name}
			byClass[name] = cl
			classes = append(classes, cl)
		}
		cl.n++
		if f.Available {
			avail++
			cl.availble++
		}
	}

	fmt.Fprintf(&b, "# Fields\n\n")
	fmt.Fprintf(&b, "<!-- Generated from internal/fields by `go test ./internal/fields -run TestFieldsDoc -update`. Do not edit. -->\n\n")
	fmt.Fprintf(&b, "Rule conditions and outputs name fields with Falco's names, and every field means what it means in Falco. "+
		"Vigil knows every field of Falco's `evt`, process (`proc`, `thread`), `user`, `group`, `fd`, `fs.path`, `fdlist`, `container` and `k8s` classes, "+
		"%d in all; %d of them are available today. ", len(fields), avail)
	fmt.Fprintf(&b, "A rule that uses a field Vigil cannot produce yet is not loaded, and the reason is reported with the field's name: "+
		"Vigil never evaluates such a field to false or to an empty value.\n\n")
	fmt.Fprintf(&b, "A field Falco would print as `<NA>` (no value for this event) is `<NA>` in Vigil too: for example `proc.pname` when the parent is not known, `evt.res` for `procexit`.\n\n")
	fmt.Fprintf(&b, "Types are Falco's: CHARBUF (text), UINT64, INT64, BOOL, ABSTIME (nanoseconds since the epoch), RELTIME (nanoseconds), IPADDR, IPNET, LIST. "+
		"Vigil compares process and thread ids as unsigned numbers (Falco declares some of them INT64; the values are the same).\n\n")
	fmt.Fprintf(&b, "Arguments: `[N]` is an index (`proc.aname[2]`), `[NAME]` or `.NAME` a name (`evt.arg.flags`, `evt.arg[0]`); _optional_ means the field also works without one.\n\n")

	fmt.Fprintf(&b, "| class | fields | available |\n|---|---:|---:|\n")
	for _, cl := range classes {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %d | %d |\n", cl.name, cl.name, cl.n, cl.availble)
	}
	fmt.Fprintf(&b, "| all | %d | %d |\n", len(fields), avail)

	cur := ""
	for _, f := range fields {
		name := f.Name[:strings.IndexByte(f.Name, '.')]
		if name != cur {
			cur = name
			fmt.Fprintf(&b, "\n## %s\n\n| field | type | argument | available | meaning |\n|---|---|---|---|---|\n", name)
		}
		typ := f.Kind.String()
		if ft, ok := c.falcoType[f.Name]; ok {
			typ = ft
		}
		if f.Name != "fd.types" && f.Kind == KindStrings && f.Arg == ArgIndex {
			typ = f.KindFor("0").String() + " (LIST without an index)"
		}
		if ft, ok := c.falcoType[f.Name]; ok && f.Kind == KindStrings {
			typ = ft + " (LIST without an index)"
		}
		arg := ""
		switch f.Arg {
		case ArgIndex:
			arg = "`[N]`"
		case ArgKey:
			arg = "`[NAME]`"
			for _, d := range c.dotted {
				if d == f {
					arg = "`.NAME` or `[NAME]`"
				}
			}
		}
		if f.Arg != ArgNone && !f.ArgRequired {
			arg += " optional"
		}
		av := "yes"
		if !f.Available {
			av = "no: " + f.Unavailable
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, typ, arg, cell(av), cell(f.Desc))
	}
	return b.Bytes()
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
