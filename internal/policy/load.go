package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/rules"
)

// File is one policy file to load.
type File struct {
	Name string // shown in diagnostics
	Data []byte
}

// Load parses and checks policy files. Every problem found is reported
// (not only the first), each with its file, line and column; the Set holds
// the valid policies only, and is nil when there is no valid one. A name
// defined twice (in one file or across files) is an error at the second
// definition.
func Load(files []File) (*Set, rules.Diagnostics) {
	l := &loader{names: map[string]rules.Pos{}}
	set := &Set{}
	for _, f := range files {
		set.Policies = append(set.Policies, l.file(f)...)
	}
	if len(set.Policies) == 0 {
		set = nil
	}
	return set, l.diags
}

type loader struct {
	diags rules.Diagnostics
	names map[string]rules.Pos
}

func (l *loader) errorf(p rules.Pos, item, format string, args ...any) {
	l.diags = append(l.diags, rules.Diagnostic{Pos: p, Severity: rules.SevError, Item: item, Msg: fmt.Sprintf(format, args...)})
}

func pos(file string, n *yaml.Node) rules.Pos {
	return rules.Pos{File: file, Line: n.Line, Col: n.Column}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) file(f File) []*Policy {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(f.Data))
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := 1, err.Error()
			if m := yamlLine.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			l.errorf(rules.Pos{File: f.Name, Line: line, Col: 1}, "", "malformed YAML: %s", msg)
			return nil
		}
		docs = append(docs, n)
	}
	var out []*Policy
	for _, d := range docs {
		root := d
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // empty document
		}
		if root.Kind != yaml.SequenceNode {
			l.errorf(pos(f.Name, root), "", "a policy file is a list of policies, got %s", kindName(root))
			continue
		}
		for _, item := range root.Content {
			if p := l.policy(f.Name, item); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// mapping returns the key and value nodes of a mapping, reporting
// duplicate and unknown keys.
func (l *loader) mapping(file, item string, n *yaml.Node, known ...string) (map[string]*yaml.Node, map[string]*yaml.Node, bool) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(pos(file, n), item, "want a mapping, got %s", kindName(n))
		return nil, nil, false
	}
	keys, vals := map[string]*yaml.Node{}, map[string]*yaml.Node{}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := keys[k.Value]; dup {
			l.errorf(pos(file, k), item, "duplicate key %s (first at %d:%d)", k.Value, prev.Line, prev.Column)
			ok = false
			continue
		}
		if !slices.Contains(known, k.Value) {
			l.errorf(pos(file, k), item, "unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
			ok = false
			continue
		}
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		keys[k.Value], vals[k.Value] = k, v
	}
	return keys, vals, ok
}

func (l *loader) scalar(file, item, key string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(pos(file, n), item, "%s: want a string, got %s", key, kindName(n))
		return "", false
	}
	return n.Value, true
}

// strs accepts a string or a list of strings.
func (l *loader) strs(file, item, key string, n *yaml.Node) ([]string, []*yaml.Node, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}, []*yaml.Node{n}, true
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(pos(file, n), item, "%s: want a string or a list of strings, got %s", key, kindName(n))
		return nil, nil, false
	}
	var out []string
	var nodes []*yaml.Node
	ok := true
	for _, e := range n.Content {
		if e.Kind != yaml.ScalarNode || e.Tag == "!!null" || e.Value == "" {
			l.errorf(pos(file, e), item, "%s: want a non-empty string, got %s", key, kindName(e))
			ok = false
			continue
		}
		out = append(out, e.Value)
		nodes = append(nodes, e)
	}
	if len(out) == 0 && ok {
		l.errorf(pos(file, n), item, "%s: empty list", key)
		ok = false
	}
	return out, nodes, ok
}

func (l *loader) labels(file, item, key string, n *yaml.Node) (map[string]string, bool) {
	if n.Kind != yaml.MappingNode {
		l.errorf(pos(file, n), item, "%s: want a mapping of label names to values, got %s", key, kindName(n))
		return nil, false
	}
	out := map[string]string{}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			l.errorf(pos(file, v), item, "%s.%s: want a string, got %s", key, k.Value, kindName(v))
			ok = false
			continue
		}
		out[k.Value] = v.Value
	}
	if len(out) == 0 && ok {
		l.errorf(pos(file, n), item, "%s: empty mapping", key)
		ok = false
	}
	return out, ok
}

