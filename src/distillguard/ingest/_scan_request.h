/* The request view of the native scanner: ``fastpath.request_columns`` in C.
 *
 * Turns are read as the general path reads them (``schema.requests.split_turns``
 * and ``content_text``): string or block contents, tool results, tool calls (whose
 * ``input`` Python writes with ``json.dumps(..., sort_keys=True)``), odd roles.
 * Anything else (a float inside a tool input, a role or content Python would
 * turn into text with ``str()``) is left to Python. Included by _scan.c only.
 */
#ifndef DG_SCAN_REQUEST_H
#define DG_SCAN_REQUEST_H

typedef struct {
    buf_t keys;      /* req_param_keys */
    buf_t names;     /* req_tools */
    buf_t sys;       /* req_system, parts joined as they come */
    buf_t user;      /* req_user: the last user turn's text */
    buf_t tmp;       /* one decoded string */
    int n_user;
    int key_idx[MAX_KEYS];
} scratch_t;

/* UTF-8 byte order is code point order, which is how Python sorts str */
static int key_less(const parser_t *P, int a, int b) {
    const node_t *x = &P->nodes[a], *y = &P->nodes[b];
    uint32_t lx = x->end - x->start, ly = y->end - y->start;
    int c = memcmp(P->s + x->start, P->s + y->start, lx < ly ? lx : ly);
    return c ? c < 0 : lx < ly;
}

/* ---------------------------------------------------- Python's json.dumps */

static const char HEX[] = "0123456789abcdef";

static int put_u_escape(buf_t *b, uint32_t cp) {
    char e[6] = {'\\', 'u', HEX[(cp >> 12) & 15], HEX[(cp >> 8) & 15], HEX[(cp >> 4) & 15],
                 HEX[cp & 15]};
    return buf_put(b, e, 6);
}

/* A UTF-8 string (valid: the parser checked it) as json.dumps writes it with
 * ensure_ascii: quoted, \" \\ \n \r \t \b \f, \u00xx for other controls, and \uxxxx
 * (surrogate pairs beyond the BMP) for everything outside printable ASCII. */
static int dump_py_str(buf_t *b, const unsigned char *s, size_t n) {
    if (buf_put(b, "\"", 1)) return -1;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\') j++;
        if (j > i && buf_put(b, s + i, j - i)) return -1;
        if (j >= n) break;
        unsigned char c = s[j];
        const char *short_esc = NULL;
        switch (c) {
        case '"': short_esc = "\\\""; break;
        case '\\': short_esc = "\\\\"; break;
        case '\n': short_esc = "\\n"; break;
        case '\r': short_esc = "\\r"; break;
        case '\t': short_esc = "\\t"; break;
        case '\b': short_esc = "\\b"; break;
        case '\f': short_esc = "\\f"; break;
        }
        if (short_esc) {
            if (buf_put(b, short_esc, 2)) return -1;
            i = j + 1;
            continue;
        }
        uint32_t cp;
        size_t k;
        if (c < 0x80) { cp = c; k = 1; }
        else if (c < 0xE0) { cp = ((uint32_t)(c & 0x1F) << 6) | (s[j + 1] & 0x3F); k = 2; }
        else if (c < 0xF0) {
            cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[j + 1] & 0x3F) << 6) |
                 (s[j + 2] & 0x3F);
            k = 3;
        } else {
            cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[j + 1] & 0x3F) << 12) |
                 ((uint32_t)(s[j + 2] & 0x3F) << 6) | (s[j + 3] & 0x3F);
            k = 4;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            if (put_u_escape(b, 0xD800 | (cp >> 10)) || put_u_escape(b, 0xDC00 | (cp & 0x3FF)))
                return -1;
        } else if (put_u_escape(b, cp)) {
            return -1;
        }
        i = j + k;
    }
    return buf_put(b, "\"", 1);
}

