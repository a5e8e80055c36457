/* JSON for the native scanner: strict parsing into a node array, and queries on it.
 *
 * Strict means: whatever orjson refuses is refused here too (the line is then left to
 * Python), and the parser counts every place where orjson's compact re-encoding of
 * the value would differ from the bytes read (whitespace, a non-canonical escape or
 * number spelling, a repeated key), so a subtree whose count is zero can be copied
 * as is. Included by _scan.c only.
 */
#ifndef DG_SCAN_JSON_H
#define DG_SCAN_JSON_H

/* ---------------------------------------------------------------- buffers */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static int buf_grow(buf_t *b, size_t extra) {
    size_t need = b->len + extra;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int buf_put(buf_t *b, const void *src, size_t n) {
    if (b->len + n > b->cap && buf_grow(b, n)) return -1;
    if (n) memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

/* ------------------------------------------------------------------ JSON */

enum { J_NULL, J_FALSE, J_TRUE, J_INT, J_FLT, J_STR, J_ARR, J_OBJ };

typedef struct {
    uint8_t type;
    uint8_t esc;       /* string: holds a backslash escape */
    uint32_t start;    /* string: first byte after the quote; else first byte */
    uint32_t end;      /* string: the closing quote; else one past the last byte */
    uint32_t next;     /* index of the node after this subtree */
    uint32_t count;    /* container: members (an object's pairs count once) */
    uint32_t nc;       /* the subtree holds something orjson would re-encode differently */
    int64_t ival;
    double fval;
} node_t;

typedef struct {
    const unsigned char *s;
    size_t pos, len;
    node_t *nodes;
    size_t n_nodes, cap_nodes;
    long noncanon; /* places where orjson's compact re-encoding would differ */
    int depth;
} parser_t;

#define MAX_DEPTH 64
#define MAX_KEYS 64

static int new_node(parser_t *P) {
    if (P->n_nodes == P->cap_nodes) {
        size_t cap = P->cap_nodes ? P->cap_nodes * 2 : 256;
        node_t *n = realloc(P->nodes, cap * sizeof(node_t));
        if (!n) return -1;
        P->nodes = n;
        P->cap_nodes = cap;
    }
    memset(&P->nodes[P->n_nodes], 0, sizeof(node_t));
    return (int)P->n_nodes++;
}

static inline void skip_ws(parser_t *P) {
    size_t p = P->pos;
    while (p < P->len) {
        unsigned char c = P->s[p];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') p++;
        else break;
    }
    if (p != P->pos) P->noncanon++;
    P->pos = p;
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Length of a valid UTF-8 sequence starting at s (strict: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80) return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;
        if (c == 0xED && s[1] >= 0xA0) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

/* Validates a string (P->pos at the opening quote). 0 ok, -1 not taken. */
static int parse_string(parser_t *P, node_t *n) {
    const unsigned char *s = P->s;
    size_t p = P->pos + 1, len = P->len;
    n->type = J_STR;
    n->start = (uint32_t)p;
    for (;;) {
        /* the common run of plain ASCII */
        while (p < len) {
            unsigned char c = s[p];
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
            p++;
        }
        if (p >= len) return -1;
        unsigned char c = s[p];
        if (c == '"') break;
        if (c < 0x20) return -1;
        if (c == '\\') {
            if (p + 1 >= len) return -1;
            unsigned char e = s[p + 1];
            n->esc = 1;
            switch (e) {
            case '"': case '\\': case 'n': case 'r': case 't': case 'b': case 'f':
                p += 2;
                break;
            case '/':
                P->noncanon++;
                p += 2;
                break;
            case 'u': {
                if (p + 6 > len) return -1;
                int v = 0;
                for (int k = 0; k < 4; k++) {
                    int h = hexval(s[p + 2 + k]);
                    if (h < 0) return -1;
                    v = v * 16 + h;
                }
                if (v >= 0xD800 && v <= 0xDFFF) return -1; /* surrogates: Python decides */
                /* orjson writes \u00xx (lower-case) only for controls without a short form */
                int canon = v < 0x20 && v != '\n' && v != '\r' && v != '\t' && v != '\b' &&
                            v != '\f';
                for (int k = 0; k < 4 && canon; k++) {
                    unsigned char h = s[p + 2 + k];
                    if (h >= 'A' && h <= 'F') canon = 0;
                }
                if (!canon) P->noncanon++;
                p += 6;
                break;
            }
            default:
                return -1;
            }
            continue;
        }
        size_t k = utf8_len(s + p, len - p);
        if (!k) return -1;
        p += k;
    }
    n->end = (uint32_t)p;
    P->pos = p + 1;
    return 0;
}

/* Python's repr(d) into out when repr is positional (exponent -4..15), else 0. Without
 * the GIL (the scanner runs without it), so not PyOS_double_to_string: the shortest
 * correctly rounded digits that read back as d. Where that is not repr's choice (the
 * rare double whose shortest form is not the closest), the answer is at worst longer
 * than repr, so the text counts as not canonical and Python converts the line. */
static int positional_repr(double d, char *out, size_t cap) {
    char e[48];
    int p;
    for (p = 0; p <= 16; p++) {
        snprintf(e, sizeof e, "%.*e", p, d);
        if (strtod(e, NULL) == d) break;
    }
    if (p > 16) return 0;
    const char *s = e;
    char digits[24];
    int nd = 0, neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (d == 0) exp = 0;
    if (exp < -4 || exp > 15 || cap < 48) return 0;
    char *o = out;
    if (neg) *o++ = '-';
    if (exp < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -exp - 1; i++) *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else {
        for (int i = 0; i <= exp; i++) *o++ = i < nd ? digits[i] : '0';
        *o++ = '.';
        if (nd > exp + 1) {
            memcpy(o, digits + exp + 1, (size_t)(nd - exp - 1));
            o += nd - exp - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = 0;
    return 1;
}

static int parse_number(parser_t *P, node_t *n) {
    const unsigned char *s = P->s;
    size_t p = P->pos, len = P->len, start = p;
    int neg = 0, is_float = 0, exp = 0;
    if (p < len && s[p] == '-') { neg = 1; p++; }
    if (p >= len) return -1;
    if (s[p] == '0') {
        p++;
        if (p < len && s[p] >= '0' && s[p] <= '9') return -1;
    } else if (s[p] >= '1' && s[p] <= '9') {
        while (p < len && s[p] >= '0' && s[p] <= '9') p++;
    } else {
        return -1;
    }
    size_t int_end = p;
    if (p < len && s[p] == '.') {
        is_float = 1;
        p++;
        if (p >= len || s[p] < '0' || s[p] > '9') return -1;
        while (p < len && s[p] >= '0' && s[p] <= '9') p++;
    }
    if (p < len && (s[p] == 'e' || s[p] == 'E')) {
        is_float = 1;
        exp = 1;
        p++;
        if (p < len && (s[p] == '+' || s[p] == '-')) p++;
        if (p >= len || s[p] < '0' || s[p] > '9') return -1;
        while (p < len && s[p] >= '0' && s[p] <= '9') p++;
    }
    n->start = (uint32_t)start;
    n->end = (uint32_t)p;
    P->pos = p;
    if (!is_float) {
        size_t digits = int_end - start - (size_t)neg;
        if (digits > 18) return -1; /* beyond int64 handling: Python decides */
        int64_t v = 0;
        for (size_t i = start + (size_t)neg; i < int_end; i++) v = v * 10 + (s[i] - '0');
        if (neg && v == 0) P->noncanon++; /* orjson reads -0 as 0 */
        n->type = J_INT;
        n->ival = neg ? -v : v;
        return 0;
    }
    char tmp[64];
    size_t nlen = p - start;
    if (nlen >= sizeof tmp) return -1;
    memcpy(tmp, s + start, nlen);
    tmp[nlen] = 0;
    double d = strtod(tmp, NULL);
    if (!isfinite(d)) return -1;
    n->type = J_FLT;
    n->fval = d;
    if (exp) {
        P->noncanon++;
    } else {
        /* orjson writes the shortest round-trip form; where that has no exponent it is
         * Python's repr, so the text read is canonical exactly when it equals the repr */
        char r[48];
        if (!positional_repr(d, r, sizeof r) || strlen(r) != nlen || memcmp(r, tmp, nlen) != 0)
            P->noncanon++;
    }
    return 0;
}

static int parse_value(parser_t *P);

static int key_equal(const parser_t *P, const node_t *a, const node_t *b) {
    uint32_t la = a->end - a->start, lb = b->end - b->start;
    return la == lb && memcmp(P->s + a->start, P->s + b->start, la) == 0;
}

static int parse_container(parser_t *P, int idx, int is_obj) {
    const unsigned char *s = P->s;
    uint32_t keys[MAX_KEYS];
    uint32_t count = 0;
    if (++P->depth > MAX_DEPTH) return -1;
    P->pos++;
    skip_ws(P);
    if (P->pos >= P->len) return -1;
    if (s[P->pos] == (is_obj ? '}' : ']')) {
        P->pos++;
    } else {
        for (;;) {
            if (is_obj) {
                if (P->pos >= P->len || s[P->pos] != '"') return -1;
                int k = new_node(P);
                if (k < 0) return -2;
                int r = parse_string(P, &P->nodes[k]);
                if (r) return r;
                P->nodes[k].next = (uint32_t)P->n_nodes;
                /* escaped keys and duplicates are Python's to judge (orjson keeps the last) */
                if (P->nodes[k].esc || count >= MAX_KEYS) return -1;
                for (uint32_t i = 0; i < count; i++)
                    if (key_equal(P, &P->nodes[keys[i]], &P->nodes[k])) return -1;
                keys[count] = (uint32_t)k;
                skip_ws(P);
                if (P->pos >= P->len || s[P->pos] != ':') return -1;
                P->pos++;
                skip_ws(P);
            }
            int r = parse_value(P);
            if (r) return r;
            count++;
            skip_ws(P);
            if (P->pos >= P->len) return -1;
            unsigned char c = s[P->pos];
            if (c == ',') {
                P->pos++;
                skip_ws(P);
                continue;
            }
            if (c == (is_obj ? '}' : ']')) {
                P->pos++;
                break;
            }
            return -1;
        }
    }
    P->depth--;
    node_t *n = &P->nodes[idx];
    n->type = is_obj ? J_OBJ : J_ARR;
    n->count = count;
    n->end = (uint32_t)P->pos;
    return 0;
}

static int parse_value(parser_t *P) {
    int idx = new_node(P);
    if (idx < 0) return -2;
    long before = P->noncanon;
    const unsigned char *s = P->s;
    if (P->pos >= P->len) return -1;
    unsigned char c = s[P->pos];
    P->nodes[idx].start = (uint32_t)P->pos;
    int r = 0;
    switch (c) {
    case '{': r = parse_container(P, idx, 1); break;
    case '[': r = parse_container(P, idx, 0); break;
    case '"': r = parse_string(P, &P->nodes[idx]); break;
    case 't':
        if (P->pos + 4 > P->len || memcmp(s + P->pos, "true", 4)) return -1;
        P->nodes[idx].type = J_TRUE;
        P->pos += 4;
        break;
    case 'f':
        if (P->pos + 5 > P->len || memcmp(s + P->pos, "false", 5)) return -1;
        P->nodes[idx].type = J_FALSE;
        P->pos += 5;
        break;
    case 'n':
        if (P->pos + 4 > P->len || memcmp(s + P->pos, "null", 4)) return -1;
        P->nodes[idx].type = J_NULL;
        P->pos += 4;
        break;
    default:
        r = parse_number(P, &P->nodes[idx]);
    }
    if (r) return r;
    if (P->nodes[idx].type != J_STR && P->nodes[idx].type != J_INT &&
        P->nodes[idx].type != J_FLT && P->nodes[idx].type != J_OBJ &&
        P->nodes[idx].type != J_ARR)
        P->nodes[idx].end = (uint32_t)P->pos;
    P->nodes[idx].next = (uint32_t)P->n_nodes;
    P->nodes[idx].nc = P->noncanon != before;
    return 0;
}

/* -------------------------------------------------------- node queries */

/* Value node of `key` in object `obj`, or -1. */
static int obj_get(const parser_t *P, int obj, const char *key) {
    size_t klen = strlen(key);
    const node_t *o = &P->nodes[obj];
    int i = obj + 1;
    for (uint32_t m = 0; m < o->count; m++) {
        const node_t *k = &P->nodes[i];
        int v = (int)k->next;
        if (k->end - k->start == klen && memcmp(P->s + k->start, key, klen) == 0) return v;
        i = (int)P->nodes[v].next;
    }
    return -1;
}

static inline int is_null(const parser_t *P, int v) {
    return v < 0 || P->nodes[v].type == J_NULL;
}

static int str_is(const parser_t *P, int v, const char *lit) {
    const node_t *n = &P->nodes[v];
    size_t l = strlen(lit);
    return n->type == J_STR && !n->esc && n->end - n->start == l &&
           memcmp(P->s + n->start, lit, l) == 0;
}

/* Python's bool() of the value. */
static int truthy(const parser_t *P, int v) {
    if (v < 0) return 0;
    const node_t *n = &P->nodes[v];
    switch (n->type) {
    case J_NULL: case J_FALSE: return 0;
    case J_TRUE: return 1;
    case J_INT: return n->ival != 0;
    case J_FLT: return n->fval != 0.0;
    case J_STR: return n->end > n->start;
    default: return n->count > 0;
    }
}

/* ``fastpath._int``: 1 with *out set, 0 for None, -1 to leave the line to Python. */
static int as_int(const parser_t *P, int v, int64_t *out) {
    if (v < 0) return 0;
    const node_t *n = &P->nodes[v];
    if (n->type == J_INT) {
        *out = n->ival;
        return 1;
    }
    if (n->type == J_FLT) return -1;
    return 0;
}

static int put_decoded(buf_t *b, const parser_t *P, const node_t *n) {
    const unsigned char *s = P->s;
    if (!n->esc) return buf_put(b, s + n->start, n->end - n->start);
    if (buf_grow(b, n->end - n->start)) return -1;
    char *o = b->p + b->len;
    for (uint32_t p = n->start; p < n->end;) {
        unsigned char c = s[p];
        if (c != '\\') {
            *o++ = (char)c;
            p++;
            continue;
        }
        unsigned char e = s[p + 1];
        p += 2;
        switch (e) {
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            int v = 0;
            for (int k = 0; k < 4; k++) v = v * 16 + hexval(s[p + k]);
            p += 4;
            if (v < 0x80) {
                *o++ = (char)v;
            } else if (v < 0x800) {
                *o++ = (char)(0xC0 | (v >> 6));
                *o++ = (char)(0x80 | (v & 0x3F));
            } else {
                *o++ = (char)(0xE0 | (v >> 12));
                *o++ = (char)(0x80 | ((v >> 6) & 0x3F));
                *o++ = (char)(0x80 | (v & 0x3F));
            }
            break;
        }
        default: *o++ = (char)e; /* " \ / */
        }
    }
    b->len = (size_t)(o - b->p);
    return 0;
}

#endif
