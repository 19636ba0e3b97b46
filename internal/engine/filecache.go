package engine

import "github.com/vigil-sec/vigil/internal/event"

// FileCacheMax bounds the files a FileCache remembers; when it is full
// it starts again empty.
const FileCacheMax = 16384

// fileVerdict is the candidates for one file, one event type, one
// descriptor type and one outcome: what a rule's verdict on a file depends
// on besides the path (see fileField; the fd fields read fd.num's sign).
type fileVerdict struct {
	typ    event.Type
	fdType event.FDType
	ok     bool
	rules  []*Rule
}

// FileCache remembers, per open-family event type and file, which of the
// type's rules could match an open of that file whatever the process,
// flags or result (the rules FileVerdict would not rule out). An open of
// a file seen before is then tested only against those rules, usually
// none: hosts open the same libraries, locales and configuration files
// over and over. It belongs to one Engine; Eval with another starts it
// again empty. Not safe for concurrent use: a Detector owns one.
type FileCache struct {
	engine *Engine
	// by path: usually one verdict (one open type, one outcome)
	m            map[string][]fileVerdict
	n            int // verdicts in m
	hits, misses uint64
}

// Stats returns the lookups that found the file and those that did not.
func (c *FileCache) Stats() (hits, misses uint64) { return c.hits, c.misses }

// fileRules returns the rules of byType[ev.Type] that could match ev's
// file, from c or by evaluating them with only the file known.
func (e *Engine) fileRules(ev *event.Event, c *FileCache) []*Rule {
	if c.engine != e || c.m == nil {
		c.engine, c.m, c.n = e, make(map[string][]fileVerdict), 0
	}
	fd := ev.Syscall.FD
	ok := fd.Num >= 0
	vs := c.m[fd.Name]
	for i := range vs {
		if v := &vs[i]; v.typ == ev.Type && v.fdType == fd.Type && v.ok == ok {
			c.hits++
			return v.rules
		}
	}
	c.misses++
	var rs []*Rule
	for _, r := range e.byType[ev.Type] {
		if r.filePossible == nil || r.filePossible(ev) {
			rs = append(rs, r)
		}
	}
	if c.n >= FileCacheMax {
		clear(c.m)
		c.n, vs = 0, nil
	}
	c.m[fd.Name] = append(vs, fileVerdict{typ: ev.Type, fdType: fd.Type, ok: ok, rules: rs})
	c.n++
	return rs
}
