package kernel

import (
	"github.com/cilium/ebpf"

	"github.com/vigil-sec/vigil/internal/event"
)

// Privilege, namespace, module, memory and signal system calls, and failed
// execs (struct vigil_generic records).
const (
	scPtrace       = uint32(processVigilSyscallVIGIL_SC_PTRACE)
	scInitModule   = uint32(processVigilSyscallVIGIL_SC_INIT_MODULE)
	scFinitModule  = uint32(processVigilSyscallVIGIL_SC_FINIT_MODULE)
	scDeleteModule = uint32(processVigilSyscallVIGIL_SC_DELETE_MODULE)
	scSetuid       = uint32(processVigilSyscallVIGIL_SC_SETUID)
	scSetgid       = uint32(processVigilSyscallVIGIL_SC_SETGID)
	scSetresuid    = uint32(processVigilSyscallVIGIL_SC_SETRESUID)
	scSetresgid    = uint32(processVigilSyscallVIGIL_SC_SETRESGID)
	scSetreuid     = uint32(processVigilSyscallVIGIL_SC_SETREUID)
	scSetregid     = uint32(processVigilSyscallVIGIL_SC_SETREGID)
	scCapset       = uint32(processVigilSyscallVIGIL_SC_CAPSET)
	scSetns        = uint32(processVigilSyscallVIGIL_SC_SETNS)
	scUnshare      = uint32(processVigilSyscallVIGIL_SC_UNSHARE)
	scMount        = uint32(processVigilSyscallVIGIL_SC_MOUNT)
	scUmount2      = uint32(processVigilSyscallVIGIL_SC_UMOUNT2)
	scPivotRoot    = uint32(processVigilSyscallVIGIL_SC_PIVOT_ROOT)
	scChroot       = uint32(processVigilSyscallVIGIL_SC_CHROOT)
	scBpf          = uint32(processVigilSyscallVIGIL_SC_BPF)
	scMemfdCreate  = uint32(processVigilSyscallVIGIL_SC_MEMFD_CREATE)
	scMprotect     = uint32(processVigilSyscallVIGIL_SC_MPROTECT)
	scMmap         = uint32(processVigilSyscallVIGIL_SC_MMAP)
	scUserfaultfd  = uint32(processVigilSyscallVIGIL_SC_USERFAULTFD)
	scKill         = uint32(processVigilSyscallVIGIL_SC_KILL)
	scTkill        = uint32(processVigilSyscallVIGIL_SC_TKILL)
	scTgkill       = uint32(processVigilSyscallVIGIL_SC_TGKILL)
	scPrctl        = uint32(processVigilSyscallVIGIL_SC_PRCTL)
	scExecveFail   = uint32(processVigilSyscallVIGIL_SC_EXECVE_FAIL)
	scExecveatFail = uint32(processVigilSyscallVIGIL_SC_EXECVEAT_FAIL)
)

// miscSyscalls are the privilege, namespace, module, memory and signal
// system calls, and failed execs (bpf/misc.bpf.c).
//
// The last two rows map the execve and execveat event types to programs
// that report failed calls only: a successful exec is always reported by
// the process object, whatever Options.Syscalls says. Listing them here
// makes execve and execveat supported system calls, so that asking for
// them (as cmd/vigil does when a rule names them) attaches
// sys_exit_execve/sys_exit_execveat and adds the failures to the
// successes.
var miscSyscalls = [...]syscallKind{
	{scPtrace, event.TypePtrace, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitPtrace })},
	{scInitModule, event.TypeInitModule, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitInitModule })},
	{scFinitModule, event.TypeFinitModule, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitFinitModule })},
	{scDeleteModule, event.TypeDeleteModule, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitDeleteModule })},
	{scSetuid, event.TypeSetuid, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetuid })},
	{scSetgid, event.TypeSetgid, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetgid })},
	{scSetresuid, event.TypeSetresuid, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetresuid })},
	{scSetresgid, event.TypeSetresgid, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetresgid })},
	{scSetreuid, event.TypeSetreuid, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetreuid })},
	{scSetregid, event.TypeSetregid, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetregid })},
	{scCapset, event.TypeCapset, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitCapset })},
	{scSetns, event.TypeSetns, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitSetns })},
	{scUnshare, event.TypeUnshare, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitUnshare })},
	{scMount, event.TypeMount, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitMount })},
	{scUmount2, event.TypeUmount2, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitUmount2 })},
	{scPivotRoot, event.TypePivotRoot, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitPivotRoot })},
	{scChroot, event.TypeChroot, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitChroot })},
	{scBpf, event.TypeBpf, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitBpf })},
	{scMemfdCreate, event.TypeMemfdCreate, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitMemfdCreate })},
	{scMprotect, event.TypeMprotect, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitMprotect })},
	{scMmap, event.TypeMmap, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitMmap })},
	{scUserfaultfd, event.TypeUserfaultfd, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitUserfaultfd })},
	{scKill, event.TypeKill, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitKill })},
	{scTkill, event.TypeTkill, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitTkill })},
	{scTgkill, event.TypeTgkill, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitTgkill })},
	{scPrctl, event.TypePrctl, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitPrctl })},
	{scExecveFail, event.TypeExecve, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitExecve })},
	{scExecveatFail, event.TypeExecveat, (*Decoder).decodeMisc, miscProg(func(p *miscPrograms) *ebpf.Program { return p.TraceExitExecveat })},
}
