#!/usr/bin/env bash
# One-time setup, idempotent and fast when already done (what `make setup` runs):
#   1. system packages: bubblewrap (the default sandbox), Chromium + chromedriver (GUI tasks, report
#      tests), python3.11-doc (the web search corpus)                [root: apt-get]
#   2. .venv with scaleagent and its dev/humaneval/web/gui/bench extras
#   3. llama-cpp-python, built once with the flags this CPU family needs, wheel cached
# Models are installed separately by scripts/build_models.py (see the Makefile).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
CACHE="${SCALEAGENT_HOME:-$HOME/.cache/scaleagent}"
WHEELS="$CACHE/wheels"
LLAMA_VERSION=0.3.36
log() { echo "setup: $*" >&2; }

# 1. bubblewrap (+ prlimit/setpriv from util-linux, pgrep from procps for the escape tests)
if ! command -v bwrap >/dev/null 2>&1 || ! command -v prlimit >/dev/null 2>&1 || ! command -v pgrep >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    log "installing bubblewrap util-linux procps"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap util-linux procps >/dev/null
  else
    log "bubblewrap is missing: run 'sudo apt-get install bubblewrap' (or use --sandbox docker|local)"
  fi
fi
# 1b. Debian's Chromium and its driver (never a browser download at run time) and the Python docs
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
   || [ ! -f /usr/share/doc/python3.11/html/index.html ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing chromium chromium-driver python3.11-doc"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver python3.11-doc >/dev/null
  else
    log "chromium/chromium-driver/python3.11-doc missing: run 'sudo apt-get install chromium chromium-driver python3.11-doc'"
  fi
fi

# 2. the virtual environment
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
log "installing scaleagent[dev,humaneval,web,gui,bench] (editable)"
"$VENV/bin/pip" install -q -e ".[dev,humaneval,web,gui,bench]"

# 3. llama-cpp-python, built for the instruction sets this CPU really has: a native build crashes
#    on CPUs that report AMX (ggml's AMX kernels), and a wheel built with AVX-512 dies with SIGILL on
#    CPUs without it. The wheel is cached per instruction-set signature.
cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { case " $cpu_flags " in *" $1 "*) echo ON ;; *) echo OFF ;; esac; }
CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=$(has avx) -DGGML_AVX2=$(has avx2) -DGGML_FMA=$(has fma) \
-DGGML_F16C=$(has f16c) -DGGML_BMI2=$(has bmi2) -DGGML_AVX512=$(has avx512f) -DGGML_AVX512_VBMI=$(has avx512vbmi) \
-DGGML_AVX512_VNNI=$(has avx512_vnni) -DGGML_AVX512_BF16=$(has avx512_bf16) -DGGML_AVX_VNNI=$(has avx_vnni) \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
sig=$(echo "$LLAMA_VERSION $CMAKE_ARGS" | sha256sum | cut -c1-12)
if ! "$VENV/bin/python" -c "import llama_cpp" >/dev/null 2>&1 || [ "$(cat "$VENV/.llama-sig" 2>/dev/null)" != "$sig" ]; then
  dir="$WHEELS/llama-$sig"
  mkdir -p "$dir"
  wheel=$(ls "$dir"/llama_cpp_python-$LLAMA_VERSION-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    log "building llama-cpp-python $LLAMA_VERSION for this CPU (several minutes, once): $CMAKE_ARGS"
    CMAKE_ARGS="$CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
      "$VENV/bin/pip" wheel -q --no-cache-dir --no-binary llama-cpp-python --no-deps -w "$dir" "llama-cpp-python==$LLAMA_VERSION"
    wheel=$(ls "$dir"/llama_cpp_python-$LLAMA_VERSION-*.whl | head -n 1)
  fi
  "$VENV/bin/pip" uninstall -q -y llama-cpp-python >/dev/null 2>&1 || true  # a build for another CPU
  "$VENV/bin/pip" install -q "$wheel"
  echo "$sig" > "$VENV/.llama-sig"
fi
log "done"
