/*
 * The Lua debugger's engine half (SCRIPT DEBUG SYNC; Redis 7.2's LDB in eval.c).
 * Included by redoubt-lua.c. The host (src/scripting/lua-debugger.ts) holds the
 * session: the source, the breakpoints it sets here, the log and the debugger
 * commands. This file holds what needs the Lua state:
 *   - the line hook, which stops the script (a yield to the host, as the busy
 *     pauses) at a breakpoint, after a step, after redis.breakpoint(), or when a
 *     script runs past the time limit without stopping;
 *   - redis.debug() and redis.breakpoint() as the debugger answers them;
 *   - print (locals of the stopped frame, KEYS/ARGV), eval (a fragment run on the
 *     main state), trace (the script's frames), each writing log lines through
 *     the `ldb_log` import.
 * A stop happens only where the script may yield (can_yield): not inside a C
 * call such as a sort comparator. There the stop waits for the next line that can.
 */

/* Adds a line to the debugger's log; `trim`: cut at the session's maxlen. */
RD_IMPORT("ldb_log") extern void rd_host_ldb_log(const char *p, uint32_t n, int trim);
/* 1 when the script ran past the time limit since its start or last stop. */
RD_IMPORT("ldb_timeout") extern int rd_host_ldb_timeout(void);

#define RD_LDB_BP_MAX 64
#define RD_LDB_STOP 50 /* rd_start / rd_resume: stopped in the debugger */

enum { LDB_STEP = 1, LDB_BREAKPOINT = 2, LDB_LUABP = 3, LDB_TIMEOUT = 4 };

typedef struct {
  int active;      /* a debugging session: the line hook is installed */
  int step;        /* stop at the next line */
  int luabp;       /* redis.breakpoint() was called: stop at the next line */
  int line;        /* the line running now */
  int bp[RD_LDB_BP_MAX];
  int bpcount;
  int stop_reason; /* why the last stop happened (LDB_*) */
  lua_State *stopped; /* the thread the last stop happened on */
  int stop_pending;   /* the pause under way is a debugger stop */
  /* the threads of the stop, innermost first: the stopped one, then the threads that
     resumed it (Redoubt's pcall coroutines), out to the script's thread */
  lua_State *threads[RD_PCALL_CHAIN_MAX + 1];
  int nthreads;
  const Instruction *stop_pc; /* where it stopped: resuming re-runs that */
  int refire;         /* instruction's hook once (lvm.c), which is not a new line */
} RdLdb;

static RdLdb ldb; /* one session at a time per instance (as Redis's global ldb) */

static void ldb_log(const char *s, size_t n, int trim) { rd_host_ldb_log(s, (uint32_t)n, trim); }

/* Appends sdscatrepr's quoting of s to b. */
static void ldb_repr(luaL_Buffer *b, const char *s, size_t n) {
  luaL_addchar(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '\\': luaL_addstring(b, "\\\\"); break;
      case '"': luaL_addstring(b, "\\\""); break;
      case '\n': luaL_addstring(b, "\\n"); break;
      case '\r': luaL_addstring(b, "\\r"); break;
      case '\t': luaL_addstring(b, "\\t"); break;
      case '\a': luaL_addstring(b, "\\a"); break;
      case '\b': luaL_addstring(b, "\\b"); break;
      default:
        if (c >= 32 && c < 127) luaL_addchar(b, (char)c);
        else {
          char hex[5];
          snprintf(hex, sizeof hex, "\\x%02x", c);
          luaL_addstring(b, hex);
        }
    }
  }
  luaL_addchar(b, '"');
}

#define LDB_MAX_DEPTH (LUA_MINSTACK / 2)

/* Pushes the debugger's text for the value at idx (ldbCatStackValueRec): strings
   quoted, numbers %g, tables as {a; b} when they look like an array, else
   {[k]=v; ...}. Uses only L's stack. */
