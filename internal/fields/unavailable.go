package fields

// Reasons a field cannot be produced yet.
const (
	whyNet         = "network events are not captured yet (issue 4)"
	whyFDTable     = "the table of each process's open file descriptors is not kept yet"
	whyFDLimit     = "file descriptor limits are not captured yet"
	whyAbsPath     = "evt.abspath is not computed yet: use fs.path.name, fs.path.source and fs.path.target"
	whyRawPath     = "the paths of rename, link and symlink events as the caller passed them are not captured yet (the sensor records the resolved paths)"
	whyCreated     = "whether an open created the file (Falco's O_F_CREATED) is not captured yet"
	whyOverlay     = "the overlayfs layer of opened files is not captured yet"
	whyErrCount    = "error counts by category are not computed yet"
	whyPoll        = "poll events are not captured yet"
	whyIO          = "I/O events are not captured yet (issue 4)"
	whyContainer   = "the container metadata Vigil collects does not include it"
	whyContainerFD = "the fields chaining the container id with a file name are not computed yet"
	whyK8s         = "the pod metadata Vigil collects (from the CRI annotations) does not include it"
	whyVPID        = "the pids of ancestors in their own pid namespace are not tracked yet"
	whyPgid        = "process group ids are not captured yet"
	whyEnv         = "process environments are not captured yet"
	whyExeIno      = "pid namespace start times are not captured yet"
	whyMem         = "memory and page-fault statistics are not captured yet"
	whyParentStart = "the start times of ancestors are not tracked yet"
	whyExeWritable = "whether the executable is writable by its user is not captured yet"
	whyLowerLayer  = "whether the executable is on an overlayfs lower layer is not captured yet"
	whyCgroup      = "cgroup paths are not captured yet"
	whyThreads     = "thread counts are not tracked yet"
	whyCPUUsage    = "CPU usage is not sampled"
	whySched       = "scheduler events are not captured"
	whyCPU         = "the CPU an event happened on is not recorded"
	whyCapture     = "Vigil does not record the start of a capture"
	whyDelta       = "the previous event is not tracked"
	whyLatency     = "enter events are not captured (the field is deprecated in Falco)"
	whyAround      = "selecting events around a timestamp is not supported"
	whyWait        = "waiting system calls are not captured"
	whyPIDNSStart  = "pid namespace start times are not captured yet"
)

// u describes a field that is known but not available.
type u struct {
	name, desc string
	kind       Kind
	why        string
	arg        ArgMode
	required   bool
	dotted     bool
	falcoType  string
}

