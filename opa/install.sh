#!/usr/bin/env bash
# Build the pinned opa and regal binaries into .tools/bin with the Go toolchain.
# Skips a binary that is already there at the pinned version, and reuses one on PATH
# that reports the pinned version (a symlink, so nothing is rebuilt).
set -euo pipefail

OPA_VERSION="v1.22.3"     # newest OPA 1.x that builds with this machine's Go (1.26)
REGAL_VERSION="v0.42.0"   # newest Regal release the module proxy serves here (pinned in opa/regal/go.mod)

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

have_version() { # $1 binary, $2 version (without v); no pipe into head: pipefail + SIGPIPE
  local out
  [ -x "$1" ] && out="$("$1" version 2>/dev/null)" && grep -q "^Version: *v\?$2\$" <<<"$out"
}

build_opa() {
  GOBIN="$bin" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@$OPA_VERSION"
}

build_regal() {
  # `go install regal@version` needs the proxy's version list for Regal, which is refused
  # here, so the build goes through opa/regal/go.mod, which pins the same version.
  # -X stamps the version so `regal version` reports it and later runs skip the build.
  (cd "$root/opa/regal" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X github.com/open-policy-agent/regal/pkg/version.Version=$REGAL_VERSION" \
    -o "$bin/regal" github.com/open-policy-agent/regal)
}

install_tool() { # $1 name, $2 pinned version
  local name="$1" want="${2#v}" onpath
  if have_version "$bin/$name" "$want"; then return; fi
  onpath="$(command -v "$name" || true)"
  if [ -n "$onpath" ] && [ "$onpath" != "$bin/$name" ] && have_version "$onpath" "$want"; then
    ln -sf "$onpath" "$bin/$name"
    echo "$name $want: using $onpath"
    return
  fi
  command -v go >/dev/null || { echo "$name $want: Go is needed to build it (tested with Go 1.26)" >&2; exit 1; }
  echo "$name $want: building with $(go version | cut -d' ' -f3) (first run only, a minute or two)"
  "build_$name"
}

case "${1:-all}" in
  opa) install_tool opa "$OPA_VERSION" ;;
  regal) install_tool regal "$REGAL_VERSION" ;;
  all) install_tool opa "$OPA_VERSION"; install_tool regal "$REGAL_VERSION" ;;
esac
