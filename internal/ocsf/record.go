package ocsf

import (
	"sort"
	"strconv"

	"github.com/vigil-sec/vigil/internal/event"
)

// appendEvent writes the record of one event.
func (f Formatter) appendEvent(b []byte, ev *event.Event) []byte {
	v := describe(ev)
	e := enc{b: append(b, '{')}
	sev := SeverityInformational
	if ev.Type == event.TypeDrop {
		sev = SeverityMedium // the sensor lost events: detection may have missed activity
	}
	f.header(&e, v.act, ev.Time, sev)
	if ev.Type != event.TypeDrop {
		status(&e, v.status)
	}
	switch {
	case ev.Type == event.TypeDrop && ev.Drop != nil:
		e.key("message")
		e.b = strconv.AppendUint(append(e.b, '"'), ev.Drop.Total(), 10)
		e.b = append(e.b, " events lost\""...)
	case ev.Type == event.TypeEnforce && ev.Enforcement != nil:
		x := ev.Enforcement
		e.key("message")
		e.b = append(e.b, `"policy `...)
		e.b = appendStringBody(e.b, x.Policy)
		e.b = append(e.b, " ("...)
		e.b = appendStringBody(e.b, x.Mode)
		e.b = append(e.b, "): "...)
		e.b = appendStringBody(e.b, x.Action)
		e.b = append(e.b, ' ')
		e.b = appendStringBody(e.b, x.Match)
		e.b = append(e.b, ' ')
		e.b = appendStringBody(e.b, x.Target)
		e.b = append(e.b, ": "...)
		e.b = appendStringBody(e.b, x.Result)
		e.b = append(e.b, '"')
	}
	if v.act.class != classBase {
		device(&e, ev.Host)
		actor(&e, "actor", ev, &v)
		objects(&e, ev, &v, false)
	}
	unmappedEvent(&e, ev)
	e.close()
	return e.b
}

func status(e *enc, s statusView) {
	e.int("status_id", s.id)
	switch s.id {
	case 1:
		e.str("status", "Success")
	case 2:
		e.str("status", "Failure")
	default:
		e.str("status", "Unknown")
	}
	e.strOpt("status_code", s.code)
	e.strOpt("status_detail", s.detail)
}

// actor writes the actor object: the parent for a launch, else the
// event's process itself.
func actor(e *enc, k string, ev *event.Event, v *view) {
	e.open(k)
	if v.actorIsParent {
		if len(ev.Ancestors) > 0 {
			ancestor(e, "process", &ev.Ancestors[0], ev.Ancestors[1:])
		} else {
			e.open("process")
			e.uint("pid", uint64(ev.Process.PPID))
			e.close()
		}
	} else {
		process(e, "process", &ev.Process, processOpts{container: ev.Container, ancestors: ev.Ancestors})
		user(e, "user", ev.Process.UID)
	}
	e.close()
}

// shortActor writes the actor of an evidence: the acting process by its
// pid, uid and name (the finding's actor has the rest).
func shortActor(e *enc, ev *event.Event, v *view) {
	e.open("actor")
	e.open("process")
	if v.actorIsParent {
		if len(ev.Ancestors) > 0 {
			a := &ev.Ancestors[0]
			e.uint("pid", uint64(a.PID))
			e.strOpt("uid", a.ExecID)
			e.strOpt("name", a.Name)
		} else {
			e.uint("pid", uint64(ev.Process.PPID))
		}
	} else {
		e.uint("pid", uint64(ev.Process.PID))
		e.strOpt("uid", ev.Process.ExecID)
		e.strOpt("name", ev.Process.Name)
	}
	e.close()
	e.close()
}

// targetProcess writes the class's "process": what was launched,
// terminated, opened or injected into.
func targetProcess(e *enc, ev *event.Event, v *view) {
	switch v.target {
	case targetSelf:
		process(e, "process", &ev.Process, processOpts{container: ev.Container, ancestors: ev.Ancestors})
	case targetPID:
		e.open("process")
		e.int("pid", v.targetPID)
		e.close()
	case targetFailed:
		e.open("process")
		e.uint("pid", uint64(ev.Process.PID))
		if v.execFile != "" {
			e.str("name", fileName(v.execFile))
			file(e, "file", v.execFile, fileTypeUnknown)
		}
		e.close()
	}
}

// objects writes what the view describes besides the actor. In evidence
// mode it writes only what an OCSF evidences object holds (a process, a
// file, endpoints, the connection, the container), else the attributes
// of the record's class.
func objects(e *enc, ev *event.Event, v *view, evidence bool) {
	c := v.act.class
	if evidence {
		if v.actorIsParent || v.target == targetPID || v.target == targetFailed {
			targetProcess(e, ev, v)
		}
	} else if c == classProcess || c == classMemory {
		targetProcess(e, ev, v)
	}
	if v.file.set {
		fileObj(e, "file", &v.file, v.linkTarget)
	} else if evidence && v.driver.set {
		fileObj(e, "file", &v.driver, "")
	}
	if v.src.set {
		endpoint(e, "src_endpoint", v.src.ap, v.src.path)
	}
	if v.dst.set {
		endpoint(e, "dst_endpoint", v.dst.ap, v.dst.path)
	}
	if v.conn.set {
		connection(e, &v.conn)
	}
	if evidence {
		if id := containerID(ev); id != "" {
			containerObj(e, "container", id, ev.Container)
		}
		return
	}
	if v.fileResult.set {
		fileObj(e, "file_result", &v.fileResult, "")
	}
	if v.hasMask {
		e.int("access_mask", v.accessMask)
	}
	if v.driver.set {
		e.open("driver")
		fileObj(e, "file", &v.driver, "")
		e.close()
	}
	if v.bytesIn > 0 || v.bytesOut > 0 {
		e.open("traffic")
		e.int("bytes", v.bytesIn+v.bytesOut)
		if v.bytesIn > 0 {
			e.int("bytes_in", v.bytesIn)
		}
		if v.bytesOut > 0 {
			e.int("bytes_out", v.bytesOut)
		}
		e.close()
	}
	if v.hasMem {
		e.key("base_address")
		e.b = append(e.b, '"', '0', 'x')
		e.b = strconv.AppendUint(e.b, v.memBase, 16)
		e.b = append(e.b, '"')
		e.uint("size", v.memSize)
		e.int("requested_permissions", v.memPerms)
	}
	if v.hasExitCode {
		e.int("exit_code", v.exitCode)
	}
	if v.injection != "" {
		e.int("injection_type_id", 99)
		e.str("injection_type", v.injection)
	}
}

