package floor

// The BPF object is generated from bpf/floor.bpf.c and committed, so
// `go build` needs no clang. Regenerate with `go generate
// ./internal/sensor/floor/` and record the checksum with `go test
// ./internal/sensor/floor/ -run TestGeneratedObjectsFresh -args
// -update-bpf-sum`; TestGeneratedObjectsFresh fails when it is stale.
//
//go:generate go tool bpf2go -tags linux -target amd64 -cc clang -cflags "-O2 -g -Wall -Werror" floor ../../../bpf/floor.bpf.c
