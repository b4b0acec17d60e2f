# shellcheck shell=bash
# What deploy-colo.sh and deploy-controlplane.sh share: options, read-only prerequisite checks, and the steps of a
# deploy, each printed before it runs (and only printed with --dry-run). Sourced by those scripts, never run alone.
#
# Secret values never become a shell word: they go file to file (cp, cat) or from the environment straight into a file
# (awk's ENVIRON), so no message, no plan and not even `bash -x` can show one. Keep it that way: no "$SECRET"
# expansions, no [[ -n ${!name} ]] tests (xtrace prints the expanded operands).
#
# Cluster queries are `kubectl get --raw <api path>` only: they need no API discovery, work with any kubectl that can
# reach the server, and keep the tests' fake API server small.

PG_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

# The tools, overridable so an operator can pin a binary (and tests can take one away).
KUBECTL=${KUBECTL:-kubectl}
DOTNET=${DOTNET:-dotnet}
MICROK8S=${MICROK8S:-microk8s}

# Where the throw-away kustomizations and image archives go (git-ignored).
PG_WORK_ROOT=${POLARGRID_DEPLOY_WORK:-$PG_ROOT/deploy/.work}

# Options.
PG_CONTEXT=""
PG_REGISTRY=""
PG_TAG=""
PG_SECRETS_DIR=""
PG_OVERLAY_ROOT="$PG_ROOT/aspirate-output"
PG_DRY_RUN=false
PG_ROLLOUT_TIMEOUT=10m
PG_POSITIONAL=()

# What the calling script declares before pg_check_all (see deploy-colo.sh):
#   PG_WHAT        "colo yvr" / "control plane", for messages
#   PG_SCOPE       name of the per-deploy folder under --secrets-dir and deploy/.work (the colo, or "controlplane")
#   PG_OVERLAY     the overlay directory (holds kustomization.yaml)
#   PG_SECRETS_REL the overlay's secrets folder, relative to PG_OVERLAY
#   PG_SECRETS     "name|value env var|file env var|required|format" per secret input (format: text, cert, key, pkcs8,
#                  public: PEM public keys and no private key)
#   PG_IMAGES      "name|project" per image we build (name as in the manifests: polargrid/<name>)
#   PG_WORKLOADS   "namespace|kind|name" per workload to wait for
#   PG_HEALTH      "what|api path" per health check through the API server's service proxy
#   PG_INGRESS     "namespace|name" of the Ingress whose first host is the public URL ("" when there is none)
#   PG_INGRESS_REQUIRED  false when that Ingress is optional (checked for, and the ingress add-on needed, only if the
#                  overlay has it)
#   PG_NEEDS_GPU   true when the workloads need the GPU operator and the kata/nvidia RuntimeClasses
PG_WHAT=""
PG_SCOPE=""
PG_OVERLAY=""
PG_SECRETS_REL=""
PG_SECRETS=()
PG_IMAGES=()
PG_WORKLOADS=()
PG_HEALTH=()
PG_INGRESS=""
PG_INGRESS_REQUIRED=true
PG_NEEDS_GPU=false

PG_FAILURES=()
declare -A PG_SECRET_SOURCE=()   # name -> env | file | kept | empty
declare -A PG_SECRET_REF=()      # name -> the env var or the file
PG_REGISTRY_HOST=""
PG_REGISTRY_PATH=""
PG_REGISTRY_INSECURE=false
PG_RENDERED=""                   # summary of the rendered overlay: "object Kind ns name", "image ref", "ingress ns name host"
PG_TEMP=""
PG_STEP=0

pg_cleanup() {
  if [[ -n $PG_TEMP && -d $PG_TEMP ]]; then
    rm -rf -- "$PG_TEMP"
  fi
}
trap pg_cleanup EXIT

# A command that fails outside a check stops the script (set -e); say which, rather than exiting silently. The command
# is shown as written, unexpanded, so it holds no secret.
set -E
trap 'printf "error: stopped at %s:%d: %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" >&2' ERR

pg_die() {
  printf 'error: %s\n' "$1" >&2
  exit "${2:-1}"
}

pg_usage_error() {
  printf 'error: %s\n\n' "$1" >&2
  usage >&2
  exit 2
}

