/*
 * FUNCTION libraries: the Lua side of Redis 7's function engine (function_lua.c),
 * written for Redoubt. Included at the end of redoubt-lua.c (it uses that file's
 * buffers, error tables and encoders), compiled into the same lua.wasm.
 *
 * A state turned into a function engine by rd_functions_init has two global
 * tables, as in Redis:
 *   - the real globals (the full API of redoubt-lua.c's setup), kept in the
 *     registry, and
 *   - the globals every library and function runs with: an empty readonly table
 *     whose metatable's __index is the real globals at run time, and the
 *     "library API" while a library's top-level code runs (FUNCTION LOAD). The
 *     library API holds only `redis` with register_function, log, LOG_* and
 *     REDIS_VERSION*; anything else (redis.call, string, error, ...) is the
 *     nonexistent-global error, so a library cannot run commands while loading.
 *
 * rd_load_library compiles a library (chunk name "@user_function"), runs its top
 * level once, and reports what it registered: for each function its name,
 * description, flags and the registry reference of its callback. The host keeps
 * the references and calls them with rd_call in function mode.
 */

#define RD_LIBRARY_API "redoubt_library_api"
#define RD_GLOBALS_API "redoubt_globals_api"
#define RD_LOAD_LIST "redoubt_load_list"   /* registrations of the library being loaded */
#define RD_LOAD_NAMES "redoubt_load_names" /* their names: duplicates are refused */

/* Function flags as the host reads them (bit i), in Redis's scripts_flags_def order. */
static const char *const rd_function_flags[] = {
  "no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys", NULL
};

/* The fields of the full `redis` table a library may use while it loads. */
static const char *const rd_library_api_fields[] = {
  "log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
  "REDIS_VERSION", "REDIS_VERSION_NUM", NULL
};

/* Raises {err="ERR <msg>"} as luaPushError + luaError do. */
static int fn_raise(lua_State *L, const char *msg) {
  push_error_table(L, msg, strlen(msg));
  return lua_error(L);
}

/* Redis's functionsVerifyName: [a-zA-Z0-9_]+ */
static int fn_valid_name(const char *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
  }
  return 1;
}

/* Flags table on top of the stack (Redis's luaRegisterFunctionReadFlags):
   items 1..n up to the first nil, each a known flag name (case-insensitive).
   Returns -1 on an unknown flag or a non-string item. */
static int fn_read_flags(lua_State *L) {
  int flags = 0;
  for (int j = 1;; j++) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return flags;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return -1;
    }
    const char *s = lua_tostring(L, -1);
    int found = 0;
    for (int i = 0; rd_function_flags[i]; i++) {
      if (strcasecmp(rd_function_flags[i], s) == 0) {
        flags |= 1 << i;
        found = 1;
        break;
      }
    }
    lua_pop(L, 1);
    if (!found) return -1;
  }
}

/* Records one registration (name at index `name_idx`, description at `desc_idx` or 0,
   callback reference `ref`) in the load list, refusing a bad or duplicate name. */
static int fn_record(lua_State *L, int name_idx, int desc_idx, int flags, int ref) {
  size_t n;
  const char *name = lua_tolstring(L, name_idx, &n);
  const char *err = NULL;
  lua_getfield(L, LUA_REGISTRYINDEX, RD_LOAD_NAMES);
  if (!fn_valid_name(name, n)) {
    err = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
  } else {
    lua_pushvalue(L, name_idx);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) err = "Function already exists in the library";
    lua_pop(L, 1);
  }
  if (err != NULL) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return fn_raise(L, err);
  }
  lua_pushvalue(L, name_idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, RD_LOAD_LIST);
  lua_createtable(L, 4, 0);
  lua_pushvalue(L, name_idx);
  lua_rawseti(L, -2, 1);
  if (desc_idx) lua_pushvalue(L, desc_idx);
  else lua_pushboolean(L, 0);
  lua_rawseti(L, -2, 2);
  lua_pushinteger(L, flags);
  lua_rawseti(L, -2, 3);
  lua_pushinteger(L, ref);
  lua_rawseti(L, -2, 4);
  lua_rawseti(L, -2, (int)lua_objlen(L, -2) + 1);
  lua_pop(L, 1);
  return 0;
}

/* redis.register_function{function_name=, callback=, flags=, description=}:
   the keys in lua_next order, with Redis's errors for each. */
