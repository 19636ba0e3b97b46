package kernel

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/event"
)

// TestRecycle: a recycled event's memory is reused by the next Decode of
// its kind, which decodes exactly as a fresh decoder does (nothing of the
// previous event shows through); events of other kinds, copies and events
// Decode did not make are not taken.
func TestRecycle(t *testing.T) {
	const cwd = int32(unix.AT_FDCWD)
	open1 := openRecord(scOpenat2, 3, 7, unix.O_CREAT|unix.O_WRONLY, 0o644, "/tmp/a\x00", "a\x00tmp\x00", flagFDPath)
	open2 := openRecord(scOpen, -2, cwd, 0, 0, "b\x00", "tmp\x00", flagBasePath)
	misc1 := genericRecord(scMount, 0, [6]uint64{0, 0, 0, 5}, [4]uint64{}, [3]string{"/dev/sda1", "/mnt", "ext4"}, 0, 0)
	misc2 := genericRecord(scPrctl, 0, [6]uint64{3}, [4]uint64{}, [3]string{}, 0, 0)

	for _, tc := range []struct {
		name        string
		first, next []byte
	}{
		{"open", open1, open2},
		{"generic", misc1, misc2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testDecoder()
			ev, err := d.Decode(tc.first)
			if err != nil {
				t.Fatal(err)
			}
			d.Recycle(ev)
			again, err := d.Decode(tc.next)
			if err != nil {
				t.Fatal(err)
			}
			if again != ev {
				t.Error("the recycled event's memory was not reused")
			}
			fresh, err := testDecoder().Decode(tc.next)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, fresh) {
				t.Errorf("decoded into recycled memory:\n%+v\n%+v\nfresh:\n%+v\n%+v", again, again.Syscall, fresh, fresh.Syscall)
			}
		})
	}

	t.Run("not taken", func(t *testing.T) {
		d := testDecoder()
		ev, err := d.Decode(open1)
		if err != nil {
			t.Fatal(err)
		}
		d.Recycle(ev.Copy())
		d.Recycle(&event.Event{Type: event.TypeOpenat, Syscall: &event.Syscall{Args: make([]event.Arg, 1)}})
		d.Recycle(&event.Event{Type: event.TypeOpenat})
		d.Recycle(nil)
		mis, err := d.Decode(misc2)
		if err != nil {
			t.Fatal(err)
		}
		mis.Type = event.TypeOpenat // an open's type on another kind's memory
		d.Recycle(mis)
		if n := len(d.opens.free) + len(d.miscs.free); n != 0 {
			t.Errorf("%d foreign events taken", n)
		}
	})

	t.Run("bounded", func(t *testing.T) {
		d := testDecoder()
		for range recycleMax + 10 {
			ev, err := d.Decode(open1)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Recycle(ev)
		}
		t.Cleanup(func() {
			if n := len(d.opens.free); n != recycleMax {
				t.Errorf("%d kept, want %d", n, recycleMax)
			}
		})
	})
}