static void ldb_value(lua_State *L, int idx, int level) {
  luaL_checkstack(L, 6, "debugger value");
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  if (level++ == LDB_MAX_DEPTH) {
    lua_pushliteral(L, "<max recursion level reached! Nested table?>");
    return;
  }
  int t = lua_type(L, idx);
  luaL_Buffer b;
  switch (t) {
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      luaL_buffinit(L, &b);
      ldb_repr(&b, s, n);
      luaL_pushresult(&b);
      return;
    }
    case LUA_TBOOLEAN:
      lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
      return;
    case LUA_TNUMBER: {
      char num[64];
      snprintf(num, sizeof num, "%g", (double)lua_tonumber(L, idx));
      lua_pushstring(L, num);
      return;
    }
    case LUA_TNIL:
      lua_pushliteral(L, "nil");
      return;
    case LUA_TTABLE: {
      /* two texts at once: as an array and as a map; which one is known at the end */
      int is_array = 1;
      lua_Number expected = 1;
      lua_pushliteral(L, ""); /* array text */
      lua_pushliteral(L, ""); /* map text */
      int arr = lua_gettop(L) - 1, map = arr + 1;
      int items = 0;
      lua_pushnil(L);
      while (lua_next(L, idx)) {
        /* stack: arr map key value */
        if (is_array && (lua_type(L, -2) != LUA_TNUMBER || lua_tonumber(L, -2) != expected)) is_array = 0;
        const char *sep = items ? "; " : "";
        lua_pushvalue(L, arr);
        lua_pushstring(L, sep);
        ldb_value(L, -3 - 0, level); /* the value (now at -3) */
        lua_concat(L, 3);
        lua_replace(L, arr);
        lua_pushvalue(L, map);
        lua_pushstring(L, sep);
        lua_pushliteral(L, "[");
        ldb_value(L, -5, level); /* the key */
        lua_pushliteral(L, "]=");
        ldb_value(L, -6, level); /* the value */
        lua_concat(L, 6);
        lua_replace(L, map);
        lua_pop(L, 1);
        expected++;
        items++;
      }
      lua_pushliteral(L, "{");
      lua_pushvalue(L, is_array ? arr : map);
      lua_pushliteral(L, "}");
      lua_concat(L, 3);
      lua_replace(L, arr);
      lua_settop(L, arr);
      return;
    }
    default: {
      const char *name = t == LUA_TFUNCTION ? "function" : t == LUA_TUSERDATA ? "userdata"
                       : t == LUA_TTHREAD ? "thread" : t == LUA_TLIGHTUSERDATA ? "light-userdata" : NULL;
      if (name == NULL) lua_pushliteral(L, "\"<unknown-lua-type>\"");
      else lua_pushfstring(L, "\"%s@%p\"", name, lua_topointer(L, idx));
      return;
    }
  }
}

/* Logs prefix + the value at the top of L (popped), trimmed at maxlen. */
static void ldb_log_value(lua_State *L, const char *prefix) {
  lua_pushstring(L, prefix);
  ldb_value(L, -2, 0);
  lua_concat(L, 2);
  size_t n;
  const char *s = lua_tolstring(L, -1, &n);
  ldb_log(s, n, 1);
  lua_pop(L, 2);
}

static int ldb_is_breakpoint(int line) {
  for (int i = 0; i < ldb.bpcount; i++)
    if (ldb.bp[i] == line) return 1;
  return 0;
}

/* The debugger's line (and count) hook, luaLdbLineHook: stops by yielding to
   the host, which talks to the debugging client and resumes the script. */
static void ldb_hook(lua_State *L, lua_Debug *ar) {
  RdVm *vm = vm_of(L);
  if (vm->killed) {
    lua_sethook(L, ldb_hook, LUA_MASKCOUNT, 1);
    raise_kill(L);
  }
  /* the line event of the instruction the script stopped at, seen again on resume */
  if (ldb.refire) {
    ldb.refire = 0;
    if (ar->event == LUA_HOOKLINE && L == ldb.stopped && L->savedpc == ldb.stop_pc) return;
  }
  lua_Debug d;
  if (!lua_getstack(L, 0, &d) || !lua_getinfo(L, "Sl", &d)) return;
  ldb.line = d.currentline;
  if (strstr(d.short_src, "user_script") == NULL) return;
  int bp = ldb_is_breakpoint(ldb.line) || ldb.luabp;
  int timeout = 0;
  if (ar->event == LUA_HOOKCOUNT && !ldb.step && !bp) {
    if (!rd_host_ldb_timeout()) return;
    timeout = 1;
  }
  if (!ldb.step && !bp && !timeout) return;
  /* where the script cannot yield the stop waits for the next line that can */
  if (!can_yield(vm, L)) {
    if (timeout) ldb.step = 1;
    return;
  }
  ldb.stop_reason = bp ? (ldb.luabp ? LDB_LUABP : LDB_BREAKPOINT) : timeout ? LDB_TIMEOUT : LDB_STEP;
  ldb.step = 0;
  ldb.luabp = 0;
  ldb.stopped = L;
  ldb.nthreads = 0;
  ldb.threads[ldb.nthreads++] = L;
  for (int i = vm->chain_len - 1; i >= 0; i--) ldb.threads[ldb.nthreads++] = vm->chain[i].parent;
  ldb.stop_pc = L->savedpc;
  ldb.refire = 1;
  ldb.stop_pending = 1;
  vm->pausing = 1;
  lua_yieldvm(L, 0);
}