static int fn_register_named(lua_State *L) {
  if (!lua_istable(L, 1)) {
    return fn_raise(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
  }
  int name_idx = 0, desc_idx = 0, ref = LUA_NOREF, flags = 0;
  const char *err = NULL;
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    /* stack: table, key, value */
    if (!lua_isstring(L, -2)) {
      err = "named argument key given to redis.register_function is not a string";
      break;
    }
    const char *key = lua_tostring(L, -2);
    if (strcasecmp(key, "function_name") == 0) {
      if (!lua_isstring(L, -1)) {
        err = "function_name argument given to redis.register_function must be a string";
        break;
      }
      lua_tostring(L, -1);
      /* keep the value below the iteration slots: the key must stay on top for lua_next */
      lua_pushvalue(L, -1);
      lua_insert(L, 2);
      name_idx = 2;
      if (desc_idx) desc_idx++;
    } else if (strcasecmp(key, "description") == 0) {
      if (!lua_isstring(L, -1)) {
        err = "description argument given to redis.register_function must be a string";
        break;
      }
      lua_tostring(L, -1);
      lua_pushvalue(L, -1);
      lua_insert(L, 2);
      desc_idx = 2;
      if (name_idx) name_idx++;
    } else if (strcasecmp(key, "callback") == 0) {
      if (!lua_isfunction(L, -1)) {
        err = "callback argument given to redis.register_function must be a function";
        break;
      }
      if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
      ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the value */
      continue;
    } else if (strcasecmp(key, "flags") == 0) {
      if (!lua_istable(L, -1)) {
        err = "flags argument to redis.register_function must be a table representing function flags";
        break;
      }
      flags = fn_read_flags(L);
      if (flags < 0) {
        err = "unknown flag given";
        break;
      }
    } else {
      err = "unknown argument given to redis.register_function";
      break;
    }
    lua_pop(L, 1);
  }
  if (err == NULL && !name_idx) err = "redis.register_function must get a function name argument";
  if (err == NULL && ref == LUA_NOREF) err = "redis.register_function must get a callback argument";
  if (err != NULL) {
    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return fn_raise(L, err);
  }
  return fn_record(L, name_idx, desc_idx, flags, ref);
}

/* redis.register_function(name, callback) */
static int fn_register_positional(lua_State *L) {
  if (!lua_isstring(L, 1)) return fn_raise(L, "first argument to redis.register_function must be a string");
  if (!lua_isfunction(L, 2)) return fn_raise(L, "second argument to redis.register_function must be a function");
  lua_tostring(L, 1);
  lua_settop(L, 2);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return fn_record(L, 1, 0, 0, ref);
}

static int fn_register_function(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, RD_LOAD_LIST);
  int loading = lua_istable(L, -1);
  lua_pop(L, 1);
  if (!loading) return fn_raise(L, "redis.register_function can only be called on FUNCTION LOAD command");
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return fn_raise(L, "wrong number of arguments to redis.register_function");
  return argc == 1 ? fn_register_named(L) : fn_register_positional(L);
}

/* A table's metatable whose __index raises the nonexistent-global error. */
static void fn_error_metatable(lua_State *L) {
  lua_newtable(L);
  lua_pushcfunction(L, nonexistent_global);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

static int functions_init(lua_State *L) {
  lua_settop(L, 0);
  /* the real globals, for restoring after a load */
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, LUA_REGISTRYINDEX, RD_GLOBALS_API);

  /* the library API: {redis = {register_function, log, LOG_*, REDIS_VERSION*}} */
  lua_newtable(L);
  lua_newtable(L);
  lua_pushcfunction(L, fn_register_function);
  lua_setfield(L, -2, "register_function");
  lua_pushliteral(L, "redis");
  lua_rawget(L, LUA_GLOBALSINDEX);
  if (lua_istable(L, -1)) {
    for (int i = 0; rd_library_api_fields[i]; i++) {
      lua_pushstring(L, rd_library_api_fields[i]);
      lua_rawget(L, -2);
      if (lua_isnil(L, -1)) lua_pop(L, 1);
      else lua_setfield(L, -3, rd_library_api_fields[i]);
    }
  }
  lua_pop(L, 1);
  fn_error_metatable(L);
  lua_setfield(L, -2, "redis");
  fn_error_metatable(L);
  protect_recursively(L);
  lua_setfield(L, LUA_REGISTRYINDEX, RD_LIBRARY_API);

  /* the globals libraries run with: empty and readonly; reads go to __index */
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, -2, "__index");
  lua_enablereadonlytable(L, -1, 1);
  lua_setmetatable(L, -2);
  lua_enablereadonlytable(L, -1, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
  return 0;
}

/* Makes a fresh state a function engine. Returns 0, or non-zero when out of memory. */
RD_EXPORT("rd_functions_init")
int rd_functions_init(lua_State *L) {
  int status = lua_cpcall(L, functions_init, NULL);
  lua_settop(L, 0);
  return status;
}

