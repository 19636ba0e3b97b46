# Developer entry points. The README's two commands (scripts/vigil and
# scripts/test) work without make; these are shortcuts.

GO ?= go
BPF_PKGS := ./internal/sensor/kernel/ ./internal/sensor/floor/ ./internal/enforce/kernel/

.PHONY: all build test generate bpf-deps fuzz bench clean

all: build

build:
	$(GO) build -o bin/vigil ./cmd/vigil

test:
	scripts/test

# Regenerate the committed BPF objects and vmlinux.h from bpf/ (installs the
# toolchain from apt when missing), then record the sources' checksum.
generate: bpf-deps
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/include/vmlinux.h
	$(GO) generate $(BPF_PKGS)
	$(GO) test $(BPF_PKGS) -run TestGeneratedObjectsFresh -count=1 -args -update-bpf-sum

bpf-deps:
	@bash -c '. scripts/lib.sh && apt_install clang llvm libbpf-dev bpftool'

# Short fuzzing session of every fuzz target (FUZZTIME each).
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./internal/sensor/kernel/:FuzzDecode \
	./internal/sensor/kernel/:FuzzDecodeNet \
	./internal/sensor/kernel/:FuzzDecodeMisc \
	./internal/container/:FuzzParseCgroup \
	./internal/container/:FuzzParseRuncState \
	./internal/container/:FuzzDescribeCRI \
	./internal/event/eventjson/:FuzzDecode \
	./internal/sensor/replay/:FuzzRun \
	./internal/rules/:FuzzParseCondition \
	./internal/rules/:FuzzParseOutput \
	./internal/rules/:FuzzLoad \
	./internal/policy/:FuzzLoad \
	./internal/enforce/fanotify/:FuzzParseEvents \
	./internal/enforce/kernel/:FuzzDecode \
	./internal/enforce/:FuzzParseInotify \
	./internal/state/:FuzzParseProc \
	./internal/config/:FuzzParse \
	./internal/ocsf/:FuzzAppendEvent \
	./internal/ocsf/:FuzzAppendString \
	./internal/output/:FuzzSyslog5424 \
	./cmd/vigil/:FuzzParseProfile
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$pkg $$fn"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME); \
	done

# Go benchmarks, then the headline tables (`vigil bench all`, root, under
# ten minutes): overhead of fixed workloads against no agent and the
# do-nothing floor, pipeline throughput without loss, rule evaluation per
# core, memory, detection latency; written to docs/performance.md with the
# machine's description. BENCH_ARGS adds flags, e.g. BENCH_ARGS='--json' or
# BENCH_ARGS='--sections rules,memory --write ""'.
BENCH_ARGS ?=
bench: build
	$(GO) test ./... -run '^$$' -bench . -benchmem
	bin/vigil bench all $(BENCH_ARGS)

clean:
	rm -rf bin