func (c *Catalog) addUnavailableFields() {
	S, I, U, B := KindString, KindInt, KindUint, KindBool
	for _, f := range []u{
		// evt
		{name: "evt.reltime", kind: KindDuration, why: whyCapture, desc: "Nanoseconds from the beginning of the capture."},
		{name: "evt.reltime.s", kind: KindDuration, why: whyCapture, desc: "Seconds from the beginning of the capture."},
		{name: "evt.reltime.ns", kind: KindDuration, why: whyCapture, desc: "The fractional part (in ns) of the time from the beginning of the capture."},
		{name: "evt.latency", kind: KindDuration, why: whyLatency, desc: "Delta between an exit event and the corresponding enter event, in nanoseconds."},
		{name: "evt.latency.s", kind: KindDuration, why: whyLatency, desc: "The integer part of the event latency."},
		{name: "evt.latency.ns", kind: KindDuration, why: whyLatency, desc: "The fractional part of the event latency."},
		{name: "evt.latency.human", kind: S, why: whyLatency, desc: "The event latency as a human-readable string (10.3ms)."},
		{name: "evt.deltatime", kind: KindDuration, why: whyDelta, desc: "Delta between this event and the previous one, in nanoseconds."},
		{name: "evt.deltatime.s", kind: KindDuration, why: whyDelta, desc: "The integer part of the delta between this event and the previous one."},
		{name: "evt.deltatime.ns", kind: KindDuration, why: whyDelta, desc: "The fractional part of the delta between this event and the previous one."},
		{name: "evt.cpu", kind: I, falcoType: "INT16", why: whyCPU, desc: "The number of the CPU where the event happened."},
		{name: "evt.buffer", kind: S, falcoType: "BYTEBUF", why: whyIO, desc: "The data buffer of I/O events (read, recvfrom, ...)."},
		{name: "evt.buflen", kind: U, why: whyIO, desc: "The length of the data buffer of I/O events."},
		{name: "evt.is_io", kind: B, why: whyIO, desc: "'true' for events that read or write file descriptors."},
		{name: "evt.is_io_read", kind: B, why: whyIO, desc: "'true' for events that read from file descriptors."},
		{name: "evt.is_io_write", kind: B, why: whyIO, desc: "'true' for events that write to file descriptors."},
		{name: "evt.io_dir", kind: S, why: whyIO, desc: "'r' for events that read from file descriptors, 'w' for events that write to them."},
		{name: "evt.is_wait", kind: B, why: whyWait, desc: "'true' for events that make the thread wait (sleep, select, poll)."},
		{name: "evt.wait_latency", kind: KindDuration, why: whyWait, desc: "For waiting events, the time spent waiting, in nanoseconds."},
		{name: "evt.is_syslog", kind: B, why: whyIO, desc: "'true' for writes to /dev/log."},
		{name: "evt.count.error.file", kind: U, falcoType: "UINT32", why: whyErrCount, desc: "1 for failed events related to file I/O."},
		{name: "evt.count.error.net", kind: U, falcoType: "UINT32", why: whyErrCount, desc: "1 for failed events related to network I/O."},
		{name: "evt.count.error.memory", kind: U, falcoType: "UINT32", why: whyErrCount, desc: "1 for failed events related to memory allocation."},
		{name: "evt.count.error.other", kind: U, falcoType: "UINT32", why: whyErrCount, desc: "1 for failed events not related to files, network or memory."},
		{name: "evt.around", kind: U, why: whyAround, arg: ArgKey, required: true, desc: "Accepts the events around a timestamp: evt.around[T]=D."},
		{name: "evt.abspath", kind: S, why: whyAbsPath, desc: "The absolute path computed from dirfd and name in calls like renameat and symlinkat."},
		{name: "evt.abspath.src", kind: S, why: whyAbsPath, desc: "The absolute source path of calls with two paths (renameat, linkat)."},
		{name: "evt.abspath.dst", kind: S, why: whyAbsPath, desc: "The absolute destination path of calls with two paths (renameat, linkat)."},
		{name: "evt.is_open_create", kind: B, why: whyCreated, desc: "'true' for open events that create a file."},

		// process and thread
		{name: "proc.env", kind: S, why: whyEnv, arg: ArgKey, desc: "The environment of the process as 'NAME=value NAME1=value1'; proc.env[NAME] is one variable."},
		{name: "proc.aenv", kind: S, why: whyEnv, arg: ArgKey, desc: "The environment of an ancestor (proc.aenv[2]) or the first value of a variable up the ancestry (proc.aenv[NAME])."},
		{name: "proc.pvpid", kind: U, why: whyVPID, desc: "The pid of the parent as seen from its own pid namespace."},
		{name: "proc.vpgid", kind: U, why: whyPgid, desc: "The process group id of the process, as seen from its own pid namespace."},
		{name: "proc.vpgid.name", kind: S, why: whyPgid, desc: "The proc.name of the process group leader."},
		{name: "proc.vpgid.exe", kind: S, why: whyPgid, desc: "The proc.exe of the process group leader."},
		{name: "proc.vpgid.exepath", kind: S, why: whyPgid, desc: "The proc.exepath of the process group leader."},
		{name: "proc.pgid", kind: U, why: whyPgid, desc: "The process group id of the process, as seen from the host pid namespace."},
		{name: "proc.pgid.name", kind: S, why: whyPgid, desc: "The proc.name of the process group leader (host pid namespace)."},
		{name: "proc.pgid.exe", kind: S, why: whyPgid, desc: "The proc.exe of the process group leader (host pid namespace)."},
		{name: "proc.pgid.exepath", kind: S, why: whyPgid, desc: "The proc.exepath of the process group leader (host pid namespace)."},
		{name: "proc.is_vpgid_leader", kind: B, why: whyPgid, desc: "'true' if the process leads its process group (proc.vpgid == proc.vpid)."},
		{name: "proc.is_pgid_leader", kind: B, why: whyPgid, desc: "'true' if the process leads its process group (proc.pgid == proc.pid)."},
		{name: "proc.ppid.duration", kind: KindDuration, why: whyParentStart, desc: "Nanoseconds since the parent process started."},
		{name: "proc.ppid.ts", kind: KindDuration, why: whyParentStart, desc: "The start of the parent process as an epoch timestamp in nanoseconds."},
		{name: "proc.is_exe_writable", kind: B, why: whyExeWritable, desc: "'true' if the executable file is writable by the user that runs it."},
		{name: "proc.is_exe_lower_layer", kind: B, why: whyLowerLayer, desc: "'true' if the executable file is on a lower layer of an overlayfs."},
		{name: "proc.exe_ino.ctime_duration_pidns_start", kind: KindAbsTime, why: whyExeIno, desc: "Nanoseconds between the start of the pid namespace and the ctime of the executable file."},
		{name: "proc.pidns_init_start_ts", kind: U, why: whyPIDNSStart, desc: "The start of the process's pid namespace, in epoch nanoseconds."},
		{name: "proc.fdopencount", kind: U, why: whyFDTable, desc: "The number of open file descriptors of the process."},
		{name: "proc.fdlimit", kind: I, why: whyFDLimit, desc: "The maximum number of file descriptors the process can open."},
		{name: "proc.fdusage", kind: U, falcoType: "DOUBLE", why: whyFDTable, desc: "The ratio of open to maximum file descriptors of the process."},
		{name: "proc.vmsize", kind: U, why: whyMem, desc: "The total virtual memory of the process, in kB."},
		{name: "proc.vmrss", kind: U, why: whyMem, desc: "The resident non-swapped memory of the process, in kB."},
		{name: "proc.vmswap", kind: U, why: whyMem, desc: "The swapped memory of the process, in kB."},
		{name: "thread.pfmajor", kind: U, why: whyMem, desc: "The number of major page faults since the thread started."},
		{name: "thread.pfminor", kind: U, why: whyMem, desc: "The number of minor page faults since the thread started."},
		{name: "thread.vmsize", kind: U, why: whyMem, desc: "For the main thread, the total virtual memory of the process in kB; 0 for other threads."},
		{name: "thread.vmrss", kind: U, why: whyMem, desc: "For the main thread, the resident memory of the process in kB; 0 for other threads."},
		{name: "thread.exectime", kind: KindDuration, why: whySched, desc: "The CPU time spent by the last scheduled thread (switch events)."},
		{name: "thread.totexectime", kind: KindDuration, why: whySched, desc: "The total CPU time of the thread since the beginning of the capture (switch events)."},
		{name: "thread.cgroups", kind: S, why: whyCgroup, desc: "All the cgroups of the thread, in one string."},
		{name: "thread.cgroup", kind: S, why: whyCgroup, arg: ArgKey, required: true, dotted: true, desc: "The cgroup of the thread for one subsystem (thread.cgroup.cpuacct)."},
		{name: "proc.nthreads", kind: U, why: whyThreads, desc: "The number of live threads of the process, the leader included."},
		{name: "proc.nchilds", kind: U, why: whyThreads, desc: "The number of live threads of the process, the leader excluded."},
		{name: "thread.cpu", kind: U, falcoType: "DOUBLE", why: whyCPUUsage, desc: "The CPU consumed by the thread in the last second."},
		{name: "thread.cpu.user", kind: U, falcoType: "DOUBLE", why: whyCPUUsage, desc: "The user CPU consumed by the thread in the last second."},
		{name: "thread.cpu.system", kind: U, falcoType: "DOUBLE", why: whyCPUUsage, desc: "The system CPU consumed by the thread in the last second."},
		{name: "proc.stdin.type", kind: S, why: whyFDTable, desc: "The type of file descriptor 0 (stdin) of the process."},
		{name: "proc.stdout.type", kind: S, why: whyFDTable, desc: "The type of file descriptor 1 (stdout) of the process."},
		{name: "proc.stderr.type", kind: S, why: whyFDTable, desc: "The type of file descriptor 2 (stderr) of the process."},
		{name: "proc.stdin.name", kind: S, why: whyFDTable, desc: "The name of file descriptor 0 (stdin) of the process."},
		{name: "proc.stdout.name", kind: S, why: whyFDTable, desc: "The name of file descriptor 1 (stdout) of the process."},
		{name: "proc.stderr.name", kind: S, why: whyFDTable, desc: "The name of file descriptor 2 (stderr) of the process."},

		// fd
		{name: "fd.containername", kind: S, why: whyContainerFD, desc: "The container id chained with fd.name."},
		{name: "fd.containerdirectory", kind: S, why: whyContainerFD, desc: "The container id chained with fd.directory."},
		{name: "fd.types", kind: KindStrings, why: whyFDTable, arg: ArgIndex, desc: "The types of the file descriptors in use; fd.types[N] is the type of descriptor N as a one-item list."},
		{name: "fd.is_upper_layer", kind: B, why: whyOverlay, desc: "'true' if the file is on the upper layer of an overlayfs."},
		{name: "fd.is_lower_layer", kind: B, why: whyOverlay, desc: "'true' if the file is on a lower layer of an overlayfs."},

		// fs.path
		{name: "fs.path.sourceraw", kind: S, why: whyRawPath, desc: "The source path as the caller passed it."},
		{name: "fs.path.targetraw", kind: S, why: whyRawPath, desc: "The target path as the caller passed it."},

		// fdlist
		{name: "fdlist.nums", kind: S, why: whyPoll, desc: "For poll events, the comma-separated numbers of the polled file descriptors."},
		{name: "fdlist.names", kind: S, why: whyPoll, desc: "For poll events, the comma-separated names of the polled file descriptors."},
		{name: "fdlist.cips", kind: S, why: whyNet, desc: "For poll events, the comma-separated client IP addresses."},
		{name: "fdlist.sips", kind: S, why: whyNet, desc: "For poll events, the comma-separated server IP addresses."},
		{name: "fdlist.cports", kind: S, why: whyNet, desc: "For poll events, the comma-separated client ports."},
		{name: "fdlist.sports", kind: S, why: whyNet, desc: "For poll events, the comma-separated server ports."},

		// container
		{name: "container.image.id", kind: S, why: whyContainer, desc: "The container image id."},
		{name: "container.ip", kind: S, why: whyContainer, desc: "The container's (pod's) primary IPv4 address."},
		{name: "container.cni.json", kind: S, why: whyContainer, desc: "The container's (pod's) CNI result, as JSON."},
		{name: "container.host_pid", kind: B, why: whyContainer, desc: "'true' if the container runs in the host pid namespace."},
		{name: "container.host_network", kind: B, why: whyContainer, desc: "'true' if the container runs in the host network namespace."},
		{name: "container.host_ipc", kind: B, why: whyContainer, desc: "'true' if the container runs in the host IPC namespace."},

		// k8s
		{name: "k8s.pod.sandbox_id", kind: S, why: whyK8s, desc: "The truncated pod sandbox id (12 characters)."},
		{name: "k8s.pod.full_sandbox_id", kind: S, why: whyK8s, desc: "The full pod sandbox id."},
		{name: "k8s.pod.ip", kind: S, why: whyK8s, desc: "The pod's IPv4 address."},
		{name: "k8s.pod.cni.json", kind: S, why: whyK8s, desc: "The pod's CNI result, as JSON."},
	} {
		c.add(spec{name: f.name, kind: f.kind, desc: f.desc, arg: f.arg, argRequired: f.required,
			dotted: f.dotted, unavailable: f.why, falcoType: f.falcoType})
	}
}
