package container

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// Annotation keys read from an OCI config.json (and, for runc, from the
// labels runc copies them to in state.json).
const (
	// Vigil-neutral annotations: any runtime or wrapper may set them; they
	// take precedence over the runtime-specific ones.
	AnnotationName  = "vigil.container.name"
	AnnotationImage = "vigil.container.image"

	annCRIContainerName = "io.kubernetes.cri.container-name"
	annCRIContainerType = "io.kubernetes.cri.container-type"
	annCRIImageName     = "io.kubernetes.cri.image-name"
	annCRISandboxName   = "io.kubernetes.cri.sandbox-name"
	annCRISandboxNS     = "io.kubernetes.cri.sandbox-namespace"
	annCRISandboxUID    = "io.kubernetes.cri.sandbox-uid"

	annK8sContainerName = "io.kubernetes.container.name"
	annK8sPodName       = "io.kubernetes.pod.name"
	annK8sPodNS         = "io.kubernetes.pod.namespace"
	annK8sPodUID        = "io.kubernetes.pod.uid"

	annCRIOPrefix        = "io.kubernetes.cri-o."
	annCRIOContainerName = "io.kubernetes.cri-o.ContainerName"
	annCRIOImageName     = "io.kubernetes.cri-o.ImageName"
	annCRIOLabels        = "io.kubernetes.cri-o.Labels"

	annOCIRefName      = "org.opencontainers.image.ref.name"
	annContainerManger = "io.container.manager" // "libpod" for podman
	annNerdctlName     = "nerdctl/name"
)

// runcState is the part of runc's libcontainer state.json Vigil reads.
type runcState struct {
	ID             string    `json:"id"`
	InitProcessPid int       `json:"init_process_pid"`
	Created        time.Time `json:"created"`
	Config         struct {
		Rootfs  string   `json:"rootfs"`
		Labels  []string `json:"labels"`
		Cgroups *struct {
			Path        string `json:"path"`
			Name        string `json:"name"`
			Parent      string `json:"parent"`
			ScopePrefix string `json:"scope_prefix"`
		} `json:"cgroups"`
		Mounts []struct {
			Source           string `json:"source"`
			Destination      string `json:"destination"`
			Device           string `json:"device"`
			Flags            int64  `json:"flags"`
			PropagationFlags []int  `json:"propagation_flags"`
			Data             string `json:"data"`
		} `json:"mounts"`
		Capabilities *struct {
			Bounding []string `json:"Bounding"`
		} `json:"capabilities"`
	} `json:"config"`
	CgroupPaths map[string]string `json:"cgroup_paths"`
}

// crunStatus is crun's <state dir>/<id>/status file.
type crunStatus struct {
	Pid        int    `json:"pid"`
	CgroupPath string `json:"cgroup-path"`
	Bundle     string `json:"bundle"`
	Rootfs     string `json:"rootfs"`
	Created    string `json:"created"`
}

// ociSpec is the part of an OCI runtime config.json Vigil reads.
type ociSpec struct {
	Annotations map[string]string `json:"annotations"`
	Process     *struct {
		Capabilities *struct {
			Bounding []string `json:"bounding"`
		} `json:"capabilities"`
	} `json:"process"`
	Mounts []struct {
		Destination string   `json:"destination"`
		Type        string   `json:"type"`
		Source      string   `json:"source"`
		Options     []string `json:"options"`
	} `json:"mounts"`
	Linux *struct {
		Resources *struct {
			Devices []struct {
				Allow  bool   `json:"allow"`
				Type   string `json:"type"`
				Access string `json:"access"`
				Major  *int64 `json:"major"`
				Minor  *int64 `json:"minor"`
			} `json:"devices"`
		} `json:"resources"`
	} `json:"linux"`
}

// State is what a runtime's state directory says about one container.
type State struct {
	ID      string
	Pid     int       // the container's init process (host pid namespace)
	Created time.Time // zero when unknown
	Bundle  string    // the bundle directory (holds config.json); "" when unknown
	// Labels are runc's config labels other than bundle= (runc copies the
	// spec's annotations there as key=value).
	Labels map[string]string
	// Cgroup is the container's cgroup path as the state records it.
	Cgroup string
	// Mounts and Bounding come from runc's state (nil for crun); the
	// bundle's config.json is preferred when readable.
	Mounts   []event.Mount
	Bounding []string
}