/* redis.breakpoint(): true (and a stop at the next line) inside a session */
static int ldb_breakpoint_fn(lua_State *L) {
  if (ldb.active) ldb.luabp = 1;
  lua_pushboolean(L, ldb.active);
  return 1;
}

/* redis.debug(...): "<debug> line N: v1, v2" in the session's log */
static int ldb_debug_fn(lua_State *L) {
  if (!ldb.active) return 0;
  int n = lua_gettop(L);
  luaL_checkstack(L, 8, "redis.debug");
  lua_pushfstring(L, "<debug> line %d: ", ldb.line);
  for (int i = 1; i <= n; i++) {
    ldb_value(L, i, 0);
    if (i < n) lua_pushliteral(L, ", ");
    lua_concat(L, i < n ? 3 : 2);
  }
  size_t len;
  const char *s = lua_tolstring(L, -1, &len);
  ldb_log(s, len, 0);
  return 0;
}

/* Replaces redis.breakpoint and redis.debug (host functions outside the debugger). */
static void ldb_install(lua_State *L) {
  lua_getglobal(L, "redis");
  lua_getfield(L, -1, "breakpoint");
  int present = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (present) {
    lua_pushcfunction(L, ldb_breakpoint_fn);
    lua_setfield(L, -2, "breakpoint");
    lua_pushcfunction(L, ldb_debug_fn);
    lua_setfield(L, -2, "debug");
  }
  lua_pop(L, 1);
}

/* The session starts (the next rd_start installs the debugger's hook) or ends. */
RD_EXPORT("rd_ldb_begin")
void rd_ldb_begin(lua_State *L, int on) {
  (void)L;
  memset(&ldb, 0, sizeof ldb);
  ldb.active = on;
  ldb.step = on;
}

/* Sets step and the breakpoints (`count` u32 lines in scratch). */
RD_EXPORT("rd_ldb_set")
void rd_ldb_set(lua_State *L, int step, uint32_t count) {
  (void)L;
  ldb.step = step;
  ldb.bpcount = 0;
  for (uint32_t i = 0; i < count && i < RD_LDB_BP_MAX; i++) {
    int32_t line;
    memcpy(&line, scratch_buf.p + 4 * i, 4);
    ldb.bp[ldb.bpcount++] = line;
  }
}

RD_EXPORT("rd_ldb_line") int rd_ldb_line(lua_State *L) { (void)L; return ldb.line; }
RD_EXPORT("rd_ldb_reason") int rd_ldb_reason(lua_State *L) { (void)L; return ldb.stop_reason; }

/* The n-th frame of the stop, counting across its threads (0: where it stopped).
   Frames of Redoubt's own Lua code count but are marked `internal`. Returns the
   thread, or NULL past the last frame. */
static lua_State *ldb_frame(int n, lua_Debug *ar, int *internal) {
  for (int i = 0; i < ldb.nthreads; i++) {
    lua_State *t = ldb.threads[i];
    int level = 0;
    while (lua_getstack(t, level, ar)) {
      if (n-- == 0) {
        lua_getinfo(t, "Snl", ar);
        *internal = is_internal(ar);
        /* resuming re-runs the stop's instruction: its saved pc is one behind */
        if (i == 0 && level == 0) ar->currentline = ldb.line;
        return t;
      }
      level++;
    }
  }
  return NULL;
}

