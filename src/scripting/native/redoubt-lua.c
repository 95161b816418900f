/*
 * Redoubt's glue between the vendored Lua 5.1 (vendor/lua, Redis 7.2.4's deps/lua)
 * and the TypeScript host, compiled together into src/scripting/lua.wasm.
 *
 * The instance imports nothing that reaches a file, a process, a clock or the
 * network: its only imports are the functions declared `import_module("host")`
 * below and WASI stubs the host answers with EBADF/ENOSYS. Everything a script
 * can touch lives in this instance's linear memory.
 *
 * Data crosses the boundary as bytes, never as C strings, so keys and values stay
 * binary-safe (embedded NUL, 0xff). Three buffers, all owned by this file:
 *   - scratch: written by the host (call inputs, host-function results),
 *   - args: written here (arguments of a host function call),
 *   - out: written here (a script's result or error object).
 *
 * Value encoding, host -> Lua ("reply" encoding; see src/scripting/wire.ts):
 *   'n' nil  'T' true  'F' false  'd' f64 number  's' u32 len + bytes string
 *   '+' u32 len + bytes status -> {ok=s}
 *   '-' u32 len + bytes error  -> {err=s, ignore_error_stats_update=true}
 *       (a command's error reply: Redis rebuilds the table from "-" + the line)
 *   '!' u32 len + bytes        -> {err=s} as luaPushError builds it (host-made)
 *   '*' u32 count + items      -> array table
 *   '%' u32 count + pairs      -> {map={k=v...}}
 *   '~' u32 count + items      -> {set={k=true...}}
 *   ',' f64                    -> {double=n}
 *   '(' u32 len + bytes        -> {big_number=s}
 *   '=' u32 len + fmt, u32 len + bytes -> {verbatim_string={format=f, string=s}}
 *
 * Value encoding, Lua -> host ("lua" encoding): 'n' 'T' 'F' 'd' 's' as above and
 *   't' table: u8 presence mask of the fields err ok double big_number
 *       verbatim_string map set ignore_error_stats_update (bit i = field i), then each present field's
 *       value, then u32 count + the array items 1..n up to the first nil;
 *       a table reached as the value of `map` or `set` is written 'p':
 *       u32 count + key/value pairs in lua_next order; one reached as the
 *       value of `verbatim_string` is written 'v': its `format` then `string`.
 *   'e' an error object that is a table (a failed call's result): its `err`,
 *       `source`, `line` and `ignore_error_stats_update` values.
 *   'L' the Lua stack could not grow (Redis answers "reached lua stack limit").
 *   'o' any other type (function, userdata, thread): Redis answers nil.
 */

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lstate.h" /* nCcalls/baseCcalls: may this thread yield here? */
#include "ldo.h" /* luaD_canunroll: may it yield across VM-made calls? */
#include "ltable.h" /* reusing KEYS/ARGV: is the table still as it was given? */

#define RD_EXPORT(name) __attribute__((export_name(name)))
#define RD_IMPORT(name) __attribute__((import_module("host"), import_name(name)))

/* Host function: id chosen by the host, arguments in the args buffer.
   Returns 0: push the decoded scratch value and return it; 1: push it and raise
   it as the error; 2: return no value. */
RD_IMPORT("call") extern int rd_host_call(int id, int nargs);
/* The count hook fired: 0 go on, 1 raise the decoded scratch value (kill),
   2 give the host a turn: yield to it if this point may yield, else go on. */
RD_IMPORT("interrupt") extern int rd_host_interrupt(void);
/* lua_atpanic: an error outside any protected call. Never returns (throws). */
RD_IMPORT("panic") extern void rd_host_panic(void);

LUALIB_API int (luaopen_cjson) (lua_State *L);
LUALIB_API int (luaopen_struct) (lua_State *L);
LUALIB_API int (luaopen_cmsgpack) (lua_State *L);
LUALIB_API int (luaopen_bit) (lua_State *L);
/* vendor/lua/src/lstrlib.c (Redoubt patch): the C half of the yieldable gsub */
LUALIB_API int luaredoubt_gsub_prep (lua_State *L);
LUALIB_API int luaredoubt_gsub_match (lua_State *L);

/* ------------------------------------------------------------------------- */
/* Growable byte buffers                                                      */

typedef struct {
  unsigned char *p;
  size_t len, cap;
  int failed; /* an allocation failed: the content is incomplete */
} RdBuf;

static RdBuf scratch_buf, args_buf, out_buf;

static int buf_reserve(RdBuf *b, size_t extra) {
  if (b->failed) return 0;
  if (b->len + extra <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra) {
    if (cap > SIZE_MAX / 2) { b->failed = 1; return 0; }
    cap *= 2;
  }
  unsigned char *p = realloc(b->p, cap);
  if (!p) { b->failed = 1; return 0; }
  b->p = p;
  b->cap = cap;
  return 1;
}

static void buf_put(RdBuf *b, const void *src, size_t n) {
  if (!buf_reserve(b, n)) return;
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

static void buf_u8(RdBuf *b, unsigned char v) { buf_put(b, &v, 1); }
static void buf_u32(RdBuf *b, uint32_t v) { buf_put(b, &v, 4); } /* little endian */
static void buf_f64(RdBuf *b, double v) { buf_put(b, &v, 8); }

static void buf_str(RdBuf *b, const char *s, size_t n) {
  buf_u32(b, (uint32_t)n);
  buf_put(b, s, n);
}

/* The host writes into scratch after asking for room; the pointer may move. */
RD_EXPORT("rd_scratch")
unsigned char *rd_scratch(uint32_t size) {
  scratch_buf.len = 0;
  scratch_buf.failed = 0;
  if (!buf_reserve(&scratch_buf, size)) return NULL;
  return scratch_buf.p;
}

RD_EXPORT("rd_args_ptr") unsigned char *rd_args_ptr(void) { return args_buf.p; }
RD_EXPORT("rd_out_ptr") unsigned char *rd_out_ptr(void) { return out_buf.p; }
RD_EXPORT("rd_out_len") uint32_t rd_out_len(void) { return (uint32_t)out_buf.len; }

/* ------------------------------------------------------------------------- */
/* Per-state data: the counting allocator and Redis's PRNG                    */

/* A pcall coroutine being resumed, and the thread that resumed it. */
typedef struct {
  lua_State *co, *parent;
} RdPcallLink;

/* Nested pcalls stop at Lua's C-call limit (LUAI_MAXCCALLS, 200) well before this. */
#define RD_PCALL_CHAIN_MAX 256

typedef struct {
  size_t used;   /* bytes Lua holds right now */
  size_t limit;  /* growth beyond this fails: Lua raises "not enough memory" */
  uint64_t rand_state; /* 48-bit lrand48 state (Redis's rand.c sequence) */
  int killed;    /* the host asked to stop this script: the hook fires always */
  lua_State *script; /* the thread the running script started on, or NULL */
  int script_ref;    /* its registry reference (keeps it from the collector) */
  lua_State *spare;  /* a thread whose script returned normally, reused by the next start */
  int spare_ref;     /* its registry reference */
  int pausing;       /* the last yield was a pause for the host, not a script's yield */
  int chain_len;     /* pcall coroutines being resumed, outermost first */
  RdPcallLink chain[RD_PCALL_CHAIN_MAX];
} RdVm;

/* Counting in C keeps the host out of every allocation. Only growth is refused:
   Lua assumes a shrink or a free cannot fail. */
static void *rd_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  RdVm *vm = (RdVm *)ud;
  if (nsize == 0) {
    free(ptr);
    vm->used -= osize;
    return NULL;
  }
  if (nsize > osize && vm->used - osize + nsize > vm->limit) return NULL;
  void *p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  vm->used = vm->used - osize + nsize;
  return p;
}

static RdVm *vm_of(lua_State *L) {
  void *ud;
  lua_getallocf(L, &ud);
  return (RdVm *)ud;
}

static int rd_panic(lua_State *L) {
  (void)L;
  rd_host_panic();
  return 0;
}

/* ------------------------------------------------------------------------- */
/* Error objects as Redis 7 builds them (luaPushErrorBuff)                    */

/* Push {err="CODE msg"}: text starting with '-' carries its own code (the first
   word), otherwise the code is ERR; trailing CR/LF are trimmed. */
