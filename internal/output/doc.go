// Package output holds Vigil's sinks: where completed events and alerts
// are written. Event sinks (JSONEvents) implement pipeline.Sink; alert
// sinks implement engine.AlertSink. A slow or failing sink reports errors
// rather than panicking.
//
// # Formats
//
// A Formatter renders an alert as bytes: TextFormat (Falco's output
// line), JSONFormat (Falco's alert JSON, AppendFalcoJSON), or any append
// function through FormatterFunc (OCSF: FormatterFunc(ocsf.AppendDetectionFinding)).
// FalcoJSON, TextAlerts and Lines write one alert a line to a writer
// (stdout, stderr).
//
// # Outputs
//
// Every output that can block (a file, a syslog receiver, a webhook, a
// program, and stdout when it is a pipe) runs behind an Async: its own
// goroutine and a bounded queue (QueueSize, default 10000). The contract:
//
//   - WriteAlert never blocks detection, whatever the output does: with
//     the queue full the alert is dropped, and counted.
//   - No alert is lost silently: each is counted as Sent (handed over:
//     written, or acknowledged by the receiver where the transport has
//     acknowledgements), Failed (the sink gave up after its retries),
//     Dropped (queue full, or still queued when Close's drain timeout ran
//     out) or Filtered (below the output's minimum priority). Stats
//     returns the counters; drops and failures are also logged, at most
//     once per 10 s and kind for each output.
//   - Close stops taking alerts, delivers the queued ones within the
//     drain timeout (default 5 s) and closes the sink, cancelling any
//     request or backoff it is in.
//   - Async hands the *engine.Alert itself to its goroutine: neither the
//     alert nor its event may be modified after WriteAlert returns (the
//     detector never does).
//
// The sinks, each configured by a plain options struct:
//
//   - File (NewFile): one line per alert, one write(2) each, created
//     0600; size-based rotation to PATH.1 ... PATH.N; Reopen (SIGUSR1)
//     after logrotate's create or copytruncate.
//   - Syslog (NewSyslog): RFC 5424 (default on the network) or RFC 3164
//     (default on unix sockets, what local daemons parse natively) over
//     a unix datagram or stream socket, UDP, TCP or TLS, with RFC 6587
//     octet-counting framing on TCP and TLS. Falco's priorities are
//     syslog's severities (Emergency 0 ... Debug 7); the facility is
//     local0 unless set. The RFC 5424 structured data element carries
//     the rule, priority, source and tags. It reconnects with backoff;
//     on streams it checks that the receiver has not closed the
//     connection before each write, so a restarted receiver does not
//     swallow a message. UDP cannot know what is lost: a datagram to a
//     receiver that is down counts as sent (the port unreachable it draws
//     fails the next write, which counts as a retry).
//   - HTTP (NewHTTP): a POST per alert, by default Falco's alert JSON
//     with Content-Type application/json, which is what falcosidekick's
//     "/" endpoint takes; custom headers; TLS with a CA file, a client
//     certificate, or (for tests) no verification; per-request timeout;
//     connection errors, timeouts, 408, 425, 429 and 5xx retried with
//     exponential backoff up to MaxAttempts, other statuses failed at
//     once.
//   - Program (NewProgram): each alert as a line on a command's standard
//     input (sh -c), either one run per alert or, with KeepAlive, one
//     long-running process restarted (with backoff when it dies young)
//     whenever it exits; the program's output goes to the log.
//
// Retries happen inside the sinks and hold up only their own output: the
// alerts behind wait in the queue, and a receiver that comes back within
// the retries gets them all.
//
// A Set groups the outputs of an agent: their sinks for the detector,
// their Stats, Reopen and a Close that closes all at once.
package output
