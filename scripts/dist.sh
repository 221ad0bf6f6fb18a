#!/usr/bin/env bash
# Builds the C tarball dist/m2v-<version>-linux-<arch>.tar.gz: the release libm2v.so with its
# header, a relocatable pkg-config file and the C examples, for C/C++ users without Swift.
#
#   m2v-<version>-linux-<arch>/
#     lib/libm2v.so.<version>        the library (debug sections stripped)
#     lib/libm2v.so.0 -> ...         the soname, lib/libm2v.so -> libm2v.so.0 for -lm2v
#     lib/libonig.so.5(.LICENSE)     Oniguruma (BSD-2), loaded by libm2v for tokenizer regexes
#     lib/pkgconfig/m2v.pc           prefix=${pcfiledir}/../..: valid wherever the tree is
#     bin/m2v                        the m2v command (rpath $ORIGIN/../lib)
#     include/m2v.h                  the API and its documentation
#     examples/example.c, distill.c  bindings/c
#     node/                          the Node.js package (bindings/node; addon rpath $ORIGIN/../../../lib)
#     java/m2v.jar, libm2v_jni.so    the Java binding (bindings/java; JNI rpath $ORIGIN/../lib)
#     README.txt
#
# Untar anywhere, then: PKG_CONFIG_PATH=$PWD/m2v-<version>-linux-<arch>/lib/pkgconfig \
#   cc app.c $(pkg-config --cflags --libs m2v)   (the .pc adds an rpath to its lib/ folder).
# Input: the release library installed under PREFIX (`make install`). Usage: scripts/dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PREFIX=${PREFIX:-$ROOT/build/prefix}
version=$(sed -n 's/^#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
arch=$(uname -m)
name=m2v-$version-linux-$arch
lib=$PREFIX/lib/libm2v.so.$version
[ -f "$lib" ] || { echo "dist.sh: $lib missing (run make install)" >&2; exit 1; }

stage=$ROOT/build/dist
rm -rf "$stage"
top=$stage/$name
mkdir -p "$top/lib/pkgconfig" "$top/include" "$top/examples" "$top/bin"
[ -x "$PREFIX/bin/m2v" ] || { echo "dist.sh: $PREFIX/bin/m2v missing (run make install)" >&2; exit 1; }
install -m 755 "$PREFIX/bin/m2v" "$top/bin/m2v"
strip --strip-debug "$top/bin/m2v"
install -m 755 "$lib" "$top/lib/libm2v.so.$version"
strip --strip-debug "$top/lib/libm2v.so.$version"
ln -s "libm2v.so.$version" "$top/lib/libm2v.so.0"
ln -s libm2v.so.0 "$top/lib/libm2v.so"
# Oniguruma for tokenizer.json regexes (libm2v loads it from its own folder first).
scripts/libonig.sh "$top/lib" >/dev/null
install -m 644 include/m2v.h "$top/include/"
# pkg-config expands ${pcfiledir} to the folder it read the .pc file from.
sed -e 's|@PREFIX@|${pcfiledir}/../..|' -e "s|@VERSION@|$version|" pkgconfig/m2v.pc.in > "$top/lib/pkgconfig/m2v.pc"
install -m 644 bindings/c/*.c "$top/examples/"
# The Node.js package (bindings/node), its addon linked to this tree's lib/ ($ORIGIN rpath).
# M2V_DIST_NO_NODE=1 builds the tarball without it on a machine without node_api.h.
if [ "${M2V_DIST_NO_NODE:-0}" != 1 ]; then
  napi=$(scripts/node_api_dir.sh) || { echo "dist.sh: node_api.h not found (make setup installs libnode-dev; M2V_DIST_NO_NODE=1 leaves node/ out)" >&2; exit 1; }
  mkdir -p "$top/node/build/Release" "$top/node/src"
  install -m 644 bindings/node/index.js bindings/node/index.d.ts bindings/node/package.json bindings/node/README.md "$top/node/"
  install -m 644 bindings/node/src/m2v_node.c "$top/node/src/"
  ${CC:-cc} -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -DNODE_GYP_MODULE_NAME=m2v_node -I"$napi" -I"$top/include" \
    bindings/node/src/m2v_node.c -L"$top/lib" -lm2v -Wl,-rpath,'$ORIGIN/../../../lib' -o "$top/node/build/Release/m2v_node.node"
  strip --strip-debug "$top/node/build/Release/m2v_node.node"
fi
# The Java binding (bindings/java): the jar and its JNI library, bound to this tree's lib/.
# M2V_DIST_NO_JAVA=1 builds the tarball without it on a machine without a JDK.
if [ "${M2V_DIST_NO_JAVA:-0}" != 1 ]; then
  javac_path=$(readlink -f "$(command -v javac)" 2>/dev/null) || true
  jdk=${javac_path:+$(dirname "$(dirname "$javac_path")")}
  [ -n "$jdk" ] && [ -f "$jdk/include/jni.h" ] || { echo "dist.sh: no JDK (javac, jni.h; make setup installs openjdk-17-jdk-headless; M2V_DIST_NO_JAVA=1 leaves java/ out)" >&2; exit 1; }
  mkdir -p "$top/java" "$stage/java-classes"
  "$jdk/bin/javac" --release 11 -encoding UTF-8 -Xlint:all -Werror -d "$stage/java-classes" bindings/java/src/main/java/io/m2v/*.java
  "$jdk/bin/jar" --create --file "$top/java/m2v.jar" -C "$stage/java-classes" .
  rm -rf "$stage/java-classes"
  install -m 644 bindings/java/README.md "$top/java/"
  ${CC:-cc} -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -I"$jdk/include" -I"$jdk/include/linux" -I"$top/include" \
    bindings/java/jni/m2v_jni.c -L"$top/lib" -lm2v -Wl,-rpath,'$ORIGIN/../lib' -o "$top/java/libm2v_jni.so"
  strip --strip-debug "$top/java/libm2v_jni.so"
fi
cat > "$top/README.txt" <<EOF
m2v $version — Model2Vec static embeddings as a C library (libm2v.so), linux-$arch.

Needs glibc >= 2.35 (Debian 12, Ubuntu 22.04 and newer) and libstdc++/libgcc_s; no Swift
toolchain. The distiller (m2v_distill) also needs OpenBLAS and LAPACKE at run time (Debian:
libopenblas0 liblapacke), loaded on first use; encoding does not. lib/libonig.so.5 is
Oniguruma (BSD-2-Clause, license in lib/libonig.so.5.LICENSE), which libm2v loads from its own
folder for tokenizer.json Split/Replace regexes it does not match by hand.

Build a program against this folder, wherever it was unpacked (use an absolute path: pkg-config
derives the prefix from it, and the .pc file records lib/ as the program's rpath):

  export PKG_CONFIG_PATH=/abs/path/to/$name/lib/pkgconfig
  cc -std=c99 examples/example.c \$(pkg-config --cflags --libs m2v) -lm -o example
  ./example path/to/model2vec-folder

The m2v command (bin/m2v: encode, tokenize, distill, info, similar; bin/m2v --help):

  ./$name/bin/m2v encode path/to/model2vec-folder texts.txt --out vectors.npy

Node.js (node/, the package of bindings/node; its addon loads this tree's lib/):

  node -e "const m2v = require('/abs/path/to/$name/node'); console.log(m2v.version())"

Java 11+ (java/: the jar of bindings/java and its JNI library, which loads this tree's lib/):

  java -Djava.library.path=/abs/path/to/$name/java -cp /abs/path/to/$name/java/m2v.jar:. App

The API and its documentation: include/m2v.h.
EOF

mkdir -p dist
out=dist/$name.tar.gz
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out" "$name"
# Check: the .pc file is relocatable and the archive has what the layout above lists.
grep -q '^prefix=${pcfiledir}/../..$' "$top/lib/pkgconfig/m2v.pc"
listing=$(tar -tzf "$out")
for f in lib/libm2v.so lib/libm2v.so.0 "lib/libm2v.so.$version" lib/libonig.so.5 lib/libonig.so.5.LICENSE \
         lib/pkgconfig/m2v.pc include/m2v.h examples/example.c bin/m2v \
         $([ "${M2V_DIST_NO_NODE:-0}" = 1 ] || echo node/index.js node/package.json node/build/Release/m2v_node.node) \
         $([ "${M2V_DIST_NO_JAVA:-0}" = 1 ] || echo java/m2v.jar java/libm2v_jni.so); do
  grep -qxF "$name/$f" <<<"$listing" || { echo "dist.sh: $out lacks $f" >&2; exit 1; }
done
echo "dist.sh: $out ($(du -h "$out" | cut -f1))"
