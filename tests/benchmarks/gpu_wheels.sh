#!/usr/bin/env bash
# Wheels of the Python packages a bare GPU image lacks, for `gpu_check.sh --wheels DIR`. Run here, where pip reaches
# the package index, from the project root with the project's venv installed:
#
#   bash tests/benchmarks/gpu_wheels.sh [DIR=.whl] [PYTHON_VERSION=3.12]
#
# The versions are the ones this checkout's venv runs (tested together). deepspeed is published as a source archive
# only, so it is built here into a wheel without its CUDA ops (DS_BUILD_OPS=0: they are JIT-built on the node, as
# pip install would leave them); the others are downloaded for the node's Python and x86-64 Linux. What the GPU
# image already has (torch, transformers, accelerate, numpy, ninja, psutil, py-cpuinfo, msgpack, pyyaml, ...) is not
# fetched: a second copy would shadow the image's. Not fetched because no wheel fits an arbitrary image: flash-attn
# (source only, compiled against the node's torch and CUDA) and vllm (pinned to one torch build); the checks say
# when they ran without them.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-.whl}
pyver=${2:-3.12}
venv_python=.venv/bin/python
[ -x "$venv_python" ] || { echo "gpu_wheels: no .venv here; run the README's first command first" >&2; exit 1; }
version() { "$venv_python" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$1"; }
mkdir -p "$dir"
pure=(hjson loguru annotated-types typing-inspection typing-extensions pydantic)
binary=(pydantic-core)
specs=()
for name in "${pure[@]}" "${binary[@]}"; do specs+=("$name==$(version "$name")"); done
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
  platforms+=(--platform "$p")
done
"$venv_python" -m pip download -q --no-deps --only-binary=:all: --python-version "$pyver" --implementation cp \
  "${platforms[@]}" -d "$dir" "${specs[@]}"
DS_BUILD_OPS=0 "$venv_python" -m pip wheel -q --no-deps --no-build-isolation -w "$dir" "deepspeed==$(version deepspeed)"
ls -1 "$dir"/*.whl
du -sh "$dir"