var syscallName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// policy checks one list item; nil when it has errors.
func (l *loader) policy(file string, n *yaml.Node) *Policy {
	item := "policy"
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "policy" && n.Content[i+1].Kind == yaml.ScalarNode {
				item = "policy " + n.Content[i+1].Value
			}
		}
	}
	before := len(l.diags)
	keys, vals, _ := l.mapping(file, item, n, "policy", "description", "mode", "priority", "tags", "scope", "match", "action", "enabled")
	if keys == nil {
		return nil
	}
	p := &Policy{Pos: pos(file, n), Priority: rules.Critical}
	if v, ok := vals["policy"]; !ok {
		l.errorf(pos(file, n), item, "missing key policy (the policy's name)")
	} else if name, ok := l.scalar(file, item, "policy", v); ok {
		if strings.TrimSpace(name) == "" {
			l.errorf(pos(file, v), item, "policy: empty name")
		} else if prev, dup := l.names[name]; dup {
			l.errorf(pos(file, v), item, "policy %q is already defined at %s", name, prev)
		} else {
			l.names[name] = pos(file, v)
		}
		p.Name = name
	}
	if v, ok := vals["enabled"]; ok {
		if v.Kind != yaml.ScalarNode || (v.Value != "true" && v.Value != "false") {
			l.errorf(pos(file, v), item, "enabled: want true or false, got %s", kindName(v))
		} else if v.Value == "false" {
			return nil
		}
	}
	if v, ok := vals["description"]; ok {
		p.Description, _ = l.scalar(file, item, "description", v)
	}
	if v, ok := vals["mode"]; ok {
		if s, ok := l.scalar(file, item, "mode", v); ok {
			switch strings.ToLower(s) {
			case "enforce":
				p.Mode = Enforce
			case "audit":
				p.Mode = Audit
			default:
				l.errorf(pos(file, v), item, "mode: unknown mode %q (want enforce or audit)", s)
			}
		}
	}
	if v, ok := vals["priority"]; ok {
		if s, ok := l.scalar(file, item, "priority", v); ok {
			pr, err := rules.ParsePriority(s)
			if err != nil {
				l.errorf(pos(file, v), item, "priority: %v", err)
			}
			p.Priority = pr
		}
	}
	if v, ok := vals["tags"]; ok {
		p.Tags, _, _ = l.strs(file, item, "tags", v)
	}
	if v, ok := vals["scope"]; ok {
		l.scope(file, item, v, &p.Scope)
	}
	if v, ok := vals["match"]; !ok {
		l.errorf(pos(file, n), item, "missing key match (one of: exec, exec_allow, open, connect, bind, syscall)")
	} else {
		l.match(file, item, v, p)
	}
	if len(p.Scope.Ancestors) > 0 && (p.Kind == KindConnect || p.Kind == KindBind || p.Kind == KindSyscall) {
		l.errorf(pos(file, n), item, "scope.ancestor is not available for match.%s (decided in the kernel, which sees the caller, not its ancestors); use binary, or an exec policy", p.Kind)
	}
	action, actionNode := "", n
	if v, ok := vals["action"]; ok {
		action, _ = l.scalar(file, item, "action", v)
		actionNode = v
	}
	l.action(file, item, actionNode, action, p)
	if len(l.diags) > before {
		return nil
	}
	return p
}

