package fields

import (
	"reflect"
	"sort"
	"strings"

	"github.com/vigil-sec/vigil/internal/event"
)

// This file adds the fields of Falco's container plugin (container.*,
// k8s.*, proc.is_container_*) from event.Event.Container and
// event.Process.ContainerID, and the in-namespace ids proc.vpid and
// thread.vtid.
//
// Falco's behaviour, which Vigil follows:
//
//   - On the host (Process.ContainerID "" and no Container) the process is
//     in Falco's "host" container: container.id, container.full_id,
//     container.name and container.type are "host", the image fields and
//     container.mounts are empty, container.privileged is false, and the
//     k8s fields, labels and mounts selected by an argument are <NA>.
//   - In a container whose metadata is unknown (no runtime source described
//     it: Container.MetadataKnown false, or no Container at all) only
//     container.id is certain; the fields that come from the runtime's
//     metadata are <NA>. Vigil also knows container.full_id and
//     container.type then (from the cgroup path), which Falco has only
//     after its runtime lookup.
//   - container.id is the id shortened to 12 characters when it is a
//     64-digit hex id (docker, containerd, CRI-O, podman), the id as is
//     otherwise.

// shortIDLen is the length of Falco's container.id for hex ids.
const shortIDLen = 12

// hostID is Falco's container.id, full_id, name and type on the host.
const hostID = "host"

// shortContainerID returns Falco's container.id of a full id.
func shortContainerID(id string) string {
	if len(id) != 64 {
		return id
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return id
		}
	}
	return id[:shortIDLen]
}

// ContainerID returns Falco's container.id of a process's container id
// (event.Process.ContainerID): "host" for "", the 12-character form of a
// 64-digit hex id, else the id as is.
func ContainerID(id string) string {
	if id == "" {
		return hostID
	}
	return shortContainerID(id)
}

// containerOf returns the id of the container the event's process runs in
// ("" on the host) and its metadata (nil when none is known). ok is false
// for events without a process (drops), whose container fields are all
// <NA>.
func containerOf(ev *event.Event) (id string, c *event.Container, ok bool) {
	p := process(ev)
	if p == nil {
		return "", nil, false
	}
	id, c = p.ContainerID, ev.Container
	if id == "" && c != nil {
		id = c.ID
	}
	return id, c, true
}

// containerMeta returns the runtime metadata of the event's container:
// host is set on the host (no metadata, no container), c is non-nil when a
// runtime source described the container. Neither is set when the
// container's metadata is unknown or the event has no process.
func containerMeta(ev *event.Event) (c *event.Container, host bool) {
	id, c, ok := containerOf(ev)
	switch {
	case !ok:
		return nil, false
	case id == "":
		return nil, true
	case c == nil || !c.MetadataKnown:
		return nil, false
	}
	return c, false
}

// podOf returns the event's Kubernetes pod; nil on the host, outside a
// pod, or when the container's metadata is unknown.
func podOf(ev *event.Event) *event.Pod {
	c, _ := containerMeta(ev)
	if c == nil {
		return nil
	}
	return c.Pod
}

// mountString is Falco's form of one mount: source:dest:mode:rdwr:propagation.
// The mode is the mount's options joined with commas.
func mountString(b *strings.Builder, m *event.Mount) {
	b.WriteString(m.Source)
	b.WriteByte(':')
	b.WriteString(m.Dest)
	b.WriteByte(':')
	for i, o := range m.Options {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(o)
	}
	if m.ReadWrite {
		b.WriteString(":true:")
	} else {
		b.WriteString(":false:")
	}
	b.WriteString(m.Propagation)
}

// mountsCache remembers the last container.mounts text, keyed by the
// identity of the mount slice (published containers are not modified).
type mountsCache struct {
	first *event.Mount
	n     int
	out   string
}

func (mc *mountsCache) get(ms []event.Mount) string {
	if len(ms) == 0 {
		return ""
	}
	if mc.first == &ms[0] && mc.n == len(ms) {
		return mc.out
	}
	var b strings.Builder
	for i := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		mountString(&b, &ms[i])
	}
	mc.first, mc.n, mc.out = &ms[0], len(ms), b.String()
	return mc.out
}