# --- options ---------------------------------------------------------------------------------------------------------

pg_parse_options() {
  while (($# > 0)); do
    case $1 in
      --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
      --context) pg_need_value "$@"; PG_CONTEXT=$2; shift ;;
      --registry) pg_need_value "$@"; PG_REGISTRY=$2; shift ;;
      --tag) pg_need_value "$@"; PG_TAG=$2; shift ;;
      --secrets-dir) pg_need_value "$@"; PG_SECRETS_DIR=$2; shift ;;
      --overlay-root) pg_need_value "$@"; PG_OVERLAY_ROOT=$2; shift ;;
      --rollout-timeout) pg_need_value "$@"; PG_ROLLOUT_TIMEOUT=$2; shift ;;
      --dry-run) PG_DRY_RUN=true ;;
      -h | --help) usage; exit 0 ;;
      -*) pg_usage_error "unknown option $1" ;;
      *) PG_POSITIONAL+=("$1") ;;
    esac
    shift
  done

  if [[ -n $PG_REGISTRY ]]; then
    # HOST[:PORT][/PATH], the way image references spell a registry (no scheme).
    [[ $PG_REGISTRY =~ ^([A-Za-z0-9.-]+(:[0-9]+)?)(/([a-z0-9._-]+(/[a-z0-9._-]+)*))?$ ]] ||
      pg_usage_error "--registry must be HOST[:PORT][/PATH] (no scheme), got '$PG_REGISTRY'"
    PG_REGISTRY_HOST=${BASH_REMATCH[1]}
    PG_REGISTRY_PATH=${BASH_REMATCH[4]}
  fi
  if [[ -z $PG_TAG ]]; then
    # The commit being deployed, so a node's image says which code it runs.
    PG_TAG=$(git -C "$PG_ROOT" rev-parse --short=12 HEAD 2>/dev/null) || pg_usage_error "no --tag given and $PG_ROOT is not a git checkout"
  fi
  [[ $PG_TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || pg_usage_error "--tag '$PG_TAG' is not a valid image tag"
  [[ -z $PG_SECRETS_DIR || -d $PG_SECRETS_DIR ]] || pg_usage_error "--secrets-dir $PG_SECRETS_DIR is not a directory"
  [[ $PG_ROLLOUT_TIMEOUT =~ ^[0-9]+[smh]$ ]] || pg_usage_error "--rollout-timeout must look like 90s, 10m or 1h"
  PG_OVERLAY_ROOT=$(realpath -m -- "$PG_OVERLAY_ROOT")
}

pg_need_value() {
  if (($# < 2)) || [[ $2 == --* ]]; then
    pg_usage_error "$1 needs a value"
  fi
}

# --- checks: each prints one line; a failure names what is missing and how to get it --------------------------------

pg_ok() { printf '  ok       %s\n' "$1"; }

pg_fail() {
  PG_FAILURES+=("$1")
  printf '  MISSING  %s\n' "$1"
}

pg_skip() { printf '  skipped  %s\n' "$1"; }

# All the checks, read-only; exits 1 listing every missing prerequisite.
pg_check_all() {
  printf 'Checking prerequisites for %s\n' "$PG_WHAT"
  PG_TEMP=$(mktemp -d "${TMPDIR:-/tmp}/polargrid-deploy.XXXXXX")

  pg_check_tools
  pg_check_overlay
  pg_check_secrets
  pg_check_render
  if pg_check_cluster_access; then
    pg_check_dns
    pg_check_storage
    if [[ -n $PG_INGRESS ]] && { $PG_INGRESS_REQUIRED || [[ -n $(pg_public_host) ]]; }; then
      pg_check_ingress
    fi
    if $PG_NEEDS_GPU; then
      pg_check_gpu
      pg_check_runtime_class kata "microk8s enable kata"
      pg_check_runtime_class nvidia "microk8s enable gpu (the NVIDIA GPU operator installs it)"
    fi
  fi
  pg_check_image_destination

  if ((${#PG_FAILURES[@]} > 0)); then
    printf '\n%d prerequisite(s) missing for %s:\n' "${#PG_FAILURES[@]}" "$PG_WHAT" >&2
    printf '  - %s\n' "${PG_FAILURES[@]}" >&2
    exit 1
  fi
  printf 'All prerequisites present.\n'
}

pg_check_tools() {
  if command -v -- "$KUBECTL" >/dev/null; then
    pg_ok "kubectl ($(command -v -- "$KUBECTL"))"
  else
    pg_fail "kubectl: '$KUBECTL' is not on PATH (install kubectl 1.27+, or set KUBECTL)"
  fi
  if command -v -- "$DOTNET" >/dev/null; then
    pg_ok "dotnet SDK ($(command -v -- "$DOTNET"))"
  else
    pg_fail "dotnet: '$DOTNET' is not on PATH (the .NET 10 SDK builds the images; or set DOTNET)"
  fi
}

pg_check_overlay() {
  if [[ -f $PG_OVERLAY/kustomization.yaml ]]; then
    pg_ok "overlay $PG_OVERLAY"
  else
    pg_fail "overlay: $PG_OVERLAY/kustomization.yaml does not exist (emit the manifests from PolarGrid.AppHost, or pass --overlay-root)"
  fi
}

pg_check_secrets() {
  local spec name value_env file_env required format
  for spec in "${PG_SECRETS[@]}"; do
    IFS='|' read -r name value_env file_env required format <<<"$spec"
    pg_resolve_secret "$name" "$value_env" "$file_env" "$required" "$format"
  done
}

# Finds where secret input $1 comes from, first match wins: its value variable, its file variable, --secrets-dir/<scope>/
# <name>, --secrets-dir/<name>, the file already in the overlay's secrets folder. Looks at sizes and PEM headers only.
pg_resolve_secret() {
  local name=$1 value_env=$2 file_env=$3 required=$4 format=$5
  local kept="$PG_OVERLAY/$PG_SECRETS_REL/$name" candidate

  if [[ -n $value_env ]] && pg_env_has_value "$value_env"; then
    pg_found_secret "$name" env "$value_env"
    return
  fi
  if [[ -n $file_env ]] && pg_env_has_value "$file_env"; then
    candidate=$(printenv -- "$file_env")
    if pg_secret_file_usable "$name" "$candidate" "$format" "$file_env names $candidate"; then
      pg_found_secret "$name" file "$candidate"
    fi
    return
  fi
  if [[ -n $PG_SECRETS_DIR ]]; then
    for candidate in "$PG_SECRETS_DIR/$PG_SCOPE/$name" "$PG_SECRETS_DIR/$name"; do
      if [[ -e $candidate ]]; then
        if pg_secret_file_usable "$name" "$candidate" "$format" "$candidate"; then
          pg_found_secret "$name" file "$candidate"
        fi
        return
      fi
    done
  fi
  if [[ -s $kept ]]; then
    if pg_secret_file_usable "$name" "$kept" "$format" "$kept"; then
      pg_found_secret "$name" kept "$kept"
    fi
    return
  fi
  if [[ $required != required ]]; then
    pg_found_secret "$name" empty ""
    return
  fi

  local ways=()
  [[ -n $value_env ]] && ways+=("set $value_env")
  [[ -n $file_env ]] && ways+=("set $file_env to a file")
  ways+=("put $name in --secrets-dir")
  pg_fail "secret input $name: not given ($(pg_join ' or ' "${ways[@]}"))"
}

pg_found_secret() {
  PG_SECRET_SOURCE[$1]=$2
  PG_SECRET_REF[$1]=$3
  pg_ok "secret input $1 ($(pg_describe_source "$1"))"
}

pg_describe_source() {
  case ${PG_SECRET_SOURCE[$1]} in
    env) printf 'from $%s' "${PG_SECRET_REF[$1]}" ;;
    file) printf 'from %s' "${PG_SECRET_REF[$1]}" ;;
    kept) printf 'kept from the last deploy' ;;
    empty) printf 'not given: an empty file' ;;
  esac
}

# True when the file exists, is readable, is not empty and looks like the format; fails the check otherwise.
pg_secret_file_usable() {
  local name=$1 file=$2 format=$3 where=$4
  if [[ ! -f $file || ! -r $file ]]; then
    pg_fail "secret input $name: $where is not a readable file"
    return 1
  fi
  if [[ ! -s $file ]]; then
    pg_fail "secret input $name: $where is empty"
    return 1
  fi
  local header what
  case $format in
    cert) header='^-----BEGIN CERTIFICATE-----' what=cert ;;
    key) header='^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' what=key ;;
    pkcs8) header='^-----BEGIN PRIVATE KEY-----' what='PKCS#8 private key' ;;
    public) header='^-----BEGIN PUBLIC KEY-----' what='public key' ;;
    *) return 0 ;;
  esac
  # Public keys go where a private key must never go (a gateway could mint tokens with it): refuse any private key.
  if [[ $format == public ]] && grep -Eq -- '^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' "$file"; then
    pg_fail "secret input $name: $where holds a private key; give public keys only (openssl pkey -in <private.pem> -pubout), the private key stays with whoever mints tokens"
    return 1
  fi
  if ! grep -Eq -- "$header" "$file"; then
    pg_fail "secret input $name: $where is not a PEM $what (no '${header#^}' line)"
    return 1
  fi
}

