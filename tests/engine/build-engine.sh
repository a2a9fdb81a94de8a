#!/usr/bin/env bash
# Builds a Pulumi engine from Go modules, for tests on machines where the
# Pulumi installer cannot run (it downloads release archives). Users install
# the CLI the normal way; this is test tooling only.
#
# Builds into $PULUMI_ENGINE_CACHE/<versions>/bin (default cache:
# $REPO/.cache/pulumi-engine):
#   pulumi                      github.com/pulumi/pulumi/pkg/v3
#   pulumi-language-nodejs      github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
#   pulumi-resource-kubernetes  github.com/pulumi/pulumi-kubernetes/provider/v4
#   pulumi-resource-random      github.com/pulumi/pulumi-random/provider/v4
# at the versions package-lock.json pins for @pulumi/pulumi, @pulumi/kubernetes
# and @pulumi/random, so the engine and the SDKs agree.
#
# The last line of stdout is the absolute bin directory, and nothing else goes
# to stdout:   PATH="$(bash tests/engine/build-engine.sh | tail -1):$PATH"
# A second run with the same versions only checks stamps and returns.
#
# Options:
#   --self-test   afterwards, run `pulumi up` on a throwaway project in a temp
#                 dir (local backend, YAML rendering, no cluster).
# Environment:
#   PULUMI_ENGINE_CACHE        cache root (Go module and build caches live here too).
#   PULUMI_ENGINE_SUBSTITUTES  =1: where the module proxy refuses an exact
#                 version, build the nearest version it serves instead (see
#                 substitute_* below) and leave out what has none. The bin dir
#                 name then ends in -substitutes. Off by default, because a
#                 mismatched engine can pass or fail tests for the wrong reason.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SELF_TEST=0
for arg in "$@"; do
  case "$arg" in
    --self-test) SELF_TEST=1 ;;
    *) echo "usage: $0 [--self-test]" >&2; exit 2 ;;
  esac
done

