# shellcheck shell=bash
# Shared by scripts/vigil and scripts/test: find or install what Vigil needs
# on a Debian machine. Sourced, not run.

VIGIL_GO_VERSION=${VIGIL_GO_VERSION:-1.26.8}

log() { printf '[vigil] %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		as_root apt-get update -qq
		apt_updated=1
	fi
	log "installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

go_ok() {
	local v
	v=$("$1" env GOVERSION 2>/dev/null) || return 1
	v=${v#go}
	[ "$(printf '%s\n%s\n' "1.26" "$v" | sort -V | head -1)" = "1.26" ]
}

# ensure_go sets GO to a Go >= 1.26. When none is installed it installs
# Debian's Go and uses it to fetch the Go toolchain, which the Go module
# proxy publishes as the module golang.org/toolchain.
ensure_go() {
	local c
	for c in "${GO:-}" go /usr/local/go/bin/go "$HOME/go/bin/go"; do
		[ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && go_ok "$c" && { GO=$(command -v "$c"); export GO; go_on_path; return 0; }
	done
	apt_install golang-go ca-certificates
	local arch mod dir
	arch=$(dpkg --print-architecture)
	mod="golang.org/toolchain@v0.0.1-go${VIGIL_GO_VERSION}.linux-${arch}"
	log "fetching Go ${VIGIL_GO_VERSION} ($mod)"
	dir=$(cd /tmp && GOFLAGS=-modcacherw GOTOOLCHAIN=local /usr/bin/go mod download -json "$mod" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	[ -f "$dir/bin/go" ] || { log "could not fetch the Go toolchain"; return 1; }
	# Module zips carry no file modes: make the toolchain's programs runnable.
	chmod -R a+x "$dir/bin" "$dir/pkg/tool"
	GO="$dir/bin/go"
	export GO
	go_on_path
}

# go_on_path puts $GO first on PATH: tests run `go build` and `go tool`.
go_on_path() {
	PATH="$(dirname "$GO"):$PATH"
	export PATH
}

VIGIL_HELM_VERSION=${VIGIL_HELM_VERSION:-v3.22.0}
# ensure_helm puts helm (which Debian does not package) on PATH, for the
# Helm chart's tests, building it from its Go module when missing (a few
# minutes the first time, cached after).
ensure_helm() {
	command -v helm >/dev/null 2>&1 && return 0
	local bin
	bin="$("$GO" env GOPATH)/bin"
	if [ ! -x "$bin/helm" ]; then
		log "building helm ${VIGIL_HELM_VERSION}"
		"$GO" install "helm.sh/helm/v3/cmd/helm@${VIGIL_HELM_VERSION}"
	fi
	PATH="$bin:$PATH"
	export PATH
}
