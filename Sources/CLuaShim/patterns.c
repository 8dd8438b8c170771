#include "CLuaShim.h"
#include <ctype.h>
#include <string.h>
#include <pthread.h>

// Lua patterns (reference manual §6.4.1) with every matching step charged to
// the run's instruction budget. Stock Lua matches inside one C call where the
// count hook never fires, so `("a"):rep(40):find(".-.-.-.-.-b")` could hold
// the host for hours; here it ends at the instruction limit like a loop.

#define PXL_MAXCAPTURES 32
#define PXL_MAXDEPTH 200
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define ESC '%'
#define SPECIALS "^$*+?.([%-"

typedef struct {
    const char *src_init;
    const char *src_end;
    const char *p_end;
    lua_State *L;
    int depth;
    int level;
    int steps;
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[PXL_MAXCAPTURES];
} MatchState;

static const char *do_match(MatchState *ms, const char *s, const char *p);

/// Charges one step; every 1,000 steps come off the run's budget.
static void charge(MatchState *ms) {
    if (++ms->steps < 1000) return;
    ms->steps = 0;
    pxl_limits *limits = *(pxl_limits **)lua_getextraspace(ms->L);
    if (!limits) return;
    limits->remaining -= 1000;
    if (limits->remaining <= 0 || limits->exhausted) {
        limits->exhausted = 1;
        luaL_error(ms->L, "instruction limit reached: the run used more than %I instructions (raise it with --max-instructions)",
                   (lua_Integer)limits->limit);
    }
}

