#!/usr/bin/env bash
# Installs the Debian packages m2v needs to build and test (as root, or with sudo), skipping
# those already present:
#   pkg-config   - `pkg-config --cflags --libs m2v` for C users and the examples
#   gcc, make    - the C example, the C test suite and the Python extension's C glue
#   libopenblas-dev, liblapacke-dev - BLAS/LAPACK for the distiller (teacher forward pass, PCA)
#   libonig5     - Oniguruma, the regex engine of tokenizer.json Split/Replace patterns (as HF
#                  tokenizers); loaded at run time, bundled into the wheel and the C tarball
#   python3-venv - the virtualenv with the reference (model2vec) for differential tests
#   openjdk-17-jre-headless - Spark local[2] in the scaling tests (only if java is missing)
#   openjdk-17-jdk-headless - javac and jni.h for the Java binding's `make test-java` (only if
#                  javac is missing)
#   valgrind     - memcheck and the leak cycles of `make test-asan` (only if missing)
#   golang-go    - Go (bookworm: 1.19) for the cgo binding's `make test-go` (only if go is missing)
#   nodejs, libnode-dev - Node.js and node_api.h for bindings/node's `make test-node` (only if
#                  missing)
# The Swift toolchain itself is expected on PATH (swift.org toolchain, 6.x).
set -euo pipefail
pkgs=(pkg-config gcc make libopenblas-dev liblapacke-dev libonig5)
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then pkgs+=(python3-venv); fi
# valgrind for the sanitizer/leak run of make test (test-asan).
if ! command -v valgrind >/dev/null; then pkgs+=(valgrind); fi
# Java 17+ for the Spark tests (make test-scaling); only when no java is on PATH.
if ! command -v java >/dev/null; then pkgs+=(openjdk-17-jre-headless); fi
# A JDK (javac, jni.h) for the Java binding bindings/java (make test-java); only when no javac.
if ! command -v javac >/dev/null; then pkgs+=(openjdk-17-jdk-headless); fi
# Go for the cgo binding bindings/go (make test-go); only when no go is on PATH.
if ! command -v go >/dev/null; then pkgs+=(golang-go); fi
# Node.js and its Node-API headers for bindings/node (make test-node): both when no node is on
# PATH, else only the headers when neither the node installation nor /usr/include/node has them.
if ! command -v node >/dev/null; then pkgs+=(nodejs libnode-dev)
elif ! "$(dirname "$0")/node_api_dir.sh" >/dev/null; then pkgs+=(libnode-dev); fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift not found on PATH (install a Swift 6 toolchain)" >&2; exit 1; }
echo "setup: system packages OK ($(swift --version 2>&1 | head -1))"
