#!/usr/bin/env bash
# make test-cluster (issue 19): m2v_native.spark on a Spark standalone cluster (a master and two
# workers) and m2v_native.ray_data on a two-node Ray cluster, all on 127.0.0.1, with
# bindings/python/tests/test_cluster.py. Input: the wheel dist/m2v_native-<version>-*.whl
# (`make wheel`) and $VENV with pytest, pyspark, pyarrow, pandas, ray[data] and venv-pack (the
# Makefile target installs them).
#
# Outside the namespace (network allowed, for pip):
#   1. build/cluster/worker-env: a fresh venv from the venv's base interpreter with only the
#      wheel, numpy and pyarrow (the versions the driver has), packed with venv-pack into
#      build/cluster/worker-env.tar.gz: the Spark executors' Python, shipped with
#      spark.archives=worker-env.tar.gz#env and PYSPARK_PYTHON=./env/bin/python. Rebuilt only
#      when the wheel or those versions change.
#   2. build/cluster/driver-site: the wheel unzipped; PYTHONPATH for the driver (pytest) and the
#      Ray nodes, so that they run the wheel's m2v_native, not whatever $VENV has installed.
# Then pytest runs inside `unshare -n -p -f --mount-proc`: a network namespace with only
#   loopback (Spark and Ray pick the machine's interface address by themselves; here there is
#   only 127.0.0.1, and nothing can reach or leave the clusters), and a PID namespace, so that
#   `ray stop` in the teardown sees (and kills) only this test's Ray processes and every process
#   left over dies with the namespace.
#
# Skips (exit 0) with a message when java, unshare or the namespaces are not available, except
# under CI=true, where that fails. The throughput table is printed at the end
# (build/cluster/throughput.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
OUT=$ROOT/build/cluster
CI=${CI:-}

skip() {
  if [ "$CI" = true ]; then echo "cluster_test.sh: $1 (CI=true: failing)" >&2; exit 1; fi
  echo "cluster_test.sh: SKIPPED: $1"; exit 0
}

version=$(sed -n 's/^#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
whl=$(ls dist/m2v_native-"$version"-cp310-abi3-*.whl 2>/dev/null | head -1 || true)
[ -n "$whl" ] || { echo "cluster_test.sh: no dist/m2v_native-$version-*.whl (run make wheel)" >&2; exit 1; }
"$PY" -c 'import pyspark, ray, pyarrow, venv_pack, pytest' \
  || { echo "cluster_test.sh: $VENV lacks pyspark / ray / pyarrow / venv-pack / pytest (make test-cluster installs them)" >&2; exit 1; }
command -v java >/dev/null || skip "no java (Spark needs Java 17+)"
command -v unshare >/dev/null || skip "no unshare (util-linux)"
unshare -n -p -f --mount-proc sh -c 'ip link set lo up' 2>/dev/null \
  || skip "cannot create network + PID namespaces (unshare -n -p needs root or user namespaces)"

mkdir -p "$OUT"
# 1. The workers' environment.
base=$("$PY" -c 'import sys; print(sys._base_executable)')
pins=$("$PY" -c 'import numpy, pyarrow; print(f"numpy=={numpy.__version__} pyarrow=={pyarrow.__version__}")')
stamp="$(sha256sum "$whl" | cut -d' ' -f1) $base $pins"
if [ ! -f "$OUT/worker-env.tar.gz" ] || [ "$(cat "$OUT/worker-env.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$OUT/worker-env" "$OUT/worker-env.tar.gz" "$OUT/worker-env.stamp"
  "$base" -m venv --without-pip "$OUT/worker-env"
  # $VENV's pip installs into it (--python): the packed env carries no pip / setuptools.
  "$VENV/bin/pip" --python "$OUT/worker-env/bin/python" install -q --disable-pip-version-check "$whl" $pins
  "$VENV/bin/venv-pack" -q -p "$OUT/worker-env" -o "$OUT/worker-env.tar.gz"
  echo "$stamp" > "$OUT/worker-env.stamp"
  echo "cluster_test.sh: packed the workers' venv: $(du -h "$OUT/worker-env.tar.gz" | cut -f1) ($pins + $(basename "$whl"))"
fi
# 2. The driver's (and the Ray nodes') m2v_native: the same wheel, unzipped.
rm -rf "$OUT/driver-site"
"$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$whl" "$OUT/driver-site"
chmod +x "$OUT"/driver-site/m2v_native/*.so* 2>/dev/null || true

rm -f "$OUT/throughput.md"
hostns=$(stat -L -c %i /proc/self/ns/pid)
set +e
unshare -n -p -f --kill-child --mount-proc -- sh -c 'ip link set lo up && "$@"' sh \
  env M2V_CLUSTER=1 M2V_HOST_PIDNS="$hostns" M2V_CLUSTER_ENV="$OUT/worker-env.tar.gz" \
      M2V_CLUSTER_REPORT="$OUT/throughput.md" PYTHONPATH="$OUT/driver-site" \
      "$PY" -m pytest -q -p no:cacheprovider bindings/python/tests/test_cluster.py "$@"
rc=$?
set -e
[ -f "$OUT/throughput.md" ] && cat "$OUT/throughput.md"
exit $rc