/* print [name] (ldbPrint / ldbPrintAll), on the stopped thread's frames */
static int ldb_do_print(lua_State *L) {
  const char *name = (const char *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  lua_Debug ar;
  int internal;
  if (ldb.stopped == NULL) return 0;
  lua_State *t = ldb.stopped;
  if (name == NULL) {
    int vars = 0;
    if (lua_getstack(t, 0, &ar)) {
      const char *n;
      for (int i = 1; lua_checkstack(t, 1) && (n = lua_getlocal(t, &ar, i)) != NULL; i++) {
        lua_xmove(t, L, 1);
        if (strstr(n, "(*temporary)") == NULL) {
          const char *prefix = lua_pushfstring(L, "<value> %s = ", n);
          lua_insert(L, -2); /* the value on top, the prefix kept below it */
          ldb_log_value(L, prefix);
          vars++;
        }
        lua_settop(L, 0);
      }
    }
    if (vars == 0) {
      static const char none[] = "No local variables in the current context.";
      ldb_log(none, sizeof none - 1, 0);
    }
    return 0;
  }
  for (int level = 0; (t = ldb_frame(level, &ar, &internal)) != NULL; level++) {
    const char *n;
    if (internal) continue;
    for (int i = 1; lua_checkstack(t, 1) && (n = lua_getlocal(t, &ar, i)) != NULL; i++) {
      if (strcmp(n, name) == 0) {
        lua_xmove(t, L, 1);
        ldb_log_value(L, "<value> ");
        return 0;
      }
      lua_pop(t, 1);
    }
  }
  if (strcmp(name, "ARGV") == 0 || strcmp(name, "KEYS") == 0) {
    lua_getglobal(L, name);
    ldb_log_value(L, "<value> ");
  } else {
    static const char none[] = "No such variable.";
    ldb_log(none, sizeof none - 1, 0);
  }
  return 0;
}

/* print: the variable's name in scratch (`len` bytes; 0: every local). 0 ok, else
   the state ran out of memory. */
RD_EXPORT("rd_ldb_print")
int rd_ldb_print(lua_State *L, uint32_t len) {
  char name[1025];
  if (len > 1024) len = 1024;
  memcpy(name, scratch_buf.p, len);
  name[len] = 0;
  int rc = lua_cpcall(L, ldb_do_print, len ? name : NULL);
  lua_settop(L, 0);
  return rc;
}

typedef struct {
  const char *code;
  size_t len;
} LdbEvalArgs;

/* eval <code> (ldbEval): as an expression first ("return " prepended), else as
   statements; run on the main state, the result logged as <retval>. */
static int ldb_do_eval(lua_State *L) {
  LdbEvalArgs *a = (LdbEvalArgs *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  lua_pushliteral(L, "return ");
  lua_pushlstring(L, a->code, a->len);
  lua_concat(L, 2);
  size_t n;
  const char *expr = lua_tolstring(L, 1, &n);
  if (luaL_loadbuffer(L, expr, n, "@ldb_eval") != 0) {
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, a->code, a->len, "@ldb_eval") != 0) {
      lua_pushfstring(L, "<error> %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(null)");
      const char *s = lua_tolstring(L, -1, &n);
      ldb_log(s, n, 0);
      return 0;
    }
  }
  if (lua_pcall(L, 0, 1, 0) != 0) {
    lua_pushfstring(L, "<error> %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(null)");
    const char *s = lua_tolstring(L, -1, &n);
    ldb_log(s, n, 0);
    return 0;
  }
  ldb_log_value(L, "<retval> ");
  return 0;
}

/* eval: the code in scratch (`len` bytes). 0 ok, else out of memory. */
RD_EXPORT("rd_ldb_eval")
int rd_ldb_eval(lua_State *L, uint32_t len) {
  LdbEvalArgs a = { (const char *)scratch_buf.p, len };
  /* the code is copied out of scratch first: a host call inside it reuses scratch */
  char *copy = malloc(len ? len : 1);
  if (copy == NULL) return LUA_ERRMEM;
  memcpy(copy, scratch_buf.p, len);
  a.code = copy;
  int rc = lua_cpcall(L, ldb_do_eval, &a);
  free(copy);
  lua_settop(L, 0);
  return rc;
}

/* trace (ldbTrace): the stopped thread's frames from the script, written to out
   as u32 count, then per frame u32 level, u32 line, u8 has-name, name. */
RD_EXPORT("rd_ldb_trace")
uint32_t rd_ldb_trace(lua_State *L) {
  (void)L;
  out_buf.len = 0;
  out_buf.failed = 0;
  uint32_t count = 0;
  buf_u32(&out_buf, 0);
  lua_Debug ar;
  int internal;
  for (int level = 0; ldb_frame(level, &ar, &internal) != NULL; level++) {
    if (strstr(ar.short_src, "user_script") == NULL) continue;
    buf_u32(&out_buf, (uint32_t)level);
    buf_u32(&out_buf, (uint32_t)ar.currentline);
    buf_u8(&out_buf, ar.name != NULL);
    if (ar.name != NULL) buf_str(&out_buf, ar.name, strlen(ar.name));
    count++;
  }
  if (!out_buf.failed) memcpy(out_buf.p, &count, 4);
  return out_buf.failed ? 0 : 1;
}
