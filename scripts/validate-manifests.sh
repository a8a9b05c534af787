#!/usr/bin/env bash
# Validates every manifest in k8s/ offline against the Kubernetes JSON schemas (see validate-manifests.mjs).
#
#   scripts/validate-manifests.sh            # exit 0: all valid; 1: problems found; 2: set-up error
#
# Needs Node.js >= 20 and npm. The first run installs the validator from the npm registry into a cache folder
# outside the repository; later runs use that folder and need no network:
#   K8S_VALIDATE_CACHE   default ${XDG_CACHE_HOME:-$HOME/.cache}/chat-proxy/k8s-validate
# When kubectl (with its built-in kustomize) is on PATH, the real "kubectl kustomize k8s/" output is validated
# as well; K8S_VALIDATE_NO_KUBECTL=1 skips that.
set -euo pipefail

KUBERNETES_MODELS_VERSION=5.1.0   # Kubernetes OpenAPI schemas bundled with the package (1.34-era APIs)
YAML_VERSION=2.9.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
k8s_dir="$repo/k8s"
cache="${K8S_VALIDATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-proxy/k8s-validate}"
stamp="$cache/.installed-kubernetes-models-$KUBERNETES_MODELS_VERSION-yaml-$YAML_VERSION"

die() { echo "validate-manifests: $*" >&2; exit 2; }

command -v node >/dev/null || die "node is required (Node.js >= 20)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 is required, found $(node --version)"
[ -f "$k8s_dir/kustomization.yaml" ] || die "no $k8s_dir/kustomization.yaml"

if [ ! -f "$stamp" ]; then
  command -v npm >/dev/null || die "npm is required for the first run (to install kubernetes-models into $cache)"
  echo "validate-manifests: installing kubernetes-models@$KUBERNETES_MODELS_VERSION and yaml@$YAML_VERSION into $cache"
  mkdir -p "$cache"
  cat >"$cache/package.json" <<EOF
{
  "name": "chat-proxy-k8s-validate",
  "private": true,
  "description": "Cache folder of chat-proxy's scripts/validate-manifests.sh",
  "dependencies": {
    "kubernetes-models": "$KUBERNETES_MODELS_VERSION",
    "yaml": "$YAML_VERSION"
  }
}
EOF
  # kubernetes-models 5 declares engines node >= 22 but runs on Node 20 (ES modules with static blocks only).
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error --engine-strict=false >/dev/null) \
    || die "npm install failed in $cache"
  touch "$stamp"
fi

rendered_args=()
if [ "${K8S_VALIDATE_NO_KUBECTL:-0}" != 1 ] && command -v kubectl >/dev/null; then
  rendered="$(mktemp "${TMPDIR:-/tmp}/chat-proxy-kustomize.XXXXXX")"
  trap 'rm -f "$rendered"' EXIT
  # kubectl kustomize renders offline (no cluster needed).
  if kubectl kustomize "$k8s_dir" >"$rendered" 2>"$rendered.err"; then
    rendered_args=(--rendered "$rendered")
  else
    echo "validate-manifests: kubectl kustomize $k8s_dir failed:" >&2
    cat "$rendered.err" >&2
    rm -f "$rendered.err"
    exit 1
  fi
  rm -f "$rendered.err"
else
  echo "validate-manifests: kubectl not used; validating the files listed in kustomization.yaml only"
fi

node "$here/validate-manifests.mjs" --deps "$cache" --dir "$k8s_dir" "${rendered_args[@]}"