static void push_error_table(lua_State *L, const char *s, size_t n) {
  const char *code = "ERR";
  size_t code_len = 3;
  if (n > 0 && s[0] == '-') {
    const char *sp = memchr(s, ' ', n);
    if (sp) {
      code = s + 1;
      code_len = (size_t)(sp - s) - 1;
      n -= (size_t)(sp - s) + 1;
      s = sp + 1;
    } else {
      s++;
      n--;
    }
  }
  while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
  while (n > 0 && (s[0] == '\r' || s[0] == '\n')) { s++; n--; }
  lua_newtable(L);
  lua_pushliteral(L, "err");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, code, code_len);
  luaL_addchar(&b, ' ');
  luaL_addlstring(&b, s, n);
  luaL_pushresult(&b);
  lua_rawset(L, -3);
}

/* ------------------------------------------------------------------------- */
/* Decoding host values onto the Lua stack                                    */

typedef struct {
  const unsigned char *p, *end;
} RdReader;

static int rd_bad(lua_State *L) {
  return luaL_error(L, "malformed value from the host");
}

static uint32_t rd_u32(lua_State *L, RdReader *r) {
  uint32_t v;
  if (r->end - r->p < 4) rd_bad(L);
  memcpy(&v, r->p, 4);
  r->p += 4;
  return v;
}

static double rd_f64(lua_State *L, RdReader *r) {
  double v;
  if (r->end - r->p < 8) rd_bad(L);
  memcpy(&v, r->p, 8);
  r->p += 8;
  return v;
}

static void rd_lstr(lua_State *L, RdReader *r) {
  uint32_t n = rd_u32(L, r);
  if ((size_t)(r->end - r->p) < n) rd_bad(L);
  lua_pushlstring(L, (const char *)r->p, n);
  r->p += n;
}

static void rd_decode(lua_State *L, RdReader *r);

static void single_field(lua_State *L, const char *field) {
  /* value on top: replace it with {field=value} */
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_remove(L, -2);
}

/* Nesting followed by the decoder and the encoder (which then answers 'L'). Redis stops where the Lua
   stack cannot grow (about 8000 levels); this recursion runs on the engine's
   native stack, which a few thousand wasm frames exhaust (a RangeError that
   would poison the instance), so the bound is lower. */
#define ENC_MAX_DEPTH 1000
static int dec_depth;

static void rd_decode(lua_State *L, RdReader *r) {
  if (r->p >= r->end) rd_bad(L);
  if (dec_depth >= ENC_MAX_DEPTH || !lua_checkstack(L, 4))
    luaL_error(L, "reached lua stack limit");
  unsigned char tag = *r->p++;
  switch (tag) {
    case 'n': lua_pushnil(L); break;
    case 'T': lua_pushboolean(L, 1); break;
    case 'F': lua_pushboolean(L, 0); break;
    case 'd': lua_pushnumber(L, rd_f64(L, r)); break;
    case 's': rd_lstr(L, r); break;
    case '+': rd_lstr(L, r); single_field(L, "ok"); break;
    case '!': {
      uint32_t n = rd_u32(L, r);
      if ((size_t)(r->end - r->p) < n) rd_bad(L);
      push_error_table(L, (const char *)r->p, n);
      r->p += n;
      break;
    }
    case '-': {
      uint32_t n = rd_u32(L, r);
      if ((size_t)(r->end - r->p) < n) rd_bad(L);
      /* Redis rebuilds the table from "-" + the error line */
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      luaL_addchar(&b, '-');
      luaL_addlstring(&b, (const char *)r->p, n);
      luaL_pushresult(&b);
      r->p += n;
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      push_error_table(L, s, len);
      lua_remove(L, -2);
      lua_pushliteral(L, "ignore_error_stats_update");
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
      break;
    }
    case '*': {
      uint32_t n = rd_u32(L, r);
      lua_createtable(L, n > 1024 ? 1024 : (int)n, 0);
      dec_depth++;
      for (uint32_t i = 1; i <= n; i++) {
        rd_decode(L, r);
        lua_rawseti(L, -2, (int)i);
      }
      dec_depth--;
      break;
    }
    case '%': {
      uint32_t n = rd_u32(L, r);
      lua_newtable(L);
      dec_depth++;
      for (uint32_t i = 0; i < n; i++) {
        rd_decode(L, r);
        rd_decode(L, r);
        if (lua_isnil(L, -2)) lua_pop(L, 2); /* a nil key cannot be stored */
        else lua_rawset(L, -3);
      }
      dec_depth--;
      single_field(L, "map");
      break;
    }
    case '~': {
      uint32_t n = rd_u32(L, r);
      lua_newtable(L);
      dec_depth++;
      for (uint32_t i = 0; i < n; i++) {
        rd_decode(L, r);
        if (lua_isnil(L, -1)) { lua_pop(L, 1); continue; }
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
      }
      dec_depth--;
      single_field(L, "set");
      break;
    }
    case ',': lua_pushnumber(L, rd_f64(L, r)); single_field(L, "double"); break;
    case '(': rd_lstr(L, r); single_field(L, "big_number"); break;
    case '=': {
      lua_newtable(L);
      lua_pushliteral(L, "format");
      rd_lstr(L, r);
      lua_rawset(L, -3);
      lua_pushliteral(L, "string");
      rd_lstr(L, r);
      lua_rawset(L, -3);
      single_field(L, "verbatim_string");
      break;
    }
    default: rd_bad(L);
  }
}

static void decode_scratch(lua_State *L) {
  RdReader r = { scratch_buf.p, scratch_buf.p + scratch_buf.cap };
  dec_depth = 0;
  rd_decode(L, &r);
}

/* ------------------------------------------------------------------------- */
/* Encoding Lua values for the host                                           */

static const char *const special_fields[] = {
  "err", "ok", "double", "big_number", "verbatim_string", "map", "set",
  "ignore_error_stats_update" /* not a reply type: errorstats bookkeeping */
};
#define N_SPECIAL 8

enum { ENC_PLAIN, ENC_PAIRS, ENC_VERBATIM, ENC_ERROR };

static int enc_depth;

static void enc_value(lua_State *L, RdBuf *b, int mode);

static void enc_field(lua_State *L, RdBuf *b, const char *name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  enc_value(L, b, ENC_PLAIN);
}

/* Table at the top of the stack (left there). */
static void enc_table(lua_State *L, RdBuf *b, int mode) {
  if (mode == ENC_VERBATIM) {
    buf_u8(b, 'v');
    enc_field(L, b, "format");
    enc_field(L, b, "string");
    return;
  }
  if (mode == ENC_ERROR) {
    buf_u8(b, 'e');
    enc_field(L, b, "err");
    enc_field(L, b, "source");
    enc_field(L, b, "line");
    enc_field(L, b, "ignore_error_stats_update");
    return;
  }
  if (mode == ENC_PAIRS) {
    buf_u8(b, 'p');
    size_t at = b->len;
    buf_u32(b, 0);
    uint32_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      enc_value(L, b, ENC_PLAIN); /* key (pops the copy) */
      enc_value(L, b, ENC_PLAIN); /* value (pops it) */
      count++;
    }
    if (!b->failed) memcpy(b->p + at, &count, 4);
    return;
  }
  unsigned char mask = 0;
  for (int i = 0; i < N_SPECIAL; i++) {
    lua_pushstring(L, special_fields[i]);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) mask |= (unsigned char)(1u << i);
    lua_pop(L, 1);
  }
  buf_u8(b, 't');
  buf_u8(b, mask);
  for (int i = 0; i < N_SPECIAL; i++) {
    if (!(mask & (1u << i))) continue;
    lua_pushstring(L, special_fields[i]);
    lua_rawget(L, -2);
    /* verbatim_string is read as {format, string}, map and set as pairs */
    enc_value(L, b, i == 4 ? ENC_VERBATIM : (i == 5 || i == 6) ? ENC_PAIRS : ENC_PLAIN);
  }
  size_t at = b->len;
  buf_u32(b, 0);
  uint32_t count = 0;
  for (int j = 1;; j++) {
    lua_rawgeti(L, -1, j);
    if (lua_isnil(L, -1)) { lua_pop(L, 1); break; }
    enc_value(L, b, ENC_PLAIN);
    count++;
  }
  if (!b->failed) memcpy(b->p + at, &count, 4);
}

