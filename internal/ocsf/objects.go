package ocsf

import (
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
)

// device writes the device object: the host the event comes from.
func device(e *enc, host string) {
	e.open("device")
	e.strOpt("hostname", host)
	if host == "" {
		// device needs one of its identifying attributes.
		e.str("name", "unknown")
	}
	e.int("type_id", 0)
	e.str("type", "Unknown")
	e.open("os")
	e.str("name", "Linux")
	e.int("type_id", 200)
	e.str("type", "Linux")
	e.close()
	e.close()
}

// cmdLine writes argv joined with spaces (as Falco's proc.cmdline shows
// it, but with argv[0] itself rather than the task name), without
// building the string.
func cmdLine(e *enc, k string, args []string) {
	e.key(k)
	e.b = append(e.b, '"')
	for i, a := range args {
		if i > 0 {
			e.b = append(e.b, ' ')
		}
		e.b = appendStringBody(e.b, a)
	}
	e.b = append(e.b, '"')
}

// user writes a user object for a Linux uid.
func user(e *enc, k string, uid uint32) {
	e.open(k)
	e.key("uid")
	e.b = append(e.b, '"')
	e.b = strconv.AppendUint(e.b, uint64(uid), 10)
	e.b = append(e.b, '"')
	e.close()
}

// file writes a file object. typeID is the OCSF file type_id.
func file(e *enc, k, p string, typeID int64) {
	e.open(k)
	fileBody(e, "", p, typeID)
	e.close()
}

// fileBody writes a file's attributes: name (the last element of p when
// name is empty), path, parent folder and type.
func fileBody(e *enc, name, p string, typeID int64) {
	if name == "" {
		name = fileName(p)
	}
	e.str("name", name)
	fileRest(e, p, typeID)
}

// fileRest writes the attributes of a file after its name.
func fileRest(e *enc, p string, typeID int64) {
	e.strOpt("path", p)
	if dir := parentFolder(p); dir != "" {
		e.str("parent_folder", dir)
	}
	e.int("type_id", typeID)
	e.str("type", fileTypeName(typeID))
}

// fileName is the last element of p, p itself when it has none, and
// "unknown" when p is empty (name is required).
func fileName(p string) string {
	if p == "" {
		return "unknown"
	}
	if !strings.HasPrefix(p, "/") {
		return p
	}
	b := path.Base(p)
	if b == "." || b == "" {
		return p
	}
	return b
}

func parentFolder(p string) string {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return ""
	}
	return path.Dir(p)
}

// OCSF file type_id values.
const (
	fileTypeUnknown = 0
	fileTypeRegular = 1
	fileTypeFolder  = 2
	fileTypeSocket  = 5
	fileTypePipe    = 6
	fileTypeSymlink = 7
	fileTypeOther   = 99
)

func fileTypeName(t int64) string {
	switch t {
	case fileTypeRegular:
		return "Regular File"
	case fileTypeFolder:
		return "Folder"
	case fileTypeSocket:
		return "Local Socket"
	case fileTypePipe:
		return "Named Pipe"
	case fileTypeSymlink:
		return "Symbolic Link"
	case fileTypeOther:
		return "Other"
	}
	return "Unknown"
}

// fdFileType maps a descriptor type to a file type_id.
func fdFileType(t event.FDType) int64 {
	switch t {
	case event.FDFile, event.FDMemfd:
		return fileTypeRegular
	case event.FDDirectory:
		return fileTypeFolder
	case event.FDUnix:
		return fileTypeSocket
	case event.FDPipe:
		return fileTypePipe
	case event.FDUnknown:
		return fileTypeUnknown
	}
	return fileTypeOther
}

// processOpts says what to include in a process object.
type processOpts struct {
	// container describes the container the process runs in (nil on the
	// host or when unknown).
	container *event.Container
	// parent and lineage come from the event's ancestors.
	ancestors []event.Ancestor
}

