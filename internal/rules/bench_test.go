package rules

import "testing"

// BenchmarkLoadFalcoRules loads Falco's stable ruleset: YAML decoding,
// appends, position maps, and parsing of all 112 conditions and 25
// outputs.
func BenchmarkLoadFalcoRules(b *testing.B) {
	data := falcoRules(b)
	files := []File{{Name: "falco_rules.yaml", Data: data}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rs, diags := Load(files)
		if diags.HasErrors() || len(rs.Rules) != 25 {
			b.Fatal(diags)
		}
	}
}

// BenchmarkParseCondition parses the largest condition of the ruleset.
func BenchmarkParseCondition(b *testing.B) {
	rs, _ := Load([]File{{Name: "f", Data: falcoRules(b)}})
	src := ""
	for _, r := range rs.Rules {
		if len(r.Condition) > len(src) {
			src = r.Condition
		}
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCondition(src, Pos{Line: 1, Col: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
