package ocsf

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
)

// Output fields an aggregated alert carries (package aggregate): how many
// identical alerts it stands for and when the first and last happened (ns
// since the Unix epoch).
const (
	fieldRepeatCount = "vigil.repeat.count"
	fieldRepeatFirst = "vigil.repeat.first"
	fieldRepeatLast  = "vigil.repeat.last"
)

// appendFinding writes the Detection Finding of one alert.
func (f Formatter) appendFinding(b []byte, a *engine.Alert) []byte {
	e := enc{b: append(b, '{')}
	f.header(&e, act(classDetection, findingCreate), a.Time, PrioritySeverity(a.Priority))
	e.int("status_id", 1)
	e.str("status", "New")
	e.strOpt("message", a.Message)
	repeats(&e, a)

	e.open("finding_info")
	e.key("uid")
	e.b = append(e.b, '"')
	e.b = strconv.AppendUint(e.b, findingUID(a), 16)
	e.b = append(e.b, '"')
	e.str("title", nonEmpty(a.Rule))
	e.strOpt("desc", a.Message)
	e.msOpt("created_time", a.Time)
	types := 0
	for _, t := range a.Tags {
		if t != "" && !isAttackTag(t) {
			if types == 0 {
				e.openArray("types")
			}
			e.elemStr(t)
			types++
		}
	}
	if types > 0 {
		e.closeArray()
	}
	e.open("analytic")
	e.str("name", nonEmpty(a.Rule))
	e.int("type_id", 1)
	e.str("type", "Rule")
	e.close()
	attacks(&e, a.Tags)
	if a.Source != "" {
		e.openArray("data_sources")
		e.elemStr(a.Source)
		e.closeArray()
	}
	e.close()

	device(&e, a.Hostname)
	ev := a.Event
	if ev != nil && ev.Type != event.TypeDrop {
		v := describe(ev)
		actor(&e, "actor", ev, &v)
		e.openArray("evidences")
		e.open("")
		shortActor(&e, ev, &v)
		objects(&e, ev, &v, true)
		e.open("data")
		e.str("event_type", ev.Type.String())
		e.key("activity")
		e.b = append(e.b, '"')
		e.b = appendStringBody(e.b, v.act.class.name)
		e.b = append(e.b, ": "...)
		e.b = appendStringBody(e.b, v.act.name)
		e.b = append(e.b, '"')
		e.close()
		e.close()
		e.closeArray()
		resources(&e, ev)
		observables(&e, a, ev, &v)
	} else {
		observables(&e, a, nil, nil)
	}
	unmappedAlert(&e, a)
	e.close()
	return e.b
}

// repeats writes count, start_time and end_time for an alert that stands
// for repeated identical alerts (package aggregate's summary).
func repeats(e *enc, a *engine.Alert) {
	for _, fv := range a.Fields {
		switch fv.Name {
		case fieldRepeatCount:
			if n, ok := asUint(fv.Value); ok {
				e.uint("count", n)
			}
		case fieldRepeatFirst:
			if n, ok := asUint(fv.Value); ok {
				e.int("start_time", time.Unix(0, int64(n)).UnixMilli())
			}
		case fieldRepeatLast:
			if n, ok := asUint(fv.Value); ok {
				e.int("end_time", time.Unix(0, int64(n)).UnixMilli())
			}
		}
	}
}

func asUint(v any) (uint64, bool) {
	switch v := v.(type) {
	case uint64:
		return v, true
	case int64:
		if v >= 0 {
			return uint64(v), true
		}
	}
	return 0, false
}

// findingUID identifies a finding: a hash of what makes an alert unique
// (host, rule, time, message, the event's number and process image), so
// that the same alert always gets the same uid.
func findingUID(a *engine.Alert) uint64 {
	h := fnvString(fnvOffset, a.Hostname)
	h = fnvString(h, a.Rule)
	h = fnvString(h, a.Message)
	h = fnvUint(h, uint64(a.Time.UnixNano()))
	if ev := a.Event; ev != nil {
		h = fnvUint(h, ev.Seq)
		h = fnvString(h, ev.Process.ExecID)
	}
	return h
}

// FNV-1a, 64 bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvString hashes s and a terminating zero byte, so that ("ab","c") and
// ("a","bc") differ.
func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h * fnvPrime // ^ 0
}

func fnvUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h = (h ^ (v >> (8 * i) & 0xff)) * fnvPrime
	}
	return h
}

// resources writes the affected resources: the container, and its
// Kubernetes pod, when the process runs in one. On the host, device
// describes the affected host.
func resources(e *enc, ev *event.Event) {
	id := containerID(ev)
	if id == "" {
		return
	}
	e.openArray("resources")
	e.open("")
	e.str("type", "Container")
	e.str("uid", id)
	if c := ev.Container; c != nil {
		e.strOpt("name", c.Name)
	}
	e.close()
	if c := ev.Container; c != nil && c.Pod != nil {
		e.open("")
		e.str("type", "Kubernetes Pod")
		e.strOpt("uid", c.Pod.UID)
		e.strOpt("name", c.Pod.Name)
		e.strOpt("namespace", c.Pod.Namespace)
		e.close()
	}
	e.closeArray()
}

// Observable type_id values (OCSF 1.3.0).
const (
	obsHostname    = 1
	obsIP          = 2
	obsFileName    = 7
	obsProcessName = 9
	obsCommandLine = 13
	obsContainer   = 27
)

// observables writes the values an analyst pivots on.
func observables(e *enc, a *engine.Alert, ev *event.Event, v *view) {
	e.openArray("observables")
	observable(e, "device.hostname", obsHostname, "Hostname", a.Hostname)
	if ev != nil {
		p := &ev.Process
		if !v.actorIsParent {
			observable(e, "actor.process.name", obsProcessName, "Process Name", p.Name)
			if len(p.Args) > 0 {
				cmdObservable(e, "actor.process.cmd_line", p.Args)
			}
		} else {
			if len(ev.Ancestors) > 0 {
				observable(e, "actor.process.name", obsProcessName, "Process Name", ev.Ancestors[0].Name)
			}
			observable(e, "evidences[0].process.name", obsProcessName, "Process Name", p.Name)
			if len(p.Args) > 0 {
				cmdObservable(e, "evidences[0].process.cmd_line", p.Args)
			}
		}
		if v.file.set {
			name := v.file.name
			if name == "" {
				name = fileName(v.file.path)
			}
			if v.file.memfd {
				name = "memfd:" + name
			}
			observable(e, "evidences[0].file.name", obsFileName, "File Name", name)
		}
		if v.src.set && v.src.ap.IsValid() {
			observable(e, "evidences[0].src_endpoint.ip", obsIP, "IP Address", v.src.ap.Addr().Unmap().String())
		}
		if v.dst.set && v.dst.ap.IsValid() {
			observable(e, "evidences[0].dst_endpoint.ip", obsIP, "IP Address", v.dst.ap.Addr().Unmap().String())
		}
		if containerID(ev) != "" {
			e.open("")
			e.str("name", "evidences[0].container")
			e.int("type_id", obsContainer)
			e.str("type", "Container")
			e.close()
		}
	}
	e.closeArray()
}

func cmdObservable(e *enc, name string, args []string) {
	e.open("")
	e.str("name", name)
	e.int("type_id", obsCommandLine)
	e.str("type", "Command Line")
	cmdLine(e, "value", args)
	e.close()
}

func observable(e *enc, name string, typeID int64, typeName, value string) {
	if value == "" {
		return
	}
	e.open("")
	e.str("name", name)
	e.int("type_id", typeID)
	e.str("type", typeName)
	e.str("value", value)
	e.close()
}

// unmappedAlert writes Falco's alert fields OCSF has no place for:
// priority, source, tags, output, output_fields, and the response actions.
func unmappedAlert(e *enc, a *engine.Alert) {
	e.open("unmapped")
	e.str("priority", a.Priority.String())
	e.strOpt("source", a.Source)
	e.openArray("tags")
	if sort.StringsAreSorted(a.Tags) {
		for _, t := range a.Tags {
			e.elemStr(t)
		}
	} else {
		tags := append([]string(nil), a.Tags...)
		sort.Strings(tags) // as Falco's alert JSON lists them
		for _, t := range tags {
			e.elemStr(t)
		}
	}
	e.closeArray()
	e.str("output", a.Output)
	e.open("output_fields")
	for _, fv := range a.Fields {
		e.keyEsc(fv.Name)
		e.rawValue(fv.Value)
	}
	e.close()
	if len(a.Actions) > 0 {
		e.openArray("actions")
		for _, x := range a.Actions {
			e.elemStr(x)
		}
		e.closeArray()
	}
	if ev := a.Event; ev != nil {
		e.str("event_type", ev.Type.String())
	}
	e.close()
}