static const char *class_end(MatchState *ms, const char *p) {
    if (*p++ == ESC) {
        if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (*(p - 1) == '[') {
        if (*p == '^') p++;
        do {
            if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
            if (*(p++) == ESC && p < ms->p_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

// The classes of `%a`, `%d`, … as bits, and each byte's classes, computed once from the C
// library's <ctype.h> (so in the same locale stock Lua would use): one table load and a bit
// test per byte instead of a switch and a ctype call. It keeps the budgeted matcher within
// a few percent of the stock one although it also knows `%z`.
enum {
    CLASS_A = 1 << 0, CLASS_C = 1 << 1, CLASS_D = 1 << 2, CLASS_G = 1 << 3, CLASS_L = 1 << 4, CLASS_P = 1 << 5,
    CLASS_S = 1 << 6, CLASS_U = 1 << 7, CLASS_W = 1 << 8, CLASS_X = 1 << 9, CLASS_Z = 1 << 10,
};
static unsigned short class_of_letter[256];
static unsigned short classes_of_byte[256];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void build_classes(void) {
    const char *letters = "acdglpsuwxz";
    for (int i = 0; letters[i]; i++) class_of_letter[(unsigned char)letters[i]] = (unsigned short)(1 << i);
    for (int c = 0; c < 256; c++) {
        classes_of_byte[c] = (unsigned short)((isalpha(c) ? CLASS_A : 0) | (iscntrl(c) ? CLASS_C : 0) | (isdigit(c) ? CLASS_D : 0)
            | (isgraph(c) ? CLASS_G : 0) | (islower(c) ? CLASS_L : 0) | (ispunct(c) ? CLASS_P : 0) | (isspace(c) ? CLASS_S : 0)
            | (isupper(c) ? CLASS_U : 0) | (isalnum(c) ? CLASS_W : 0) | (isxdigit(c) ? CLASS_X : 0) | (c == 0 ? CLASS_Z : 0));
    }
}

static int match_class(int c, int cl) {
    unsigned short bit = class_of_letter[(unsigned char)tolower(cl)];
    if (!bit) return cl == c;
    int result = (classes_of_byte[(unsigned char)c] & bit) != 0;
    return isupper(cl) ? !result : result;
}

/// `p` at '[', `ec` at the closing ']'.
static int match_bracket(int c, const char *p, const char *ec) {
    int sig = 1;
    if (*(p + 1) == '^') {
        sig = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == ESC) {
            p++;
            if (match_class(c, (unsigned char)*p)) return sig;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p) return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

static int single_match(MatchState *ms, const char *s, const char *p, const char *ep) {
    if (s >= ms->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESC: return match_class(c, (unsigned char)*(p + 1));
    case '[': return match_bracket(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match_balance(MatchState *ms, const char *s, const char *p) {
    if (p >= ms->p_end - 1) luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= ms->src_end || *s != *p) return NULL;
    int b = *p, e = *(p + 1), cont = 1;
    while (++s < ms->src_end) {
        charge(ms);
        if (*s == e) {
            if (--cont == 0) return s + 1;
        } else if (*s == b) {
            cont++;
        }
    }
    return NULL;
}

static const char *max_expand(MatchState *ms, const char *s, const char *p, const char *ep) {
    ptrdiff_t i = 0;
    while (single_match(ms, s + i, p, ep)) {
        charge(ms);
        i++;
    }
    while (i >= 0) {
        const char *result = do_match(ms, s + i, ep + 1);
        if (result) return result;
        i--;
    }
    return NULL;
}

static const char *min_expand(MatchState *ms, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *result = do_match(ms, s, ep + 1);
        if (result != NULL) return result;
        if (!single_match(ms, s, p, ep)) return NULL;
        s++;
    }
}

static const char *start_capture(MatchState *ms, const char *s, const char *p, int what) {
    if (ms->level >= PXL_MAXCAPTURES) luaL_error(ms->L, "too many captures");
    ms->capture[ms->level].init = s;
    ms->capture[ms->level].len = what;
    ms->level++;
    const char *result = do_match(ms, s, p);
    if (result == NULL) ms->level--;
    return result;
}

static int capture_to_close(MatchState *ms) {
    int level = ms->level;
    for (level--; level >= 0; level--)
        if (ms->capture[level].len == CAP_UNFINISHED) return level;
    return luaL_error(ms->L, "invalid pattern capture");
}

static const char *end_capture(MatchState *ms, const char *s, const char *p) {
    int l = capture_to_close(ms);
    ms->capture[l].len = s - ms->capture[l].init;
    const char *result = do_match(ms, s, p);
    if (result == NULL) ms->capture[l].len = CAP_UNFINISHED;
    return result;
}

static int check_capture(MatchState *ms, int l) {
    l -= '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
        return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
    return l;
}

static const char *match_capture(MatchState *ms, const char *s, int l) {
    l = check_capture(ms, l);
    size_t len = (size_t)ms->capture[l].len;
    if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0) return s + len;
    return NULL;
}

static const char *do_match(MatchState *ms, const char *s, const char *p) {
    if (ms->depth++ > PXL_MAXDEPTH) luaL_error(ms->L, "pattern too complex");
    while (p != ms->p_end) {
        charge(ms);
        switch (*p) {
        case '(':
            s = (*(p + 1) == ')') ? start_capture(ms, s, p + 2, CAP_POSITION) : start_capture(ms, s, p + 1, CAP_UNFINISHED);
            goto done;
        case ')':
            s = end_capture(ms, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != ms->p_end) goto literal;
            s = (s == ms->src_end) ? s : NULL;
            goto done;
        case ESC:
            switch (*(p + 1)) {
            case 'b':
                s = match_balance(ms, s, p + 2);
                if (s != NULL) {
                    p += 4;
                    continue;
                }
                goto done;
            case 'f': {
                p += 2;
                if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(ms, p);
                int previous = (s == ms->src_init) ? '\0' : (unsigned char)*(s - 1);
                int current = (s < ms->src_end) ? (unsigned char)*s : '\0';
                if (!match_bracket(previous, p, ep - 1) && match_bracket(current, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
                s = match_capture(ms, s, (unsigned char)*(p + 1));
                if (s != NULL) {
                    p += 2;
                    continue;
                }
                goto done;
            default:
                goto literal;
            }
        default:
        literal: {
            const char *ep = class_end(ms, p);
            if (!single_match(ms, s, p, ep)) {
                if (*ep == '*' || *ep == '?' || *ep == '-') {
                    p = ep + 1;
                    continue;
                }
                s = NULL;
            } else {
                switch (*ep) {
                case '?': {
                    const char *result = do_match(ms, s + 1, ep + 1);
                    if (result != NULL) {
                        s = result;
                    } else {
                        p = ep + 1;
                        continue;
                    }
                    break;
                }
                case '+': s = max_expand(ms, s + 1, p, ep); break;
                case '*': s = max_expand(ms, s, p, ep); break;
                case '-': s = min_expand(ms, s, p, ep); break;
                default:
                    s++;
                    p = ep;
                    continue;
                }
            }
            goto done;
        }
        }
    }
done:
    ms->depth--;
    return s;
}

static void push_onecapture(MatchState *ms, int i, const char *s, const char *e) {
    if (i >= ms->level) {
        if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(ms->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t l = ms->capture[i].len;
    if (l == CAP_UNFINISHED) luaL_error(ms->L, "unfinished capture");
    if (l == CAP_POSITION) {
        lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
    } else {
        lua_pushlstring(ms->L, ms->capture[i].init, (size_t)l);
    }
}

static int push_captures(MatchState *ms, const char *s, const char *e) {
    int levels = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(ms->L, levels, "too many captures");
    for (int i = 0; i < levels; i++) push_onecapture(ms, i, s, e);
    return levels;
}

static void prepare(MatchState *ms, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    ms->L = L;
    ms->src_init = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
    ms->steps = 0;
}

static void reprepare(MatchState *ms) {
    ms->level = 0;
    ms->depth = 0;
}

static size_t start_index(lua_Integer pos, size_t length) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)length) return 1;
    return length + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (strchr(SPECIALS, p[i]) && p[i] != '\0') return 1;
    return 0;
}

/// A plain search costs up to `lp` byte comparisons at each position: each
/// position tried is charged by the pattern's length (in 64-byte units).
static const char *plain_find(lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    long long cost = (long long)(lp / 64) + 1, owed = 0;
    for (size_t i = 0; i + lp <= ls; i++) {
        const char *next = memchr(s + i, p[0], ls - lp - i + 1);
        if (!next) break;
        i = (size_t)(next - s);
        if ((owed += cost) >= 1000) { pxl_charge(L, owed); owed = 0; }
        if (memcmp(s + i, p, lp) == 0) return s + i;
    }
    pxl_charge(L, owed);
    return NULL;
}

static int find_aux(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *found = plain_find(L, s + init, ls - init, p, lp);
        if (found) {
            lua_pushinteger(L, (found - s) + 1);
            lua_pushinteger(L, (found - s) + (lua_Integer)lp);
            return 2;
        }
    } else {
        MatchState ms;
        const char *s1 = s + init;
        int anchor = (*p == '^');
        if (anchor) {
            p++;
            lp--;
        }
        prepare(&ms, L, s, ls, p, lp);
        do {
            reprepare(&ms);
            const char *e = do_match(&ms, s1, p);
            if (e != NULL) {
                if (find) {
                    lua_pushinteger(L, (s1 - s) + 1);
                    lua_pushinteger(L, e - s);
                    return push_captures(&ms, NULL, 0) + 2;
                }
                return push_captures(&ms, s1, e);
            }
        } while (s1++ < ms.src_end && !anchor);
    }
    luaL_pushfail(L);
    return 1;
}

static int pxl_find(lua_State *L) { return find_aux(L, 1); }
static int pxl_match(lua_State *L) { return find_aux(L, 0); }

typedef struct {
    const char *src;
    const char *p;
    const char *lastmatch;
    MatchState ms;
} GMatchState;

static int gmatch_aux(lua_State *L) {
    GMatchState *gm = (GMatchState *)lua_touserdata(L, lua_upvalueindex(3));
    gm->ms.L = L;
    for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
        reprepare(&gm->ms);
        const char *e = do_match(&gm->ms, src, gm->p);
        if (e != NULL && e != gm->lastmatch) {
            gm->src = gm->lastmatch = e;
            return push_captures(&gm->ms, src, e);
        }
    }
    return 0;
}

static int pxl_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);
    GMatchState *gm = (GMatchState *)lua_newuserdatauv(L, sizeof(GMatchState), 0);
    if (init > ls) init = ls + 1;
    prepare(&gm->ms, L, s, ls, p, lp);
    gm->src = s + init;
    gm->p = p;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_aux, 3);
    return 1;
}

static void add_s(MatchState *ms, luaL_Buffer *b, const char *s, const char *e) {
    size_t l;
    lua_State *L = ms->L;
    const char *news = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = (const char *)memchr(news, ESC, l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++;
        if (*p == ESC) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            push_onecapture(ms, *p - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESC);
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
    }
    luaL_addlstring(b, news, l);
}

static int add_value(MatchState *ms, luaL_Buffer *b, const char *s, const char *e, int tr) {
    lua_State *L = ms->L;
    switch (tr) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = push_captures(ms, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        push_onecapture(ms, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        add_s(ms, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int pxl_gsub(lua_State *L) {
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int tr = lua_type(L, 3);
    lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    int anchor = (*p == '^');
    lua_Integer n = 0;
    int changed = 0;
    MatchState ms;
    luaL_Buffer b;
    luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                     "string/function/table");
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    prepare(&ms, L, src, srcl, p, lp);
    while (n < max_s) {
        reprepare(&ms);
        const char *e = do_match(&ms, src, p);
        if (e != NULL && e != lastmatch) {
            n++;
            changed = add_value(&ms, &b, src, e, tr) | changed;
            src = lastmatch = e;
        } else if (src < ms.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void pxl_install_patterns(lua_State *L) {
    pthread_once(&classes_once, build_classes);
    lua_getglobal(L, "string");
    // Keep the stock functions in the registry, for the differential tests.
    const char *names[] = {"find", "match", "gmatch", "gsub", NULL};
    lua_newtable(L);
    for (const char *const *name = names; *name; name++) {
        lua_getfield(L, -2, *name);
        lua_setfield(L, -2, *name);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "pxscript.stock_patterns");
    const luaL_Reg functions[] = {{"find", pxl_find}, {"match", pxl_match}, {"gmatch", pxl_gmatch}, {"gsub", pxl_gsub}, {NULL, NULL}};
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