// labelsCache remembers the last label list it built, keyed by the
// identity and size of the map (published maps are not modified).
type labelsCache struct {
	m   uintptr
	n   int
	out string
}

// get returns Falco's form of a label map: "key:value" items (just "key"
// for an empty value) sorted by key and joined with ", ", without the
// keys starting with "annotation." or "io.kubernetes.".
func (lc *labelsCache) get(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	id := uintptr(reflect.ValueOf(labels).UnsafePointer())
	if lc.m == id && lc.n == len(labels) {
		return lc.out
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if strings.HasPrefix(k, "annotation.") || strings.HasPrefix(k, "io.kubernetes.") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		if v := labels[k]; v != "" {
			b.WriteByte(':')
			b.WriteString(v)
		}
	}
	lc.m, lc.n, lc.out = id, len(labels), b.String()
	return lc.out
}

// mountPart selects what a container.mount* field returns.
type mountPart uint8

const (
	mountAll mountPart = iota
	mountSource
	mountDest
	mountMode
	mountRdwr
	mountPropagation
)

// bindMount binds a container.mount* field. A decimal argument selects a
// mount by position; any other is a glob matched against the mount
// destinations (container.mount.source) or sources (the others), the
// first match winning. No match, the host and unknown metadata give <NA>.
func bindMount(part mountPart) func(arg string) (Accessor, error) {
	return func(arg string) (Accessor, error) {
		idx, err := parseIndex(arg)
		byIndex := err == nil
		find := func(ev *event.Event) *event.Mount {
			c, _ := containerMeta(ev)
			if c == nil {
				return nil
			}
			if byIndex {
				if idx < len(c.Mounts) {
					return &c.Mounts[idx]
				}
				return nil
			}
			for i := range c.Mounts {
				m := &c.Mounts[i]
				s := m.Source
				if part == mountSource {
					s = m.Dest
				}
				if Glob(arg, s) {
					return m
				}
			}
			return nil
		}
		var last struct {
			m   *event.Mount
			out string
		}
		return Accessor{Str: func(ev *event.Event) (string, bool) {
			m := find(ev)
			if m == nil {
				return "", false
			}
			switch part {
			case mountSource:
				return m.Source, true
			case mountDest:
				return m.Dest, true
			case mountPropagation:
				return m.Propagation, true
			case mountRdwr:
				if m.ReadWrite {
					return "true", true
				}
				return "false", true
			}
			if last.m != m {
				var b strings.Builder
				if part == mountAll {
					mountString(&b, m)
				} else {
					for i, o := range m.Options {
						if i > 0 {
							b.WriteByte(',')
						}
						b.WriteString(o)
					}
				}
				last.m, last.out = m, b.String()
			}
			return last.out, true
		}}, nil
	}
}

// alwaysNA is the accessor of the fields Falco accepts but never extracts
// (deprecated ones).
var alwaysNA = Accessor{Str: func(*event.Event) (string, bool) { return "", false }}

