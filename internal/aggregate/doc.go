// Package aggregate is alert flood control: a repeated identical alert is
// counted, not forwarded again, and reported once with its count and the
// times of the first and last repeat. Nothing is discarded without being
// counted and reported.
//
// An Aggregator is an engine.AlertSink that wraps another (the outputs).
//
// Contract:
//
//   - Two alerts are identical when they have the same rule, the same
//     rendered message (engine.Alert.Message: the output without its time
//     prefix) and the same hostname.
//   - The first alert of a key is forwarded at once and opens a window of
//     Options.Window from its time. Identical alerts whose time falls in
//     the window are counted instead of forwarded (Stats.Aggregated).
//   - When the window closes, if alerts were counted, one summary alert is
//     forwarded: the rule, priority, source, tags, hostname, actions and
//     event of the last counted alert, the message followed by
//     " (repeated N times between FIRST and LAST)" ("1 time" for one; N
//     counted alerts, the
//     times of the first and last of them in RFC 3339, UTC), and the output
//     fields followed by vigil.repeat.count (uint64, N), vigil.repeat.first
//     and vigil.repeat.last (uint64, nanoseconds since the Unix epoch).
//     Its time is that of the last counted alert. A window in which nothing
//     was counted closes silently. The next identical alert is forwarded
//     and opens a new window.
//   - Windows close by alert time: each alert first closes the windows
//     that ended at or before its time, and Tick(now) closes those that
//     ended at or before now (the caller runs it periodically with the
//     wall clock, so that a flood that stops is still reported). Close
//     reports every open window, then flushes. Flush flushes the wrapped
//     sink and, when Options.Now is set, first ticks with it.
//   - At most Options.MaxKeys windows are open. Opening one more first
//     closes the oldest early, reporting its count (Stats.Evicted).
//   - Every alert is either forwarded (Stats.Passed) or counted
//     (Stats.Aggregated), and after Close every counted alert is reported
//     in exactly one summary (Stats.Summaries).
//   - The Aggregator does not modify the alerts it is given. It is safe
//     for concurrent use: calls to the wrapped sink are serialized, so the
//     wrapped sink sees one call at a time even when Tick runs from
//     another goroutine.
//
// Place it after the response stage (respond.Actor), in front of the
// outputs only: actions run for every alert, flood control only spares
// the outputs. Fanout puts one Aggregator in front of several outputs.
package aggregate