# Renders the overlay offline (kubectl kustomize) in a private temporary copy, with the secret inputs (or empty
# stand-ins for missing ones) and the image overrides, and checks it holds what the deploy will wait for.
pg_check_render() {
  if ! [[ -f $PG_OVERLAY/kustomization.yaml ]] || ! command -v -- "$KUBECTL" >/dev/null; then
    pg_skip "overlay render (no overlay or no kubectl)"
    return
  fi
  local copy="$PG_TEMP/overlay" rel
  rel=$(realpath -m --relative-to="$PG_OVERLAY_ROOT" -- "$PG_OVERLAY")
  if [[ $rel == ..* ]]; then
    pg_fail "overlay: $PG_OVERLAY is outside --overlay-root $PG_OVERLAY_ROOT"
    return
  fi
  mkdir -p -- "$copy" "$PG_TEMP/work/$PG_SCOPE"
  # Everything but the secrets folders: the copy gets this deploy's secret inputs instead.
  tar -C "$PG_OVERLAY_ROOT" --exclude=secrets -cf - . | tar -C "$copy" -xf -
  pg_stage_secrets "$copy/$rel/$PG_SECRETS_REL"
  pg_kustomization_for "$PG_TEMP/work/$PG_SCOPE" "$copy/$rel" >"$PG_TEMP/work/$PG_SCOPE/kustomization.yaml"

  # The rendered objects hold the secrets (base64): they stay in the private folder and are only summarized.
  if ! "$KUBECTL" kustomize "$PG_TEMP/work/$PG_SCOPE" >"$PG_TEMP/rendered.yaml" 2>"$PG_TEMP/render.err"; then
    pg_fail "overlay: $PG_OVERLAY does not build with kustomize: $(sed -e "s#$PG_TEMP/overlay#$PG_OVERLAY_ROOT#g" "$PG_TEMP/render.err" | tail -n 1)"
    return
  fi
  PG_RENDERED=$(pg_summarize_rendered <"$PG_TEMP/rendered.yaml")
  rm -f -- "$PG_TEMP/rendered.yaml"

  local spec namespace kind name image found=true
  for spec in "${PG_WORKLOADS[@]}"; do
    IFS='|' read -r namespace kind name <<<"$spec"
    if ! grep -qxF "object $kind $namespace $name" <<<"$PG_RENDERED"; then
      pg_fail "overlay: no $kind $name in namespace $namespace"
      found=false
    fi
  done
  for spec in "${PG_IMAGES[@]}"; do
    image=$(pg_image_ref "${spec%%|*}")
    if ! grep -qxF "image $image" <<<"$PG_RENDERED"; then
      pg_fail "overlay: no container uses image polargrid/${spec%%|*} (the image override would not apply)"
      found=false
    fi
  done
  if [[ -n $PG_INGRESS ]] && $PG_INGRESS_REQUIRED && [[ -z $(pg_public_host) ]]; then
    pg_fail "overlay: no Ingress ${PG_INGRESS#*|} with a host in namespace ${PG_INGRESS%%|*}"
    found=false
  fi
  if $found; then
    pg_ok "overlay builds ($(awk '$1 == "object"' <<<"$PG_RENDERED" | wc -l) objects)"
  fi
}

