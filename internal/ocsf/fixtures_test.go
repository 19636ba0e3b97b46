package ocsf

import (
	"net/netip"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

func testBoot() [16]byte {
	return [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
}

func testTime() time.Time { return time.Date(2025, 11, 23, 21, 11, 5, 123456789, time.UTC) }

func testAncestors() []event.Ancestor {
	return []event.Ancestor{
		{PID: 812, ExecID: event.NewExecID(testBoot(), 812, 5_000_000_000), Name: "bash", Exe: "/usr/bin/bash", Args: []string{"-bash"}},
		{PID: 790, ExecID: event.NewExecID(testBoot(), 790, 4_000_000_000), Name: "sshd", Exe: "/usr/sbin/sshd", Args: []string{"sshd: root@pts/0"}},
		{PID: 1, ExecID: event.NewExecID(testBoot(), 1, 1_000_000), Name: "systemd", Exe: "/usr/lib/systemd/systemd", Args: []string{"/sbin/init", "splash"}},
	}
}

func testProcess(pid uint32) event.Process {
	return event.Process{
		PID: pid, TID: pid, PPID: 812,
		ExecID: event.NewExecID(testBoot(), pid, 9_876_543_210),
		Name:   "sh", Exe: "/usr/bin/dash",
		Args: []string{"sh", "-c", "echo hi > /tmp/x && cat /etc/passwd"},
		Cwd:  "/root",
		UID:  1000, GID: 1000, EUID: 1000, EGID: 1000,
		LoginUID: 1000, SID: 812, TTY: 34816,
		StartTime: testTime().Add(-1500 * time.Millisecond),
		CgroupID:  1234,
	}
}

const testContainerID = "ac2ea168264a08f9aaca0dfc82ff3551418dfd22d02b713142a6843caa2f61bf"

func testContainer() *event.Container {
	return &event.Container{
		ID: testContainerID, Runtime: "containerd", Name: "web",
		Image: "docker.io/library/nginx:1.27", ImageRepository: "docker.io/library/nginx", ImageTag: "1.27",
		ImageDigest:   "sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac",
		MetadataKnown: true,
		Pod:           &event.Pod{Name: "web-7d4b9c", Namespace: "shop", UID: "5b0a3e1c-9f6d-4c1e-8a2b-0c7d3e4f5a6b"},
	}
}

// inContainer moves ev's process into the test container.
func inContainer(ev *event.Event) *event.Event {
	ev.Process.ContainerID = testContainerID
	ev.Process.VPID = 7
	ev.Process.VTID = 7
	ev.Process.UID, ev.Process.EUID, ev.Process.GID, ev.Process.EGID = 0, 0, 0, 0
	ev.Process.LoginUID = event.NoLoginUID
	ev.Host = "node-1"
	ev.Container = testContainer()
	return ev
}

func call(sec int, t event.Type, res int64, fd *event.FD, args ...event.Arg) *event.Event {
	return &event.Event{Seq: uint64(100 + sec), Time: testTime().Add(time.Duration(sec) * time.Second), Type: t, Host: "vm",
		Process: testProcess(4321), Ancestors: testAncestors(),
		Syscall: &event.Syscall{Res: res, Args: args, FD: fd}}
}

func res(n int64) event.Arg   { return event.Arg{Name: "res", Kind: event.ArgErrno, Num: n} }
func fdArg(n int64) event.Arg { return event.Arg{Name: "fd", Kind: event.ArgFD, Num: n} }
func pathArg(name, p string) event.Arg {
	return event.Arg{Name: name, Kind: event.ArgPath, Str: p}
}
func num(name string, k event.ArgKind, n int64) event.Arg {
	return event.Arg{Name: name, Kind: k, Num: n}
}

type eventFixture struct {
	name string
	ev   *event.Event
	// class and activity expected.
	class, activity int64
}

func eventFixtures() []eventFixture {
	var fs []eventFixture
	add := func(name string, class, activity int64, ev *event.Event) {
		fs = append(fs, eventFixture{name: name, ev: ev, class: class, activity: activity})
	}

	// Process Activity.
	ev := &event.Event{Seq: 1, Time: testTime(), Type: event.TypeExecve, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exec: &event.Exec{Filename: "/bin/sh"}}
	add("execve", 1007, 1, ev)
	ev = &event.Event{Seq: 2, Time: testTime().Add(time.Second), Type: event.TypeExecve, Host: "node-1", Process: testProcess(5100),
		Ancestors: []event.Ancestor{{PID: 5090, ExecID: event.NewExecID(testBoot(), 5090, 1), Name: "nginx", Exe: "/usr/sbin/nginx", Args: []string{"nginx: worker process"}}},
		Exec:      &event.Exec{Filename: "/bin/sh"}}
	add("execve_container", 1007, 1, inContainer(ev))
	ev = &event.Event{Seq: 3, Time: testTime().Add(2 * time.Second), Type: event.TypeExecve, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exec: &event.Exec{Filename: "/tmp/missing"},
		Syscall: &event.Syscall{Res: -2, Args: []event.Arg{res(-2)}}}
	add("execve_enoent", 1007, 1, ev)
	ev = &event.Event{Seq: 4, Time: testTime().Add(3 * time.Second), Type: event.TypeClone, Host: "vm", Process: testProcess(4400),
		Ancestors: testAncestors(), Clone: &event.Clone{Flags: 0x1200011}}
	add("clone", 1007, 1, ev)
	ev = &event.Event{Seq: 5, Time: testTime().Add(4 * time.Second), Type: event.TypeClone3, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Clone: &event.Clone{Flags: 0x3d0f00, Thread: true}}
	ev.Process.TID = 4322
	add("clone3_thread", 1007, 99, ev)
	ev = &event.Event{Seq: 6, Time: testTime().Add(5 * time.Second), Type: event.TypeProcExit, Host: "vm", Process: testProcess(4321),
		Ancestors: testAncestors(), Exit: &event.Exit{Code: 3}}
	add("procexit", 1007, 2, ev)
	ev = &event.Event{Seq: 7, Time: testTime().Add(6 * time.Second), Type: event.TypeProcExit, Host: "vm", Process: testProcess(4322),
		Exit: &event.Exit{Signal: 11, CoreDumped: true}}
	ev.Process.Args, ev.Process.ExecID, ev.Process.StartTime = nil, "", time.Time{}
	add("procexit_signal_no_ancestors", 1007, 2, ev)

	// File System Activity. O_WRONLY|O_CREAT|O_TRUNC is 01101.
	openArgs := func(flags int64, name string) []event.Arg {
		return []event.Arg{fdArg(3), num("dirfd", event.ArgFD, -100), pathArg("name", name),
			num("flags", event.ArgOpenFlags, flags), num("mode", event.ArgMode, 0o644),
			num("dev", event.ArgUint, 2049), num("ino", event.ArgUint, 1234)}
	}
	add("openat_create", 1001, 1, call(10, event.TypeOpenat, 3,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/tmp/x", NameRaw: "/tmp/x", Dev: 2049, Ino: 1234}, openArgs(0o1101, "/tmp/x")...))
	add("openat_read", 1001, 2, call(11, event.TypeOpenat, 3,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/etc/shadow", NameRaw: "/etc/shadow", Dev: 2049, Ino: 393731}, openArgs(0o2000000, "/etc/shadow")...))
	add("openat_update_container", 1001, 3, inContainer(call(12, event.TypeOpenat, 3,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/etc/passwd", NameRaw: "passwd", Dev: 2049, Ino: 393730}, openArgs(0o2, "passwd")...)))
	add("openat2_directory", 1001, 14, call(13, event.TypeOpenat2, 6,
		&event.FD{Num: 6, Type: event.FDDirectory, Name: "/var/lib", NameRaw: "/var/lib", Dev: 2049, Ino: 131073}, openArgs(0o2200000, "/var/lib")...))
	add("open_enoent", 1001, 2, call(14, event.TypeOpen, -2,
		&event.FD{Num: -2, Type: event.FDFile, Name: "/etc/shadow.bak", NameRaw: "../etc/shadow.bak"},
		fdArg(-2), pathArg("name", "../etc/shadow.bak"), num("flags", event.ArgOpenFlags, 0)))
	add("creat", 1001, 1, call(15, event.TypeCreat, 3,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/root/run.sh", NameRaw: "run.sh", Dev: 2049, Ino: 55},
		fdArg(3), pathArg("name", "run.sh"), num("mode", event.ArgMode, 0o755)))
	add("unlinkat_dir", 1001, 4, call(16, event.TypeUnlinkat, 0, nil, res(0),
		num("dirfd", event.ArgFD, -100), pathArg("name", "/tmp/d"), num("flags", event.ArgFlags, 0x200)))
	add("unlink", 1001, 4, call(17, event.TypeUnlink, 0, nil, res(0), pathArg("path", "/var/log/auth.log")))
	add("mkdir", 1001, 1, call(18, event.TypeMkdir, 0, nil, res(0), pathArg("path", "/tmp/.hidden"), num("mode", event.ArgMode, 0o700)))
	add("rename", 1001, 5, call(19, event.TypeRenameat2, 0, nil, res(0),
		num("olddirfd", event.ArgFD, -100), pathArg("oldpath", "/tmp/x"), num("newdirfd", event.ArgFD, -100),
		pathArg("newpath", "/usr/local/bin/x"), num("flags", event.ArgFlags, 0)))
	add("symlink", 1001, 1, call(20, event.TypeSymlink, 0, nil, res(0),
		pathArg("target", "/etc/shadow"), pathArg("linkpath", "/tmp/s")))
	add("link_eexist", 1001, 1, call(21, event.TypeLink, -17, nil, res(-17),
		pathArg("oldpath", "/etc/passwd"), pathArg("newpath", "/tmp/p")))
	add("chmod", 1001, 7, call(22, event.TypeChmod, 0, nil, res(0),
		pathArg("filename", "/tmp/x"), num("mode", event.ArgMode, 0o4755)))
	add("fchown", 1001, 7, call(23, event.TypeFchown, 0,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/usr/local/bin/x"}, res(0), fdArg(3),
		num("uid", event.ArgUID, 0), num("gid", event.ArgGID, 0)))
	add("mount", 1001, 12, call(24, event.TypeMount, 0, nil, res(0),
		event.Arg{Name: "dev", Kind: event.ArgString, Str: "/dev/sda1"}, pathArg("dir", "/mnt"),
		event.Arg{Name: "type", Kind: event.ArgString, Str: "ext4"}, num("flags", event.ArgMountFlags, 3)))
	add("umount2", 1001, 13, call(25, event.TypeUmount2, 0, nil, res(0), pathArg("name", "/mnt"), num("flags", event.ArgUmountFlags, 2)))
	add("memfd_create", 1001, 1, call(26, event.TypeMemfdCreate, 4, nil, fdArg(4),
		event.Arg{Name: "name", Kind: event.ArgString, Str: "payload"}, num("flags", event.ArgMemfdFlags, 1)))

	// Network Activity.
	tcp4 := func(local, remote string, role event.SockRole) *event.Socket {
		return &event.Socket{Family: 2, Type: 1, Proto: 6, Local: netip.MustParseAddrPort(local),
			Remote: netip.MustParseAddrPort(remote), Role: role, Connected: true}
	}
	add("connect_tcp", 4001, 1, call(30, event.TypeConnect, 0,
		&event.FD{Num: 3, Type: event.FDIPv4, Name: "10.0.0.5:43210->93.184.216.34:443",
			Sock: tcp4("10.0.0.5:43210", "93.184.216.34:443", event.RoleClient)},
		res(0), event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "10.0.0.5:43210->93.184.216.34:443"}, fdArg(3),
		event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: "93.184.216.34:443"}))
	s := tcp4("127.0.0.1:43211", "127.0.0.1:8080", event.RoleClient)
	s.Connected = false
	add("connect_refused_container", 4001, 5, inContainer(call(31, event.TypeConnect, -111,
		&event.FD{Num: 3, Type: event.FDIPv4, Name: "127.0.0.1:43211->127.0.0.1:8080", Sock: s},
		res(-111), fdArg(3), event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: "127.0.0.1:8080"})))
	add("accept_ipv6", 4001, 1, call(32, event.TypeAccept4, 5,
		&event.FD{Num: 5, Type: event.FDIPv6, Name: "[2001:db8::7]:55000->[2001:db8::1]:22",
			Sock: &event.Socket{Family: 10, Type: 1, Local: netip.MustParseAddrPort("[2001:db8::1]:22"),
				Remote: netip.MustParseAddrPort("[2001:db8::7]:55000"), Role: event.RoleServer, Connected: true}},
		fdArg(5), event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "[2001:db8::7]:55000->[2001:db8::1]:22"},
		num("flags", event.ArgFlags, 0x80000)))
	add("bind_unix", 4001, 99, call(33, event.TypeBind, 0,
		&event.FD{Num: 3, Type: event.FDUnix, Name: "/run/app.sock",
			Sock: &event.Socket{Family: 1, Type: 1, Path: "/run/app.sock", Role: event.RoleServer}},
		res(0), event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: "/run/app.sock"}, fdArg(3)))
	add("listen", 4001, 7, call(34, event.TypeListen, 0,
		&event.FD{Num: 3, Type: event.FDIPv4, Name: "0.0.0.0:4444",
			Sock: &event.Socket{Family: 2, Type: 1, Proto: 6, Local: netip.MustParseAddrPort("0.0.0.0:4444"), Role: event.RoleServer}},
		res(0), fdArg(3), num("backlog", event.ArgInt, 5)))
	add("sendto_udp", 4001, 6, call(35, event.TypeSendto, 42,
		&event.FD{Num: 4, Type: event.FDIPv4, Name: "10.0.0.5:5353->8.8.8.8:53",
			Sock: &event.Socket{Family: 2, Type: 2, Local: netip.MustParseAddrPort("10.0.0.5:5353"),
				Remote: netip.MustParseAddrPort("8.8.8.8:53"), Role: event.RoleClient, NameChanged: true}},
		res(42), fdArg(4), num("size", event.ArgUint, 42),
		event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "10.0.0.5:5353->8.8.8.8:53"}))
	add("recvfrom_udp", 4001, 6, call(36, event.TypeRecvfrom, 120,
		&event.FD{Num: 4, Type: event.FDIPv4, Name: "8.8.8.8:53->10.0.0.5:5353",
			Sock: &event.Socket{Family: 2, Type: 2, Local: netip.MustParseAddrPort("10.0.0.5:5353"),
				Remote: netip.MustParseAddrPort("8.8.8.8:53"), Role: event.RoleServer}},
		res(120), event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "8.8.8.8:53->10.0.0.5:5353"}, fdArg(4),
		num("size", event.ArgUint, 512)))
	add("accept_unix", 4001, 1, call(52, event.TypeAccept, 5,
		&event.FD{Num: 5, Type: event.FDUnix, Name: "/run/app.sock",
			Sock: &event.Socket{Family: 1, Type: 1, Path: "/run/app.sock", Role: event.RoleServer, Connected: true}},
		fdArg(5), event.Arg{Name: "tuple", Kind: event.ArgTuple, Str: "/run/app.sock"}))
	add("connect_unix_docker", 4001, 1, call(37, event.TypeConnect, 0,
		&event.FD{Num: 3, Type: event.FDUnix, Name: "/var/run/docker.sock",
			Sock: &event.Socket{Family: 1, Type: 1, Path: "/var/run/docker.sock", Role: event.RoleClient, Connected: true}},
		res(0), fdArg(3), event.Arg{Name: "addr", Kind: event.ArgSockAddr, Str: "/var/run/docker.sock"}))
	add("socket", 1007, 99, call(38, event.TypeSocket, 3,
		&event.FD{Num: 3, Type: event.FDIPv4, Sock: &event.Socket{Family: 2, Type: 1, Proto: 6}},
		fdArg(3), num("domain", event.ArgSockFamily, 2), num("type", event.ArgSockType, 1), num("proto", event.ArgUint, 6)))
	add("dup2_socket", 4001, 99, call(39, event.TypeDup2, 0,
		&event.FD{Num: 0, Type: event.FDIPv4, Name: "10.0.0.5:43210->203.0.113.9:4444",
			Sock: tcp4("10.0.0.5:43210", "203.0.113.9:4444", event.RoleClient)},
		num("res", event.ArgFD, 0), num("oldfd", event.ArgFD, 3), num("newfd", event.ArgFD, 0)))

	// Privilege, module, memory and signal calls.
	add("ptrace_poketext", 1007, 4, call(40, event.TypePtrace, 0, nil, res(0),
		num("addr", event.ArgHex, 0x7f3a12345000), num("data", event.ArgHex, 0x90909090),
		num("request", event.ArgPtraceReq, 4), num("pid", event.ArgInt, 1234)))
	add("ptrace_attach", 1007, 3, call(41, event.TypePtrace, 0, nil, res(0),
		num("addr", event.ArgHex, 0), num("data", event.ArgHex, 0),
		num("request", event.ArgPtraceReq, 16), num("pid", event.ArgInt, 1234)))
	add("setuid", 1007, 5, call(42, event.TypeSetuid, 0, nil, res(0), num("uid", event.ArgUID, 0)))
	add("setgid_eperm", 1007, 99, call(43, event.TypeSetgid, -1, nil, res(-1), num("gid", event.ArgGID, 0)))
	add("kill_sigkill", 1007, 2, call(44, event.TypeKill, 0, nil, res(0),
		num("pid", event.ArgInt, 4400), num("sig", event.ArgSignal, 9)))
	add("tkill_sigstop", 1007, 99, call(45, event.TypeTkill, 0, nil, res(0),
		num("tid", event.ArgInt, 4322), num("sig", event.ArgSignal, 19)))
	add("init_module", 1002, 1, call(46, event.TypeInitModule, 0, nil, res(0),
		num("length", event.ArgUint, 123456), event.Arg{Name: "uargs", Kind: event.ArgString, Str: "debug=1"}))
	add("finit_module", 1002, 1, call(47, event.TypeFinitModule, 0,
		&event.FD{Num: 3, Type: event.FDFile, Name: "/tmp/rk.ko", Dev: 2049, Ino: 77},
		res(0), fdArg(3), event.Arg{Name: "uargs", Kind: event.ArgString}, num("flags", event.ArgModuleFlags, 0)))
	add("delete_module_enoent", 1002, 2, call(48, event.TypeDeleteModule, -2, nil, res(-2),
		event.Arg{Name: "name", Kind: event.ArgString, Str: "nf_tables"}, num("flags", event.ArgModuleFlags, 0x800)))
	add("mprotect", 1004, 2, call(49, event.TypeMprotect, 0, nil, res(0),
		num("addr", event.ArgHex, 0x7f0000000000), num("len", event.ArgUint, 4096), num("prot", event.ArgProt, 7)))
	add("mmap_anonymous", 1004, 1, call(50, event.TypeMmap, 0x7f1234560000, nil,
		num("res", event.ArgHex, 0x7f1234560000), num("addr", event.ArgHex, 0), num("length", event.ArgUint, 8192),
		num("prot", event.ArgProt, 7), num("flags", event.ArgMmapFlags, 0x22), num("fd", event.ArgFD, -1),
		num("offset", event.ArgUint, 0)))
	add("setns", 1007, 99, call(51, event.TypeSetns, 0, &event.FD{Num: 3, Type: event.FDFile, Name: "net:[4026531992]"},
		res(0), fdArg(3), num("nstype", event.ArgCloneFlags, 0x40000000)))

	// Vigil's own events.
	add("drop", 0, 99, &event.Event{Seq: 60, Time: testTime().Add(60 * time.Second), Type: event.TypeDrop, Host: "vm",
		Drop: &event.Drop{Lost: map[string]uint64{"execve": 3, "openat": 1}}})
	add("vigil_enforce", 1007, 99, &event.Event{Seq: 61, Time: testTime().Add(61 * time.Second), Type: event.TypeEnforce,
		Host: "vm", Process: testProcess(4321), Ancestors: testAncestors(),
		Enforcement: &event.Enforcement{Policy: "no-exec-from-tmp", Mode: "enforce", Action: "deny", Match: "exec",
			Target: "/tmp/x", Result: "denied", Mechanism: "fanotify"}})
	return fs
}

type alertFixture struct {
	name  string
	alert *engine.Alert
}

func alertFor(ev *event.Event, rule string, p rules.Priority, msg string, tags []string, fields ...engine.FieldValue) *engine.Alert {
	return &engine.Alert{
		Time: ev.Time, Rule: rule, Priority: p, Source: "syscall", Tags: tags, Hostname: ev.Host,
		Message: msg, Output: "21:11:05.123456789: " + p.String() + " " + msg,
		Fields: fields, Event: ev,
	}
}

func alertFixtures() []alertFixture {
	evs := map[string]*event.Event{}
	for _, f := range eventFixtures() {
		evs[f.name] = f.ev
	}
	var fs []alertFixture
	add := func(name string, a *engine.Alert) { fs = append(fs, alertFixture{name: name, alert: a}) }

	add("finding_shell_container", alertFor(evs["execve_container"], "Terminal shell in container", rules.Notice,
		"A shell was spawned in a container with an attached terminal (evt_type=execve user=root process=sh proc_exepath=/usr/bin/dash parent=nginx command=sh -c echo hi > /tmp/x && cat /etc/passwd container_id=ac2ea168264a container_name=web)",
		[]string{"maturity_stable", "container", "shell", "mitre_execution", "T1059"},
		engine.FieldValue{Name: "evt.time", Value: uint64(testTime().Add(time.Second).UnixNano())},
		engine.FieldValue{Name: "evt.type", Value: "execve"},
		engine.FieldValue{Name: "user.name", Value: "root"},
		engine.FieldValue{Name: "proc.name", Value: "sh"},
		engine.FieldValue{Name: "proc.pid", Value: uint64(5100)},
		engine.FieldValue{Name: "proc.tty", Value: int64(34816)},
		engine.FieldValue{Name: "container.id", Value: "ac2ea168264a"},
		engine.FieldValue{Name: "k8s.ns.name", Value: nil}))
	add("finding_read_sensitive_host", alertFor(evs["openat_read"], "Read sensitive file untrusted", rules.Warning,
		"Sensitive file opened for reading by non-trusted program (file=/etc/shadow gparent=sshd ggparent=systemd)",
		[]string{"host", "container", "filesystem", "mitre_credential_access", "T1555", "NIST_800-53_AC-6"},
		engine.FieldValue{Name: "fd.name", Value: "/etc/shadow"},
		engine.FieldValue{Name: "proc.aname[2]", Value: "sshd"},
		engine.FieldValue{Name: "fd.nameraw", Value: "/etc/shadow"}))
	a := alertFor(evs["connect_tcp"], "Outbound connection to C2 port", rules.Error,
		"Disallowed outbound connection destination (connection=10.0.0.5:43210->93.184.216.34:443 <\"quoted\">)",
		[]string{"network", "mitre_command_and_control", "T1095", "T1571"},
		engine.FieldValue{Name: "fd.name", Value: "10.0.0.5:43210->93.184.216.34:443"},
		engine.FieldValue{Name: "fd.sport", Value: uint64(443)})
	a.Actions = []string{"kill:killed"}
	add("finding_connect_kill", a)
	add("finding_ptrace_multi_tactic", alertFor(evs["ptrace_poketext"], "PTRACE anti-debug / injection", rules.Critical,
		"Detected ptrace PTRACE_POKETEXT (proc.name=sh tgt=1234)",
		[]string{"host", "process", "mitre_privilege_escalation", "mitre_defense_evasion", "T1055.008"}))
	add("finding_module_load", alertFor(evs["finit_module"], "Linux kernel module injection", rules.Alert,
		"Kernel module loaded (file=/tmp/rk.ko)", []string{"host", "mitre_persistence", "T1547.006"}))
	drop := evs["drop"]
	add("finding_drop", &engine.Alert{Time: drop.Time, Rule: engine.DropRule, Priority: rules.Critical, Source: "internal",
		Tags: []string{"vigil_internal"}, Hostname: "vm",
		Message: "Vigil internal: event drop. 4 events lost since the last report (execve=3 openat=1): detection may have missed activity.",
		Output:  "21:12:05.123456789: Critical Vigil internal: event drop. 4 events lost since the last report (execve=3 openat=1): detection may have missed activity.",
		Fields:  []engine.FieldValue{{Name: "n_drops", Value: uint64(4)}, {Name: "n_drops_execve", Value: uint64(3)}, {Name: "n_drops_openat", Value: uint64(1)}},
		Event:   drop})
	first, last := testTime().Add(11*time.Second), testTime().Add(19*time.Second)
	a = alertFor(evs["openat_read"], "Read sensitive file untrusted", rules.Warning,
		"Sensitive file opened for reading by non-trusted program (file=/etc/shadow) (repeated 41 times between 2025-11-23T21:11:16.123456789Z and 2025-11-23T21:11:24.123456789Z)",
		[]string{"filesystem", "mitre_credential_access"},
		engine.FieldValue{Name: "fd.name", Value: "/etc/shadow"},
		engine.FieldValue{Name: "vigil.repeat.count", Value: uint64(41)},
		engine.FieldValue{Name: "vigil.repeat.first", Value: uint64(first.UnixNano())},
		engine.FieldValue{Name: "vigil.repeat.last", Value: uint64(last.UnixNano())})
	a.Time = last
	add("finding_repeated", a)
	add("finding_no_event", &engine.Alert{Time: testTime(), Rule: "Synthetic", Priority: rules.Emergency, Source: "internal",
		Hostname: "", Message: "no event behind this alert", Output: "21:11:05.123456789: Emergency no event behind this alert"})
	return fs
}
