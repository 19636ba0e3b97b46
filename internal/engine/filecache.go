package engine

import "github.com/vigil-sec/vigil/internal/event"

// FileCacheMax bounds the files a FileCache remembers; when it is full
// it starts again empty.
const FileCacheMax = 16384

// fileKey is what a rule's verdict on a file depends on (see fileField):
// the event type, and the descriptor's path, type and whether the call
// created it (the fd fields read fd.num's sign).
type fileKey struct {
	typ    event.Type
	fdType event.FDType
	ok     bool
	name   string
}

// FileCache remembers, per open-family event type and file, which of the
// type's rules could match an open of that file whatever the process,
// flags or result (the rules FileVerdict would not rule out). An open of
// a file seen before is then tested only against those rules, usually
// none: hosts open the same libraries, locales and configuration files
// over and over. It belongs to one Engine; Eval with another starts it
// again empty. Not safe for concurrent use: a Detector owns one.
type FileCache struct {
	engine       *Engine
	m            map[fileKey][]*Rule
	hits, misses uint64
}

// Stats returns the lookups that found the file and those that did not.
func (c *FileCache) Stats() (hits, misses uint64) { return c.hits, c.misses }

// fileRules returns the rules of byType[ev.Type] that could match ev's
// file, from c or by evaluating them with only the file known.
func (e *Engine) fileRules(ev *event.Event, c *FileCache) []*Rule {
	if c.engine != e || c.m == nil {
		c.engine, c.m = e, make(map[fileKey][]*Rule)
	}
	fd := ev.Syscall.FD
	k := fileKey{typ: ev.Type, fdType: fd.Type, ok: fd.Num >= 0, name: fd.Name}
	if rs, ok := c.m[k]; ok {
		c.hits++
		return rs
	}
	c.misses++
	var rs []*Rule
	for _, r := range e.byType[ev.Type] {
		if r.filePossible == nil || r.filePossible(ev) {
			rs = append(rs, r)
		}
	}
	if len(c.m) >= FileCacheMax {
		clear(c.m)
	}
	c.m[k] = rs
	return rs
}