/* json.dumps(value, sort_keys=True): 0, FALLBACK (a float: its repr is Python's), -1 */
static int dump_py(buf_t *b, const parser_t *P, int v, scratch_t *S, int depth) {
    const node_t *n = &P->nodes[v];
    if (depth > 32) return FALLBACK;
    switch (n->type) {
    case J_NULL: return buf_put(b, "null", 4) ? -1 : 0;
    case J_TRUE: return buf_put(b, "true", 4) ? -1 : 0;
    case J_FALSE: return buf_put(b, "false", 5) ? -1 : 0;
    case J_FLT: return FALLBACK;
    case J_INT: {
        char num[24];
        int len = snprintf(num, sizeof num, "%lld", (long long)n->ival);
        return buf_put(b, num, (size_t)len) ? -1 : 0;
    }
    case J_STR:
        S->tmp.len = 0;
        if (put_decoded(&S->tmp, P, n)) return -1;
        return dump_py_str(b, (const unsigned char *)S->tmp.p, S->tmp.len) ? -1 : 0;
    case J_ARR: {
        if (buf_put(b, "[", 1)) return -1;
        int i = v + 1;
        for (uint32_t m = 0; m < n->count; m++, i = (int)P->nodes[i].next) {
            if (m && buf_put(b, ", ", 2)) return -1;
            int r = dump_py(b, P, i, S, depth + 1);
            if (r) return r;
        }
        return buf_put(b, "]", 1) ? -1 : 0;
    }
    default: { /* J_OBJ: keys sorted; the parser refused escaped keys, so raw is decoded */
        int keys[MAX_KEYS];
        uint32_t nk = n->count;
        int i = v + 1;
        for (uint32_t m = 0; m < nk; m++) {
            int k = i, a = m;
            for (; a > 0 && key_less(P, k, keys[a - 1]); a--) keys[a] = keys[a - 1];
            keys[a] = k;
            i = (int)P->nodes[P->nodes[i].next].next;
        }
        if (buf_put(b, "{", 1)) return -1;
        for (uint32_t m = 0; m < nk; m++) {
            const node_t *k = &P->nodes[keys[m]];
            if ((m && buf_put(b, ", ", 2)) ||
                dump_py_str(b, P->s + k->start, k->end - k->start) || buf_put(b, ": ", 2))
                return -1;
            int r = dump_py(b, P, (int)k->next, S, depth + 1);
            if (r) return r;
        }
        return buf_put(b, "}", 1) ? -1 : 0;
    }
    }
}

/* ---------------------------------------------------------- content text */

static int content_text(buf_t *b, const parser_t *P, int v, scratch_t *S, int depth);

/* One block of a content list, joined to what this content_text call already wrote
 * with "\n"; an empty part is no part. */
static int content_part(buf_t *b, size_t start, const parser_t *P, int blk, scratch_t *S,
                        int depth) {
    const node_t *n = &P->nodes[blk];
    size_t before = b->len;
    if (before > start && buf_put(b, "\n", 1)) return -1;
    size_t mark = b->len;
    int r = 0;
    if (n->type == J_STR) {
        r = put_decoded(b, P, n) ? -1 : 0;
    } else if (n->type == J_OBJ) {
        int text = obj_get(P, blk, "text"), ty = obj_get(P, blk, "type"), in;
        if (text >= 0 && P->nodes[text].type == J_STR)
            r = put_decoded(b, P, &P->nodes[text]) ? -1 : 0;
        else if (ty >= 0 && str_is(P, ty, "tool_result"))
            r = content_text(b, P, obj_get(P, blk, "content"), S, depth + 1);
        else if (ty >= 0 && str_is(P, ty, "tool_use") && (in = obj_get(P, blk, "input")) >= 0)
            r = dump_py(b, P, in, S, 0);
    }
    if (r) return r;
    if (b->len == mark) b->len = before;
    return 0;
}