# One line per object ("object Kind namespace name"), per container image ("image ref") and per Ingress's first host
# ("ingress namespace name host"), from kustomize's canonical YAML (sorted keys, unindented sequences).
pg_summarize_rendered() {
  awk '
    function flush() {
      if (kind != "") print "object", kind, (ns == "" ? "-" : ns), name
      if (kind == "Ingress" && host != "") print "ingress", ns, name, host
      kind = ""; name = ""; ns = ""; host = ""; section = ""; rules = 0; item = 0
    }
    function value(line) { sub(/^[^:]*: */, "", line); gsub(/["\047]/, "", line); return line }
    /^---/ { flush(); next }
    /^kind: / { kind = value($0); next }
    /^[A-Za-z]/ { section = $1; rules = 0; next }
    section == "metadata:" && /^  name: / { name = value($0) }
    section == "metadata:" && /^  namespace: / { ns = value($0) }
    section == "spec:" && /^  rules:/ { rules = 1; next }
    section == "spec:" && /^  [A-Za-z]/ { rules = 0 }
    rules && /^  - / { item++ }
    rules && item == 1 && host == "" && /^  (- |  )host: / { host = value($0) }
    /^ *(- )?image: / { print "image", value($0) }
    END { flush() }
  ' | sort -u
}

pg_public_host() {
  local namespace=${PG_INGRESS%%|*} name=${PG_INGRESS#*|}
  awk -v ns="$namespace" -v n="$name" '$1 == "ingress" && $2 == ns && $3 == n { print $4; exit }' <<<"$PG_RENDERED"
}

# The context (given, else the kubeconfig's current one) exists and its API server answers.
pg_check_cluster_access() {
  if ! command -v -- "$KUBECTL" >/dev/null; then
    pg_skip "cluster checks (no kubectl)"
    return 1
  fi
  local contexts
  contexts=$("$KUBECTL" config get-contexts -o name 2>/dev/null) || contexts=""
  if [[ -z $PG_CONTEXT ]]; then
    if ! PG_CONTEXT=$("$KUBECTL" config current-context 2>/dev/null) || [[ -z $PG_CONTEXT ]]; then
      pg_fail "kubeconfig context: no --context given and the kubeconfig (${KUBECONFIG:-~/.kube/config}) has no current context"
      pg_skip "cluster checks (no context)"
      return 1
    fi
  fi
  if ! grep -qxF -- "$PG_CONTEXT" <<<"$contexts"; then
    local known=()
    [[ -z $contexts ]] || mapfile -t known <<<"$contexts"
    pg_fail "kubeconfig context $PG_CONTEXT: not in ${KUBECONFIG:-~/.kube/config} (contexts: $(pg_join ', ' "${known[@]}"))"
    pg_skip "cluster checks (no context)"
    return 1
  fi
  pg_ok "kubeconfig context $PG_CONTEXT"

  local server body
  server=$("$KUBECTL" config view --minify --context "$PG_CONTEXT" -o 'jsonpath={.clusters[0].cluster.server}' 2>/dev/null) || server="?"
  if ! body=$(pg_kube_raw /version 2>"$PG_TEMP/kubectl.err"); then
    pg_fail "API server of context $PG_CONTEXT ($server) does not answer: $(pg_first_error)"
    pg_skip "cluster checks (no API server)"
    return 1
  fi
  pg_ok "API server $server ($(pg_json_string gitVersion <<<"$body"))"
}

pg_check_dns() {
  local body
  if ! body=$(pg_kube_raw /apis/apps/v1/namespaces/kube-system/deployments/coredns 2>"$PG_TEMP/kubectl.err"); then
    pg_fail "dns add-on: no CoreDNS (Deployment kube-system/coredns: $(pg_first_error)); microk8s enable dns"
  elif ! pg_compact <<<"$body" | grep -Eq '"readyReplicas":[1-9]'; then
    pg_fail "dns add-on: CoreDNS (kube-system/coredns) has no ready replica"
  else
    pg_ok "dns add-on (CoreDNS ready)"
  fi
}

pg_check_storage() {
  local body
  if ! body=$(pg_kube_raw /apis/storage.k8s.io/v1/storageclasses 2>"$PG_TEMP/kubectl.err"); then
    pg_fail "storage add-on: cannot list StorageClasses ($(pg_first_error))"
  elif ! pg_compact <<<"$body" | grep -Eq '"storageclass\.kubernetes\.io/is-default-class":"true"'; then
    pg_fail "storage add-on: no default StorageClass; microk8s enable hostpath-storage"
  else
    pg_ok "storage add-on (a default StorageClass)"
  fi
}

pg_check_ingress() {
  local body names
  if ! body=$(pg_kube_raw /apis/networking.k8s.io/v1/ingressclasses 2>"$PG_TEMP/kubectl.err"); then
    pg_fail "ingress add-on: cannot list IngressClasses ($(pg_first_error))"
    return
  fi
  # Each item's metadata starts with its name; the list's own metadata has none.
  names=$(pg_compact <<<"$body" | { grep -o '"metadata":{"name":"[^"]*"' || true; } | sed 's/.*"name":"\(.*\)"/\1/' | paste -sd, -)
  if [[ -z $names ]]; then
    pg_fail "ingress add-on: no IngressClass; microk8s enable ingress"
  else
    pg_ok "ingress add-on (IngressClass $names)"
  fi
}

pg_check_gpu() {
  local body
  if ! body=$(pg_kube_raw /api/v1/nodes 2>"$PG_TEMP/kubectl.err"); then
    pg_fail "gpu add-on: cannot list nodes ($(pg_first_error))"
  elif ! pg_compact <<<"$body" | grep -Eq '"allocatable":\{[^}]*"nvidia\.com/gpu":"[1-9][0-9]*"'; then
    pg_fail "gpu add-on: no node has nvidia.com/gpu allocatable; microk8s enable gpu (the NVIDIA GPU operator)"
  else
    pg_ok "gpu add-on (a node with nvidia.com/gpu allocatable)"
  fi
}

pg_check_runtime_class() {
  local name=$1 hint=$2
  if pg_kube_raw "/apis/node.k8s.io/v1/runtimeclasses/$name" >/dev/null 2>"$PG_TEMP/kubectl.err"; then
    pg_ok "RuntimeClass $name"
  else
    pg_fail "RuntimeClass $name: $(pg_first_error); $hint"
  fi
}

# With --registry: the registry answers GET /v2/ (200, or 401 asking for credentials). Without: the images are built
# as archives and imported into this machine's MicroK8s, so microk8s must be here.
pg_check_image_destination() {
  if [[ -z $PG_REGISTRY ]]; then
    if command -v -- "$MICROK8S" >/dev/null; then
      pg_ok "no --registry: images go to archives imported with $MICROK8S ctr image import"
    else
      pg_fail "microk8s: no --registry given, so the images would be imported into this machine's MicroK8s, but '$MICROK8S' is not on PATH (run on the node, or pass --registry)"
    fi
    return
  fi
  if ! command -v curl >/dev/null; then
    pg_fail "curl: not on PATH (needed to check the registry $PG_REGISTRY_HOST)"
    return
  fi
  local code
  code=$(pg_registry_status https)
  if [[ $code == 000 ]]; then
    code=$(pg_registry_status http)
    [[ $code == 000 ]] || PG_REGISTRY_INSECURE=true
  fi
  case $code in
    200 | 401) pg_ok "registry $PG_REGISTRY_HOST answers /v2/ ($code$($PG_REGISTRY_INSECURE && printf ', plain HTTP'))" ;;
    000) pg_fail "registry $PG_REGISTRY_HOST: no answer to GET /v2/ over HTTPS or HTTP" ;;
    *) pg_fail "registry $PG_REGISTRY_HOST: GET /v2/ answered $code, not 200 or 401 (is it a container registry?)" ;;
  esac
}

pg_registry_status() {
  curl -s -o /dev/null -w '%{http_code}' --connect-timeout 5 --max-time 10 "$1://$PG_REGISTRY_HOST/v2/" || true
}

# --- the deploy: each step printed, and run unless --dry-run -----------------------------------------------------------

pg_step() {
  PG_STEP=$((PG_STEP + 1))
  printf '\n%d. %s\n' "$PG_STEP" "$1"
}

pg_run() {
  printf '   $ %s\n' "$(pg_quote "$@")"
  if ! $PG_DRY_RUN; then
    "$@"
  fi
}

pg_deploy() {
  local work="$PG_WORK_ROOT/$PG_SCOPE" spec namespace kind name what path

  if $PG_DRY_RUN; then
    printf '\nPlan for %s (dry run: nothing below is done)\n' "$PG_WHAT"
  else
    printf '\nDeploying %s\n' "$PG_WHAT"
  fi

  pg_step "Build the images (tag $PG_TAG)"
  for spec in "${PG_IMAGES[@]}"; do
    pg_build_image "${spec%%|*}" "${spec#*|}"
  done

  pg_step "Write the secret inputs (mode 600, values never shown) into $PG_OVERLAY/$PG_SECRETS_REL/"
  pg_write_secrets "$PG_OVERLAY/$PG_SECRETS_REL"

  pg_step "Write the throw-away kustomization $work/kustomization.yaml"
  if ! $PG_DRY_RUN; then
    mkdir -p -- "$work"
    pg_kustomization_for "$work" "$PG_OVERLAY" >"$work/kustomization.yaml"
  fi
  pg_kustomization_for "$work" "$PG_OVERLAY" | sed 's/^/     /'

  pg_step "Apply it"
  pg_run "$KUBECTL" --context "$PG_CONTEXT" apply -k "$work"

  pg_step "Wait for the rollouts (up to $PG_ROLLOUT_TIMEOUT each)"
  for spec in "${PG_WORKLOADS[@]}"; do
    IFS='|' read -r namespace kind name <<<"$spec"
    pg_run "$KUBECTL" --context "$PG_CONTEXT" -n "$namespace" rollout status "${kind,,}/$name" --timeout="$PG_ROLLOUT_TIMEOUT"
  done

  pg_step "Check health through the API server"
  for spec in "${PG_HEALTH[@]}"; do
    what=${spec%%|*} path=${spec#*|}
    printf '   $ %s\n' "$(pg_quote "$KUBECTL" --context "$PG_CONTEXT" get --raw "$path")"
    if ! $PG_DRY_RUN; then
      pg_wait_healthy "$what" "$path"
    fi
  done

  printf '\nImages: %s\n' "$(awk '$1 == "image" { print $2 }' <<<"$PG_RENDERED" | paste -sd' ' - | sed 's/ /, /g')"
  local host
  host=$(pg_public_host)
  if $PG_DRY_RUN; then
    printf 'Dry run done: every check passed; %s would answer at %s.\n' "$PG_WHAT" "${host:+https://$host}"
  elif [[ -n $host ]]; then
    printf '%s is up: https://%s\n' "$PG_WHAT" "$host"
  else
    printf '%s is up (no Ingress: reach it inside the cluster).\n' "$PG_WHAT"
  fi
}

pg_build_image() {
  local name=$1 project=$2
  local args=(publish "$PG_ROOT/$project/$project.csproj" -c Release -t:PublishContainer "-p:ContainerImageTag=$PG_TAG")
  if [[ -n $PG_REGISTRY ]]; then
    args+=("-p:ContainerRegistry=$PG_REGISTRY_HOST" "-p:ContainerRepository=${PG_REGISTRY_PATH:+$PG_REGISTRY_PATH/}polargrid/$name")
    if $PG_REGISTRY_INSECURE; then
      # The registry speaks plain HTTP (MicroK8s' own registry add-on does): the SDK must be told it may.
      pg_run env "DOTNET_CONTAINER_INSECURE_REGISTRIES=$PG_REGISTRY_HOST" "$DOTNET" "${args[@]}"
    else
      pg_run "$DOTNET" "${args[@]}"
    fi
  else
    local archive="$PG_WORK_ROOT/images/$name-$PG_TAG.tar.gz"
    pg_run "$DOTNET" "${args[@]}" "-p:ContainerArchiveOutputPath=$archive"
    pg_run "$MICROK8S" ctr image import "$archive"
  fi
}

# The full reference the manifests will use for polargrid/$1.
pg_image_ref() {
  if [[ -n $PG_REGISTRY ]]; then
    printf '%s/%spolargrid/%s:%s' "$PG_REGISTRY_HOST" "${PG_REGISTRY_PATH:+$PG_REGISTRY_PATH/}" "$1" "$PG_TAG"
  else
    printf 'polargrid/%s:%s' "$1" "$PG_TAG"
  fi
}

# A kustomization in folder $1 over overlay $2 (a relative path: kustomize refuses absolute ones) that only points the
# images at this deploy's registry and tag; the committed overlay stays as emitted.
pg_kustomization_for() {
  local spec name
  printf '# Written by deploy/%s for this deploy; not committed.\n' "$(basename -- "$0")"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n'
  printf -- '- %s\n' "$(realpath -m --relative-to="$1" -- "$2")"
  printf 'images:\n'
  for spec in "${PG_IMAGES[@]}"; do
    name=${spec%%|*}
    local ref
    ref=$(pg_image_ref "$name")
    printf -- '- name: polargrid/%s\n  newName: %s\n  newTag: "%s"\n' "$name" "${ref%:*}" "$PG_TAG"
  done
}

# Prints where each secret input comes from and, unless --dry-run, writes it into folder $1; values are never shown.
pg_write_secrets() {
  local dir=$1 spec name
  for spec in "${PG_SECRETS[@]}"; do
    name=${spec%%|*}
    printf '   %-24s %s\n' "$name" "$(pg_describe_source "$name")"
    if ! $PG_DRY_RUN; then
      pg_copy_secret "$name" "$dir"
    fi
  done
}

# Writes every secret input into folder $1 silently, an empty stand-in for a missing one (its check already failed),
# so the render can check the rest of the overlay.
pg_stage_secrets() {
  local dir=$1 spec
  for spec in "${PG_SECRETS[@]}"; do
    pg_copy_secret "${spec%%|*}" "$dir"
  done
}

# Secret input $1 into folder $2, created with umask 077, replaced in one rename.
pg_copy_secret() {
  local name=$1 dir=$2
  (
    umask 077
    mkdir -p -- "$dir"
    case ${PG_SECRET_SOURCE[$name]:-empty} in
      env) awk 'BEGIN { printf "%s", ENVIRON[ARGV[1]]; exit }' "${PG_SECRET_REF[$name]}" >"$dir/$name.tmp" ;;
      file | kept) cat -- "${PG_SECRET_REF[$name]}" >"$dir/$name.tmp" ;;
      empty) : >"$dir/$name.tmp" ;;
    esac
    chmod 600 -- "$dir/$name.tmp"
    mv -f -- "$dir/$name.tmp" "$dir/$name"
  )
}

