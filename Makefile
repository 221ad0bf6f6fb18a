# m2v — the two commands are `make run` (setup + build + main job) and `make test`.
SHELL := /bin/bash
PREFIX  ?= $(CURDIR)/build/prefix
VENV    ?= $(CURDIR)/.venv
VERSION := $(shell sed -n 's/^\#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
PKG     := PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig:$$PKG_CONFIG_PATH pkg-config
CC      ?= cc

.PHONY: all setup build install example venv test test-swift test-c run clean

all: build

setup:
	scripts/setup.sh

build:
	scripts/build.sh

# Installs libm2v.so, m2v.h and m2v.pc under PREFIX (default ./build/prefix).
install: build
	mkdir -p $(PREFIX)/lib/pkgconfig $(PREFIX)/include
	cp -P build/lib/libm2v.so build/lib/libm2v.so.0 build/lib/libm2v.so.$(VERSION) $(PREFIX)/lib/
	cp include/m2v.h $(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' pkgconfig/m2v.pc.in > $(PREFIX)/lib/pkgconfig/m2v.pc
	@echo "installed m2v $(VERSION) into $(PREFIX)"

# The C example, built only through pkg-config.
example: install
	$(CC) -std=c99 -Wall -Wextra -O2 bindings/c/example.c $$($(PKG) --cflags --libs m2v) -lm -o build/example

venv:
	VENV=$(VENV) scripts/venv.sh

test-swift:
	swift test --scratch-path .build 2>&1 | tee build/swift-test.log | grep -vE '^\[[0-9]+/[0-9]+\]|^Test Case .* (started|passed)' ; exit $${PIPESTATUS[0]}

test-c: install
	$(CC) -std=c99 -Wall -Wextra -Werror -O1 -g Tests/c/test_api.c $$($(PKG) --cflags --libs m2v) -lpthread -lm -o build/test_api
	build/test_api

test: setup venv install example
	@mkdir -p build
	$(MAKE) --no-print-directory test-swift
	$(MAKE) --no-print-directory test-c
	$(MAKE) --no-print-directory test-python

run: setup example
	scripts/run.sh

clean:
	rm -rf build .build .build-release

# The Python extension m2v_native (bindings/python), compiled against the installed libm2v
# (M2V_PREFIX) and installed into $(VENV); it carries an rpath, so no LD_LIBRARY_PATH is needed.
# The venv's own setuptools builds it when present (works offline), else pip's isolated build.
.PHONY: python test-python
python: install venv
	M2V_PREFIX=$(PREFIX) $(VENV)/bin/pip install -q $$($(VENV)/bin/python -c 'import setuptools' 2>/dev/null && echo --no-build-isolation) ./bindings/python

test-python: python
	$(VENV)/bin/python -m pytest -q bindings/python/tests

# The benchmark against model2vec / HF tokenizers (bench/README.md). Quick: make bench BENCH_ARGS=--quick
.PHONY: bench
bench:
	bench/run.sh $(BENCH_ARGS)
