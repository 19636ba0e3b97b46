package fanotify

import (
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"
)

// metadataLen is the size of struct fanotify_event_metadata (version 3):
// event_len u32, vers u8, reserved u8, metadata_len u16, mask u64, fd s32,
// pid s32.
const metadataLen = unix.FAN_EVENT_METADATA_LEN

// Parse errors. An event with errVersion can be skipped (its lengths are
// sane) but none of its other fields can be trusted; after errShort or
// errLength nothing more in the buffer can be.
var (
	errShort   = errors.New("fanotify event: truncated metadata")
	errLength  = errors.New("fanotify event: bad event_len")
	errMetaLen = errors.New("fanotify event: bad metadata_len")
	errVersion = errors.New("fanotify event: metadata version mismatch")
)

// rawEvent is the part of struct fanotify_event_metadata the listener uses.
type rawEvent struct {
	Mask uint64
	Fd   int32
	Pid  int32
}

// nextEvent decodes the event at the start of buf. It returns the event,
// the number of bytes it takes (the caller skips them) and an error when
// buf does not start with a usable event. With an error, n > 0 means that
// the event's lengths were sane and decoding may go on after it (its fd
// must not be touched: the layout is unknown), n == 0 that the rest of buf
// cannot be trusted. It never panics and never returns n > len(buf).
func nextEvent(buf []byte) (ev rawEvent, n int, err error) {
	if len(buf) < metadataLen {
		return ev, 0, errShort
	}
	eventLen := binary.NativeEndian.Uint32(buf[0:4])
	if eventLen < metadataLen || uint64(eventLen) > uint64(len(buf)) {
		return ev, 0, errLength
	}
	n = int(eventLen)
	if buf[4] != unix.FANOTIFY_METADATA_VERSION {
		return ev, n, errVersion
	}
	metaLen := binary.NativeEndian.Uint16(buf[6:8])
	if metaLen < metadataLen || uint32(metaLen) > eventLen {
		return ev, n, errMetaLen
	}
	ev.Mask = binary.NativeEndian.Uint64(buf[8:16])
	ev.Fd = int32(binary.NativeEndian.Uint32(buf[16:20]))
	ev.Pid = int32(binary.NativeEndian.Uint32(buf[20:24]))
	return ev, n, nil
}

// parseEvents calls fn for every well-formed event in buf, in order, and
// bad for every malformed one (bad may be nil). It stops at the first
// error after which the buffer cannot be trusted. It returns the number of
// events given to fn and the number of errors.
func parseEvents(buf []byte, fn func(rawEvent), bad func(error)) (events, errs int) {
	for len(buf) > 0 {
		ev, n, err := nextEvent(buf)
		if err != nil {
			errs++
			if bad != nil {
				bad(err)
			}
			if n == 0 {
				return events, errs
			}
			buf = buf[n:]
			continue
		}
		buf = buf[n:]
		events++
		fn(ev)
	}
	return events, errs
}