/* Points the run-time globals' __index at the registry table `which`. */
static void fn_switch_globals(lua_State *L, const char *which) {
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  lua_enablereadonlytable(L, -1, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, which);
  lua_setfield(L, -2, "__index");
  lua_enablereadonlytable(L, -1, 1);
  lua_pop(L, 1);
}

/* The load hook: the host stops a library that runs too long (FUNCTION LOAD timeout). */
static void fn_load_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (rd_host_interrupt() == 1) {
    lua_sethook(L, fn_load_hook, LUA_MASKCOUNT, 1);
    decode_scratch(L);
    lua_error(L);
  }
}

typedef struct {
  const char *src;
  size_t len;
  int hook_count;
  int result; /* 0 registered (list in out), 1 compile error, 2 run error (value in out) */
} LibLoadArgs;

/* Drops the callbacks of a failed load. */
static void fn_unref_list(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, RD_LOAD_LIST);
  if (lua_istable(L, -1)) {
    int n = (int)lua_objlen(L, -1);
    for (int i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      lua_rawgeti(L, -1, 4);
      luaL_unref(L, LUA_REGISTRYINDEX, (int)lua_tointeger(L, -1));
      lua_pop(L, 2);
    }
  }
  lua_pop(L, 1);
}

/* out: u32 count, then per function: name (u32 len + bytes), u8 has-description
   [+ description], u32 flags, u32 callback reference. */
static void fn_encode_list(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, RD_LOAD_LIST);
  int n = (int)lua_objlen(L, -1);
  buf_u32(&out_buf, (uint32_t)n);
  for (int i = 1; i <= n; i++) {
    size_t len;
    lua_rawgeti(L, -1, i);
    lua_rawgeti(L, -1, 1);
    const char *s = lua_tolstring(L, -1, &len);
    buf_str(&out_buf, s, len);
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 2);
    if (lua_isstring(L, -1)) {
      s = lua_tolstring(L, -1, &len);
      buf_u8(&out_buf, 1);
      buf_str(&out_buf, s, len);
    } else {
      buf_u8(&out_buf, 0);
    }
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 3);
    buf_u32(&out_buf, (uint32_t)lua_tointeger(L, -1));
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 4);
    buf_u32(&out_buf, (uint32_t)lua_tointeger(L, -1));
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
}

static void fn_clear_load(lua_State *L) {
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, RD_LOAD_LIST);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, RD_LOAD_NAMES);
}

static int fn_restore_after_failure(lua_State *L) {
  fn_switch_globals(L, RD_GLOBALS_API);
  fn_unref_list(L);
  fn_clear_load(L);
  return 0;
}

static int do_load_library(lua_State *L) {
  LibLoadArgs *a = (LibLoadArgs *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  out_buf.len = 0;
  out_buf.failed = 0;
  enc_depth = 0;
  /* as Redis, the parser refuses precompiled chunks */
  if (luaL_loadbuffer(L, a->src, a->len, "@user_function") != 0) {
    enc_value(L, &out_buf, ENC_PLAIN);
    a->result = 1;
    return 0;
  }
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, RD_LOAD_LIST);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, RD_LOAD_NAMES);
  fn_switch_globals(L, RD_LIBRARY_API);
  if (a->hook_count > 0) lua_sethook(L, fn_load_hook, LUA_MASKCOUNT, a->hook_count);
  int status = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, NULL, 0, 0);
  fn_switch_globals(L, RD_GLOBALS_API);
  if (status != 0) {
    fn_unref_list(L);
    fn_clear_load(L);
    enc_value(L, &out_buf, ENC_ERROR);
    a->result = 2;
    return 0;
  }
  fn_encode_list(L);
  fn_clear_load(L);
  a->result = 0;
  return 0;
}

/* Loads the library source in scratch (`len` bytes). Returns 0 with the registered
   functions in out, 1 with the compile error in out, 2 with the error value of its
   top-level code in out ("lua" encoding), -2 when the state ran out of memory
   (nothing registered), -3 when out could not hold the answer. */
RD_EXPORT("rd_load_library")
int rd_load_library(lua_State *L, uint32_t len, int hook_count) {
  LibLoadArgs a = { (const char *)scratch_buf.p, len, hook_count, 0 };
  int status = lua_cpcall(L, do_load_library, &a);
  lua_sethook(L, NULL, 0, 0);
  lua_settop(L, 0);
  if (status != 0) {
    /* the failure may have come between the switch and the restore */
    lua_cpcall(L, fn_restore_after_failure, NULL);
    lua_settop(L, 0);
    return -2;
  }
  if (out_buf.failed) return -3;
  return a.result;
}
