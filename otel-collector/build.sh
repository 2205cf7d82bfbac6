#!/usr/bin/env bash
# Build sysagent's OpenTelemetry Collector distribution from manifest.yaml (or the
# manifest named as the first argument, e.g. manifest-hostmetrics.yaml) with the
# pinned OpenTelemetry Collector Builder, and cache the binary outside the checkout,
# keyed on the manifest's hash: a second run with the same manifest takes seconds.
#
# Prints the path of the binary on its last line. Environment:
#   SYSAGENT_CACHE   cache folder (default: ${XDG_CACHE_HOME:-~/.cache}/sysagent)
set -euo pipefail

BUILDER_VERSION=v0.161.0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SYSAGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sysagent}
manifest=$here/${1:-manifest.yaml}
[ -f "$manifest" ] || { echo "otelcol: no manifest $manifest" >&2; exit 1; }
name=$(sed -n 's/^  name: *//p' "$manifest" | head -n 1)
key=$( (cat "$manifest"; echo "$BUILDER_VERSION") | sha256sum | cut -c1-16)
out="$cache/otelcol-$key"
bin="$out/$name"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "otelcol: cached build $bin" >&2
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "otelcol: Go is not installed; it is needed to build the Collector" >&2; exit 1; }
gobin=$(go env GOPATH)/bin
builder="$gobin/builder-$BUILDER_VERSION"
if [ ! -x "$builder" ]; then
  echo "otelcol: installing the Collector builder $BUILDER_VERSION" >&2
  GOBIN="$cache/builder-tmp" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
  mkdir -p "$gobin"
  mv "$cache/builder-tmp/builder" "$builder"
fi

start=$(date +%s)
work="$out.tmp"
rm -rf "$work"
mkdir -p "$work"
sed "s#output_path: .*#output_path: $work/src#" "$manifest" > "$work/manifest.yaml"
echo "otelcol: building (cold builds take several minutes)" >&2
"$builder" --config "$work/manifest.yaml" >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  echo "otelcol: build failed; full log in $work/build.log" >&2
  exit 1
}
mkdir -p "$out"
mv "$work/src/$name" "$bin"
cp "$work/manifest.yaml" "$out/manifest.yaml"
rm -rf "$work"
echo "otelcol: built $bin in $(( $(date +%s) - start )) s" >&2
echo "$bin"