// ParseRuncState parses runc's state.json. path is used in errors only.
func ParseRuncState(path string, data []byte) (*State, error) {
	var s runcState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse runc state %s: %w", path, err)
	}
	if s.ID == "" {
		return nil, fmt.Errorf("parse runc state %s: no container id", path)
	}
	st := &State{ID: s.ID, Pid: s.InitProcessPid, Created: s.Created}
	for _, l := range s.Config.Labels {
		k, v, _ := strings.Cut(l, "=")
		if k == "bundle" {
			st.Bundle = v
			continue
		}
		if st.Labels == nil {
			st.Labels = make(map[string]string)
		}
		st.Labels[k] = v
	}
	if p, ok := s.CgroupPaths[""]; ok { // cgroup v2 unified
		st.Cgroup = p
	} else if p, ok := s.CgroupPaths["memory"]; ok {
		st.Cgroup = p
	} else if c := s.Config.Cgroups; c != nil {
		st.Cgroup = c.Path
	}
	for _, m := range s.Config.Mounts {
		em := event.Mount{Source: m.Source, Dest: m.Destination, Type: m.Device, ReadWrite: m.Flags&msRdonly == 0}
		if m.Data != "" {
			em.Options = strings.Split(m.Data, ",")
		}
		for _, pf := range m.PropagationFlags {
			if p := propagationName(int64(pf)); p != "" {
				em.Propagation = p
			}
		}
		st.Mounts = append(st.Mounts, em)
	}
	if c := s.Config.Capabilities; c != nil {
		st.Bounding = c.Bounding
	}
	return st, nil
}

// ParseCrunStatus parses crun's status file for container id. path is used
// in errors only.
func ParseCrunStatus(path, id string, data []byte) (*State, error) {
	var s crunStatus
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse crun status %s: %w", path, err)
	}
	st := &State{ID: id, Pid: s.Pid, Bundle: s.Bundle, Cgroup: s.CgroupPath}
	if s.Created != "" {
		t, err := time.Parse(time.RFC3339Nano, s.Created)
		if err != nil {
			return nil, fmt.Errorf("parse crun status %s: created: %w", path, err)
		}
		st.Created = t
	}
	return st, nil
}

// Mount flags of libcontainer's state (linux mount(2) values).
const (
	msRdonly  = 0x1
	msRec     = 0x4000
	msPrivate = 0x40000
	msSlave   = 0x80000
	msShared  = 0x100000
)

// propagationName renders mount propagation flags as the OCI option name.
func propagationName(f int64) string {
	var n string
	switch {
	case f&msShared != 0:
		n = "shared"
	case f&msSlave != 0:
		n = "slave"
	case f&msPrivate != 0:
		n = "private"
	default:
		return ""
	}
	if f&msRec != 0 {
		n = "r" + n
	}
	return n
}

// Spec is what Vigil reads from an OCI config.json.
type Spec struct {
	Annotations map[string]string
	Bounding    []string
	Mounts      []event.Mount
	// AllDevices is set when the device cgroup rules allow every device
	// (a rule allowing type "a" or any type, any major and minor, "rwm").
	AllDevices bool
}

// ParseSpec parses an OCI runtime config.json. path is used in errors only.
func ParseSpec(path string, data []byte) (*Spec, error) {
	var s ociSpec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse OCI config %s: %w", path, err)
	}
	sp := &Spec{Annotations: s.Annotations}
	if s.Process != nil && s.Process.Capabilities != nil {
		sp.Bounding = s.Process.Capabilities.Bounding
	}
	for _, m := range s.Mounts {
		em := event.Mount{Source: m.Source, Dest: m.Destination, Type: m.Type, Options: m.Options, ReadWrite: true}
		for _, o := range m.Options {
			switch o {
			case "ro":
				em.ReadWrite = false
			case "rw":
				em.ReadWrite = true
			case "shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable":
				em.Propagation = o
			}
		}
		sp.Mounts = append(sp.Mounts, em)
	}
	if s.Linux != nil && s.Linux.Resources != nil {
		for _, d := range s.Linux.Resources.Devices {
			all := (d.Type == "" || d.Type == "a") && d.Major == nil && d.Minor == nil &&
				(d.Access == "" || strings.Count(d.Access, "r")+strings.Count(d.Access, "w")+strings.Count(d.Access, "m") == 3)
			if all {
				sp.AllDevices = d.Allow // later rules override earlier ones
			}
		}
	}
	return sp, nil
}