/* ``requests.content_text``: appends the text; 0, FALLBACK (Python would str() it), -1 */
static int content_text(buf_t *b, const parser_t *P, int v, scratch_t *S, int depth) {
    if (is_null(P, v)) return 0;
    if (depth > 16) return FALLBACK;
    const node_t *n = &P->nodes[v];
    size_t start = b->len;
    switch (n->type) {
    case J_STR: return put_decoded(b, P, n) ? -1 : 0;
    case J_OBJ: return content_part(b, start, P, v, S, depth);
    case J_ARR: {
        int i = v + 1;
        for (uint32_t m = 0; m < n->count; m++, i = (int)P->nodes[i].next) {
            int r = content_part(b, start, P, i, S, depth);
            if (r) return r;
        }
        return 0;
    }
    default: return FALLBACK;
    }
}

/* A system part: joined to the earlier ones with "\n\n", unless it is empty. */
static int system_part(scratch_t *S, const parser_t *P, int v) {
    size_t before = S->sys.len;
    if (before && buf_put(&S->sys, "\n\n", 2)) return -1;
    size_t mark = S->sys.len;
    int r = content_text(&S->sys, P, v, S, 0);
    if (r) return r;
    if (S->sys.len == mark) S->sys.len = before;
    return 0;
}

/* ``requests.split_turns`` of a messages/input array, keeping what the columns use:
 * system parts, the last user turn's text and the number of user turns. */
static int split_turns(const parser_t *P, int msgs, scratch_t *S) {
    if (msgs < 0 || P->nodes[msgs].type != J_ARR) return FALLBACK;
    int i = msgs + 1;
    for (uint32_t m = 0; m < P->nodes[msgs].count; m++, i = (int)P->nodes[i].next) {
        if (P->nodes[i].type != J_OBJ) continue;
        int role = obj_get(P, i, "role"), r;
        if (is_null(P, role)) {
            int ty = obj_get(P, i, "type");
            if (ty >= 0 && str_is(P, ty, "function_call_output")) continue; /* a tool turn */
        }
        int content = obj_get(P, i, "content");
        /* str(role or "user"): a falsy role is the user; a truthy role that is not a
         * string can never read "system", "developer" or "user" */
        if (!truthy(P, role) || str_is(P, role, "user")) {
            S->user.len = 0;
            if ((r = content_text(&S->user, P, content, S, 0))) return r;
            S->n_user++;
        } else if (str_is(P, role, "system") || str_is(P, role, "developer")) {
            if ((r = system_part(S, P, content))) return r;
        }
    }
    return 0;
}


