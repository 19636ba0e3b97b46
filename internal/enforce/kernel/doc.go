// Package kernel enforces Vigil's prevention policies in the kernel: it
// denies socket operations with cgroup sock_addr programs and kills the
// callers of chosen system calls with bpf_send_signal, reporting every
// match (enforced or audited) as a Decision. It is pure data in, decisions
// out: the policy layer resolves selectors (images, names, labels, pods)
// to cgroup ids and paths and calls this API.
//
// # Contract
//
//   - New(Options) loads and verifies bpf/enforce.bpf.c (compiled by bpf2go
//     and embedded). Nothing is attached: nothing is enforced until Load.
//   - Load([]Policy) replaces the whole rule set. The first Load attaches
//     the six network programs (connect4, connect6, sendmsg4, sendmsg6,
//     bind4, bind6) once, at the cgroup v2 root (Options.CgroupRoot, or
//     /sys/fs/cgroup when it is cgroup2, else /sys/fs/cgroup/unified), with
//     BPF links, which are multi-attach: other programs at the root keep
//     running, and ours decide per caller from maps. Each Load attaches the
//     kill program to syscalls/sys_enter_<name> for each system call the
//     new set names (those the kernel lacks are skipped with a warning) and
//     detaches those it no longer names. Errors name the policy index and
//     the field (an unknown system call name is an error; a binary path
//     that does not exist is a warning). A failed Load leaves the set in
//     force.
//   - Atomicity: the maps hold two generations of the rule set (policies'
//     scope masks, network rules, kill entries, binaries). Load writes the
//     generation the programs do not use, then switches gen_cur with one
//     map update; a program reads gen_cur once, so it sees the old set or
//     the new one, never a mix. (A program still running on the old
//     generation when a second Load rewrites it could see a mix; that
//     window is one program run, microseconds.) Cgroup scopes are not
//     generational: SetCgroupScope/DeleteCgroup take effect at once.
//   - Decisions() delivers every match on a channel (capacity
//     Options.DecisionBuffer), closed by Close. A slow reader blocks the
//     decoder and the kernel then drops records: Stats.Lost counts the
//     ring buffer reserve failures (a per-CPU counter map).
//   - Close detaches everything and frees the maps; enforcement also stops
//     when the process exits (links and programs die with their file
//     descriptors: a crashed agent leaves nothing behind). Close is safe
//     after a failed or partial start and more than once.
//   - The agent (Options.SelfTgid, default this process) and the host's
//     init (tgid 1) are exempt, checked first in the kernel. No
//     package-level mutable state; an Enforcer is safe for concurrent use.
//
// # Scopes, evaluated in the kernel
//
// A policy is a bit (Index 0..63). Each generation holds masks of policy
// bits: active, audit, host, containers, cgroup_sel, binary_sel, net, kill.
// For a caller, the programs compute the mask of applicable policies among
// the candidates (policies with network rules, or with a kill rule on this
// system call), evaluating a condition only when a candidate needs it:
//
//   - where: the caller's pid namespace (its struct pid's upid at its own
//     level, read through bpf_get_current_task_btf) compared with
//     Options.HostPidNS (default: this process's pid namespace, from
//     /proc/self/ns/pid). The verifier accepts bpf_get_current_task_btf
//     (and bpf_rdonly_cast) in BPF_PROG_TYPE_CGROUP_SOCK_ADDR programs on
//     the 6.18 kernel the tests run on (New fails with the verifier's
//     error on a kernel that refuses them), so network and kill policies
//     share the same scope code; sock_addr programs run in the caller's
//     context (connect, sendmsg and bind are system calls of the caller).
//   - cgroup selector: the cgroups map (v2 cgroup id -> mask) is looked up
//     for bpf_get_current_cgroup_id() and for each ancestor given by
//     bpf_get_current_ancestor_cgroup_id(1..15) (the root, level 0, is never
//     looked up; use WhereAny instead), so selecting a container's cgroup
//     also selects its sub-cgroups, up to 15 levels below the root. The
//     caller's cgroup is the task's, not the socket's: the decision holds
//     on hybrid hosts where net_cls/net_prio disable cgroup2 socket
//     matching, and for sockets passed between processes.
//   - binary selector: current->mm->exe_file's inode number and its
//     superblock's s_dev (MAJOR << 20 | MINOR) are looked up in the
//     binaries map, which Load fills by stat'ing Policy.Binaries. Works in
//     the sock_addr programs too (same BTF task access). Caveat: a binary is
//     its inode: replacing the file (a new inode) or copying it escapes
//     until the next Load; on overlayfs st_dev/st_ino as stat reports them
//     may differ from the inode the kernel maps for exe_file, so select
//     container binaries by cgroup rather than by path.
//
// # Network rules
//
// Rules are a bounded array (256 per generation) scanned in order with
// bpf_loop, skipping at once the rules of policies that do not apply. An
// LPM trie was not chosen: a rule is an address prefix and a port range
// and a protocol and an operation for one of 64 policies, with audit and
// enforce rules overlapping; a trie keyed by address would still need a
// scan of the rules at each matching prefix, and rule sets from policies
// are small. The first enforcing match denies (the program returns 0: the
// caller gets EPERM, nothing leaves the host) and is reported; when only
// audit rules match, the first is reported and the call proceeds. Rules
// apply to loopback addresses too. connect rules cover connect(2) on every
// socket type (also UDP and ICMP ping sockets) and datagrams sent with a
// destination on unconnected UDP sockets (sendmsg hooks); bind rules cover
// bind(2). An IPv4 rule also matches IPv4-mapped IPv6 addresses given to
// an IPv6 socket; decisions report them as IPv4.
//
// Cost (BenchmarkConnectHook, UDP connect(2) on loopback, 2 vCPU VM):
// about 1.5 µs per connect with no programs, +0.3 µs with the programs
// attached and no rule (or 256 rules of policies whose scope excludes the
// caller), and +4.5 µs with 256 applicable rules none of which matches,
// i.e. about 17 ns per rule scanned.
//
// # Kill
//
// One tracepoint program is attached to syscalls/sys_enter_<name> of each
// named system call (Linux-wide: the scope masks restrict it). On a match
// in enforce mode it calls bpf_send_signal(SIGKILL), which only queues the
// signal for the caller's thread group: the system call itself still runs
// to completion and the process dies on its return to user space. Its
// effects remain: TestKill shows that mkdir(2) creates the directory and
// creat(2) creates the file, and TestKillBinarySelector that busybox
// touch's openat(O_CREAT) creates the file, although each caller is killed
// before it sees the result. Kill rules stop a process from going on (a
// shell after unshare or ptrace, a dropper after its first write); they
// do not undo the call: use a network deny, or treat the call's effect as
// having happened. Records report bpf_send_signal's error, if any
// (Decision.SignalErr). System call names are the x86-64 table's
// (sysnum_amd64.go); note that libc and Go often call the *at variants
// (mkdirat, openat), which need their own rule.
//
// # Records
//
// struct enf_decision (bpf/enforce.h): policy index, network rule index,
// action (deny or kill), audit or enforce, pid, tgid, uid, pid namespace,
// comm, v2 cgroup id, generation, and for the network op (connect,
// sendmsg, bind), family, protocol, address and port; for kills the
// system call number. Decode maps the rule index back to the index in its
// Policy.Net and the number to the name given to Load.
package kernel