// capNames are the Linux capabilities, by number.
var capNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// privilegedCaps is how many capabilities (0 .. CAP_AUDIT_READ) a bounding
// set must hold to count as "every capability": all runtimes since Linux
// 3.16 know these, so a privileged container started by an older runtime
// still qualifies.
const privilegedCaps = 38

// Privileged reports whether a container with bounding set bounding and
// device rules allowing every device (allDevices) is privileged. The
// choice: a bounding set holding every capability up to CAP_AUDIT_READ is
// privileged (docker --privileged, Kubernetes privileged: true); so is
// CAP_SYS_ADMIN together with access to every device, which equally
// removes the container boundary.
func Privileged(bounding []string, allDevices bool) bool {
	var have uint64
	for _, c := range bounding {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		for i, n := range capNames {
			if n == c {
				have |= 1 << i
				break
			}
		}
	}
	const need = 1<<privilegedCaps - 1
	if have&need == need {
		return true
	}
	return allDevices && have&(1<<21) != 0 // CAP_SYS_ADMIN
}

// SplitImage splits an image reference into repository, tag and digest:
// "registry:5000/team/app:1.2@sha256:ab.." gives "registry:5000/team/app",
// "1.2", "sha256:ab..". A ':' before the last '/' belongs to a registry
// host:port, not to a tag. The reference is not normalised ("nginx" stays
// "nginx").
func SplitImage(ref string) (repo, tag, digest string) {
	repo = ref
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo, digest = repo[:i], repo[i+1:]
	}
	if i := strings.LastIndexByte(repo, ':'); i >= 0 && i > strings.LastIndexByte(repo, '/') {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest
}

// Describe builds a container's metadata from its runtime state and,
// when the bundle's config.json was readable, its spec (sp may be nil).
// The result has MetadataKnown set; Runtime is set only when the metadata
// says which engine runs the container (CRI-O and podman annotations,
// CRI annotations for containerd), else left "".
func Describe(st *State, sp *Spec) *event.Container {
	c := &event.Container{ID: st.ID, Created: st.Created, MetadataKnown: true}
	ann := st.Labels
	var bounding []string = st.Bounding
	c.Mounts = st.Mounts
	var allDevices bool
	if sp != nil {
		if len(sp.Annotations) > 0 {
			ann = sp.Annotations
		}
		if sp.Bounding != nil || sp.Mounts != nil {
			bounding = sp.Bounding
			c.Mounts = sp.Mounts
		}
		allDevices = sp.AllDevices
	}
	c.Privileged = Privileged(bounding, allDevices)
	if len(ann) > 0 {
		c.Labels = maps.Clone(ann)
	}

	// CRI-O keeps the kubelet's labels as a JSON object in one annotation.
	var crioLabels map[string]string
	if l := ann[annCRIOLabels]; l != "" {
		_ = json.Unmarshal([]byte(l), &crioLabels) // best effort: a bad value just adds nothing
	}
	get := func(keys ...string) string {
		for _, k := range keys {
			if v := ann[k]; v != "" {
				return v
			}
			if v := crioLabels[k]; v != "" {
				return v
			}
		}
		return ""
	}

	c.Name = get(AnnotationName, annCRIContainerName, annK8sContainerName, annNerdctlName)
	if c.Name == "" && ann[annCRIContainerType] == "sandbox" {
		c.Name = get(annCRISandboxName)
	}
	if c.Name == "" {
		c.Name = get(annCRIOContainerName)
	}
	c.Image = get(AnnotationImage, annCRIImageName, annCRIOImageName, annOCIRefName)
	if c.Image != "" {
		c.ImageRepository, c.ImageTag, c.ImageDigest = SplitImage(c.Image)
	}

	pod := event.Pod{
		Name:      get(annCRISandboxName, annK8sPodName),
		Namespace: get(annCRISandboxNS, annK8sPodNS),
		UID:       get(annCRISandboxUID, annK8sPodUID),
	}
	if pod.Name != "" || pod.UID != "" {
		c.Pod = &pod
	}

	switch {
	case hasPrefixKey(ann, annCRIOPrefix):
		c.Runtime = RuntimeCRIO
	case ann[annContainerManger] == "libpod":
		c.Runtime = RuntimePodman
	case ann[annCRIContainerType] != "" || ann[annCRISandboxName] != "":
		c.Runtime = RuntimeContainerd
	}
	return c
}

// hasPrefixKey reports whether m has a key starting with prefix.
func hasPrefixKey(m map[string]string, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