log() { echo "build-engine: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH"
# node reads package-lock.json and the schema files below; the same helper CI uses.
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/node22.sh
source "$REPO/scripts/node22.sh" >&2

versions="$(node -e '
  const lock = require(process.argv[1]);
  const v = (n) => {
    const p = (lock.packages || {})["node_modules/@pulumi/" + n];
    if (!p || !p.version) throw new Error("package-lock.json has no node_modules/@pulumi/" + n);
    return p.version;
  };
  console.log(v("pulumi"), v("kubernetes"), v("random"));
' "$REPO/package-lock.json")"
read -r PULUMI_VERSION K8S_VERSION RANDOM_VERSION <<<"$versions"

SUBSTITUTES="${PULUMI_ENGINE_SUBSTITUTES:-0}"
CACHE="${PULUMI_ENGINE_CACHE:-$REPO/.cache/pulumi-engine}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
ENGINE_DIR="$CACHE/pulumi-$PULUMI_VERSION-kubernetes-$K8S_VERSION-random-$RANDOM_VERSION"
[ "$SUBSTITUTES" = 1 ] && ENGINE_DIR="$ENGINE_DIR-substitutes"
BIN="$ENGINE_DIR/bin"
STAMPS="$ENGINE_DIR/stamps"
mkdir -p "$BIN" "$STAMPS"

# Shared by all versions, so a version bump recompiles only what changed.
# -modcacherw: the module cache is otherwise read-only and `rm -rf` of the
# cache dir fails. -trimpath: no local paths in binaries or their panics.
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build"
export GOFLAGS="-trimpath -modcacherw -buildvcs=false"
# Components are built one after another; each `go build` already uses every
# core (-p defaults to GOMAXPROCS = nproc). Building them side by side only
# adds memory pressure: one package of the kubernetes Go SDK alone takes
# about 2.5 GB to compile.

# Fast path: this engine was built, by this version of the script, and is whole.
if [ "$SELF_TEST" = 0 ] && [ -f "$ENGINE_DIR/manifest.txt" ] &&
  [ "$ENGINE_DIR/manifest.txt" -nt "${BASH_SOURCE[0]}" ]; then
  whole=1
  while read -r bin _; do [ -x "$BIN/$bin" ] || whole=0; done <"$ENGINE_DIR/manifest.txt"
  if [ "$whole" = 1 ]; then
    log "up to date: $ENGINE_DIR"
    echo "$BIN"
    exit 0
  fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Module queries outside any go.mod, whatever directory we were started from.
cd "$WORK"

# --- resolving module versions -------------------------------------------

# Prints the module version to ask the proxy for, or fails.
# pkg/v3 and sdk/v3 carry their own tags (pkg/v3.x.y); the other modules live
# in sub-directories of repositories tagged only at the root (v4.34.2), so the
# proxy has no semver version for them and they have to be asked for by
# commit. The root of those repositories has no go.mod, so the proxy serves
# root tags as <tag>+incompatible, whose .info names the tag's commit.
resolve() {
  local module="$1" tag="$2" repo_root="$3" hash
  if go list -m -f '{{.Version}}' "$module@$tag" 2>>"$WORK/resolve.err"; then return 0; fi
  [ -n "$repo_root" ] || return 1
  hash="$(go list -m -json "$repo_root@$tag+incompatible" 2>>"$WORK/resolve.err" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).Origin.Hash)}catch{}})')" || true
  [ -n "$hash" ] || return 1
  go list -m -f '{{.Version}}' "$module@$hash" 2>>"$WORK/resolve.err"
}

# Each component sets: C_BIN C_MODULE C_REV C_PKG C_SIBLING C_LDFLAGS C_TAGS
# C_CGO C_PREPARE C_LABEL. C_SIBLING is the version that stands in for
# replace directives pointing into the same repository (../sdk), which a
# module zip cannot contain.
component_pulumi() {
  C_BIN=pulumi C_MODULE=github.com/pulumi/pulumi/pkg/v3 C_PKG=cmd/pulumi
  C_REV="$(resolve "$C_MODULE" "v$PULUMI_VERSION" "")" || return 1
  C_SIBLING="v$PULUMI_VERSION" C_LABEL="$PULUMI_VERSION"
  # Same version variable, tags and stripping as upstream's release build.
  C_LDFLAGS="-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
  C_TAGS=osusergo,grpcnotrace C_CGO="" C_PREPARE=""
}
component_nodejs() {
  C_BIN=pulumi-language-nodejs C_PKG=.
  C_MODULE=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  C_REV="$(resolve "$C_MODULE" "v$PULUMI_VERSION" github.com/pulumi/pulumi)" || return 1
  C_SIBLING="v$PULUMI_VERSION" C_LABEL="$PULUMI_VERSION"
  C_LDFLAGS="-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
  C_TAGS=osusergo,grpcnotrace C_CGO="" C_PREPARE=""
}
component_kubernetes() {
  C_BIN=pulumi-resource-kubernetes C_PKG=cmd/pulumi-resource-kubernetes
  C_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
  C_REV="$(resolve "$C_MODULE" "v$K8S_VERSION" github.com/pulumi/pulumi-kubernetes)" || return 1
  C_SIBLING="v$K8S_VERSION" C_LABEL="$K8S_VERSION"
  C_LDFLAGS="-w -s -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION"
  C_TAGS="" C_CGO=0 C_PREPARE=prepare_kubernetes
}
component_random() {
  C_BIN=pulumi-resource-random C_PKG=cmd/pulumi-resource-random
  C_MODULE=github.com/pulumi/pulumi-random/provider/v4
  C_REV="$(resolve "$C_MODULE" "v$RANDOM_VERSION" github.com/pulumi/pulumi-random)" || return 1
  C_SIBLING="v$RANDOM_VERSION" C_LABEL="$RANDOM_VERSION"
  C_LDFLAGS="-w -s -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$RANDOM_VERSION"
  C_TAGS="" C_CGO=0 C_PREPARE=""
}

# Substitutes: the nearest versions the module proxy available here serves
# (checked 2026-12). Pinned here, not read from package-lock.json, because
# they are exactly the versions that do NOT match it.
substitute_nodejs() {
  # Until v3.69.0 the language host was a package of sdk/v3, which the proxy
  # serves; v3.68.0 is the last such release. It speaks the same run
  # protocol (args to @pulumi/pulumi/cmd/run, config in PULUMI_CONFIG).
  C_BIN=pulumi-language-nodejs C_MODULE=github.com/pulumi/pulumi/sdk/v3
  C_PKG=nodejs/cmd/pulumi-language-nodejs C_REV=v3.68.0 C_SIBLING=v3.68.0
  C_LABEL="3.68.0 (substitute for $PULUMI_VERSION)"
  C_LDFLAGS="-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.68.0"
  C_TAGS=osusergo,grpcnotrace C_CGO="" C_PREPARE=""
}
substitute_kubernetes() {
  # The commit of tag v4.25.0. Its ../sdk sibling (sdk/v4 v4.25.0) is not
  # served; v4.22.2 is, and keeps every other dependency at upstream's pins.
  C_BIN=pulumi-resource-kubernetes C_PKG=cmd/pulumi-resource-kubernetes
  C_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
  C_REV=v4.0.0-20260115033456-f47bc2d6f199 C_SIBLING=v4.22.2
  C_LABEL="4.25.0 (substitute for $K8S_VERSION)"
  C_LDFLAGS="-w -s -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=4.25.0"
  C_TAGS="" C_CGO=0 C_PREPARE=prepare_kubernetes
}

# main.go embeds schema-embed.json and terraform-mapping-embed.json, which
# upstream generates at build time and git-ignores, so the module zip lacks
# them. It does hold schema.json and terraform-mapping.json they come from;
# this does what upstream's generate.go does: stamp the version, minify.
prepare_kubernetes() {
  local src="$1/cmd/pulumi-resource-kubernetes" version="${C_LDFLAGS##*=}"
  node -e '
    const fs = require("fs"), [dir, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(dir + "/schema.json", "utf8"));
    schema.version = version;
    fs.writeFileSync(dir + "/schema-embed.json", JSON.stringify(schema));
    const mapping = JSON.parse(fs.readFileSync(dir + "/terraform-mapping.json", "utf8"));
    fs.writeFileSync(dir + "/terraform-mapping-embed.json", JSON.stringify(mapping));
  ' "$src" "$version"
}

# --- building ---------------------------------------------------------------

# `go install module@version` refuses modules whose go.mod has replace
# directives, so each component is built from a throwaway module that
# requires it and carries its replace directives over.
build_current() {
  local dir="$WORK/$C_BIN" info gomod srcdir stamp
  stamp="$C_MODULE@$C_REV $C_PKG sibling=$C_SIBLING tags=$C_TAGS cgo=$C_CGO $C_LDFLAGS"
  if [ -x "$BIN/$C_BIN" ] && [ "$(cat "$STAMPS/$C_BIN" 2>/dev/null)" = "$stamp" ]; then
    log "$C_BIN $C_LABEL: up to date"
    return 0
  fi
  log "$C_BIN $C_LABEL: building $C_MODULE@$C_REV"
  mkdir -p "$dir"
  (cd "$dir" && go mod init enginebuild/"$C_BIN" >/dev/null 2>&1)

  info="$(go mod download -json "$C_MODULE@$C_REV")" || die "go mod download $C_MODULE@$C_REV failed"
  gomod="$(node -pe 'JSON.parse(process.argv[1]).GoMod' "$info")"
  srcdir="$(node -pe 'JSON.parse(process.argv[1]).Dir' "$info")"

  # Carry replace directives over. Those that point elsewhere in the same
  # repository (../sdk) become the sibling module at the same release.
  local replaces old new
  replaces="$(go mod edit -json "$gomod" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const r of JSON.parse(s).Replace || []) {
        const o = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
        const n = r.New.Version ? r.New.Path + "@" + r.New.Version : r.New.Path;
        console.log(o + " " + n);
      }
    });')"
  while read -r old new; do
    [ -n "$old" ] || continue
    case "$new" in
      ./*) die "$C_MODULE@$C_REV replaces $old with $new, a nested module that no module zip contains" ;;
      ../*) new="${old%@*}@$C_SIBLING" ;;
    esac
    (cd "$dir" && go mod edit -replace "$old=$new")
  done <<<"$replaces"

  if [ -n "$C_PREPARE" ]; then
    cp -R "$srcdir" "$dir/src"
    chmod -R u+w "$dir/src"
    "$C_PREPARE" "$dir/src"
    (cd "$dir" && go mod edit -replace "$C_MODULE=./src")
  fi

  local pkg="$C_MODULE/$C_PKG"
  [ "$C_PKG" = . ] && pkg="$C_MODULE"
  # With no @version, go get would upgrade the module to its latest release.
  (cd "$dir" && go get "$pkg@$C_REV") >"$dir/get.log" 2>&1 ||
    { cat "$dir/get.log" >&2; die "go get $pkg ($C_MODULE@$C_REV) failed"; }
  (
    cd "$dir"
    [ -z "$C_CGO" ] || export CGO_ENABLED="$C_CGO"
    go build -tags "$C_TAGS" -ldflags "$C_LDFLAGS" -o "$BIN/$C_BIN.tmp" "$pkg"
  ) || die "go build of $pkg ($C_MODULE@$C_REV) failed"
  mv "$BIN/$C_BIN.tmp" "$BIN/$C_BIN"
  echo "$stamp" >"$STAMPS/$C_BIN"
}

# Resolve everything before compiling anything, so a refused module fails the
# run in seconds rather than after the CLI's five minutes of compiling.
plan=() refused=()
for name in pulumi nodejs kubernetes random; do
  if "component_$name"; then
    plan+=("component_$name")
  elif [ "$SUBSTITUTES" = 1 ] && declare -F "substitute_$name" >/dev/null; then
    log "$name: the exact version is not served; using a substitute"
    plan+=("substitute_$name")
  elif [ "$SUBSTITUTES" = 1 ]; then
    log "$name: the exact version is not served and has no substitute; leaving it out"
  else
    refused+=("$name")
  fi
done
if [ "${#refused[@]}" -gt 0 ]; then
  sed 's/^/  /' "$WORK/resolve.err" >&2 || true
  die "the Go module proxy does not serve: ${refused[*]} (versions from package-lock.json:" \
    "pulumi $PULUMI_VERSION, kubernetes $K8S_VERSION, random $RANDOM_VERSION)." \
    "PULUMI_ENGINE_SUBSTITUTES=1 builds the nearest served versions instead."
fi

manifest=""
for c in "${plan[@]}"; do
  "$c"
  build_current
  manifest+="$C_BIN $C_LABEL $C_MODULE@$C_REV"$'\n'
done
printf '%s' "$manifest" >"$ENGINE_DIR/manifest.txt"

# --- optional self-test -------------------------------------------------------

if [ "$SELF_TEST" = 1 ]; then
  t="$WORK/self-test"
  mkdir -p "$t/project" "$t/state" "$t/home"
  ln -s "$REPO/node_modules" "$t/project/node_modules"
  cat >"$t/project/Pulumi.yaml" <<'EOF'
name: engine-self-test
runtime: nodejs
EOF
  echo '{"name": "engine-self-test", "private": true, "main": "index.ts"}' >"$t/project/package.json"
  echo '{"compilerOptions": {"strict": true, "target": "es2022", "module": "commonjs", "skipLibCheck": true}}' \
    >"$t/project/tsconfig.json"
  # random only where it was built (a substitute engine may lack it).
  use_random=false
  [ -x "$BIN/pulumi-resource-random" ] && use_random=true
  cat >"$t/project/index.ts" <<EOF
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
const provider = new k8s.Provider("render", { renderYamlToDirectory: "rendered" });
const data: Record<string, any> = { engine: "ok" };
if ($use_random) {
  data.passwordLength = new random.RandomPassword("pw", { length: 24 }).result.apply((r) => String(r.length));
}
new k8s.core.v1.ConfigMap("cm", { metadata: { name: "self-test" }, data }, { provider });
EOF
  log "self-test: pulumi up in $t/project"
  # errexit stops the subshell, and then this script, at the first failure.
  (
    cd "$t/project"
    # An isolated engine: own plugin dir and state, no update check, no
    # plugin downloads. Plugins are found on PATH, so ambient plugins must
    # stay allowed.
    export PATH="$BIN:$PATH" PULUMI_HOME="$t/home" PULUMI_CONFIG_PASSPHRASE=test \
      PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    unset PULUMI_IGNORE_AMBIENT_PLUGINS PULUMI_ACCESS_TOKEN
    # Rendering needs no cluster and no kubeconfig. KUBECONFIG must be unset:
    # the SDK copies it into the provider's kubeconfig, which the provider
    # rejects next to renderYamlToDirectory. An empty HOME keeps a real
    # ~/.kube/config (and the cluster it names) out of it.
    unset KUBECONFIG KUBERNETES_SERVICE_HOST
    export HOME="$t/home"
    pulumi login "file://$t/state" >&2
    pulumi stack init dev >&2
    pulumi up --yes --stack dev --non-interactive >&2
    ls -R rendered >&2
    grep -rq 'name: self-test' rendered || die "self-test: no ConfigMap YAML was rendered"
  )
  log "self-test passed"
fi

log "engine:"
sed 's/^/  /' "$ENGINE_DIR/manifest.txt" >&2
echo "$BIN"
