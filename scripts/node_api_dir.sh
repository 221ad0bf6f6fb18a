#!/usr/bin/env bash
# Prints the folder holding node_api.h for the addon of bindings/node: the headers that come with
# the `node` on PATH (<prefix>/include/node, as nodejs.org and NodeSource builds install them),
# else Debian's libnode-dev (/usr/include/node). Exit 1, printing nothing, when neither has it.
# Used by `make node`, scripts/dist.sh and scripts/setup.sh (which installs libnode-dev then).
set -euo pipefail
NODE=${NODE:-node}
if command -v "$NODE" >/dev/null; then
  dir=$("$NODE" -p "require('path').resolve(process.execPath, '../../include/node')" 2>/dev/null || true)
  if [ -n "$dir" ] && [ -f "$dir/node_api.h" ]; then echo "$dir"; exit 0; fi
fi
if [ -f /usr/include/node/node_api.h ]; then echo /usr/include/node; exit 0; fi
exit 1