// process writes the full process object for p.
func process(e *enc, k string, p *event.Process, o processOpts) {
	e.open(k)
	if p.PID != 0 || p.ExecID == "" {
		e.uint("pid", uint64(p.PID))
	}
	if p.TID != 0 && p.TID != p.PID {
		e.uint("tid", uint64(p.TID))
	}
	e.strOpt("uid", p.ExecID)
	e.strOpt("name", p.Name)
	if len(p.Args) > 0 {
		cmdLine(e, "cmd_line", p.Args)
	}
	if p.Exe != "" {
		file(e, "file", p.Exe, fileTypeRegular)
	}
	e.msOpt("created_time", p.StartTime)
	user(e, "user", p.UID)
	// linux/linux_users profile (linux extension).
	e.uint("euid", uint64(p.EUID))
	e.uint("egid", uint64(p.EGID))
	if p.LoginUID != event.NoLoginUID {
		e.uint("auid", uint64(p.LoginUID))
	}
	containerID := p.ContainerID
	if containerID == "" && o.container != nil {
		containerID = o.container.ID
	}
	if containerID != "" {
		if p.VPID != 0 {
			e.uint("namespace_pid", uint64(p.VPID))
		}
		containerObj(e, "container", containerID, o.container)
	}
	if len(o.ancestors) > 0 {
		ancestor(e, "parent_process", &o.ancestors[0], o.ancestors[1:])
	} else if p.PPID != 0 {
		e.open("parent_process")
		e.uint("pid", uint64(p.PPID))
		e.close()
	}
	lineage(e, p.Exe, o.ancestors)
	if p.Cwd != "" || p.ArgsTruncated {
		e.open("xattributes")
		e.strOpt("cwd", p.Cwd)
		if p.ArgsTruncated {
			e.bool("args_truncated", true)
		}
		e.close()
	}
	e.close()
}

// ancestor writes the short process object of an ancestor, with its own
// parent (the next ancestor) as pid only, to keep nesting shallow.
func ancestor(e *enc, k string, a *event.Ancestor, older []event.Ancestor) {
	e.open(k)
	e.uint("pid", uint64(a.PID))
	e.strOpt("uid", a.ExecID)
	e.strOpt("name", a.Name)
	if len(a.Args) > 0 {
		cmdLine(e, "cmd_line", a.Args)
	}
	if a.Exe != "" {
		file(e, "file", a.Exe, fileTypeRegular)
	}
	if len(older) > 0 {
		e.open("parent_process")
		e.uint("pid", uint64(older[0].PID))
		e.strOpt("uid", older[0].ExecID)
		e.strOpt("name", older[0].Name)
		e.close()
	}
	lineage(e, a.Exe, older)
	e.close()
}

// lineage writes the executables from the oldest ancestor down to the
// process itself, as OCSF's example orders them.
func lineage(e *enc, exe string, ancestors []event.Ancestor) {
	if len(ancestors) == 0 {
		return
	}
	e.openArray("lineage")
	for i := len(ancestors) - 1; i >= 0; i-- {
		if ancestors[i].Exe != "" {
			e.elemStr(ancestors[i].Exe)
		}
	}
	if exe != "" {
		e.elemStr(exe)
	}
	e.closeArray()
}

// containerObj writes an OCSF container object: its uid is the runtime's
// full id; name, image and runtime when the runtime's metadata is known.
// A Kubernetes pod sets orchestrator and pod_uuid.
func containerObj(e *enc, k, id string, c *event.Container) {
	e.open(k)
	e.str("uid", id)
	if c != nil {
		e.strOpt("name", c.Name)
		containerImage(e, c)
		if c.Runtime != "" && c.Runtime != "unknown" {
			e.str("runtime", c.Runtime)
		}
		if c.Pod != nil {
			e.str("orchestrator", "Kubernetes")
			e.strOpt("pod_uuid", c.Pod.UID)
		}
	}
	e.close()
}

// containerImage writes container.image (uid is required: the image
// digest, else the image reference) and container.tag.
func containerImage(e *enc, c *event.Container) {
	uid := c.ImageDigest
	if uid == "" {
		uid = c.Image
	}
	if uid == "" {
		return
	}
	e.open("image")
	e.str("uid", uid)
	name := c.ImageRepository
	if name == "" {
		name = c.Image
	}
	e.strOpt("name", name)
	e.strOpt("tag", c.ImageTag)
	e.close()
	e.strOpt("tag", c.ImageTag)
}

// endpoint writes a network_endpoint: an IP address and port, or, for a
// unix socket, its path as the name.
func endpoint(e *enc, k string, ap netip.AddrPort, unixPath string) {
	e.open(k)
	if ap.IsValid() {
		e.str("ip", ap.Addr().Unmap().String())
		e.uint("port", uint64(ap.Port()))
	} else {
		e.str("name", unixPath)
	}
	e.close()
}

// endpointKnown reports whether endpoint can write something for ap or
// unixPath.
func endpointKnown(ap netip.AddrPort, unixPath string) bool {
	return ap.IsValid() || unixPath != ""
}