func (l *loader) scope(file, item string, n *yaml.Node, s *Scope) {
	_, vals, _ := l.mapping(file, item, n, "where", "container", "k8s", "binary", "ancestor")
	if vals == nil {
		return
	}
	if v, ok := vals["where"]; ok {
		if w, ok := l.scalar(file, item, "scope.where", v); ok {
			switch strings.ToLower(w) {
			case "any":
				s.Where = WhereAny
			case "host":
				s.Where = WhereHost
			case "containers", "container":
				s.Where = WhereContainers
			default:
				l.errorf(pos(file, v), item, "scope.where: unknown value %q (want any, host or containers)", w)
			}
		}
	}
	if v, ok := vals["container"]; ok {
		_, cv, _ := l.mapping(file, item, v, "image", "name", "label")
		if x, ok := cv["image"]; ok {
			s.Images, _, _ = l.strs(file, item, "scope.container.image", x)
		}
		if x, ok := cv["name"]; ok {
			s.Names, _, _ = l.strs(file, item, "scope.container.name", x)
		}
		if x, ok := cv["label"]; ok {
			s.ContainerLabels, _ = l.labels(file, item, "scope.container.label", x)
		}
	}
	if v, ok := vals["k8s"]; ok {
		_, kv, _ := l.mapping(file, item, v, "namespace", "pod_label")
		if x, ok := kv["namespace"]; ok {
			s.Namespaces, _, _ = l.strs(file, item, "scope.k8s.namespace", x)
		}
		if x, ok := kv["pod_label"]; ok {
			s.PodLabels, _ = l.labels(file, item, "scope.k8s.pod_label", x)
		}
	}
	if v, ok := vals["binary"]; ok {
		var nodes []*yaml.Node
		s.Binaries, nodes, _ = l.strs(file, item, "scope.binary", v)
		l.absPaths(file, item, "scope.binary", s.Binaries, nodes)
	}
	if v, ok := vals["ancestor"]; ok {
		var nodes []*yaml.Node
		s.Ancestors, nodes, _ = l.strs(file, item, "scope.ancestor", v)
		l.absPaths(file, item, "scope.ancestor", s.Ancestors, nodes)
	}
	if s.Where == WhereHost && s.HasContainerSelector() {
		l.errorf(pos(file, n), item, "scope: where: host cannot be combined with container or k8s selectors (a host process is in no container)")
	}
}

func (l *loader) absPaths(file, item, key string, ps []string, nodes []*yaml.Node) {
	for i, p := range ps {
		if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*") {
			l.errorf(pos(file, nodes[i]), item, "%s: %q is not an absolute path or a pattern starting with *", key, p)
		}
	}
}

func (l *loader) match(file, item string, n *yaml.Node, p *Policy) {
	keys, vals, _ := l.mapping(file, item, n, "exec", "exec_allow", "open", "access", "connect", "bind", "syscall")
	if keys == nil {
		return
	}
	var kinds []string
	for _, k := range []Kind{KindExec, KindExecAllow, KindOpen, KindConnect, KindBind, KindSyscall} {
		if _, ok := vals[k.String()]; ok {
			kinds = append(kinds, k.String())
			p.Kind = k
		}
	}
	switch len(kinds) {
	case 0:
		l.errorf(pos(file, n), item, "match: want one of exec, exec_allow, open, connect, bind, syscall")
		return
	case 1:
	default:
		l.errorf(pos(file, n), item, "match: %s: a policy matches one kind of action (write one policy per kind)", strings.Join(kinds, ", "))
		return
	}
	v := vals[p.Kind.String()]
	key := "match." + p.Kind.String()
	if a, ok := vals["access"]; ok {
		if p.Kind != KindOpen {
			l.errorf(pos(file, keys["access"]), item, "match.access applies to open only")
		} else if s, ok := l.scalar(file, item, "match.access", a); ok {
			switch strings.ToLower(s) {
			case "any":
				p.Access = AccessAny
			case "read":
				p.Access = AccessRead
			case "write":
				p.Access = AccessWrite
			default:
				l.errorf(pos(file, a), item, "match.access: unknown access %q (want read, write or any)", s)
			}
		}
	}
	switch p.Kind {
	case KindExec, KindExecAllow, KindOpen:
		paths, nodes, _ := l.strs(file, item, key, v)
		for i, s := range paths {
			if !strings.HasPrefix(s, "/") {
				l.errorf(pos(file, nodes[i]), item, "%s: %q is not an absolute path", key, s)
				continue
			}
			if strings.HasSuffix(s, "/") {
				s += "*"
			}
			p.Paths = append(p.Paths, s)
		}
	case KindSyscall:
		names, nodes, _ := l.strs(file, item, key, v)
		for i, s := range names {
			if !syscallName.MatchString(s) {
				l.errorf(pos(file, nodes[i]), item, "%s: %q is not a system call name", key, s)
				continue
			}
			p.Syscalls = append(p.Syscalls, s)
		}
	case KindConnect, KindBind:
		if v.Kind != yaml.SequenceNode {
			v = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{v}, Line: v.Line, Column: v.Column}
		}
		for _, e := range v.Content {
			if m, ok := l.netMatch(file, item, key, e, p.Kind == KindBind); ok {
				p.Net = append(p.Net, m)
			}
		}
		if len(v.Content) == 0 {
			l.errorf(pos(file, v), item, "%s: empty list", key)
		}
	}
}

