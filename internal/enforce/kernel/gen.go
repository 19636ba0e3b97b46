package kernel

// The BPF object is generated from bpf/enforce.bpf.c (and bpf/enforce.h)
// and committed, so `go build` needs no clang. Regenerate with
// `go generate ./internal/enforce/kernel/` then
// `go test ./internal/enforce/kernel/ -run TestGeneratedObjectsFresh -update-bpf-sum`;
// TestGeneratedObjectsFresh fails when they are stale.
//
//go:generate go tool bpf2go -tags linux -target amd64 -cc clang -cflags "-O2 -g -Wall -Werror -I../../../bpf/include" -type enf_decision -type enf_net_rule -type enf_gen -type enf_kill_key -type enf_bin_key enforce ../../../bpf/enforce.bpf.c
