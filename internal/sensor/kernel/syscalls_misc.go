package kernel

import (
	"github.com/cilium/ebpf"

	"github.com/vigil-sec/vigil/internal/event"
)

var _ = event.TypeUnknown
var _ *ebpf.Program

// miscSyscalls are the privilege, namespace, module, memory and signal
// system calls, and failed execs (bpf/misc.bpf.c).
var miscSyscalls = [...]syscallKind{}