func (l *loader) netMatch(file, item, key string, n *yaml.Node, bind bool) (NetMatch, bool) {
	var m NetMatch
	known := []string{"cidr", "port", "ports", "protocol"}
	if bind {
		known = []string{"port", "ports", "protocol"}
	}
	keys, vals, ok := l.mapping(file, item, n, known...)
	if keys == nil {
		return m, false
	}
	if v, has := vals["cidr"]; has {
		if s, sok := l.scalar(file, item, key+".cidr", v); sok {
			pf, err := parsePrefix(s)
			if err != nil {
				l.errorf(pos(file, v), item, "%s.cidr: %v", key, err)
				ok = false
			}
			m.Prefix = pf
		} else {
			ok = false
		}
	}
	_, hasPort := vals["port"]
	_, hasPorts := vals["ports"]
	switch {
	case hasPort && hasPorts:
		l.errorf(pos(file, keys["ports"]), item, "%s: port and ports both given", key)
		ok = false
	case hasPort || hasPorts:
		k := "port"
		if hasPorts {
			k = "ports"
		}
		v := vals[k]
		r, err := parsePorts(v)
		if err != nil {
			l.errorf(pos(file, v), item, "%s.%s: %v", key, k, err)
			ok = false
		}
		m.Ports = r
	}
	if v, has := vals["protocol"]; has {
		if s, sok := l.scalar(file, item, key+".protocol", v); sok {
			switch strings.ToLower(s) {
			case "tcp":
				m.Proto = ProtoTCP
			case "udp":
				m.Proto = ProtoUDP
			case "any":
				m.Proto = ProtoAny
			default:
				l.errorf(pos(file, v), item, "%s.protocol: unknown protocol %q (want tcp, udp or any)", key, s)
				ok = false
			}
		}
	}
	if bind && m.Ports.Any() && ok {
		l.errorf(pos(file, n), item, "%s: a bind match needs a port or ports (deny binding every port is not a policy)", key)
		ok = false
	}
	if !bind && !m.Prefix.IsValid() && m.Ports.Any() && ok {
		l.errorf(pos(file, n), item, "%s: a connect match needs a cidr, a port or both", key)
		ok = false
	}
	return m, ok
}

// parsePrefix accepts a CIDR or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or a CIDR", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// parsePorts accepts 22, "22" or "8000-8100".
func parsePorts(n *yaml.Node) (PortRange, error) {
	if n.Kind != yaml.ScalarNode {
		return PortRange{}, fmt.Errorf("want a port (22) or a range (\"8000-8100\"), got %s", kindName(n))
	}
	s := strings.TrimSpace(n.Value)
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	}
	if err1 != nil || err2 != nil || a == 0 || b < a {
		return PortRange{}, fmt.Errorf("%q is not a port (1-65535) or a range lo-hi", s)
	}
	return PortRange{uint16(a), uint16(b)}, nil
}

// action checks the action against the kind: deny for exec, exec_allow,
// open, connect and bind (the default), kill for syscall (the default).
func (l *loader) action(file, item string, n *yaml.Node, action string, p *Policy) {
	if p.Kind == 0 {
		return
	}
	def := ActionDeny
	if p.Kind == KindSyscall {
		def = ActionKill
	}
	switch Action(strings.ToLower(action)) {
	case "":
		p.Action = def
	case def:
		p.Action = def
	case ActionDeny, ActionKill:
		l.errorf(pos(file, n), item, "action %s does not apply to match.%s (it takes %s)", action, p.Kind, def)
	default:
		l.errorf(pos(file, n), item, "action: unknown action %q (want deny or kill)", action)
	}
}
