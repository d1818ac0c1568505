#!/usr/bin/env bash
# Every check that only a GPU can show, as one command from the project root on a bare GPU node without internet.
#
#   bash tests/benchmarks/gpu_check.sh [--wheels DIR] [gpu_check.py options: --only, --limit, --peak-tflops, --out, --list]
#
# --wheels DIR (default: .whl, when it exists): wheels of the packages the node's image lacks (deepspeed, datatrove,
# pydantic, loguru, ...; tests/benchmarks/gpu_wheels.sh downloads them on a machine with internet). They are
# installed with --no-index --no-deps into a folder of their own that goes first on PYTHONPATH, so the image's
# torch and CUDA stay as they are. Then tests/benchmarks/gpu_check.py runs the checks (its docstring lists them)
# with the venv's python if the checkout has one, else python3. Without a CUDA GPU it exits 2 at once, one line.
set -uo pipefail
cd "$(dirname "$0")/../.."
wheels=""
[ -d .whl ] && wheels=.whl
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --wheels) [ $# -ge 2 ] || { echo "gpu_check: --wheels needs a folder" >&2; exit 64; }; wheels="$2"; shift 2 ;;
    --wheels=*) wheels="${1#--wheels=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
if [ -n "$wheels" ]; then
  [ -d "$wheels" ] || { echo "gpu_check: --wheels $wheels is not a folder" >&2; exit 64; }
  shopt -s nullglob
  files=("$wheels"/*.whl)
  if [ ${#files[@]} -gt 0 ]; then
    site="${TMPDIR:-/tmp}/gpu_check_site"
    echo "gpu_check: installing ${#files[@]} wheels from $wheels into $site" >&2
    if ! "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "${files[@]}" >&2; then
      echo "gpu_check: installing the wheels of $wheels failed (see pip's message above)" >&2
      exit 3
    fi
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
  fi
fi
exec "$python" tests/benchmarks/gpu_check.py ${args[@]+"${args[@]}"}
