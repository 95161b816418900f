#!/bin/sh
# Builds src/scripting/lua.wasm from vendor/lua (Redis 7.2.4's deps/lua, patched:
# see vendor/lua/README-redoubt.md) and src/scripting/native/redoubt-lua.c.
#
# Toolchain: Debian bookworm's clang 14, lld and wasi-libc
#   apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
# The .wasm is committed so `npm ci` needs no C toolchain;
# test/scripting/wasm-rebuild.test.ts rebuilds it and compares byte for byte.
#
# Usage: scripts/build-lua-wasm.sh [output]   (default: src/scripting/lua.wasm)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-"$ROOT/src/scripting/lua.wasm"}
CC=${CC:-clang}
LUA="$ROOT/vendor/lua/src"

# Lua core, the libraries Redis loads (base, table, string, math) and Redis's
# additions. Not compiled: loadlib.c, liolib.c, loslib.c (no module loading,
# files or processes), ldblib.c (Redis removes `debug` after set-up), linit.c,
# and the stand-alone interpreter/compiler (lua.c, luac.c, print.c).
SOURCES="lapi.c lcode.c ldebug.c ldo.c ldump.c lfunc.c lgc.c llex.c lmem.c
  lobject.c lopcodes.c lparser.c lstate.c lstring.c ltable.c ltm.c lundump.c
  lvm.c lzio.c strbuf.c fpconv.c lauxlib.c lbaselib.c ltablib.c lstrlib.c
  lmathlib.c lua_cjson.c lua_struct.c lua_cmsgpack.c lua_bit.c"

FILES=""
for f in $SOURCES; do FILES="$FILES $LUA/$f"; done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# -DLUA_ANSI -DENABLE_CJSON_GLOBAL: as Redis 7.2.4's deps/Makefile (cjson is a global).
# -DLUA_USELONGLONG: lua_Integer and string.format's %d are 64 bits as on LP64.
# -DSTRUCT_INT: struct.pack/unpack integers are 64 bits as on LP64.
# -DLUA_REDOUBT_WASM: errors unwind through host imports (no setjmp in wasi-libc),
#   double -> integer conversions give x86-64's results instead of trapping.
# -mnontrapping-fptoint: any other float -> int cast saturates instead of trapping.
# -ffile-prefix-map / -fdebug-prefix-map: no build path in the output.
# Linker: reactor (no main), a 1 MiB stack placed first so an overflow traps
# instead of overwriting data, a hard 256 MiB ceiling on linear memory, and the
# function table and stack pointer exported for the host's protected calls.
# shellcheck disable=SC2086
"$CC" --target=wasm32-wasi -mexec-model=reactor \
  -O2 -std=gnu99 -w \
  -mnontrapping-fptoint \
  -DLUA_ANSI -DENABLE_CJSON_GLOBAL \
  -DLUA_USELONGLONG -DLUA_REDOUBT_WASM '-DSTRUCT_INT=long long' \
  -DNDEBUG \
  -ffile-prefix-map="$ROOT"=. -fdebug-prefix-map="$ROOT"=. \
  -I"$LUA" \
  $FILES "$ROOT/src/scripting/native/redoubt-lua.c" \
  -Wl,--stack-first -Wl,-z,stack-size=1048576 \
  -Wl,--initial-memory=2097152 -Wl,--max-memory=268435456 \
  -Wl,--export-table -Wl,--export=__stack_pointer \
  -Wl,--strip-debug \
  -o "$TMP/lua.wasm"

mkdir -p "$(dirname "$OUT")"
cp "$TMP/lua.wasm" "$OUT"
echo "built $OUT ($(wc -c < "$OUT") bytes)"
