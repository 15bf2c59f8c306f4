#!/usr/bin/env bash
# One-time setup, idempotent and fast when already done (what `make setup` runs):
#   1. system packages: bubblewrap (the default sandbox)          [root: apt-get]
#   2. .venv with scaleagent and its dev/humaneval extras
#   3. llama-cpp-python, built once with the flags this CPU family needs, wheel cached
# Models are installed separately by scripts/build_models.py (see the Makefile).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
CACHE="${SCALEAGENT_HOME:-$HOME/.cache/scaleagent}"
WHEELS="$CACHE/wheels"
LLAMA_VERSION=0.3.36
log() { echo "setup: $*" >&2; }

# 1. bubblewrap
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    log "installing bubblewrap"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null
  else
    log "bubblewrap is missing: run 'sudo apt-get install bubblewrap' (or use --sandbox docker|local)"
  fi
fi

# 2. the virtual environment
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
log "installing scaleagent[dev,humaneval] (editable)"
"$VENV/bin/pip" install -q -e ".[dev,humaneval]"

# 3. llama-cpp-python. The default build crashes on CPUs that report AMX (ggml's AMX kernels), so
#    build without AMX and with the AVX-512 family explicitly; cache the wheel across venvs.
if ! "$VENV/bin/python" -c "import llama_cpp" >/dev/null 2>&1; then
  mkdir -p "$WHEELS"
  wheel=$(ls "$WHEELS"/llama_cpp_python-$LLAMA_VERSION-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    log "building llama-cpp-python $LLAMA_VERSION (several minutes, once)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AVX_VNNI=ON \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
      "$VENV/bin/pip" wheel -q --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
    wheel=$(ls "$WHEELS"/llama_cpp_python-$LLAMA_VERSION-*.whl | head -n 1)
  fi
  "$VENV/bin/pip" install -q "$wheel"
fi
log "done"
