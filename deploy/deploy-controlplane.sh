#!/usr/bin/env bash
# Deploys the control plane (its replicas and Postgres) from the emitted manifests: checks every prerequisite first,
# then builds and pushes the image, writes the secret inputs, applies the overlay, waits for the rollouts and the
# control plane's /health. See docs/deploy.md.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'USAGE'
Usage: deploy/deploy-controlplane.sh [options]

  --context NAME              kubeconfig context (default: the current context)
  --registry HOST[:PORT]/PATH push the image there (default: build an archive and import it into this machine's
                              MicroK8s with `microk8s ctr image import`)
  --tag TAG                   image tag (default: the current commit)
  --secrets-dir DIR           secret input files, DIR/controlplane/<name> before DIR/<name>
  --overlay-root DIR          the emitted manifests (default: aspirate-output)
  --rollout-timeout DURATION  per rollout (default: 10m)
  --dry-run                   run every check, print the plan, change nothing

Secret inputs (first found wins: variable, file variable, --secrets-dir, the file left by the last deploy):
  routing-signing-key.pem  POLARGRID_ROUTING_SIGNING_KEY_FILE (ECDSA P-256, PKCS#8 PEM)
  admin-key                POLARGRID_ADMIN_KEY or POLARGRID_ADMIN_KEY_FILE
  postgres-password        POLARGRID_POSTGRES_PASSWORD or POLARGRID_POSTGRES_PASSWORD_FILE
  tls.crt, tls.key         POLARGRID_CONTROLPLANE_TLS_CERT_FILE, POLARGRID_CONTROLPLANE_TLS_KEY_FILE (PEM, its Ingress)
USAGE
}

pg_parse_options "$@"
((${#PG_POSITIONAL[@]} == 0)) || pg_usage_error "unexpected argument ${PG_POSITIONAL[0]}"

namespace=polargrid-control

PG_WHAT="control plane"
PG_SCOPE=controlplane
PG_OVERLAY="$PG_OVERLAY_ROOT/controlplane"
PG_SECRETS_REL=secrets
PG_SECRETS=(
  "routing-signing-key.pem||POLARGRID_ROUTING_SIGNING_KEY_FILE|required|pkcs8"
  "admin-key|POLARGRID_ADMIN_KEY|POLARGRID_ADMIN_KEY_FILE|required|text"
  "postgres-password|POLARGRID_POSTGRES_PASSWORD|POLARGRID_POSTGRES_PASSWORD_FILE|required|text"
  "tls.crt||POLARGRID_CONTROLPLANE_TLS_CERT_FILE|required|cert"
  "tls.key||POLARGRID_CONTROLPLANE_TLS_KEY_FILE|required|key"
)
PG_IMAGES=(
  "controlplane|PolarGrid.ControlPlane"
)
PG_WORKLOADS=(
  "$namespace|StatefulSet|postgres"
  "$namespace|Deployment|controlplane"
)
PG_HEALTH=(
  "control plane|/api/v1/namespaces/$namespace/services/controlplane/proxy/health"
)

# The control plane's Ingress is not part of the contract: when the overlay has one, the ingress add-on is checked and
# its host printed. No Kata, no GPU.
PG_INGRESS="$namespace|controlplane"
PG_INGRESS_REQUIRED=false

pg_check_all
pg_deploy
