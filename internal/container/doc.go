// Package container tells which container a process runs in and what is
// known about that container. It is pure Go: it reads files (cgroup paths
// handed to it, runtime state directories through an fs.FS) and needs
// neither root in its tests nor eBPF. The Docker source talks HTTP over a
// unix socket, the CRI source gRPC; their tests serve one in a temporary
// directory (and a kernel test runs real containerd pods).
//
// Contract:
//
//   - ParseCgroup names the container of a cgroup path (v1 or v2) for
//     docker, containerd/CRI, CRI-O, podman and runc with either cgroup
//     driver; it returns a substring of the path and never allocates.
//     ParsePodUID names the Kubernetes pod of a kubepods path.
//     CgroupMatcher adds configured prefixes below which every cgroup is a
//     container. For the cgroupfs driver only 64-hex ids (or ids below a
//     configured prefix) count, so that host cgroups such as user.slice,
//     session-N.scope, init.scope or docker.service never do.
//   - OCISource reads the state directories runc (state.json) and crun
//     (status) keep, and the bundle config.json each one points to (crun's
//     copy in its state directory when the bundle has none): creation time,
//     annotations (CRI, CRI-O, nerdctl, OCI image and the Vigil-neutral
//     vigil.container.name / vigil.container.image), mounts and whether the
//     container is privileged (Privileged documents the rule). Malformed
//     files give errors naming the file; nothing panics on bad input.
//     Image references split into repository, tag and digest without
//     normalisation (SplitImage). Docker's own names and image references
//     live in the docker daemon, not in these files: docker containers get
//     mounts, labels and privilege, but no Name or Image, from this source.
//   - DockerSource asks the Docker Engine API over its unix socket
//     (unversioned GET /containers/{id}/json, /containers/json, and
//     /images/{id}/json for the repository digest) with net/http only:
//     name, image reference, labels, mounts, creation time, privilege
//     (HostConfig.Privileged or --cap-add ALL) and, for dockershim
//     containers, the pod from the io.kubernetes.pod.* labels
//     (DescribeDocker). A 404 is ErrNotFound; bodies are bounded
//     (DockerOptions.MaxResponseBytes), every request by the caller's
//     context and DockerOptions.Timeout; errors name the socket and path.
//     DetectDocker tells whether a daemon answers GET /_ping on a socket.
//   - CRISource asks the Kubernetes CRI (runtime.v1) that containerd and
//     CRI-O serve on a unix socket, over gRPC: ContainerStatus (verbose:
//     the runtime spec gives privilege and, when the status has none,
//     mounts), PodSandboxStatus (pod metadata and labels) and ImageStatus
//     (names an image known only by its id). gRPC NotFound is ErrNotFound;
//     every call is bounded by CRIOptions.Timeout; a malformed verbose
//     info only loses what it would have added (DescribeCRI). A sandbox id
//     describes the pod's infrastructure container. DetectCRI tells which
//     runtime answers Version on a socket.
//   - DetectSources looks for every source at the default places (or
//     those DetectOptions names) and combines the available ones, CRI
//     first, then Docker, then the OCI state, reporting each endpoint it
//     looked for (used or not, and why not) for the start-up log and
//     vigil doctor. Sources.Close closes the CRI connections.
//   - MultiSource combines sources: Fetch asks all of them and merges the
//     successes in source order, the first success winning conflicts and
//     later ones filling only what it lacks (Merge documents the rule per
//     field); ErrNotFound only when every source said not found. List
//     concatenates the lists, one merged entry per id.
//   - Cache holds one *event.Container per id: what the cgroup path says
//     (ID, Runtime, Pod.UID) until a Source has described it, then the
//     metadata (MetadataKnown). Fetches run on worker goroutines; Lookup
//     waits at most CacheOptions.MaxWait, and only for an id it has never
//     seen. A miss is refetched at most every RetryInterval. The cache is
//     bounded (least recently used out first). Discover preloads the
//     containers that exist at start. Published containers are shared
//     between events and never modified: new metadata replaces the pointer.
//   - Enricher (a pipeline stage) sets Event.Process.ContainerID and
//     Event.Container from the process's cgroup v2 path, else its v1 path,
//     else its namespaces: a process whose pid namespace (or, when pid
//     namespaces are unknown, mount namespace) differs from the host's is
//     in a container of runtime "unknown" with id "mntns-<inode>" (or
//     "pidns-<inode>" when the mount namespace is unknown); such ids are
//     stable for the container's life and never fetched. A host event gets
//     ContainerID "" and Container nil. Ancestors are left alone. Parsed
//     cgroup paths are memoised, so a known path costs a map lookup and no
//     allocation.
//   - Runtime names are docker, containerd, cri-o, podman, runc (any other
//     OCI runtime use, crun included) and unknown. The cgroup path's
//     runtime is a guess for a bare id below kubepods (containerd); the
//     metadata's runtime, when it says one (CRI-O annotations, podman's
//     io.container.manager, CRI annotations, a containerd or docker state
//     root), wins.
//
// Concurrency: ParseCgroup, ParsePodUID, CgroupMatcher, OCISource,
// DockerSource and CRISource are safe for concurrent use, and so is a MultiSource of
// such sources. Cache methods may be called from any goroutine.
// An Enricher must be used from one goroutine (the pipeline's).
//
// Lifecycle: NewCache -> Start(ctx) -> Close(); Close works without Start.
//
// The package keeps no state outside the values it returns.
package container
