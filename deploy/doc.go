// Package deploy holds no code: it is the home of Vigil's deployment files,
// and its tests check them.
//
// Contract:
//
//   - systemd/vigil.service is the agent's unit: `systemd-analyze verify`
//     accepts it without a warning, and `systemd-analyze security` rates
//     its exposure at most maxExposure (deploy_test.go).
//   - helm/vigil is the Kubernetes chart: `helm lint --strict` passes with
//     its default values and with testdata/full-values.yaml, and it renders.
//   - kubernetes/ is the chart rendered with its default values (release
//     and namespace "vigil"), one file per template, plus 00-namespace.yaml,
//     written by hand, and extras/, renderings with options turned on:
//     `go test ./deploy/... -update` regenerates them, and the tests fail
//     when they differ from what the chart renders.
//   - Every manifest parses; the DaemonSet runs `vigil run --config
//     /etc/vigil/vigil.yaml`, mounts every volume it declares (host paths
//     read-only), and every capability, in the unit and in the manifests,
//     is explained in docs/deployment.md; the ConfigMap's vigil.yaml is a
//     configuration package config accepts.
//   - container/Dockerfile builds the image the manifests run.
//
// The helm and systemd-analyze programs must be installed (scripts/test
// installs them); without them the tests that need them skip, or fail when
// VIGIL_REQUIRE_KERNEL=1.
package deploy
