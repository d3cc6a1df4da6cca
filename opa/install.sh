#!/usr/bin/env bash
# Build the pinned opa and regal binaries into .tools/bin with the Go toolchain.
# Skips a binary that is already there at the pinned version, and reuses an `opa`
# on PATH when it reports the pinned version (a symlink, so nothing is rebuilt).
set -euo pipefail

OPA_VERSION="v1.22.3"     # newest OPA 1.x that builds with this machine's Go (1.26)
REGAL_VERSION="v0.42.0"   # newest Regal release the module proxy serves here

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

have_version() { # $1 binary, $2 version (without v)
  [ -x "$1" ] && "$1" version 2>/dev/null | head -1 | grep -q "$2"
}

install_opa() {
  local want="${OPA_VERSION#v}"
  if have_version "$bin/opa" "$want"; then return; fi
  local onpath
  onpath="$(command -v opa || true)"
  if [ -n "$onpath" ] && [ "$onpath" != "$bin/opa" ] && have_version "$onpath" "$want"; then
    ln -sf "$onpath" "$bin/opa"
    echo "opa $want: using $onpath"
    return
  fi
  echo "opa $want: building with $(go version | cut -d' ' -f3) (first run only, a few minutes)"
  GOBIN="$bin" CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@$OPA_VERSION"
}

install_regal() {
  local want="${REGAL_VERSION#v}"
  if have_version "$bin/regal" "$want"; then return; fi
  local onpath
  onpath="$(command -v regal || true)"
  if [ -n "$onpath" ] && [ "$onpath" != "$bin/regal" ] && have_version "$onpath" "$want"; then
    ln -sf "$onpath" "$bin/regal"
    echo "regal $want: using $onpath"
    return
  fi
  echo "regal $want: building (first run only, a few minutes)"
  # Built through opa/regal/go.mod (which pins $REGAL_VERSION): `go install regal@v`
  # needs the proxy's version list for Regal, which is refused here.
  (cd "$root/opa/regal" && CGO_ENABLED=0 go build -trimpath -o "$bin/regal" github.com/open-policy-agent/regal)
}

case "${1:-all}" in
  opa) install_opa ;;
  regal) install_regal ;;
  all) install_opa; install_regal ;;
esac