pg_wait_healthy() {
  local what=$1 path=$2 attempt
  # A pod that just became ready may still be warming its checks (Triton loading): give it a minute.
  for attempt in $(seq 1 30); do
    if pg_kube_raw "$path" >/dev/null 2>"$PG_TEMP/kubectl.err"; then
      printf '   %s healthy\n' "$what"
      return
    fi
    ((attempt < 30)) && sleep 2
  done
  pg_die "$what is not healthy after a minute: $(pg_first_error)"
}

# --- helpers ---------------------------------------------------------------------------------------------------------

pg_kube_raw() {
  "$KUBECTL" --context "$PG_CONTEXT" --request-timeout=15s get --raw "$1"
}

pg_first_error() {
  local line
  line=$(grep -v '^[[:space:]]*$' "$PG_TEMP/kubectl.err" | head -n 1) || true
  printf '%s' "${line:-no detail}"
}

# JSON without whitespace, so the checks match both compact and indented bodies. Only keys and simple values are
# matched afterwards, never text that could hold spaces.
pg_compact() { tr -d '[:space:]'; }

pg_json_string() {
  pg_compact | sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

# True when environment variable $1 is set and not empty, without expanding it in the shell.
pg_env_has_value() {
  awk 'BEGIN { exit !(length(ENVIRON[ARGV[1]]) > 0) }' "$1"
}

pg_join() {
  local separator=$1 first=true item
  shift
  (($# > 0)) || { printf 'none'; return; }
  for item in "$@"; do
    $first || printf '%s' "$separator"
    printf '%s' "$item"
    first=false
  done
}

pg_quote() {
  local quoted
  printf -v quoted '%q ' "$@"
  printf '%s' "${quoted% }"
}
