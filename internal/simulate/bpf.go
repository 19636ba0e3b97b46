package simulate

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The bpf(2) attributes of BPF_PROG_LOAD and BPF_MAP_CREATE that the steps
// set (the leading fields of union bpf_attr; the kernel zero-fills the rest
// up to its own size). The pointers are unsafe.Pointer, not integers, so
// that what they point to stays where it is (a 64-bit layout: the
// simulator's platforms are amd64 and arm64).
type bpfProgLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       unsafe.Pointer
	license     unsafe.Pointer
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
	progName    [16]byte
}

type bpfMapCreateAttr struct {
	mapType    uint32
	keySize    uint32
	valueSize  uint32
	maxEntries uint32
	mapFlags   uint32
}

// bpfProgLoad loads `r0 = 0; exit`, a socket filter that accepts nothing,
// attaches it nowhere, and closes it: the kernel frees it at once.
func bpfProgLoad() error {
	insns := [2]uint64{
		0xb7, // BPF_ALU64 | BPF_MOV | BPF_K: r0 = 0
		0x95, // BPF_JMP | BPF_EXIT
	}
	license := []byte("GPL\x00")
	attr := bpfProgLoadAttr{
		progType: unix.BPF_PROG_TYPE_SOCKET_FILTER,
		insnCnt:  uint32(len(insns)),
		insns:    unsafe.Pointer(&insns[0]),
		license:  unsafe.Pointer(&license[0]),
	}
	copy(attr.progName[:], "vigil_sim")
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if errno != 0 {
		return fmt.Errorf("bpf(BPF_PROG_LOAD): %w", errno)
	}
	return unix.Close(int(fd))
}

// bpfMapCreate creates a one-entry array map and closes it.
func bpfMapCreate() error {
	attr := bpfMapCreateAttr{mapType: unix.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_MAP_CREATE, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if errno != 0 {
		return fmt.Errorf("bpf(BPF_MAP_CREATE): %w", errno)
	}
	return unix.Close(int(fd))
}