/* The req_* columns of ``fastpath.request_columns``. 0 ok, FALLBACK, -1 error. */
static int request_columns(table_t *T, size_t row, const parser_t *P, int body, int endpoint,
                           scratch_t *S) {
    col_t *C = T->cols;
    S->sys.len = S->user.len = 0;
    S->n_user = 0;
    int effort = -1, enabled = 0, has_budget = 0, has_max = 0, r;
    int64_t budget = 0, max_tokens = 0;
    if (endpoint == 0) { /* chat.completions */
        if ((r = split_turns(P, obj_get(P, body, "messages"), S))) return r;
        int mt = obj_get(P, body, "max_completion_tokens");
        if (!is_null(P, mt)) {
            if ((r = as_int(P, mt, &max_tokens)) < 0) return FALLBACK;
            has_max = r;
        }
        if (!has_max) {
            mt = obj_get(P, body, "max_tokens");
            if (!is_null(P, mt)) {
                if ((r = as_int(P, mt, &max_tokens)) < 0) return FALLBACK;
                has_max = r;
            }
        }
        int e = obj_get(P, body, "reasoning_effort");
        if (e >= 0 && P->nodes[e].type == J_STR) {
            enabled = !str_is(P, e, "none");
            effort = e;
        }
    } else if (endpoint == 1) { /* messages */
        if (obj_get(P, body, "output_config") >= 0) return FALLBACK;
        int sys = obj_get(P, body, "system");
        if (truthy(P, sys) && (r = system_part(S, P, sys))) return r;
        if ((r = split_turns(P, obj_get(P, body, "messages"), S))) return r;
        if ((r = as_int(P, obj_get(P, body, "max_tokens"), &max_tokens)) < 0) return FALLBACK;
        has_max = r;
        int th = obj_get(P, body, "thinking");
        if (th >= 0 && P->nodes[th].type == J_OBJ) {
            int ty = obj_get(P, th, "type");
            enabled = ty >= 0 && (str_is(P, ty, "enabled") || str_is(P, ty, "adaptive"));
            if ((r = as_int(P, obj_get(P, th, "budget_tokens"), &budget)) < 0) return FALLBACK;
            has_budget = r;
        }
    } else { /* responses */
        int ins = obj_get(P, body, "instructions");
        if (ins >= 0 && P->nodes[ins].type == J_STR && (r = system_part(S, P, ins))) return r;
        int inp = obj_get(P, body, "input");
        if (inp >= 0 && P->nodes[inp].type == J_STR) {
            if (put_decoded(&S->user, P, &P->nodes[inp])) return -1;
            S->n_user = 1;
        } else if ((r = split_turns(P, inp, S))) {
            return r;
        }
        if ((r = as_int(P, obj_get(P, body, "max_output_tokens"), &max_tokens)) < 0)
            return FALLBACK;
        has_max = r;
        int rs = obj_get(P, body, "reasoning");
        if (rs >= 0 && P->nodes[rs].type == J_OBJ) {
            int e = obj_get(P, rs, "effort");
            if (e >= 0 && P->nodes[e].type == J_STR) {
                effort = e;
                enabled = !str_is(P, e, "none");
            }
        }
    }
    /* tools */
    S->names.len = 0;
    int tools = obj_get(P, body, "tools");
    if (!is_null(P, tools)) {
        if (P->nodes[tools].type != J_ARR) return FALLBACK;
        int i = tools + 1, first = 1;
        for (uint32_t m = 0; m < P->nodes[tools].count; m++, i = (int)P->nodes[i].next) {
            if (P->nodes[i].type != J_OBJ) continue;
            int fn = obj_get(P, i, "function"), name = -1;
            if (fn >= 0 && P->nodes[fn].type == J_OBJ) {
                int nm = obj_get(P, fn, "name");
                if (nm >= 0 && P->nodes[nm].type == J_STR) name = nm;
            }
            if (name < 0) {
                int nm = obj_get(P, i, "name");
                if (nm >= 0 && P->nodes[nm].type == J_STR) name = nm;
            }
            if (name < 0) {
                int ty = obj_get(P, i, "type");
                if (ty >= 0 && P->nodes[ty].type == J_STR) name = ty;
            }
            if (name < 0) continue;
            if (!first && buf_put(&S->names, ",", 1)) return -1;
            first = 0;
            if (put_decoded(&S->names, P, &P->nodes[name])) return -1;
        }
    }
    /* logprobs */
    int64_t top = 0;
    int has_top = 0;
    int tl = obj_get(P, body, "top_logprobs");
    if (!is_null(P, tl)) {
        if ((r = as_int(P, tl, &top)) < 0) return FALLBACK;
        has_top = r;
    }
    int logprobs = truthy(P, obj_get(P, body, "logprobs")) || (has_top && top > 0);
    int inc = obj_get(P, body, "include");
    if (!is_null(P, inc)) {
        if (P->nodes[inc].type != J_ARR) return FALLBACK;
        int i = inc + 1;
        for (uint32_t m = 0; m < P->nodes[inc].count; m++, i = (int)P->nodes[i].next) {
            const node_t *n = &P->nodes[i];
            if (n->type != J_STR || n->esc) return FALLBACK;
            if (memmem(P->s + n->start, n->end - n->start, "logprobs", 8)) logprobs = 1;
        }
    }
    int temp = obj_get(P, body, "temperature");
    int nv = obj_get(P, body, "n");
    int64_t n = 1;
    if (!is_null(P, nv)) {
        int64_t x = 0;
        if ((r = as_int(P, nv, &x)) < 0) return FALLBACK;
        if (r && x != 0) n = x;
    }
    if (n < 1) n = 1;
    if (n > INT32_MAX) return FALLBACK;
    int rf = -1;
    int rfn = obj_get(P, body, "response_format"), txt = obj_get(P, body, "text");
    if (rfn >= 0 && P->nodes[rfn].type == J_OBJ) {
        int ty = obj_get(P, rfn, "type");
        if (ty >= 0 && P->nodes[ty].type == J_STR) rf = ty;
    }
    if (rf < 0 && txt >= 0 && P->nodes[txt].type == J_OBJ) {
        int fmt = obj_get(P, txt, "format");
        if (fmt >= 0 && P->nodes[fmt].type == J_OBJ) {
            int ty = obj_get(P, fmt, "type");
            if (ty >= 0 && P->nodes[ty].type == J_STR) rf = ty;
        }
    }
    /* param keys, sorted (byte order of UTF-8 is code point order) */
    uint32_t nk = P->nodes[body].count;
    int i = body + 1;
    for (uint32_t m = 0; m < nk; m++) {
        S->key_idx[m] = i;
        i = (int)P->nodes[P->nodes[i].next].next;
    }
    for (uint32_t a = 1; a < nk; a++) { /* insertion sort: a few keys */
        int k = S->key_idx[a];
        uint32_t b = a;
        for (; b > 0 && key_less(P, k, S->key_idx[b - 1]); b--) S->key_idx[b] = S->key_idx[b - 1];
        S->key_idx[b] = k;
    }
    S->keys.len = 0;
    for (uint32_t m = 0; m < nk; m++) {
        const node_t *k = &P->nodes[S->key_idx[m]];
        if ((m && buf_put(&S->keys, ",", 1)) ||
            buf_put(&S->keys, P->s + k->start, k->end - k->start))
            return -1;
    }

    /* every check passed: append */
    if (put_bytes(&C[C_REQ_SYSTEM], row, S->sys.p, S->sys.len) ||
        put_bytes(&C[C_REQ_USER], row, S->user.p, S->user.len))
        return -1;
    if (put_i32(&C[C_REQ_N_TURNS], row, S->n_user)) return -1;
    if (has_max ? put_i64(&C[C_REQ_MAX_TOKENS], row, max_tokens)
                : put_null(&C[C_REQ_MAX_TOKENS], row))
        return -1;
    if (put_i32(&C[C_REQ_N], row, (int32_t)n)) return -1;
    if (put_bool(&C[C_REQ_LOGPROBS], row, logprobs)) return -1;
    if (temp >= 0 && (P->nodes[temp].type == J_INT || P->nodes[temp].type == J_FLT)) {
        double d = P->nodes[temp].type == J_INT ? (double)P->nodes[temp].ival : P->nodes[temp].fval;
        if (put_f64(&C[C_REQ_TEMPERATURE], row, d)) return -1;
    } else if (put_null(&C[C_REQ_TEMPERATURE], row)) {
        return -1;
    }
    if (put_bool(&C[C_REQ_REASONING_ENABLED], row, enabled)) return -1;
    if (effort >= 0 ? put_str(&C[C_REQ_REASONING_EFFORT], row, P, effort)
                    : put_null(&C[C_REQ_REASONING_EFFORT], row))
        return -1;
    if (has_budget ? put_i64(&C[C_REQ_THINKING_BUDGET], row, budget)
                   : put_null(&C[C_REQ_THINKING_BUDGET], row))
        return -1;
    if (put_bytes(&C[C_REQ_TOOLS], row, S->names.p, S->names.len)) return -1;
    if (put_bool(&C[C_REQ_STREAM], row, truthy(P, obj_get(P, body, "stream")))) return -1;
    if (rf >= 0 ? put_str(&C[C_REQ_RESPONSE_FORMAT], row, P, rf)
                : put_null(&C[C_REQ_RESPONSE_FORMAT], row))
        return -1;
    if (put_bytes(&C[C_REQ_PARAM_KEYS], row, S->keys.p, S->keys.len)) return -1;
    return 0;
}

#endif
