package kernel

import (
	"encoding/binary"
	"testing"
)

// FuzzDecode feeds arbitrary ring buffer records to the decoder: it
// returns an error or a decision, never panics, whatever the rule
// references and generation say.
func FuzzDecode(f *testing.F) {
	r := enforceEnfDecision{Policy: 1, Rule: 1, Action: 1, Op: 1, Family: 2, Port: 80, Proto: 6, SyscallNr: -1}
	b, _ := binary.Append(nil, binary.NativeEndian, r)
	f.Add(b)
	r = enforceEnfDecision{Policy: 63, Rule: 200, Action: 2, SyscallNr: 83, Gen: 1}
	b, _ = binary.Append(nil, binary.NativeEndian, r)
	f.Add(b)
	f.Add([]byte{1, 2, 3})
	tables := func(g uint8) genTable {
		if g > 1 {
			return genTable{}
		}
		return genTable{netRefs: []ruleRef{{0, 0}, {1, 0}}, sysNames: map[int32]string{83: "mkdir"}}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decode(b, tables)
		if err == nil && (d.Policy < 0 || d.Policy >= MaxPolicies) {
			t.Fatalf("decision for policy %d", d.Policy)
		}
	})
}