func containerID(ev *event.Event) string {
	if ev.Process.ContainerID != "" {
		return ev.Process.ContainerID
	}
	if ev.Container != nil {
		return ev.Container.ID
	}
	return ""
}

func fileObj(e *enc, k string, f *fileView, linkTarget string) {
	e.open(k)
	if f.memfd {
		e.key("name")
		e.b = append(e.b, `"memfd:`...)
		e.b = appendStringBody(e.b, f.name)
		e.b = append(e.b, '"')
		fileRest(e, f.path, f.typeID)
	} else {
		fileBody(e, f.name, f.path, f.typeID)
	}
	if f.ino != 0 {
		e.key("uid")
		e.b = append(e.b, '"')
		e.b = strconv.AppendUint(e.b, uint64(f.dev), 10)
		e.b = append(e.b, ':')
		e.b = strconv.AppendUint(e.b, f.ino, 10)
		e.b = append(e.b, '"')
	}
	if linkTarget != "" {
		e.open("xattributes")
		e.str("link_target", linkTarget)
		e.close()
	}
	e.close()
}

func connection(e *enc, c *connView) {
	e.open("connection_info")
	e.int("direction_id", c.direction)
	switch c.direction {
	case 1:
		e.str("direction", "Inbound")
	case 2:
		e.str("direction", "Outbound")
	default:
		e.str("direction", "Unknown")
	}
	if c.protoNum != 0 {
		e.int("protocol_num", c.protoNum)
	}
	e.strOpt("protocol_name", c.protoName)
	if c.ipVersion != 0 {
		e.int("protocol_ver_id", c.ipVersion)
	}
	if c.localhost {
		e.int("boundary_id", 1)
		e.str("boundary", "Localhost")
	}
	e.close()
}

// unmappedEvent writes what OCSF has no attribute for: Vigil's event type
// and the type-specific details as Vigil's event JSON names them.
func unmappedEvent(e *enc, ev *event.Event) {
	e.open("unmapped")
	e.str("event_type", ev.Type.String())
	if ev.Seq != 0 {
		e.uint("seq", ev.Seq)
	}
	if x := ev.Exec; x != nil {
		e.open("exec")
		e.str("filename", x.Filename)
		e.close()
	}
	if x := ev.Clone; x != nil {
		e.open("clone")
		e.uint("flags", x.Flags)
		e.bool("thread", x.Thread)
		e.close()
	}
	if x := ev.Exit; x != nil {
		e.open("exit")
		e.int("code", int64(x.Code))
		e.int("signal", int64(x.Signal))
		e.bool("core_dumped", x.CoreDumped)
		e.close()
	}
	if x := ev.Drop; x != nil {
		e.open("drop")
		e.uint("total", x.Total())
		e.open("lost")
		keys := make([]string, 0, len(x.Lost))
		for k := range x.Lost {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.keyEsc(k)
			e.b = strconv.AppendUint(e.b, x.Lost[k], 10)
		}
		e.close()
		e.close()
	}
	if x := ev.Enforcement; x != nil {
		e.open("enforcement")
		e.str("policy", x.Policy)
		e.str("mode", x.Mode)
		e.str("action", x.Action)
		e.str("match", x.Match)
		e.str("target", x.Target)
		e.strOpt("proto", x.Proto)
		e.str("result", x.Result)
		e.str("mechanism", x.Mechanism)
		e.close()
	}
	if s := ev.Syscall; s != nil {
		e.open("syscall")
		e.int("res", s.Res)
		e.open("args")
		for _, a := range s.Args {
			argValue(e, a)
		}
		e.close()
		if fd := s.FD; fd != nil {
			e.open("fd")
			e.int("num", fd.Num)
			e.str("type", fd.Type.String())
			e.strOpt("name", fd.Name)
			e.close()
		}
		e.close()
	}
	e.close()
}

// argValue writes one system call argument: a string for the string
// kinds, a signed integer for the signed ones, else the unsigned value of
// Num's bits (flags, masks, addresses).
func argValue(e *enc, a event.Arg) {
	e.keyEsc(a.Name)
	switch a.Kind {
	case event.ArgPath, event.ArgString, event.ArgSockAddr, event.ArgTuple:
		e.b = appendString(e.b, a.Str)
	case event.ArgInt, event.ArgFD, event.ArgErrno, event.ArgSignal, event.ArgUID, event.ArgGID:
		e.b = strconv.AppendInt(e.b, a.Num, 10)
	default:
		e.b = strconv.AppendUint(e.b, uint64(a.Num), 10)
	}
}
