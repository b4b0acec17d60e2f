#!/usr/bin/env bash
# Deploys one colo (gateway, Triton, sidecar) to its MicroK8s cluster from the emitted manifests: checks every
# prerequisite first, then builds and pushes the images, writes the secret inputs, applies the colo's overlay, waits for
# the rollouts and the gateway's /health, and prints the node's URL. See docs/deploy.md.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: deploy/deploy-colo.sh <colo> [options]

  <colo>                      the colo's name, e.g. yvr (its overlay is <overlay root>/colos/<colo>)
  --context NAME              kubeconfig context (default: the current context)
  --registry HOST[:PORT]/PATH push the images there (default: build archives and import them into this machine's
                              MicroK8s with `microk8s ctr image import`)
  --tag TAG                   image tag (default: the current commit)
  --secrets-dir DIR           secret input files, DIR/<colo>/<name> before DIR/<name>
  --overlay-root DIR          the emitted manifests (default: aspirate-output)
  --rollout-timeout DURATION  per rollout (default: 10m)
  --dry-run                   run every check, print the plan, change nothing

Secret inputs (first found wins: variable, file variable, --secrets-dir, the file left by the last deploy):
  token-public-keys.pem  POLARGRID_TOKEN_PUBLIC_KEYS_FILE: the ES256 public key(s) tokens are verified with, PEM
                         (BEGIN PUBLIC KEY), two during a rotation; never the private key, which stays with the minter
  tls.crt, tls.key       POLARGRID_TLS_CERT_FILE, POLARGRID_TLS_KEY_FILE (PEM)
  hf-token               HF_TOKEN (optional: anonymous Hub access without it)
USAGE
}

pg_parse_options "$@"
((${#PG_POSITIONAL[@]} == 1)) || pg_usage_error "expected one colo name, got ${#PG_POSITIONAL[@]} arguments"
colo=${PG_POSITIONAL[0]}
[[ $colo =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || pg_usage_error "colo '$colo' must be lowercase letters, digits and dashes"

gateway_ns="polargrid-$colo-gateway"
triton_ns="polargrid-$colo-triton"

PG_WHAT="colo $colo"
PG_SCOPE=$colo
PG_OVERLAY="$PG_OVERLAY_ROOT/colos/$colo"
PG_SECRETS_REL=gateway/secrets
PG_SECRETS=(
  "token-public-keys.pem||POLARGRID_TOKEN_PUBLIC_KEYS_FILE|required|public"
  "tls.crt||POLARGRID_TLS_CERT_FILE|required|cert"
  "tls.key||POLARGRID_TLS_KEY_FILE|required|key"
  "hf-token|HF_TOKEN||optional|text"
)
PG_IMAGES=(
  "gateway|PolarGrid.Gateway"
  "sidecar|PolarGrid.Sidecar"
)
PG_WORKLOADS=(
  "$gateway_ns|Deployment|gateway"
  "$triton_ns|Deployment|triton"
)
PG_HEALTH=(
  "gateway|/api/v1/namespaces/$gateway_ns/services/https:gateway:https/proxy/health"
)
PG_INGRESS="$gateway_ns|gateway"
# Triton needs the GPU; the gateway runs in a Kata VM.
PG_NEEDS_GPU=true

pg_check_all
pg_deploy
