// Package rules embeds Vigil's own default ruleset, written in Falco's rule
// language. `vigil run` loads it when no -r is given. Import it under an
// alias (defaultrules) to keep it apart from internal/rules, the loader.
package rules

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.yaml
var files embed.FS

// File is one embedded rules file.
type File struct {
	Name string // e.g. "vigil_rules.yaml"
	Data []byte
}

// Files returns the default rule files in load order (by name).
func Files() ([]File, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: n, Data: b})
	}
	return out, nil
}