// MITRE ATT&CK tactics, by the name Falco's mitre_* tags use.
var tactics = map[string]struct{ uid, name string }{
	"reconnaissance":       {"TA0043", "Reconnaissance"},
	"resource_development": {"TA0042", "Resource Development"},
	"initial_access":       {"TA0001", "Initial Access"},
	"execution":            {"TA0002", "Execution"},
	"persistence":          {"TA0003", "Persistence"},
	"privilege_escalation": {"TA0004", "Privilege Escalation"},
	"defense_evasion":      {"TA0005", "Defense Evasion"},
	"credential_access":    {"TA0006", "Credential Access"},
	"discovery":            {"TA0007", "Discovery"},
	"lateral_movement":     {"TA0008", "Lateral Movement"},
	"collection":           {"TA0009", "Collection"},
	"exfiltration":         {"TA0010", "Exfiltration"},
	"command_and_control":  {"TA0011", "Command and Control"},
	"impact":               {"TA0040", "Impact"},
}

// techniqueTag reports whether t names an ATT&CK technique (T1059) or
// sub-technique (T1059.004).
func techniqueTag(t string) bool {
	if len(t) != 5 && len(t) != 9 || t[0] != 'T' && t[0] != 't' {
		return false
	}
	for i := 1; i < 5; i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	if len(t) == 9 {
		if t[5] != '.' {
			return false
		}
		for i := 6; i < 9; i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
	}
	return true
}

func tacticTag(t string) bool { return strings.HasPrefix(t, "mitre_") && len(t) > len("mitre_") }

func isAttackTag(t string) bool { return techniqueTag(t) || tacticTag(t) }

// attacks writes finding_info.attacks from the rule's tags: one entry per
// technique tag (T1059, or T1059.004 as technique T1059 and sub-technique
// T1059.004), with the tactic when the rule names exactly one (mitre_*);
// when it names several, or no technique, each tactic gets an entry of
// its own, since tags do not say which technique goes with which tactic.
func attacks(e *enc, tags []string) {
	var nTech, nTac int
	for _, t := range tags {
		switch {
		case techniqueTag(t):
			nTech++
		case tacticTag(t):
			nTac++
		}
	}
	if nTech == 0 && nTac == 0 {
		return
	}
	e.openArray("attacks")
	var only string
	if nTac == 1 {
		for _, t := range tags {
			if tacticTag(t) {
				only = t
			}
		}
	}
	for _, t := range tags {
		if !techniqueTag(t) {
			continue
		}
		e.open("")
		id := t
		if id[0] == 't' {
			id = "T" + id[1:]
		}
		e.open("technique")
		e.str("uid", id[:5])
		e.key("src_url")
		e.b = append(e.b, `"https://attack.mitre.org/techniques/`...)
		e.b = append(e.b, id[:5]...)
		e.b = append(e.b, `/"`...)
		e.close()
		if len(id) == 9 {
			e.open("sub_technique")
			e.str("uid", id)
			e.key("src_url")
			e.b = append(e.b, `"https://attack.mitre.org/techniques/`...)
			e.b = append(e.b, id[:5]...)
			e.b = append(e.b, '/')
			e.b = append(e.b, id[6:]...)
			e.b = append(e.b, `/"`...)
			e.close()
		}
		if only != "" {
			tactic(e, only)
		}
		e.close()
	}
	if only == "" || nTech == 0 {
		for _, t := range tags {
			if tacticTag(t) {
				e.open("")
				tactic(e, t)
				e.close()
			}
		}
	}
	e.closeArray()
}

func tactic(e *enc, tag string) {
	name := strings.TrimPrefix(tag, "mitre_")
	e.open("tactic")
	if t, ok := tactics[name]; ok {
		e.str("uid", t.uid)
		e.str("name", t.name)
		e.key("src_url")
		e.b = append(e.b, `"https://attack.mitre.org/tactics/`...)
		e.b = append(e.b, t.uid...)
		e.b = append(e.b, `/"`...)
	} else {
		e.str("name", name)
	}
	e.close()
}
