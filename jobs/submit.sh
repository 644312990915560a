#!/usr/bin/env bash
# Submit a clue-ray sweep with `ray job submit`, shipping this checkout as the working dir.
#
#   jobs/submit.sh [--address URL] [--no-wait] [key=value ...]
#   jobs/submit.sh experiment=demo output_dir=/tmp/results
#   jobs/submit.sh --address http://head:8265 experiment=clue
#
# Address: --address, else $RAY_ADDRESS, else the local head's dashboard (127.0.0.1:8265).
# Authentication: Ray 2.60 protects a head with a token once ~/.ray/auth_token exists (a local
# `ray start --head` or `ray.init()` writes it). This script never turns that off: when the
# token file (or $RAY_AUTH_TOKEN) exists and RAY_AUTH_MODE is unset, it sets
# RAY_AUTH_MODE=token so the Ray CLI sends the token.
# The job runs `$CLUE_RAY_PYTHON -m clue_ray.cli run ...` (default: python) on the head.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
address="${RAY_ADDRESS:-http://127.0.0.1:8265}"
wait_flag=()
overrides=()
print_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --address) address="$2"; shift 2 ;;
    --address=*) address="${1#*=}"; shift ;;
    --no-wait) wait_flag=(--no-wait); shift ;;
    --print-entrypoint) print_only=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) overrides+=("$1"); shift ;;
  esac
done

# `ray job submit` shell-quotes each word after `--` (shlex.join) and runs the result with
# /bin/sh, so the command goes to it as separate words; one quoted string would be run as a
# single program name ("...: not found", exit 127).
job_argv=("${CLUE_RAY_PYTHON:-python}" -m clue_ray.cli run "${overrides[@]+"${overrides[@]}"}")
entrypoint="${CLUE_RAY_PYTHON:-python} -m clue_ray.cli run"
for arg in "${overrides[@]+"${overrides[@]}"}"; do
  entrypoint+=" $(printf '%q' "$arg")"
done
if [ "$print_only" = 1 ]; then
  echo "$entrypoint"
  exit 0
fi

token_file="${RAY_AUTH_TOKEN_PATH:-$HOME/.ray/auth_token}"
if [ -z "${RAY_AUTH_MODE:-}" ] && { [ -n "${RAY_AUTH_TOKEN:-}" ] || [ -f "$token_file" ]; }; then
  export RAY_AUTH_MODE=token
fi

# Ray leaves out what .gitignore lists when it packs the working dir, and that would drop the
# demo's data/ and artifacts/; jobs/runtime_env.yaml's excludes list the rest of .gitignore.
export RAY_RUNTIME_ENV_IGNORE_GITIGNORE="${RAY_RUNTIME_ENV_IGNORE_GITIGNORE:-1}"

ray_cli="${RAY_CLI:-}"
if [ -z "$ray_cli" ]; then
  if [ -x "$repo/.venv/bin/ray" ]; then ray_cli="$repo/.venv/bin/ray"; else ray_cli="ray"; fi
fi

exec "$ray_cli" job submit \
  --address "$address" \
  --working-dir "$repo" \
  --runtime-env "$repo/jobs/runtime_env.yaml" \
  "${wait_flag[@]+"${wait_flag[@]}"}" \
  -- "${job_argv[@]}"
