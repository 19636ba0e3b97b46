//go:build arm64 || arm

package fields

// Linux open(2) flags that differ by architecture, as on arm and arm64
// (arch/arm64/include/uapi/asm/fcntl.h).
const (
	kODirectory = 0o40000
	kONofollow  = 0o100000
	kODirect    = 0o200000
	kOLargefile = 0o400000
)
