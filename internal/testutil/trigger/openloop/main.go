// Command openloop opens files, for the tests of the fanotify enforcer:
// the listener allows its own process unasked, so the opens it must decide
// come from this child. It is a test tool, not part of the agent.
//
// Usage: openloop OP [ARG...]
//
//	touch PATH                       create PATH (an exec's side effect)
//	count N PATH                     open and close PATH N times
//	loop DURATION THREADS PATH...    open and close the PATHs in turn from
//	                                 THREADS threads for DURATION
//
// count and loop print one line, "opens=N denied=N errors=N ns=N": the
// opens done, how many failed with EPERM, how many failed otherwise, and
// the nanoseconds they took.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: openloop OP [ARG...]")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "openloop %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func run(op string, args []string) error {
	switch op {
	case "touch":
		if len(args) != 1 {
			return errors.New("want PATH")
		}
		return os.WriteFile(args[0], []byte("ran\n"), 0o644)
	case "count":
		if len(args) != 2 {
			return errors.New("want N PATH")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return err
		}
		var c counts
		start := time.Now()
		for range n {
			c.open(args[1])
		}
		c.print(time.Since(start))
		return nil
	case "loop":
		if len(args) < 3 {
			return errors.New("want DURATION THREADS PATH...")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil {
			return err
		}
		threads, err := strconv.Atoi(args[1])
		if err != nil {
			return err
		}
		paths := args[2:]
		var c counts
		var stop atomic.Bool
		var wg sync.WaitGroup
		start := time.Now()
		for t := range threads {
			wg.Go(func() {
				for i := t; !stop.Load(); i++ {
					c.open(paths[i%len(paths)])
				}
			})
		}
		time.Sleep(d)
		stop.Store(true)
		wg.Wait()
		c.print(time.Since(start))
		return nil
	}
	return fmt.Errorf("unknown op %q", op)
}

type counts struct {
	opens, denied, errors atomic.Int64
}

// open opens and closes path with bare system calls.
func (c *counts) open(path string) {
	c.opens.Add(1)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	switch {
	case err == nil:
		unix.Close(fd)
	case errors.Is(err, unix.EPERM):
		c.denied.Add(1)
	default:
		c.errors.Add(1)
	}
}

func (c *counts) print(d time.Duration) {
	fmt.Printf("opens=%d denied=%d errors=%d ns=%d\n", c.opens.Load(), c.denied.Load(), c.errors.Load(), d.Nanoseconds())
}
