package fields

import (
	"github.com/vigil-sec/vigil/internal/event"
)

func (c *Catalog) addUserFields() {
	names := c.names
	info := c.info

	c.add(spec{name: "user.uid", kind: KindUint,
		desc: "The effective user id of the process (Falco's user.uid is the euid: 0 for a setuid-root program whoever ran it).",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil {
				return 0, false
			}
			return uint64(p.EUID), true
		}}})
	c.add(spec{name: "user.name", kind: KindString,
		desc: "The name of user.uid, from the host's user database; <NA> when unknown.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			p := process(ev)
			if p == nil || names == nil {
				return "", false
			}
			return names.UserName(p.EUID)
		}}})

	homeShell := func(name, what string, get func(UserInfo, uint32) (string, bool)) {
		s := spec{name: name, kind: KindString, desc: "The " + what + " of user.uid, from the host's user database; <NA> when unknown."}
		if info == nil {
			s.unavailable = "the user database in use does not provide " + what + "s"
		} else {
			s.acc = Accessor{Str: func(ev *event.Event) (string, bool) {
				p := process(ev)
				if p == nil {
					return "", false
				}
				return get(info, p.EUID)
			}}
		}
		c.add(s)
	}
	homeShell("user.homedir", "home directory", UserInfo.HomeDir)
	homeShell("user.shell", "login shell", UserInfo.Shell)

	c.add(spec{name: "user.loginuid", kind: KindInt,
		desc: "The audit login uid (auid): the user who logged in, kept across su and sudo; -1 when unset.",
		acc: Accessor{Int: func(ev *event.Event) (int64, bool) {
			p := process(ev)
			if p == nil {
				return 0, false
			}
			if p.LoginUID == event.NoLoginUID {
				return -1, true
			}
			return int64(p.LoginUID), true
		}}})
	c.add(spec{name: "user.loginname", kind: KindString,
		desc: "The name of user.loginuid; <NA> when unset or unknown.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			p := process(ev)
			if p == nil || names == nil || p.LoginUID == event.NoLoginUID {
				return "", false
			}
			return names.UserName(p.LoginUID)
		}}})

	c.add(spec{name: "group.gid", kind: KindUint,
		desc: "The effective group id of the process (as Falco: the egid).",
		acc: Accessor{Uint: func(ev *event.Event) (uint64, bool) {
			p := process(ev)
			if p == nil {
				return 0, false
			}
			return uint64(p.EGID), true
		}}})
	c.add(spec{name: "group.name", kind: KindString,
		desc: "The name of group.gid, from the host's group database; <NA> when unknown.",
		acc: Accessor{Str: func(ev *event.Event) (string, bool) {
			p := process(ev)
			if p == nil || names == nil {
				return "", false
			}
			return names.GroupName(p.EGID)
		}}})
}
