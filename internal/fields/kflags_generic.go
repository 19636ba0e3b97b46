//go:build !arm64 && !arm

package fields

// Linux open(2) flags that differ by architecture, as on x86 and the other
// architectures that use asm-generic/fcntl.h. The open events hold the
// kernel's values for the architecture the agent runs on.
const (
	kODirect    = 0o40000
	kOLargefile = 0o100000
	kODirectory = 0o200000
	kONofollow  = 0o400000
)
