package kernel

import (
	"unsafe"

	"github.com/vigil-sec/vigil/internal/event"
)

// recycleMax bounds each free list: a few ring buffer batches' worth.
const recycleMax = 1024

// pool is a free list of one allocation type. Not safe for concurrent
// use: the decoder's goroutine owns it.
type pool[T any] struct{ free []*T }

// get returns a zeroed T, reused when one was put back.
func (p *pool[T]) get() *T {
	if n := len(p.free); n > 0 {
		a := p.free[n-1]
		p.free = p.free[:n-1]
		var zero T
		*a = zero
		return a
	}
	return new(T)
}

func (p *pool[T]) put(a *T) {
	if len(p.free) < recycleMax {
		p.free = append(p.free, a)
	}
}

// Recycle gives back the memory of an event Decode made, for a later
// Decode to reuse: the caller promises that nothing refers any more to
// ev, its Syscall, descriptor or arguments (an alert keeps an
// event.Copy). Open-family and generic system call events are reused;
// others, and events Decode did not make, are left to the collector.
func (d *Decoder) Recycle(ev *event.Event) {
	if ev == nil || ev.Syscall == nil {
		return
	}
	switch {
	case ev.Type.IsOpen():
		if madeAs(ev, unsafe.Offsetof(openAlloc{}.sc), unsafe.Offsetof(openAlloc{}.args)) {
			d.opens.put((*openAlloc)(unsafe.Pointer(ev)))
		}
	case ev.Type.IsMisc():
		if madeAs(ev, unsafe.Offsetof(miscAlloc{}.sc), unsafe.Offsetof(miscAlloc{}.args)) {
			d.miscs.put((*miscAlloc)(unsafe.Pointer(ev)))
		}
	}
}

// madeAs reports whether ev is the first field of an allocation whose
// Syscall and argument array are at offsets sc and args: its Syscall and
// its arguments' backing array are exactly there. Addresses are compared
// as integers, so no pointer outside ev's own object is made.
func madeAs(ev *event.Event, sc, args uintptr) bool {
	base := uintptr(unsafe.Pointer(ev))
	if uintptr(unsafe.Pointer(ev.Syscall)) != base+sc || cap(ev.Syscall.Args) == 0 {
		return false
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(ev.Syscall.Args))) == base+args
}
