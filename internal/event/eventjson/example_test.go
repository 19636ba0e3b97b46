package eventjson_test

import (
	"fmt"
	"os"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/event/eventjson"
)

func Example() {
	ev := &event.Event{
		Time: time.Date(2025, 11, 23, 21, 11, 5, 0, time.UTC),
		Type: event.TypeProcExit,
		Host: "vm",
		Process: event.Process{PID: 4321, TID: 4321, PPID: 812, Name: "sleep", Exe: "/usr/bin/sleep",
			Args: []string{"sleep", "60"}, LoginUID: event.NoLoginUID},
		Exit: &event.Exit{Signal: 9},
	}
	enc := eventjson.NewEncoder(os.Stdout)
	if err := enc.Encode(ev); err != nil {
		panic(err)
	}
	if err := enc.Flush(); err != nil {
		panic(err)
	}

	back, err := eventjson.Decode(eventjson.Append(nil, ev))
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Type, back.Process.PID, back.Exit.Signal)
	// Output:
	// {"time":"2025-11-23T21:11:05Z","type":"procexit","host":"vm","process":{"pid":4321,"tid":4321,"ppid":812,"exec_id":"","name":"sleep","exe":"/usr/bin/sleep","args":["sleep","60"],"args_truncated":false,"cwd":"","uid":0,"gid":0,"euid":0,"egid":0,"loginuid":-1,"sid":0,"tty":0,"start_time":"0001-01-01T00:00:00Z","cgroup_id":0,"exe_upper_layer":false,"exe_from_memfd":false,"exe_deleted":false,"ancestors":[]},"exit":{"code":0,"signal":9,"core_dumped":false}}
	// procexit 4321 9
}
