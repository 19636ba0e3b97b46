// Package ocsf renders Vigil's alerts and events in the Open
// Cybersecurity Schema Framework (OCSF), version 1.3.0, so that SIEMs and
// data lakes that speak OCSF (Amazon Security Lake, Splunk, Sentinel,
// Datadog...) ingest them without a mapping of their own. The mapping is
// documented for users in docs/ocsf.md.
//
// Contract:
//
//   - An alert (engine.Alert) is a Detection Finding (class_uid 2004,
//     category Findings, activity Create): finding_info.title is the rule,
//     finding_info.uid a stable hash of the alert, finding_info.analytic
//     the rule (type Rule), finding_info.attacks the MITRE ATT&CK tactics
//     and techniques the rule's tags name (mitre_*, T1059, T1059.004), the
//     other tags finding_info.types; severity_id follows the rule's
//     priority (PrioritySeverity); device is the host; actor the process
//     that acted; evidences[0] the triggering event (its process, file,
//     endpoints, container); resources the container and its pod; Falco's
//     priority, source, tags, output and output_fields, and the response
//     actions taken, are under unmapped. An alert that stands for repeated
//     ones (package aggregate's vigil.repeat.* output fields) also has
//     count, start_time and end_time.
//   - An event maps to the class of what happened: exec and clone to
//     Process Activity (1007) Launch, procexit to Terminate; the open
//     family and the file system calls to File System Activity (1001);
//     socket calls with an address to Network Activity (4001); module
//     loads to Kernel Extension Activity (1002); mprotect and mmap to
//     Memory Activity (1004); other calls to Process Activity (ptrace to
//     Open or Inject, setuid to Set User ID, kill with SIGKILL or SIGTERM
//     to Terminate, the rest to Other with the system call as
//     activity_name); a drop to the Base Event (0). Every event type has a
//     mapping (TypeUnknown excepted); an event's own details that OCSF has
//     no attribute for (its type, the system call's result and arguments)
//     are under unmapped.
//   - Every record has the attributes OCSF 1.3.0 requires of its class and
//     of every object in it (tests check them against a table taken from
//     the schema), with type_uid = class_uid*100 + activity_id, time in
//     milliseconds since the Unix epoch, and metadata naming the schema
//     version, the product (Vigil) and the profiles used (host, container,
//     linux/linux_users).
//   - Rendering appends one JSON object, without a newline, to the caller's
//     buffer. It is hand-written, without reflection, and allocates only
//     to grow the buffer, except to sort a drop's lost kinds, an alert's
//     tags when they are not sorted, and a finding's memfd observable.
//     Strings are escaped as
//     encoding/json escapes them without HTML escaping (invalid UTF-8
//     becomes U+FFFD).
//
// A Formatter holds no state and is safe for concurrent use; its
// AppendAlert method implements output.Formatter.
package ocsf
