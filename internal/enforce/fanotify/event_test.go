package fanotify

import (
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// ev encodes one event: length is event_len (0: 24), meta metadata_len
// (0: 24), vers the version (0: current); extra bytes pad the event to
// length.
type evSpec struct {
	length, meta uint32
	vers         uint8
	mask         uint64
	fd, pid      int32
}

func encode(specs ...evSpec) []byte {
	var b []byte
	for _, s := range specs {
		if s.length == 0 {
			s.length = metadataLen
		}
		if s.meta == 0 {
			s.meta = metadataLen
		}
		if s.vers == 0 {
			s.vers = unix.FANOTIFY_METADATA_VERSION
		}
		e := make([]byte, max(int(s.length), metadataLen))
		binary.NativeEndian.PutUint32(e[0:], s.length)
		e[4] = s.vers
		binary.NativeEndian.PutUint16(e[6:], uint16(s.meta))
		binary.NativeEndian.PutUint64(e[8:], s.mask)
		binary.NativeEndian.PutUint32(e[16:], uint32(s.fd))
		binary.NativeEndian.PutUint32(e[20:], uint32(s.pid))
		b = append(b, e...)
	}
	return b
}

func TestParseEvents(t *testing.T) {
	open := evSpec{mask: unix.FAN_OPEN_PERM, fd: 5, pid: 42}
	exec := evSpec{mask: unix.FAN_OPEN_EXEC_PERM, fd: 6, pid: 43}
	tests := []struct {
		name string
		buf  []byte
		want []rawEvent
		errs []error
	}{
		{name: "empty"},
		{name: "one", buf: encode(open), want: []rawEvent{{unix.FAN_OPEN_PERM, 5, 42}}},
		{name: "two", buf: encode(open, exec), want: []rawEvent{{unix.FAN_OPEN_PERM, 5, 42}, {unix.FAN_OPEN_EXEC_PERM, 6, 43}}},
		{
			name: "info records skipped",
			buf:  encode(evSpec{length: 40, mask: unix.FAN_OPEN_PERM, fd: 7, pid: 1}, open),
			want: []rawEvent{{unix.FAN_OPEN_PERM, 7, 1}, {unix.FAN_OPEN_PERM, 5, 42}},
		},
		{
			name: "overflow",
			buf:  encode(evSpec{mask: unix.FAN_Q_OVERFLOW, fd: unix.FAN_NOFD}),
			want: []rawEvent{{unix.FAN_Q_OVERFLOW, unix.FAN_NOFD, 0}},
		},
		{name: "short header", buf: encode(open)[:23], errs: []error{errShort}},
		{name: "truncated tail", buf: encode(open, exec)[:30], want: []rawEvent{{unix.FAN_OPEN_PERM, 5, 42}}, errs: []error{errShort}},
		{name: "event_len zero", buf: encode(evSpec{length: 1})[:24], errs: []error{errLength}},
		{name: "event_len past buffer", buf: encode(evSpec{length: 48})[:40], errs: []error{errLength}},
		{
			name: "event_len huge",
			buf:  func() []byte { b := encode(open); binary.NativeEndian.PutUint32(b, 0xffffffff); return b }(),
			errs: []error{errLength},
		},
		{
			name: "version mismatch skipped",
			buf:  encode(evSpec{vers: 2, mask: unix.FAN_OPEN_PERM, fd: 9}, exec),
			want: []rawEvent{{unix.FAN_OPEN_EXEC_PERM, 6, 43}},
			errs: []error{errVersion},
		},
		{
			name: "metadata_len short",
			buf:  encode(evSpec{meta: 8, mask: unix.FAN_OPEN_PERM, fd: 9}, exec),
			want: []rawEvent{{unix.FAN_OPEN_EXEC_PERM, 6, 43}},
			errs: []error{errMetaLen},
		},
		{
			name: "metadata_len past event",
			buf:  encode(evSpec{meta: 32, mask: unix.FAN_OPEN_PERM, fd: 9}),
			errs: []error{errMetaLen},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []rawEvent
			var errs []error
			n, ne := parseEvents(tt.buf, func(ev rawEvent) { got = append(got, ev) }, func(err error) { errs = append(errs, err) })
			if n != len(got) || ne != len(errs) {
				t.Errorf("counts %d, %d; callbacks %d, %d", n, ne, len(got), len(errs))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			for i := range errs {
				if !errors.Is(errs[i], tt.errs[i]) {
					t.Errorf("error %d = %v, want %v", i, errs[i], tt.errs[i])
				}
			}
		})
	}
}

func TestParseEventsAllocs(t *testing.T) {
	buf := encode(evSpec{mask: unix.FAN_OPEN_PERM, fd: 5, pid: 42}, evSpec{mask: unix.FAN_OPEN_PERM, fd: 6, pid: 42})
	var sum int32
	allocs := testing.AllocsPerRun(100, func() {
		parseEvents(buf, func(ev rawEvent) { sum += ev.Fd }, nil)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per parse", allocs)
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add(encode(evSpec{mask: unix.FAN_OPEN_PERM, fd: 5, pid: 42}))
	f.Add(encode(evSpec{length: 40, mask: unix.FAN_OPEN_EXEC_PERM, fd: 5, pid: 42}, evSpec{vers: 9}))
	f.Add(encode(evSpec{meta: 4}, evSpec{})[:30])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, buf []byte) {
		for b := buf; len(b) > 0; {
			_, n, err := nextEvent(b)
			if n < 0 || n > len(b) || (err == nil && n < metadataLen) {
				t.Fatalf("n = %d of %d, err %v", n, len(b), err)
			}
			if n == 0 {
				if err == nil {
					t.Fatal("no progress without error")
				}
				break
			}
			b = b[n:]
		}
		events, errs := parseEvents(buf, func(rawEvent) {}, nil)
		if events+errs > len(buf)/metadataLen+1 {
			t.Fatalf("%d events and %d errors from %d bytes", events, errs, len(buf))
		}
	})
}

func TestParseTgid(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t1234\nNgid:\t0\n", 1234},
		{"Name:\tTgid:\t9\nTgid:\t77\n", 77},
		{"Name:\tx\nTgid:\t", 0},
		{"Name:\tx\nTgid:\t12", 0}, // maybe cut short
		{"Name:\tx\nTgid:\tabc\n", 0},
		{"Name:\tx\nTgid:\t99999999999999999999\n", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := parseTgid([]byte(tt.in)); got != tt.want {
			t.Errorf("parseTgid(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestMarkFlags(t *testing.T) {
	tests := []struct {
		m       Mark
		flags   uint
		mask    uint64
		wantErr bool
	}{
		{Mark{"/x", MarkInode, AccessOpen}, unix.FAN_MARK_INODE, unix.FAN_OPEN_PERM | unix.FAN_ONDIR, false},
		{Mark{"/x", MarkDirChildren, AccessExec}, unix.FAN_MARK_ONLYDIR, unix.FAN_OPEN_EXEC_PERM | unix.FAN_EVENT_ON_CHILD, false},
		{Mark{"/x", MarkMount, AccessOpen | AccessExec}, unix.FAN_MARK_MOUNT, unix.FAN_OPEN_PERM | unix.FAN_OPEN_EXEC_PERM, false},
		{Mark{"/x", MarkFilesystem, AccessOpen}, unix.FAN_MARK_FILESYSTEM, unix.FAN_OPEN_PERM, false},
		{m: Mark{"", MarkInode, AccessOpen}, wantErr: true},
		{m: Mark{"/x", MarkInode, 0}, wantErr: true},
		{m: Mark{"/x", MarkInode, 4}, wantErr: true},
		{m: Mark{"/x", 9, AccessOpen}, wantErr: true},
	}
	for _, tt := range tests {
		flags, mask, err := tt.m.flags()
		if (err != nil) != tt.wantErr || flags != tt.flags || mask != tt.mask {
			t.Errorf("%+v: flags 0x%x mask 0x%x err %v; want 0x%x 0x%x err %v", tt.m, flags, mask, err, tt.flags, tt.mask, tt.wantErr)
		}
	}
}
