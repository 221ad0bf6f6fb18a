#!/usr/bin/env bash
# Builds the self-contained release libm2v.so (Swift runtime linked statically, only m2v_*
# exported) into build/lib/, and checks both properties; then the `m2v` command, linked against
# that library, into build/bin/m2v. Usage: scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
M2V_STATIC=1 swift build -c release --product m2v --scratch-path .build-release "$@"
bin=$(M2V_STATIC=1 swift build -c release --scratch-path .build-release --show-bin-path)
version=$(sed -n 's/^#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
mkdir -p build/lib
install -m 755 "$bin/libm2v.so" "build/lib/libm2v.so.$version"  # new inode: running users keep theirs
ln -sf "libm2v.so.$version" build/lib/libm2v.so.0
ln -sf libm2v.so.0 build/lib/libm2v.so
# Self-containment: nothing from the Swift toolchain may be needed at run time.
if ldd build/lib/libm2v.so | grep -E 'swift|Foundation|dispatch' ; then
  echo "build.sh: libm2v.so depends on the Swift toolchain (see above)" >&2; exit 1
fi
# Pool workers outlive calls, so dlclose() must not unmap the library (-z nodelete).
if ! readelf -d build/lib/libm2v.so | grep -q 'NODELETE'; then
  echo "build.sh: libm2v.so is not marked NODELETE" >&2; exit 1
fi
bad=$(nm -D --defined-only build/lib/libm2v.so | awk '{print $NF}' | grep -v '^m2v_' | grep -vE '^(_init|_fini)$' || true)
if [ -n "$bad" ]; then
  echo "build.sh: libm2v.so exports non-m2v symbols:" >&2; echo "$bad" | head >&2; exit 1
fi
echo "build.sh: build/lib/libm2v.so.$version ($(du -h build/lib/libm2v.so.$version | cut -f1)), $(nm -D --defined-only build/lib/libm2v.so | wc -l) exported symbols"
# The m2v command: a client of the library just built (Package.swift links it from build/lib).
M2V_STATIC=1 swift build -c release --product m2v-cli --scratch-path .build-release "$@"
mkdir -p build/bin
install -m 755 "$bin/m2v-cli" build/bin/m2v
if ldd build/bin/m2v | grep -E 'swift|Foundation|dispatch' ; then
  echo "build.sh: build/bin/m2v depends on the Swift toolchain (see above)" >&2; exit 1
fi
echo "build.sh: build/bin/m2v ($(du -h build/bin/m2v | cut -f1))"