/* Encodes and pops the value at the top of the stack. */
static void enc_value(lua_State *L, RdBuf *b, int mode) {
  if (enc_depth >= ENC_MAX_DEPTH || !lua_checkstack(L, 4)) {
    buf_u8(b, 'L');
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TNIL: buf_u8(b, 'n'); break;
    case LUA_TBOOLEAN: buf_u8(b, lua_toboolean(L, -1) ? 'T' : 'F'); break;
    case LUA_TNUMBER: buf_u8(b, 'd'); buf_f64(b, lua_tonumber(L, -1)); break;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      buf_u8(b, 's');
      buf_str(b, s, n);
      break;
    }
    case LUA_TTABLE:
      enc_depth++;
      enc_table(L, b, mode);
      enc_depth--;
      break;
    default: buf_u8(b, 'o'); break;
  }
  lua_pop(L, 1);
}

/* ------------------------------------------------------------------------- */
/* Functions the scripts see                                                  */

/* A host function (redis.call, redis.pcall, ...): the arguments go to the host
   as 't'-tagged entries in the args buffer: u8 type, then for a string u32 len +
   bytes, for a number an f64, for a boolean u8; other types carry nothing. */
#define RD_HOST_CALL_WEIGHT 1000

static int host_function(lua_State *L) {
  int id = (int)lua_tointeger(L, lua_upvalueindex(1));
  int nargs = lua_gettop(L);
  args_buf.len = 0;
  args_buf.failed = 0;
  for (int i = 1; i <= nargs; i++) {
    int t = lua_type(L, i);
    buf_u8(&args_buf, (unsigned char)t);
    if (t == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, i, &n);
      buf_str(&args_buf, s, n);
    } else if (t == LUA_TNUMBER) {
      buf_f64(&args_buf, lua_tonumber(L, i));
    } else if (t == LUA_TBOOLEAN) {
      buf_u8(&args_buf, (unsigned char)lua_toboolean(L, i));
    }
  }
  if (args_buf.failed) return luaL_error(L, "not enough memory");
  int rc = rd_host_call(id, nargs);
  /* A redis.call can take far longer than the instructions around it: count it as
     RD_HOST_CALL_WEIGHT of them, so a loop of commands meets the count hook (the
     busy-reply-threshold check, the pauses) every ~100 calls, not every ~10,000. */
  if ((L->hookmask & LUA_MASKCOUNT) && L->hookcount > 1) {
    L->hookcount -= RD_HOST_CALL_WEIGHT;
    if (L->hookcount < 1) L->hookcount = 1;
  }
  if (rc == 2) return 0;
  lua_settop(L, 0); /* the arguments are no longer needed: room for the reply */
  decode_scratch(L);
  if (rc == 1) return lua_error(L);
  return 1;
}

/* Redis's math.random: Lua's own algorithm over the 48-bit lrand48 sequence of
   Redis's rand.c, so a seed gives the same numbers on every platform. */
#define RD_LRAND48_MAX 2147483647
static const uint64_t RD_LRAND_A = 0x5DEECE66DULL;
static const uint64_t RD_LRAND_INIT = 0x1234ABCD330EULL;

static int32_t rd_lrand48(RdVm *vm) {
  vm->rand_state = (vm->rand_state * RD_LRAND_A + 0xB) & 0xFFFFFFFFFFFFULL;
  return (int32_t)(vm->rand_state >> 17);
}

