#!/usr/bin/env bash
# Build the pinned Ollama server (CPU only) into .tools/bin/ollama from the Go module proxy,
# and write the tiny test model into .tools/ollama-models/. Both are reused when present at
# the pinned version, so a second run takes a second or two.
#
#   bash tests/ollama/install.sh          # both
#   bash tests/ollama/install.sh ollama   # only the server
#   bash tests/ollama/install.sh model    # only the model (needs .venv with the test extra)
#
# The module zip of github.com/ollama/ollama leaves out three third-party headers its cgo
# code includes; they come from Debian (nlohmann-json3-dev, libstb-dev, installed when
# missing) and from the sdist of PyPI's miniaudio (header only, sha256-checked, kept in a
# user cache dir), and go on the include path through CGO_CPPFLAGS. No prebuilt binary is
# downloaded.
set -euo pipefail

OLLAMA_VERSION="0.17.4"
MINIAUDIO_VERSION="1.71"
MINIAUDIO_SHA256="ff51e2887bb673e2e757752b586b3dc924d59aa5fbcae9bbc45f4a111bd3262b"

root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"
# The extra include dir sits outside the checkout, at a path that depends only on the pinned
# version: CGO_CPPFLAGS is part of the Go build cache key of every cgo package, so a path inside
# the checkout would make each clone (CI's fresh one included) recompile llama.cpp from scratch.
inc="${PACKGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/packgate}/ollama-include/miniaudio-$MINIAUDIO_VERSION"
models="$root/.tools/ollama-models"
py="${PYTHON:-$root/.venv/bin/python}"
mkdir -p "$bin"

have_ollama() { # the client prints its own version even with no server (port 9 refuses at once)
  local out
  [ -x "$1" ] && out="$(OLLAMA_HOST=127.0.0.1:9 "$1" --version 2>&1)" \
    && grep -q "client version is $OLLAMA_VERSION\$" <<<"$out"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

debian_headers() {
  local missing=()
  [ -f /usr/include/nlohmann/json_fwd.hpp ] || missing+=(nlohmann-json3-dev)
  [ -f /usr/include/stb/stb_image.h ] || missing+=(libstb-dev)
  [ ${#missing[@]} -eq 0 ] && return
  echo "ollama: installing ${missing[*]} (headers the Go module zip leaves out)"
  command -v apt-get >/dev/null || { echo "ollama: needs ${missing[*]} (Debian packages)" >&2; exit 1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
    || { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

miniaudio_header() {
  [ -f "$inc/miniaudio/miniaudio.h" ] && return
  local sdist
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "ollama: fetching miniaudio.h from the miniaudio $MINIAUDIO_VERSION sdist (PyPI)"
  "$py" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    "miniaudio==$MINIAUDIO_VERSION" -d "$tmp" >/dev/null
  sdist="$tmp/miniaudio-$MINIAUDIO_VERSION.tar.gz"
  echo "$MINIAUDIO_SHA256  $sdist" | sha256sum --check --quiet -
  mkdir -p "$inc/miniaudio"
  tar --no-same-owner -xzf "$sdist" -C "$tmp" "miniaudio-$MINIAUDIO_VERSION/miniaudio/miniaudio.h"
  cp "$tmp/miniaudio-$MINIAUDIO_VERSION/miniaudio/miniaudio.h" "$inc/miniaudio/.miniaudio.h.$$"
  mv -f "$inc/miniaudio/.miniaudio.h.$$" "$inc/miniaudio/miniaudio.h"   # atomic: clones may run this at once
}

install_ollama() {
  if have_ollama "$bin/ollama"; then return; fi
  command -v go >/dev/null || { echo "ollama: Go is needed to build it (tested with Go 1.26)" >&2; exit 1; }
  command -v g++ >/dev/null || { echo "ollama: a C/C++ compiler is needed (gcc, g++)" >&2; exit 1; }
  debian_headers
  miniaudio_header
  echo "ollama $OLLAMA_VERSION: building with $(go version | cut -d' ' -f3), CPU only" \
    "(first run only: about 4 minutes, 1 with a warm Go build cache)"
  GOBIN="$bin" CGO_ENABLED=1 CGO_CPPFLAGS="-I$inc" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install -trimpath -ldflags "-X github.com/ollama/ollama/version.Version=$OLLAMA_VERSION" \
    "github.com/ollama/ollama@v$OLLAMA_VERSION"
  have_ollama "$bin/ollama" || { echo "ollama: built binary does not report $OLLAMA_VERSION" >&2; exit 1; }
}

install_model() {
  # The writer is deterministic (fixed seed) and skips a model whose stamp matches.
  "$py" -m tests.ollama.tinymodel --out "$models"
}

cd "$root"
case "${1:-all}" in
  ollama) install_ollama ;;
  model) install_model ;;
  all) install_ollama; install_model ;;
  *) echo "usage: $0 [ollama|model|all]" >&2; exit 2 ;;
esac
