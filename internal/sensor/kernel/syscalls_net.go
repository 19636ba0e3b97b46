package kernel

import (
	"github.com/cilium/ebpf"

	"github.com/vigil-sec/vigil/internal/event"
)

var _ = event.TypeUnknown
var _ *ebpf.Program

// netSyscalls are the socket and descriptor system calls (bpf/net.bpf.c).
var netSyscalls = [...]syscallKind{}