func (c *Catalog) addContainerFields() {
	// Fields the host gives as hostID and a container without metadata
	// gives from what Vigil knows.
	c.add(spec{name: "container.id", kind: KindString,
		desc: "The container id, shortened to its first 12 characters for the 64-digit hex ids of docker, containerd, CRI-O and podman (3ad7b26ded6d); \"host\" for processes outside containers. Known without the runtime's metadata.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			id, _, ok := containerOf(ev)
			switch {
			case !ok:
				return "", false
			case id == "":
				return hostID, true
			}
			return shortContainerID(id), true
		}}})
	c.add(spec{name: "container.full_id", kind: KindString,
		desc: "The full container id (64 hex digits for docker, containerd, CRI-O and podman); \"host\" for processes outside containers. Vigil knows it from the cgroup path, without the runtime's metadata.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			id, _, ok := containerOf(ev)
			switch {
			case !ok:
				return "", false
			case id == "":
				return hostID, true
			}
			return id, true
		}}})
	c.add(spec{name: "container.type", kind: KindString,
		desc: "The container runtime: docker, containerd, cri-o, podman, runc, or unknown (a process in namespaces of its own that no known cgroup layout names); \"host\" for processes outside containers; <NA> when Vigil has no record of the container.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			id, ct, ok := containerOf(ev)
			switch {
			case !ok:
				return "", false
			case id == "":
				return hostID, true
			case ct == nil || ct.Runtime == "":
				return "", false
			}
			return ct.Runtime, true
		}}})

	// Fields from the runtime's metadata.
	meta := func(name, host, desc string, fn func(ct *event.Container) string) {
		c.add(spec{name: name, kind: KindString, desc: desc + metaNote,
			acc: Accessor{Str: func(ev *event.Event) (string, bool) {
				ct, isHost := containerMeta(ev)
				switch {
				case isHost:
					return host, true
				case ct == nil:
					return "", false
				}
				return fn(ct), true
			}}})
	}
	meta("container.name", hostID, "The container name; \"host\" for processes outside containers.",
		func(ct *event.Container) string { return ct.Name })
	meta("container.image", "", "The image reference the container runs, as the runtime has it (docker.io/library/nginx:1.27); empty outside containers.",
		func(ct *event.Container) string { return ct.Image })
	meta("container.image.repository", "", "The repository of the container's image (docker.io/library/nginx); empty outside containers.",
		func(ct *event.Container) string { return ct.ImageRepository })
	meta("container.image.tag", "", "The tag of the container's image (1.27, latest); empty outside containers.",
		func(ct *event.Container) string { return ct.ImageTag })
	meta("container.image.digest", "", "The registry digest of the container's image (sha256:...); empty outside containers.",
		func(ct *event.Container) string { return ct.ImageDigest })
	var mc mountsCache
	meta("container.mounts", "", "The container's mounts, comma-separated, each as source:dest:mode:rdwr:propagation (mode is the mount's options joined with commas; rdwr is true or false); empty outside containers.",
		func(ct *event.Container) string { return mc.get(ct.Mounts) })
	var clc labelsCache
	meta("container.labels", "", "The container's labels as key:value items sorted by key and joined with \", \" (the io.kubernetes.* and annotation.* labels left out); empty outside containers.",
		func(ct *event.Container) string { return clc.get(ct.Labels) })

	c.add(spec{name: "container.privileged", kind: KindBool,
		desc: "'true' for a container running privileged (every capability, devices allowed); 'false' outside containers." + metaNote,
		acc: Accessor{Bool: func(ev *event.Event) (bool, bool) {
			ct, isHost := containerMeta(ev)
			switch {
			case isHost:
				return false, true
			case ct == nil:
				return false, false
			}
			return ct.Privileged, true
		}}})
	c.add(spec{name: "container.label", kind: KindString, arg: ArgKey, argRequired: true, dotted: true,
		desc: "One container label (container.label.maintainer, container.label[com.example.tier]); <NA> when the container has no such label, outside containers, and when the container's metadata is unknown.",
		bindKey: func(key string) (Accessor, error) {
			return Accessor{Str: func(ev *event.Event) (string, bool) {
				ct, _ := containerMeta(ev)
				if ct == nil {
					return "", false
				}
				v, ok := ct.Labels[key]
				return v, ok
			}}, nil
		}})

	for _, m := range []struct {
		name, desc string
		part       mountPart
	}{
		{"container.mount", "One mount of the container as source:dest:mode:rdwr:propagation (see container.mounts), by position (container.mount[0]) or by source, a glob (container.mount[/usr/local/*]): the first mount whose source matches.", mountAll},
		{"container.mount.source", "The source of one mount of the container, by position (container.mount.source[0]) or by destination, a glob (container.mount.source[/host/lib/modules]).", mountSource},
		{"container.mount.dest", "The destination of one mount of the container, by position (container.mount.dest[0]) or by source, a glob (container.mount.dest[/proc*]).", mountDest},
		{"container.mount.mode", "The mode of one mount of the container (its options joined with commas), by position or by source (a glob).", mountMode},
		{"container.mount.rdwr", "'true' or 'false': whether one mount of the container is read-write, by position or by source (a glob).", mountRdwr},
		{"container.mount.propagation", "The propagation of one mount of the container (rprivate, rshared...), by position or by source (a glob).", mountPropagation},
	} {
		c.add(spec{name: m.name, kind: KindString, arg: ArgKey, argRequired: true,
			desc:    m.desc + " <NA> when no mount matches, outside containers, and when the container's metadata is unknown.",
			bindKey: bindMount(m.part)})
	}

	startTS := func(ev *event.Event) (uint64, bool) {
		ct, _ := containerMeta(ev)
		if ct == nil || ct.Created.IsZero() {
			return 0, false
		}
		return uint64(ct.Created.UnixNano()), true
	}
	c.add(spec{name: "container.start_ts", kind: KindAbsTime,
		desc: "When the container was created, as an epoch timestamp in nanoseconds, from the runtime's metadata (Falco takes the start of the container's pid namespace from the kernel instead, so it has a value on the host too); <NA> outside containers and when the container's metadata is unknown.",
		acc:  Accessor{Uint: startTS}})
	c.add(spec{name: "container.duration", kind: KindDuration,
		desc: "Nanoseconds from container.start_ts to the event; <NA> when container.start_ts is.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			ts, ok := startTS(ev)
			if !ok {
				return 0, false
			}
			t := uint64(ev.Time.UnixNano())
			if t < ts {
				return 0, false
			}
			return t - ts, true
		}}})

	// Kubernetes, from the CRI annotations of the container.
	pod := func(name, desc string, fn func(p *event.Pod) string) {
		c.add(spec{name: name, kind: KindString, desc: desc + " <NA> outside a pod (the host included) and when the container's metadata is unknown.",
			acc: Accessor{Str: func(ev *event.Event) (string, bool) {
				p := podOf(ev)
				if p == nil {
					return "", false
				}
				return fn(p), true
			}}})
	}
	pod("k8s.pod.name", "The Kubernetes pod name.", func(p *event.Pod) string { return p.Name })
	pod("k8s.ns.name", "The Kubernetes namespace name.", func(p *event.Pod) string { return p.Namespace })
	pod("k8s.pod.uid", "The Kubernetes pod UID (3e41dc6b-08a8-44db-bc2a-3724b18ab19a).", func(p *event.Pod) string { return p.UID })
	pod("k8s.pod.id", "[legacy] The Kubernetes pod UID, as k8s.pod.uid.", func(p *event.Pod) string { return p.UID })
	var plc labelsCache
	c.add(spec{name: "k8s.pod.labels", kind: KindString,
		desc: "The pod labels as key:value items sorted by key and joined with \", \"; empty outside containers and for a container outside a pod." + metaNote,
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			ct, isHost := containerMeta(ev)
			switch {
			case isHost:
				return "", true
			case ct == nil:
				return "", false
			case ct.Pod == nil:
				return "", true
			}
			return plc.get(ct.Pod.Labels), true
		}}})
	c.add(spec{name: "k8s.pod.label", kind: KindString, arg: ArgKey, argRequired: true, dotted: true,
		desc: "One pod label (k8s.pod.label.app, k8s.pod.label[app.kubernetes.io/name]); <NA> when the pod has no such label, outside a pod, and when the container's metadata is unknown.",
		bindKey: func(key string) (Accessor, error) {
			return Accessor{Str: func(ev *event.Event) (string, bool) {
				p := podOf(ev)
				if p == nil {
					return "", false
				}
				v, ok := p.Labels[key]
				return v, ok
			}}, nil
		}})

	// Accepted, never extracted: Falco's container plugin deprecated these
	// and gives no value for them.
	for _, d := range []struct {
		name, desc string
		kind       Kind
		keyed      bool
	}{
		{"container.healthcheck", "[deprecated in Falco] The container's health check command.", KindString, false},
		{"container.liveness_probe", "[deprecated in Falco] The container's liveness probe command.", KindString, false},
		{"container.readiness_probe", "[deprecated in Falco] The container's readiness probe command.", KindString, false},
		{"proc.is_container_healthcheck", "[deprecated in Falco] 'true' if the process runs as part of the container's health check.", KindBool, false},
		{"proc.is_container_liveness_probe", "[deprecated in Falco] 'true' if the process runs as part of the container's liveness probe.", KindBool, false},
		{"proc.is_container_readiness_probe", "[deprecated in Falco] 'true' if the process runs as part of the container's readiness probe.", KindBool, false},
		{"k8s.rc.name", "[deprecated in Falco] The replication controller name.", KindString, false},
		{"k8s.rc.id", "[deprecated in Falco] The replication controller id.", KindString, false},
		{"k8s.rc.label", "[deprecated in Falco] One replication controller label.", KindString, true},
		{"k8s.rc.labels", "[deprecated in Falco] The replication controller labels.", KindString, false},
		{"k8s.svc.name", "[deprecated in Falco] The service name.", KindString, false},
		{"k8s.svc.id", "[deprecated in Falco] The service id.", KindString, false},
		{"k8s.svc.label", "[deprecated in Falco] One service label.", KindString, true},
		{"k8s.svc.labels", "[deprecated in Falco] The service labels.", KindString, false},
		{"k8s.ns.id", "[deprecated in Falco] The namespace id.", KindString, false},
		{"k8s.ns.label", "[deprecated in Falco] One namespace label.", KindString, true},
		{"k8s.ns.labels", "[deprecated in Falco] The namespace labels.", KindString, false},
		{"k8s.rs.name", "[deprecated in Falco] The replica set name.", KindString, false},
		{"k8s.rs.id", "[deprecated in Falco] The replica set id.", KindString, false},
		{"k8s.rs.label", "[deprecated in Falco] One replica set label.", KindString, true},
		{"k8s.rs.labels", "[deprecated in Falco] The replica set labels.", KindString, false},
		{"k8s.deployment.name", "[deprecated in Falco] The deployment name.", KindString, false},
		{"k8s.deployment.id", "[deprecated in Falco] The deployment id.", KindString, false},
		{"k8s.deployment.label", "[deprecated in Falco] One deployment label.", KindString, true},
		{"k8s.deployment.labels", "[deprecated in Falco] The deployment labels.", KindString, false},
	} {
		desc := d.desc + " Always <NA>, as in Falco, whose container plugin no longer extracts it (a comparison with it never matches)."
		acc := alwaysNA
		if d.kind == KindBool {
			acc = Accessor{Bool: func(*event.Event) (bool, bool) { return false, false }}
		}
		if d.keyed {
			c.add(spec{name: d.name, kind: d.kind, desc: desc, arg: ArgKey, argRequired: true, dotted: true,
				bindKey: func(string) (Accessor, error) { return acc, nil }})
			continue
		}
		c.add(spec{name: d.name, kind: d.kind, desc: desc, acc: acc})
	}

	// Ids in the process's own pid namespace.
	c.add(spec{name: "proc.vpid", kind: KindUint,
		desc: "The pid of the process as its own pid namespace numbers it (1 for a container's init); equal to proc.pid on the host; <NA> when unknown.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil || p.VPID == 0 {
				return 0, false
			}
			return uint64(p.VPID), true
		}}})
	c.add(spec{name: "thread.vtid", kind: KindUint,
		desc: "The id of the thread as its own pid namespace numbers it; equal to thread.tid on the host; <NA> when unknown.",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil || p.VTID == 0 {
				return 0, false
			}
			return uint64(p.VTID), true
		}}})
}

// metaNote ends the description of the fields that need the runtime's
// metadata.
const metaNote = " <NA> when the container's metadata is unknown (no runtime source described it)."