static int redis_math_random(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_Number r = (lua_Number)(rd_lrand48(vm) % RD_LRAND48_MAX) / (lua_Number)RD_LRAND48_MAX;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

static int redis_math_randomseed(lua_State *L) {
  RdVm *vm = vm_of(L);
  uint32_t seed = (uint32_t)luaL_checkint(L, 1);
  vm->rand_state = ((uint64_t)seed << 16) | 0x330E;
  return 0;
}

/* Reading a global that does not exist is an error (Redis 7). */
static int nonexistent_global(lua_State *L) {
  if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  if (!lua_isstring(L, 2)) return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", lua_tostring(L, 2));
}

/* __redis__err__handler as a script sees it (Redis's Lua handler): a non-table
   error becomes {err='ERR ' .. tostring(e)}; the table gets the source and line
   of its caller (the caller's caller when that is a C function). */
static int script_error_handler(lua_State *L) {
  lua_Debug ar;
  int have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (have && strcmp(ar.what, "C") == 0)
    have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  if (!lua_istable(L, 1)) {
    lua_settop(L, 1);
    lua_getglobal(L, "tostring");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_newtable(L);
    lua_pushliteral(L, "err");
    lua_pushliteral(L, "ERR ");
    lua_pushvalue(L, -4);
    lua_concat(L, 2);
    lua_rawset(L, -3);
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

/* Chunk name of Redoubt's own Lua code (the yieldable pcall): positions in
   error messages and error objects skip its frames, as they skip C functions. */
#define RD_INTERNAL_CHUNK LUAREDOUBT_INTERNAL_CHUNK /* lauxlib.h */

static int is_internal(const lua_Debug *ar) {
  return strcmp(ar->source, RD_INTERNAL_CHUNK) == 0;
}

/* The error object of a script that failed, as Redis's __redis__err__handler
   makes it: a non-table error becomes {err='ERR ' .. tostring(e)}; the table
   gets the source and line of the Lua code that raised it (the caller's when the
   error came from a C function such as error() or redis.call()). Redis's handler
   runs before the stack unwinds; here the script's thread is dead but keeps its
   frames, so level 0 is the raiser (the handler's level 1). Frames of Redoubt's
   own pcall code are skipped. Runs on the main state with the error object at 1;
   a kill error keeps the position the hook gave it. */
static int decorate_error(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_State *t = (lua_State *)lua_touserdata(L, 2);
  lua_settop(L, 1);
  lua_Debug ar;
  int level = 0;
  int have = lua_getstack(t, level, &ar) && lua_getinfo(t, "nSl", &ar);
  if (have && strcmp(ar.what, "C") == 0)
    have = lua_getstack(t, ++level, &ar) && lua_getinfo(t, "nSl", &ar);
  while (have && is_internal(&ar))
    have = lua_getstack(t, ++level, &ar) && lua_getinfo(t, "nSl", &ar);
  if (!lua_istable(L, 1)) {
    lua_getglobal(L, "tostring");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_newtable(L);
    lua_pushliteral(L, "err");
    lua_pushliteral(L, "ERR ");
    lua_pushvalue(L, -4);
    lua_concat(L, 2);
    lua_rawset(L, -3);
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (vm->killed) {
    lua_getfield(L, 1, "source");
    if (!lua_isnil(L, -1)) have = 0;
    lua_pop(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

/* May thread L yield to the host at this point? Only if nothing on the way out
   is a call made from C (a C library function calling back into Lua: lua_yield
   would fail there; a metamethod or a generic-for iterator the VM called is
   crossed, see luaD_canunroll) and the way out leads to the script's thread
   through the coroutines of Redoubt's pcall, xpcall and coroutine.resume only,
   each of which passes the pause on: a script's coroutine never sees a yield
   it did not ask for. */
static int can_yield(RdVm *vm, lua_State *L) {
  lua_State *t = L;
  int i = vm->chain_len - 1;
  if (vm->script == NULL) return 0;
  for (;;) {
    if (t->nCcalls > t->baseCcalls && !luaD_canunroll(t)) return 0;
    if (t == vm->script) return i < 0;
    if (i < 0 || vm->chain[i].co != t) return 0;
    t = vm->chain[i].parent;
    i--;
  }
}

/* Raises the kill error kept in the registry (set by the hook at the kill). */
static int raise_kill(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "redoubt_kill_error");
  return lua_error(L);
}

/* The count hook: ask the host whether to go on (deadline, SCRIPT KILL) or to
   give it a turn of its event loop (a long script: the host answers other
   clients -BUSY, then resumes). Once the host says stop, the hook fires on every
   instruction so a pcall in the script cannot swallow the error and keep running;
   pcall itself re-raises it (pco_finish). The error object gets the position of
   the script code that was running, as Redis's error handler would give it. */
static void count_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  RdVm *vm = vm_of(L);
  if (vm->killed) {
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    raise_kill(L);
  }
  int rc = rd_host_interrupt();
  if (rc == 2) {
    if (can_yield(vm, L)) {
      vm->pausing = 1;
      lua_yieldvm(L, 0);
    }
    return;
  }
  if (rc != 1) return;
  vm->killed = 1;
  lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
  decode_scratch(L);
  lua_Debug d;
  for (int level = 0; lua_getstack(L, level, &d); level++) {
    lua_getinfo(L, "Sl", &d);
    if (strcmp(d.what, "C") == 0 || is_internal(&d)) continue;
    lua_pushstring(L, d.source);
    lua_setfield(L, -2, "source");
    lua_pushinteger(L, d.currentline);
    lua_setfield(L, -2, "line");
    break;
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "redoubt_kill_error");
  lua_error(L);
}

/* ------------------------------------------------------------------------- */
/* A yieldable pcall                                                          */
/*
 * Lua 5.1's pcall is a C function: nothing it calls can yield, so a loop inside
 * pcall could never give the host a turn (no BUSY reply, no SCRIPT KILL). This
 * pcall runs its function as a coroutine instead; when the count hook yields that
 * coroutine for the host, pcall yields its own thread in turn (up to the script's
 * thread, which yields to the host), and resumes the coroutine when resumed.
 * Lua's C-call limit still bounds the nesting ("C stack overflow"): the arguments
 * move to the coroutine with lua_xmove, which carries the call depth over.
 * A coroutine.yield() inside pcall fails as in Redis's Lua, with "attempt to
 * yield across metamethod/C-call boundary" returned by that pcall.
 */
static const char pcall_source[] =
  "local new, step, pause, finish = ...\n"
  "return function(...)\n"
  "  local co = new(...)\n"
  "  local st = step(co)\n"
  "  while st == true do pause() st = step(co) end\n"
  "  return finish(co, st)\n"
  "end\n";

/* new(f, ...): a coroutine holding f and its arguments. Redis's pcall() with no
   argument calls its own `true` placeholder: "attempt to call a boolean value". */
static int pco_new(lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0) {
    lua_pushboolean(L, 1);
    n = 1;
  }
  lua_State *co = lua_newthread(L);
  lua_setlevel(L, co); /* C-call depth carries over, as through the C pcall */
  lua_insert(L, 1);
  lua_xmove(L, co, n);
  return 1;
}

/* step(co): resumes co. true: co paused for the host (the caller pauses too);
   otherwise the lua_resume status for finish. */
static int pco_step(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_State *co = lua_tothread(L, 1);
  int nargs = lua_status(co) == 0 ? lua_gettop(co) - 1 : 0;
  if (lua_status(co) == 0 && (L->nCcalls + 1 >= LUAI_MAXCCALLS || vm->chain_len >= RD_PCALL_CHAIN_MAX)) {
    /* the depth at which Redis's pcall fails to call (luaD_call's check) */
    lua_settop(co, 0);
    lua_pushliteral(co, "C stack overflow");
    lua_pushinteger(L, LUA_ERRRUN);
    return 1;
  }
  vm->chain[vm->chain_len].co = co;
  vm->chain[vm->chain_len].parent = L;
  vm->chain_len++;
  vm->pausing = 0;
  int status = lua_resume(co, nargs);
  vm->chain_len--;
  if (status == LUA_YIELD && vm->pausing) {
    vm->pausing = 0;
    lua_pushboolean(L, 1);
  } else {
    lua_pushinteger(L, status);
  }
  return 1;
}

/* pause(): yields this thread for the host (can_yield held when co paused). */
static int pco_pause(lua_State *L) {
  vm_of(L)->pausing = 1;
  return lua_yieldvm(L, 0);
}

/* finish(co, status): pcall's results. A kill is raised again: pcall must not
   swallow it. An error object that is a table with a string `err` becomes that
   string (Redis 7's pcall). */
static int pco_finish(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_State *co = lua_tothread(L, 1);
  int status = (int)lua_tointeger(L, 2);
  if (vm->killed) return raise_kill(L);
  lua_settop(L, 0);
  if (status == 0) {
    int n = lua_gettop(co);
    if (!lua_checkstack(L, n + 1)) return luaL_error(L, "too many results to unpack");
    lua_pushboolean(L, 1);
    lua_xmove(co, L, n);
    return n + 1;
  }
  lua_pushboolean(L, 0);
  if (status == LUA_YIELD) {
    lua_pushliteral(L, "attempt to yield across metamethod/C-call boundary");
    return 2;
  }
  lua_xmove(co, L, 1);
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    /* Redis leaves a non-string `err` value as a third result */
    if (lua_isstring(L, -1)) lua_replace(L, -2);
  }
  return lua_gettop(L);
}

/* rawfinish(co, status): the outcome of a coroutine run by Redoubt's own Lua
   code, not converted: true + results, or false + error value + status
   (LUA_ERRRUN: an error the xpcall handler sees; a yield of the script's own
   is that error, as Lua 5.1's xpcall reports it). A kill is raised again. */
static int pco_rawfinish(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_State *co = lua_tothread(L, 1);
  int status = (int)lua_tointeger(L, 2);
  if (vm->killed) return raise_kill(L);
  lua_settop(L, 0);
  if (status == 0) {
    int n = lua_gettop(co);
    if (!lua_checkstack(L, n + 1)) return luaL_error(L, "too many results to unpack");
    lua_pushboolean(L, 1);
    lua_xmove(co, L, n);
    return n + 1;
  }
  lua_pushboolean(L, 0);
  if (status == LUA_YIELD) {
    lua_pushliteral(L, "attempt to yield across metamethod/C-call boundary");
    status = LUA_ERRRUN;
  } else {
    lua_xmove(co, L, 1);
  }
  lua_pushinteger(L, status);
  return 3;
}

/* xcheck(f, h): Lua 5.1 xpcall's argument check; answers f, h. */
static int xpcall_check(lua_State *L) {
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  return 2;
}

/*
 * xpcall as the pcall above: the function runs as a coroutine that passes the
 * host's pauses on. Lua 5.1 calls the handler where the error is raised, before
 * the stack unwinds; here it runs after (Redis's Lua has no debug library, so
 * the handler cannot tell), with the error value, and an error inside the
 * handler calls it again with that error, as 5.1's recursion does, until
 * "error in error handling". Memory errors skip the handler, as in 5.1.
 */
static const char xpcall_source[] =
  "local new, step, pause, rawfinish, xcheck = ...\n"
  "local function run(...)\n"
  "  local co = new(...)\n"
  "  local st = step(co)\n"
  "  while st == true do pause() st = step(co) end\n"
  "  return rawfinish(co, st)\n"
  "end\n"
  "local function handle(h, ok, ...)\n"
  "  if ok then return true, ... end\n"
  "  local e, status = ...\n"
  "  if status ~= 2 then return false, e end\n"
  "  for _ = 1, 200 do\n"
  "    local hok, r, hstatus = run(h, e)\n"
  "    if hok then return false, r end\n"
  "    if hstatus ~= 2 then return false, r end\n"
  "    e = r\n"
  "  end\n"
  "  return false, 'error in error handling'\n"
  "end\n"
  "return function(...)\n"
  "  local f, h = xcheck(...)\n"
  "  return handle(h, run(f))\n"
  "end\n";

/* ------------------------------------------------------------------------- */
/* A yieldable coroutine.resume and coroutine.wrap                            */
/*
 * A script's coroutine is resumed from C (lua_resume), so the host could never
 * pause a loop inside it. These versions keep Lua 5.1's checks and texts, and
 * resume the coroutine through the same chain as pcall: a pause inside it
 * yields it for the host, the resumer's thread yields in turn, and the
 * coroutine is resumed again when the host resumes the script. The script sees
 * only its own yields.
 */
static const char coroutine_source[] =
  "local start, again, pause, finish, create = ...\n"
  "local function resume(co, ...)\n"
  "  local st, m = start(co, ...)\n"
  "  while st == true do pause() st = again(co) end\n"
  "  return finish(co, st, m, false)\n"
  "end\n"
  "local function wrap(...)\n"
  "  local co = create(...)\n"
  "  return function(...)\n"
  "    local st, m = start(co, ...)\n"
  "    while st == true do pause() st = again(co) end\n"
  "    return finish(co, st, m, true)\n"
  "  end\n"
  "end\n"
  "return resume, wrap\n";

enum { RD_CO_RUN, RD_CO_SUS, RD_CO_NOR, RD_CO_DEAD };
static const char *const rd_co_names[] = { "running", "suspended", "normal", "dead" };

/* lbaselib.c's costatus */
static int co_status(lua_State *L, lua_State *co) {
  if (L == co) return RD_CO_RUN;
  switch (lua_status(co)) {
    case LUA_YIELD: return RD_CO_SUS;
    case 0: {
      lua_Debug ar;
      if (lua_getstack(co, 0, &ar) > 0) return RD_CO_NOR;
      if (lua_gettop(co) == 0) return RD_CO_DEAD;
      return RD_CO_SUS;
    }
    default: return RD_CO_DEAD;
  }
}

/* Resumes co (nargs on its stack) as a link of the pause chain: true when it
   paused for the host, else the lua_resume status. */
static int co_run(lua_State *L, lua_State *co, int nargs) {
  RdVm *vm = vm_of(L);
  if (vm->chain_len >= RD_PCALL_CHAIN_MAX) {
    lua_pushinteger(L, -1);
    lua_pushliteral(L, "C stack overflow");
    return 2;
  }
  vm->chain[vm->chain_len].co = co;
  vm->chain[vm->chain_len].parent = L;
  vm->chain_len++;
  vm->pausing = 0;
  int status = lua_resume(co, nargs);
  vm->chain_len--;
  if (status == LUA_YIELD && vm->pausing) {
    vm->pausing = 0;
    lua_pushboolean(L, 1);
  } else {
    lua_pushinteger(L, status);
  }
  return 1;
}

/* start(co, ...): auxresume's checks, then the first resume. -1 and the
   message when co cannot be resumed. */
static int co_start(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argcheck(L, co, 1, "coroutine expected");
  int narg = lua_gettop(L) - 1;
  int status = co_status(L, co);
  if (!lua_checkstack(co, narg)) return luaL_error(L, "too many arguments to resume");
  if (status != RD_CO_SUS) {
    lua_pushinteger(L, -1);
    lua_pushfstring(L, "cannot resume %s coroutine", rd_co_names[status]);
    return 2;
  }
  lua_xmove(L, co, narg);
  lua_setlevel(L, co);
  return co_run(L, co, narg);
}

/* again(co): goes on after a pause for the host */
static int co_again(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  return co_run(L, co, 0);
}

/* finish(co, status, message, wrap): coroutine.resume's results, or for a
   wrapped coroutine its values or its error raised (auxwrap). A kill is
   raised again. */
static int co_finish(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_State *co = lua_tothread(L, 1);
  int status = (int)lua_tointeger(L, 2);
  int wrap = lua_toboolean(L, 4);
  if (vm->killed) return raise_kill(L);
  if (status == 0 || status == LUA_YIELD) {
    lua_settop(L, 0);
    int n = lua_gettop(co);
    if (!lua_checkstack(L, n + 1)) return luaL_error(L, "too many results to resume");
    if (!wrap) lua_pushboolean(L, 1);
    lua_xmove(co, L, n);
    return lua_gettop(L);
  }
  if (status == -1) {
    lua_settop(L, 3);
  } else {
    lua_settop(L, 0);
    lua_xmove(co, L, 1);
  }
  if (wrap) {
    if (lua_isstring(L, -1)) {
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

/* create(f): coroutine.create's check and thread */
static int co_create(lua_State *L) {
  luaL_argcheck(L, lua_isfunction(L, 1) && !lua_iscfunction(L, 1), 1, "Lua function expected");
  lua_State *co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  return 1;
}

/* ------------------------------------------------------------------------- */
/* A yieldable table.sort and string.gsub                                     */
/*
 * A sort comparator or a gsub callback is called from C in Lua 5.1, so a loop
 * in it could never pause for the host. These versions drive the same algorithm
 * from Lua (Redoubt's own chunk, whose frames luaL_where/luaL_argerror look
 * through), calling the script's function from Lua: the comparisons happen in
 * the same order as ltablib.c's auxsort, so a sort gives the same result and
 * the comparator sees the same calls; gsub keeps lstrlib.c's matching (C
 * helpers) and only its loop moves. Errors carry Redis's texts and positions.
 * Without a script function (sort with no comparator, gsub with a string or
 * table replacement) the C version runs: nothing there can loop in Lua code.
 */
static const char sort_source[] =
  "local check, csort, type, rawget, rawset, error = ...\n"
  "return function(...)\n"
  "  local t, comp = ...\n"
  "  if type(comp) ~= 'function' then return csort(...) end\n"
  "  local n = check(...)\n"
  "  local stack, top = {}, 0\n"
  "  local l, u = 1, n\n"
  "  while true do\n"
  "    while l < u do\n"
  "      local al, au = rawget(t, l), rawget(t, u)\n"
  "      if comp(au, al) then rawset(t, l, au) rawset(t, u, al) end\n"
  "      if u - l == 1 then break end\n"
  "      local i = (l + u - (l + u) % 2) / 2\n"
  "      local ai = rawget(t, i)\n"
  "      al = rawget(t, l)\n"
  "      if comp(ai, al) then rawset(t, i, al) rawset(t, l, ai)\n"
  "      else\n"
  "        au = rawget(t, u)\n"
  "        if comp(au, ai) then rawset(t, i, au) rawset(t, u, ai) end\n"
  "      end\n"
  "      if u - l == 2 then break end\n"
  "      local P = rawget(t, i)\n"
  "      rawset(t, i, rawget(t, u - 1)) rawset(t, u - 1, P)\n"
  "      i = l\n"
  "      local j = u - 1\n"
  "      while true do\n"
  "        i = i + 1\n"
  "        local x = rawget(t, i)\n"
  "        while comp(x, P) do\n"
  "          if i > u then error('invalid order function for sorting', 2) end\n"
  "          i = i + 1 x = rawget(t, i)\n"
  "        end\n"
  "        j = j - 1\n"
  "        local y = rawget(t, j)\n"
  "        while comp(P, y) do\n"
  "          if j < l then error('invalid order function for sorting', 2) end\n"
  "          j = j - 1 y = rawget(t, j)\n"
  "        end\n"
  "        if j < i then break end\n"
  "        rawset(t, i, y) rawset(t, j, x)\n"
  "      end\n"
  "      local a, b = rawget(t, u - 1), rawget(t, i)\n"
  "      rawset(t, u - 1, b) rawset(t, i, a)\n"
  "      local sl, su\n"
  "      if i - l < u - i then sl, su, l = l, i - 1, i + 1\n"
  "      else sl, su, u = i + 1, u, i - 1 end\n"
  "      top = top + 1 stack[top] = l\n"
  "      top = top + 1 stack[top] = u\n"
  "      l, u = sl, su\n"
  "    end\n"
  "    if top == 0 then return end\n"
  "    u = stack[top] l = stack[top - 1] top = top - 2\n"
  "  end\n"
  "end\n";

static const char gsub_source[] =
  "local prep, match, gsub, type, error, sub, concat = ...\n"
  "local function call(f, e, ...)\n"
  "  if e == nil then return nil end\n"
  "  return e, f(...)\n"
  "end\n"
  "return function(...)\n"
  "  local _, _, f = ...\n"
  "  if type(f) ~= 'function' then return gsub(...) end\n"
  "  local s, p, anchor, max = prep(...)\n"
  "  local src, copied, n, len, out, k = 0, 0, 0, #s, {}, 0\n"
  "  while n < max do\n"
  "    local e, v = call(f, match(s, p, src))\n"
  "    if e then\n"
  "      n = n + 1\n"
  "      if v then\n"
  "        if type(v) ~= 'string' and type(v) ~= 'number' then\n"
  "          error('invalid replacement value (a ' .. type(v) .. ')', 2)\n"
  "        end\n"
  "        if src > copied then k = k + 1 out[k] = sub(s, copied + 1, src) end\n"
  "        k = k + 1 out[k] = v\n"
  "        copied = e\n"
  "      end\n"
  "    end\n"
  "    if e and e > src then src = e\n"
  "    elseif src < len then src = src + 1\n"
  "    else break end\n"
  "    if anchor then break end\n"
  "  end\n"
  "  if k == 0 then return s, n end\n"
  "  k = k + 1 out[k] = sub(s, copied + 1)\n"
  "  return concat(out), n\n"
  "end\n";

/* sort's argument checks (ltablib.c sort), then #t */
static int sort_check(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushinteger(L, luaL_getn(L, 1));
  return 1;
}

/* Replaces lib[field] (lib a global table) with the chunk's function, which gets
   the values pushed after the chunk as its upvalues' source. */
static void replace_field(lua_State *L, const char *lib, const char *field, const char *src, size_t len, int nvalues) {
  if (luaL_loadbuffer(L, src, len, RD_INTERNAL_CHUNK) != 0) lua_error(L);
  lua_insert(L, -1 - nvalues);
  lua_call(L, nvalues, 1);
  lua_getglobal(L, lib);
  lua_insert(L, -2);
  lua_setfield(L, -2, field);
  lua_pop(L, 1);
}

static void install_sort_gsub(lua_State *L) {
  lua_pushcfunction(L, sort_check);
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "sort");
  lua_remove(L, -2);
  lua_getglobal(L, "type");
  lua_getglobal(L, "rawget");
  lua_getglobal(L, "rawset");
  lua_getglobal(L, "error");
  replace_field(L, "table", "sort", sort_source, sizeof(sort_source) - 1, 6);

  lua_pushcfunction(L, luaredoubt_gsub_prep);
  lua_pushcfunction(L, luaredoubt_gsub_match);
  lua_getglobal(L, "string");
  lua_getfield(L, -1, "gsub");
  lua_remove(L, -2);
  lua_getglobal(L, "type");
  lua_getglobal(L, "error");
  lua_getglobal(L, "string");
  lua_getfield(L, -1, "sub");
  lua_remove(L, -2);
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "concat");
  lua_remove(L, -2);
  replace_field(L, "string", "gsub", gsub_source, sizeof(gsub_source) - 1, 7);
}

/* ------------------------------------------------------------------------- */
/* Yieldable library functions that call back into the script                  */
/*
 * tostring (a __tostring metamethod), table.foreach, table.foreachi and load (its
 * reader function) call Lua from C, where the count hook cannot yield: a loop in
 * the callback would never give the host a turn (no -BUSY for other clients, no
 * SCRIPT KILL). They are Lua functions here, like sort and gsub above, with C
 * helpers for the argument checks so the errors read as the C versions' do. load
 * reads the whole chunk before compiling it (the C version compiles as it reads);
 * an error in the reader comes back as Redis 7.2 returns it, an error table built
 * by its error handler ({err = "ERR <message>"}).
 */
static const char callbacks_source[] =
  "local rawtostring, tostringmeta, eachcheck, eachicheck, loadcheck, readerr, loadstring, pcall, next, rawget, type, concat = ...\n"
  "local function tostring(...)\n"
  "  local h = tostringmeta(...)\n"
  "  if h == nil then return rawtostring(...) end\n"
  "  local v = ...\n"
  "  return (h(v))\n"
  "end\n"
  "local function foreach(t, f)\n"
  "  eachcheck(t, f)\n"
  "  local k, v = next(t)\n"
  "  while k ~= nil do\n"
  "    local r = f(k, v)\n"
  "    if r ~= nil then return r end\n"
  "    k, v = next(t, k)\n"
  "  end\n"
  "end\n"
  "local function foreachi(t, f)\n"
  "  local n = eachicheck(t, f)\n"
  "  for i = 1, n do\n"
  "    local r = f(i, rawget(t, i))\n"
  "    if r ~= nil then return r end\n"
  "  end\n"
  "end\n"
  "local function load(f, name)\n"
  "  name = loadcheck(f, name)\n"
  "  local parts, n = {}, 0\n"
  "  while true do\n"
  "    local ok, p = pcall(f)\n"
  "    if not ok then return nil, {err = 'ERR ' .. rawtostring(p)} end\n"
  "    if p == nil then break end\n"
  "    local tp = type(p)\n"
  "    if tp ~= 'string' and tp ~= 'number' then return nil, {err = 'ERR ' .. readerr()} end\n"
  "    if p == '' then break end\n"
  "    n = n + 1 parts[n] = p\n"
  "  end\n"
  "  return loadstring(concat(parts), name)\n"
  "end\n"
  "return tostring, foreach, foreachi, load\n";

/* tostring's check, then the __tostring metamethod (or nothing) */
static int tostring_meta(lua_State *L) {
  luaL_checkany(L, 1);
  if (!luaL_getmetafield(L, 1, "__tostring")) return 0;
  return 1;
}

static int foreach_check(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  return 0;
}

/* foreachi's checks (the table first, as aux_getn), then #t */
static int foreachi_check(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = luaL_getn(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushinteger(L, n);
  return 1;
}

/* load's checks in luaB_load's order; returns the chunk name */
static int load_check(lua_State *L) {
  luaL_optstring(L, 2, "=(load)");
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 2);
  if (lua_isnil(L, 2)) lua_pushliteral(L, "=(load)");
  return 1;
}

/* generic_reader's error text, positioned at the script's call of load */
static int load_reader_error(lua_State *L) {
  luaL_where(L, 1);
  lua_pushliteral(L, "reader function must return a string");
  lua_concat(L, 2);
  return 1;
}

static void install_callbacks(lua_State *L) {
  if (luaL_loadbuffer(L, callbacks_source, sizeof(callbacks_source) - 1, RD_INTERNAL_CHUNK) != 0) lua_error(L);
  lua_getglobal(L, "tostring");
  lua_pushcfunction(L, tostring_meta);
  lua_pushcfunction(L, foreach_check);
  lua_pushcfunction(L, foreachi_check);
  lua_pushcfunction(L, load_check);
  lua_pushcfunction(L, load_reader_error);
  lua_getglobal(L, "loadstring");
  lua_getglobal(L, "pcall"); /* the yieldable one: install_pcall ran first */
  lua_getglobal(L, "next");
  lua_getglobal(L, "rawget");
  lua_getglobal(L, "type");
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "concat");
  lua_remove(L, -2);
  lua_call(L, 12, 4);
  lua_setglobal(L, "load");
  lua_getglobal(L, "table");
  lua_insert(L, -3);
  lua_setfield(L, -3, "foreachi");
  lua_setfield(L, -2, "foreach");
  lua_pop(L, 1);
  lua_setglobal(L, "tostring");
}

/* Installs the yieldable pcall, xpcall, coroutine.resume and coroutine.wrap. */
static void install_pcall(lua_State *L) {
  if (luaL_loadbuffer(L, pcall_source, sizeof(pcall_source) - 1, RD_INTERNAL_CHUNK) != 0) lua_error(L);
  lua_pushcfunction(L, pco_new);
  lua_pushcfunction(L, pco_step);
  lua_pushcfunction(L, pco_pause);
  lua_pushcfunction(L, pco_finish);
  lua_call(L, 4, 1);
  lua_setglobal(L, "pcall");
  if (luaL_loadbuffer(L, xpcall_source, sizeof(xpcall_source) - 1, RD_INTERNAL_CHUNK) != 0) lua_error(L);
  lua_pushcfunction(L, pco_new);
  lua_pushcfunction(L, pco_step);
  lua_pushcfunction(L, pco_pause);
  lua_pushcfunction(L, pco_rawfinish);
  lua_pushcfunction(L, xpcall_check);
  lua_call(L, 5, 1);
  lua_setglobal(L, "xpcall");

  if (luaL_loadbuffer(L, coroutine_source, sizeof(coroutine_source) - 1, RD_INTERNAL_CHUNK) != 0) lua_error(L);
  lua_pushcfunction(L, co_start);
  lua_pushcfunction(L, co_again);
  lua_pushcfunction(L, pco_pause);
  lua_pushcfunction(L, co_finish);
  lua_pushcfunction(L, co_create);
  lua_call(L, 5, 2);
  lua_getglobal(L, "coroutine");
  lua_insert(L, -3);
  lua_setfield(L, -3, "wrap");
  lua_setfield(L, -2, "resume");
  lua_pop(L, 1);
}

/* The Lua debugger (SCRIPT DEBUG SYNC): a separate file, sharing this one's statics. */
#include "redoubt-ldb.inc.c"

/* ------------------------------------------------------------------------- */
/* State set-up                                                               */

static void open_lib(lua_State *L, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

/* Readonly flag on the table at the top of the stack, on every table reachable
   from it, and on their metatables (Redis's luaSetTableProtectionRecursively). */
static void protect_recursively(lua_State *L) {
  if (lua_isreadonlytable(L, -1)) return;
  lua_enablereadonlytable(L, -1, 1);
  luaL_checkstack(L, 3, "protecting tables");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_istable(L, -1)) protect_recursively(L);
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, -1)) {
    protect_recursively(L);
    lua_pop(L, 1);
  }
}

typedef struct {
  const char *names; /* NUL-separated host function names, "" ends the list */
  const char *version; /* redis.REDIS_VERSION */
  uint32_t version_num; /* redis.REDIS_VERSION_NUM (0x00MMmmpp) */
} SetupArgs;

static int setup(lua_State *L) {
  const SetupArgs *a = (const SetupArgs *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  open_lib(L, "", luaopen_base);
  open_lib(L, LUA_TABLIBNAME, luaopen_table);
  open_lib(L, LUA_STRLIBNAME, luaopen_string);
  open_lib(L, LUA_MATHLIBNAME, luaopen_math);
  open_lib(L, "cjson", luaopen_cjson);
  open_lib(L, "struct", luaopen_struct);
  open_lib(L, "cmsgpack", luaopen_cmsgpack);
  open_lib(L, "bit", luaopen_bit);

  /* Redis's deny list: no file access, no printing to the server's stdout. */
  static const char *const denied[] = { "dofile", "loadfile", "print", NULL };
  for (const char *const *d = denied; *d; d++) {
    lua_pushnil(L);
    lua_setglobal(L, *d);
  }

  install_pcall(L);
  install_sort_gsub(L);
  install_callbacks(L);
  /* the kill error's slot exists from the start (end_script must not allocate) */
  lua_pushboolean(L, 0);
  lua_setfield(L, LUA_REGISTRYINDEX, "redoubt_kill_error");

  lua_getglobal(L, "math");
  lua_pushcfunction(L, redis_math_random);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, redis_math_randomseed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  /* No `os` at all: Redis 7.2's EVAL environment has none (luaLoadLibraries). */

  /* redis.<name> for every host function, numbered in list order */
  lua_newtable(L);
  int id = 0;
  for (const char *n = a->names; *n; n += strlen(n) + 1, id++) {
    lua_pushinteger(L, id);
    lua_pushcclosure(L, host_function, 1);
    lua_setfield(L, -2, n);
  }
  /* Redis's constants: log levels (LL_*), propagation targets (PROPAGATE_*), version */
  static const struct { const char *name; int value; } constants[] = {
    { "LOG_DEBUG", 0 }, { "LOG_VERBOSE", 1 }, { "LOG_NOTICE", 2 }, { "LOG_WARNING", 3 },
    { "REPL_NONE", 0 }, { "REPL_AOF", 1 }, { "REPL_SLAVE", 2 }, { "REPL_REPLICA", 2 },
    { "REPL_ALL", 3 }, { NULL, 0 }
  };
  for (int i = 0; constants[i].name; i++) {
    lua_pushnumber(L, constants[i].value);
    lua_setfield(L, -2, constants[i].name);
  }
  lua_pushnumber(L, a->version_num);
  lua_setfield(L, -2, "REDIS_VERSION_NUM");
  lua_pushstring(L, a->version);
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_setglobal(L, "redis");
  ldb_install(L);

  /* Redis 7.2 has its error handler as the global __redis__err__handler: a script
     calling it only builds an error table (the engine decorates errors itself,
     decorate_error, from the dead script thread) */
  lua_pushcfunction(L, script_error_handler);
  lua_setglobal(L, "__redis__err__handler");

  /* Lock the globals (Redis 7): reading a missing one is an error, and
     everything reachable from them is readonly. */
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, nonexistent_global);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  protect_recursively(L);
  lua_pop(L, 1);

  /* CVE-2025-46818: the string metatable ({__index = string}) is shared by all
     scripts on this state and not reachable from the globals; make it readonly
     too, so no script can plant a metamethod another user's script would run. */
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    protect_recursively(L);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 0;
}

/* Creates a state limited to `limit` bytes. `names` lists the host functions
   installed as redis.<name> (NUL-separated, ending with an empty name);
   `version` and `version_num` are what redis.REDIS_VERSION(_NUM) say.
   Returns NULL when the state or its libraries do not fit. */
RD_EXPORT("rd_open")
lua_State *rd_open(uint32_t limit, const char *names, const char *version, uint32_t version_num) {
  RdVm *vm = calloc(1, sizeof(RdVm));
  if (vm == NULL) return NULL;
  vm->limit = limit;
  vm->rand_state = RD_LRAND_INIT;
  vm->script_ref = LUA_NOREF;
  vm->spare_ref = LUA_NOREF;
  lua_State *L = lua_newstate(rd_lua_alloc, vm);
  if (L == NULL) { free(vm); return NULL; }
  lua_atpanic(L, rd_panic);
  SetupArgs a = { names, version, version_num };
  if (lua_cpcall(L, setup, &a) != 0) {
    lua_close(L);
    free(vm);
    return NULL;
  }
  lua_settop(L, 0);
  return L;
}

RD_EXPORT("rd_close")
void rd_close(lua_State *L) {
  RdVm *vm = vm_of(L);
  lua_close(L);
  free(vm);
}

RD_EXPORT("rd_mem_used") uint32_t rd_mem_used(lua_State *L) { return (uint32_t)vm_of(L)->used; }
/* Where math.random's 48-bit state lives (8 bytes, little endian): Redis has one
   generator per process, shared by EVAL and FUNCTION and kept across flushes, so the
   host carries it from one state to the next. */
RD_EXPORT("rd_rand_state") uint64_t *rd_rand_state(lua_State *L) { return &vm_of(L)->rand_state; }
RD_EXPORT("rd_set_limit") void rd_set_limit(lua_State *L, uint32_t limit) { vm_of(L)->limit = limit; }

/* ------------------------------------------------------------------------- */
/* Compiling and running                                                      */

typedef struct {
  const char *src;
  size_t len;
  const char *chunkname;
  int ref;
} LoadArgs;

static int do_load(lua_State *L) {
  LoadArgs *a = (LoadArgs *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  /* Redis's parser never reads precompiled chunks: bytecode is a syntax error */
  if (luaL_loadbuffer(L, a->src, a->len, a->chunkname) != 0) {
    out_buf.len = 0;
    enc_depth = 0;
    enc_value(L, &out_buf, ENC_PLAIN);
    a->ref = -1;
    return 0;
  }
  a->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

/* Compiles the source in scratch (`len` bytes). Returns a registry reference,
   or -1 with the error message in out, or -2 when the state ran out of memory. */
RD_EXPORT("rd_load")
int rd_load(lua_State *L, uint32_t len, const char *chunkname) {
  LoadArgs a = { (const char *)scratch_buf.p, len, chunkname, -1 };
  out_buf.len = 0;
  out_buf.failed = 0;
  int status = lua_cpcall(L, do_load, &a);
  lua_settop(L, 0);
  if (status != 0) return -2;
  return a.ref;
}

RD_EXPORT("rd_unref")
void rd_unref(lua_State *L, int ref) {
  luaL_unref(L, LUA_REGISTRYINDEX, ref);
}

typedef struct {
  int ref;
  int function_mode; /* 0: KEYS/ARGV globals, no arguments; 1: (keys, args) */
} StartArgs;

static void push_string_array(lua_State *L, RdReader *r) {
  uint32_t n = rd_u32(L, r);
  lua_createtable(L, n > 1024 ? 1024 : (int)n, 0);
  for (uint32_t i = 1; i <= n; i++) {
    rd_lstr(L, r);
    lua_rawseti(L, -2, (int)i);
  }
}

static void set_global_unlocked(lua_State *L, const char *name) {
  /* value on top; the globals are readonly for scripts, not for the host */
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 0);
  lua_pushstring(L, name);
  lua_insert(L, -2);
  lua_rawset(L, LUA_GLOBALSINDEX);
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
}

/* Room an array part may have beyond the strings it is refilled with. */
#define RD_REUSE_SLACK 16

/* Sets the global KEYS or ARGV of an EVAL run. Redis 7.2 builds new tables on
   every call; here the table the last run had is refilled when that run left it
   exactly as it was given: no metatable, not readonly, nothing in its hash part
   and an array part with room for the strings (and little more). Such a table
   cannot be told from a new one: the globals are readonly, so no script keeps a
   reference to it across runs, and `#`, ipairs, pairs and next see the same
   entries in the same order. Anything else gets a new table, as before. */
static void set_eval_array(lua_State *L, RdReader *r, const char *name) {
  uint32_t n = rd_u32(L, r);
  lua_pushstring(L, name);
  lua_rawget(L, LUA_GLOBALSINDEX);
  if (lua_type(L, -1) == LUA_TTABLE) {
    Table *t = hvalue(L->top - 1);
    if (t->metatable == NULL && !t->readonly && t->lsizenode == 0 && ttisnil(gval(gnode(t, 0))) &&
        (uint32_t)t->sizearray >= n && (uint32_t)t->sizearray <= n + RD_REUSE_SLACK) {
      for (uint32_t i = 1; i <= n; i++) {
        rd_lstr(L, r);
        lua_rawseti(L, -2, (int)i);
      }
      for (int i = (int)n; i < t->sizearray; i++) setnilvalue(&t->array[i]);
      lua_pop(L, 1);
      return;
    }
  }
  lua_pop(L, 1);
  lua_createtable(L, n > 1024 ? 1024 : (int)n, 0);
  for (uint32_t i = 1; i <= n; i++) {
    rd_lstr(L, r);
    lua_rawseti(L, -2, (int)i);
  }
  set_global_unlocked(L, name);
}

/* Creates the script's thread with the function and its arguments on it. The
   thread of the last script that returned normally is reused (a finished Lua 5.1
   thread is as good as new: its stack is empty and its status 0). */
static int do_start(lua_State *L) {
  StartArgs *a = (StartArgs *)lua_touserdata(L, 1);
  RdVm *vm = vm_of(L);
  lua_settop(L, 0);
  RdReader r = { scratch_buf.p, scratch_buf.p + scratch_buf.cap };
  lua_State *t;
  int reused = vm->spare != NULL;
  if (reused) {
    t = vm->spare;
    lua_settop(t, 0);
  } else {
    t = lua_newthread(L);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
  if (a->function_mode) {
    push_string_array(L, &r); /* keys */
    push_string_array(L, &r); /* args */
  } else {
    set_eval_array(L, &r, "KEYS");
    set_eval_array(L, &r, "ARGV");
  }
  lua_xmove(L, t, a->function_mode ? 3 : 1);
  if (reused) {
    vm->script_ref = vm->spare_ref;
    vm->spare = NULL;
    vm->spare_ref = LUA_NOREF;
  } else {
    vm->script_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* the thread */
  }
  vm->script = t;
  return 0;
}

/* Writes a finished script's result or decorated error object to out. */
static int do_finish(lua_State *L) {
  int *status = (int *)lua_touserdata(L, 1);
  RdVm *vm = vm_of(L);
  lua_State *t = vm->script;
  lua_settop(L, 0);
  int mode = ENC_PLAIN;
  if (*status == 0) {
    if (lua_gettop(t) >= 1) {
      lua_settop(t, 1); /* the first result, as lua_pcall(..., 1, ...) keeps */
      lua_xmove(t, L, 1);
    } else {
      lua_pushnil(L);
    }
  } else if (*status == LUA_YIELD) {
    /* coroutine.yield() on the script's own thread: in Redis the script runs
       under lua_pcall, where that yield fails */
    lua_pushcfunction(L, decorate_error);
    lua_pushliteral(L, "attempt to yield across metamethod/C-call boundary");
    lua_pushlightuserdata(L, t);
    lua_call(L, 2, 1);
    *status = LUA_ERRRUN;
    mode = ENC_ERROR;
  } else if (*status == LUA_ERRMEM) {
    lua_xmove(t, L, 1); /* "not enough memory": Redis's handler never sees it */
    mode = ENC_ERROR;
  } else {
    lua_pushcfunction(L, decorate_error);
    lua_xmove(t, L, 1);
    lua_pushlightuserdata(L, t);
    lua_call(L, 2, 1);
    mode = ENC_ERROR;
  }
  out_buf.len = 0;
  out_buf.failed = 0;
  enc_depth = 0;
  enc_value(L, &out_buf, mode);
  return 0;
}

/* do_finish's common case without a protected call: a script that returned
   nothing, nil, a boolean, a number or a string. Encoding those allocates
   nothing in Lua (a number is read with lua_tonumber, never turned into a
   string), so nothing can raise. Returns 0 when the result is anything else. */
static int finish_scalar(lua_State *t) {
  if (t->status != 0) return 0;
  int type = lua_gettop(t) >= 1 ? lua_type(t, 1) : LUA_TNIL;
  out_buf.len = 0;
  out_buf.failed = 0;
  switch (type) {
    case LUA_TNIL: buf_u8(&out_buf, 'n'); break;
    case LUA_TBOOLEAN: buf_u8(&out_buf, lua_toboolean(t, 1) ? 'T' : 'F'); break;
    case LUA_TNUMBER: buf_u8(&out_buf, 'd'); buf_f64(&out_buf, lua_tonumber(t, 1)); break;
    case LUA_TSTRING: {
      size_t n;
      const char *str = lua_tolstring(t, 1, &n);
      buf_u8(&out_buf, 's');
      buf_str(&out_buf, str, n);
      break;
    }
    default: return 0;
  }
  lua_settop(t, 0);
  return 1;
}

/* Runs outside any protected call, so it must not allocate (a script that hit
   the memory cap leaves no room): the registry slots it writes already exist
   (the kill error's key is interned at set-up and keeps a value). */
static void end_script(lua_State *L, RdVm *vm) {
  if (vm->script != NULL) luaL_unref(L, LUA_REGISTRYINDEX, vm->script_ref);
  lua_pushboolean(L, 0);
  lua_setfield(L, LUA_REGISTRYINDEX, "redoubt_kill_error");
  vm->script = NULL;
  vm->script_ref = LUA_NOREF;
  vm->killed = 0;
  vm->pausing = 0;
  vm->chain_len = 0;
  lua_settop(L, 0);
}

/* Resumes the script's thread; returns 1 (LUA_YIELD) when it paused for the
   host, else the outcome as rd_start documents it. */
static int resume_script(lua_State *L, RdVm *vm, int nargs) {
  vm->pausing = 0;
  vm->chain_len = 0;
  int status = lua_resume(vm->script, nargs);
  if (status == LUA_YIELD && vm->pausing) {
    vm->pausing = 0;
    if (ldb.stop_pending) {
      ldb.stop_pending = 0;
      return RD_LDB_STOP;
    }
    return LUA_YIELD;
  }
  lua_sethook(vm->script, NULL, 0, 0);
  int st = status;
  int rc = status == 0 && finish_scalar(vm->script) ? 0 : lua_cpcall(L, do_finish, &st);
  if (status == 0 && rc == 0 && vm->spare == NULL && !vm->killed) {
    /* returned normally: the thread is kept for the next start (end_script
       then has no thread to release) */
    vm->spare = vm->script;
    vm->spare_ref = vm->script_ref;
    vm->script = NULL;
  }
  end_script(L, vm);
  if (rc != 0) return rc == LUA_ERRMEM ? 100 + rc : LUA_ERRERR;
  if (out_buf.failed) return 99;
  return st;
}

/* Starts a compiled chunk on a thread of its own. Keys and args are in scratch
   (u32 count, then u32 len + bytes each, keys first). `hook_count` > 0 installs
   the count hook. Returns 1 (LUA_YIELD) when the script paused for the host (call
   rd_resume to go on), 50 (RD_LDB_STOP) when it stopped in the debugger, else the outcome: 0 ok, LUA_ERRRUN, LUA_ERRMEM or
   LUA_ERRERR (the error could not be decorated), with the result or the error
   object in out; 100 + status when the call could not be set up (out of memory
   before the script ran); 99 when out could not hold the result. */
RD_EXPORT("rd_start")
int rd_start(lua_State *L, int ref, int function_mode, int hook_count) {
  RdVm *vm = vm_of(L);
  StartArgs a = { ref, function_mode };
  end_script(L, vm);
  int status = lua_cpcall(L, do_start, &a);
  if (status != 0) {
    end_script(L, vm);
    return 100 + status;
  }
  lua_State *t = vm->script;
  if (ldb.active) lua_sethook(t, ldb_hook, LUA_MASKLINE | LUA_MASKCOUNT, 100000);
  else if (hook_count > 0) lua_sethook(t, count_hook, LUA_MASKCOUNT, hook_count);
  return resume_script(L, vm, lua_gettop(t) - 1);
}

/* Goes on with a script that paused (rd_start returned 1); same outcomes. */
RD_EXPORT("rd_resume")
int rd_resume(lua_State *L) {
  RdVm *vm = vm_of(L);
  if (vm->script == NULL) return 100 + LUA_ERRRUN;
  return resume_script(L, vm, 0);
}

/* Drops a paused script without running it further (the host gave up on it). */
RD_EXPORT("rd_abandon")
void rd_abandon(lua_State *L) {
  end_script(L, vm_of(L));
}

/* lua_gc for the host (Redis steps the collector every 50 calls). */
RD_EXPORT("rd_gc")
int rd_gc(lua_State *L, int what, int data) {
  return lua_gc(L, what, data);
}

RD_EXPORT("rd_malloc") void *rd_malloc(uint32_t n) { return malloc(n); }
RD_EXPORT("rd_free") void rd_free(void *p) { free(p); }

/* FUNCTION libraries (the function engine's load path): a separate file, sharing this one's statics. */
#include "redoubt-functions.inc.c"
