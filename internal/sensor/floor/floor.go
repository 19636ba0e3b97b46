package floor

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/link"
)

// Floor is the do-nothing programs, loaded and attached.
type Floor struct {
	objs  floorObjects
	links []link.Link
}

// Start loads the do-nothing programs and attaches them to every system
// call entry and exit. The caller must Close the result.
func Start() (*Floor, error) {
	f := &Floor{}
	if err := loadFloorObjects(&f.objs, nil); err != nil {
		return nil, fmt.Errorf("floor: load BPF programs: %w", err)
	}
	for _, a := range []link.RawTracepointOptions{
		{Name: "sys_enter", Program: f.objs.FloorSysEnter},
		{Name: "sys_exit", Program: f.objs.FloorSysExit},
	} {
		l, err := link.AttachRawTracepoint(a)
		if err != nil {
			err = fmt.Errorf("floor: attach raw tracepoint %s: %w", a.Name, err)
			return nil, errors.Join(err, f.Close())
		}
		f.links = append(f.links, l)
	}
	return f, nil
}

// Close detaches the programs and releases them. It may be called more
// than once.
func (f *Floor) Close() error {
	var errs []error
	for _, l := range f.links {
		if err := l.Close(); err != nil {
			errs = append(errs, fmt.Errorf("floor: detach: %w", err))
		}
	}
	f.links = nil
	if err := f.objs.Close(); err != nil {
		errs = append(errs, fmt.Errorf("floor: release programs: %w", err))
	}
	return errors.Join(errs...)
}
