/* Native block scanner: canonical JSONL lines straight into EVENT_SCHEMA column buffers.
 *
 * The pure-Python block engine spends ~25 us an event building Python objects
 * (orjson's dicts, the fast path's tuple, pa.array's conversion back out of
 * them). This module parses each line into a small node array, applies the
 * rules of ``fastpath.fast_row`` / ``request_columns`` and appends the values
 * to Arrow buffers directly; Python wraps them with ``pa.Array.from_buffers``.
 *
 * It is deliberately conservative. Any line it is not certain about (blank,
 * over-long, not strict JSON, a shape the fast path would not take, a request
 * body whose compact re-encoding by orjson would differ from the bytes read,
 * a timestamp form other than the common ISO one, a number out of range) is
 * reported back as a "fallback" line and converted by the Python path, which
 * decides, quarantines and words errors as before. So it can only ever accept
 * what the Python path accepts, with the same values: tests compare the two
 * on generated lines.
 */
#define _GNU_SOURCE /* memmem */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_scan_json.h"

/* ------------------------------------------------------------- columns */

enum { K_STR, K_I64, K_I32, K_BOOL, K_F64 };

typedef struct {
    int kind;
    buf_t valid, data, offsets;
} col_t;

/* EVENT_SCHEMA, in order (checked against the schema on the Python side) */
enum {
    C_EVENT_ID, C_TS, C_ACCOUNT_ID, C_API_KEY_ID, C_IP, C_IP_PREFIX, C_ASN, C_IP_COUNTRY,
    C_USER_AGENT, C_ENDPOINT, C_MODEL, C_REQUEST, C_RESPONSE_TEXT, C_REASONING_TEXT,
    C_PROMPT_TOKENS, C_COMPLETION_TOKENS, C_REASONING_TOKENS, C_STATUS, C_LATENCY_MS,
    C_REQ_SYSTEM, C_REQ_USER, C_REQ_N_TURNS, C_REQ_MAX_TOKENS, C_REQ_N, C_REQ_LOGPROBS,
    C_REQ_TEMPERATURE, C_REQ_REASONING_ENABLED, C_REQ_REASONING_EFFORT,
    C_REQ_THINKING_BUDGET, C_REQ_TOOLS, C_REQ_STREAM, C_REQ_RESPONSE_FORMAT,
    C_REQ_PARAM_KEYS, C_DAY, N_COLS
};

static const int KINDS[N_COLS] = {
    K_STR, K_I64, K_STR, K_STR, K_STR, K_STR, K_I64, K_STR, K_STR, K_STR, K_STR, K_STR, K_STR,
    K_STR, K_I64, K_I64, K_I64, K_I32, K_I64, K_STR, K_STR, K_I32, K_I64, K_I32, K_BOOL,
    K_F64, K_BOOL, K_STR, K_I64, K_STR, K_BOOL, K_STR, K_STR, K_I32,
};

typedef struct {
    col_t cols[N_COLS];
    size_t rows;
} table_t;

static int set_bit(buf_t *b, size_t i, int on) {
    size_t need = i / 8 + 1;
    if (b->len < need) {
        if (buf_grow(b, need - b->len)) return -1;
        memset(b->p + b->len, 0, need - b->len);
        b->len = need;
    }
    if (on) b->p[i / 8] |= (char)(1u << (i % 8));
    return 0;
}

/* Appending to a row happens column by column; a row that turns out not to be ours is
 * rolled back by truncating every column to its length before the row began. */
typedef struct {
    size_t valid, data, offsets;
} mark_t;

static int col_begin(col_t *c) {
    if (c->kind == K_STR && c->offsets.len == 0) {
        int32_t z = 0;
        return buf_put(&c->offsets, &z, 4);
    }
    return 0;
}

static int put_null(col_t *c, size_t row) {
    if (set_bit(&c->valid, row, 0)) return -1;
    switch (c->kind) {
    case K_STR: {
        int32_t off = (int32_t)c->data.len;
        return buf_put(&c->offsets, &off, 4);
    }
    case K_I64: case K_F64: {
        int64_t z = 0;
        return buf_put(&c->data, &z, 8);
    }
    case K_I32: {
        int32_t z = 0;
        return buf_put(&c->data, &z, 4);
    }
    default:
        return set_bit(&c->data, row, 0);
    }
}

static int end_str(col_t *c, size_t row) {
    if (c->data.len > INT32_MAX) return -1;
    int32_t off = (int32_t)c->data.len;
    if (set_bit(&c->valid, row, 1)) return -1;
    return buf_put(&c->offsets, &off, 4);
}

static int put_str(col_t *c, size_t row, const parser_t *P, int v) {
    if (put_decoded(&c->data, P, &P->nodes[v])) return -1;
    return end_str(c, row);
}

static int put_bytes(col_t *c, size_t row, const void *p, size_t n) {
    if (buf_put(&c->data, p, n)) return -1;
    return end_str(c, row);
}

static int put_i64(col_t *c, size_t row, int64_t v) {
    if (set_bit(&c->valid, row, 1)) return -1;
    return buf_put(&c->data, &v, 8);
}

static int put_i32(col_t *c, size_t row, int32_t v) {
    if (set_bit(&c->valid, row, 1)) return -1;
    return buf_put(&c->data, &v, 4);
}

static int put_f64(col_t *c, size_t row, double v) {
    if (set_bit(&c->valid, row, 1)) return -1;
    return buf_put(&c->data, &v, 8);
}

static int put_bool(col_t *c, size_t row, int v) {
    if (set_bit(&c->valid, row, 1)) return -1;
    return set_bit(&c->data, row, v);
}

/* ----------------------------------------------------------- timestamps */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const unsigned char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int64_t floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* YYYY-MM-DDTHH:MM:SS[.fff|.ffffff](Z|+HH:MM|-HH:MM) as ms since the epoch (floored);
 * -1 for any other form (Python's fromisoformat decides those). */
static int parse_ts(const unsigned char *s, size_t n, int64_t *ms) {
    int Y, M, D, h, mi, sec, frac = 0, oh = 0, om = 0, sign = 0;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return -1;
    size_t p = 19;
    if (s[p] == '.') {
        size_t q = p + 1;
        while (q < n && s[q] >= '0' && s[q] <= '9') q++;
        int nd = (int)(q - p - 1);
        if (nd != 3 && nd != 6) return -1;
        if (digits(s + p + 1, nd, &frac)) return -1;
        if (nd == 3) frac *= 1000;
        p = q;
    }
    if (p < n && s[p] == 'Z') {
        p++;
    } else if (p < n && (s[p] == '+' || s[p] == '-')) {
        sign = s[p] == '-' ? -1 : 1;
        if (p + 6 > n || s[p + 3] != ':') return -1;
        if (digits(s + p + 1, 2, &oh) || digits(s + p + 4, 2, &om)) return -1;
        if (oh > 23 || om > 59) return -1;
        p += 6;
    } else {
        return -1;
    }
    if (p != n) return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* years 1 and 9999 may leave years 1-9999 in UTC: Python's to reject */
    if (Y <= 1 || Y >= 9999 || M < 1 || M > 12 || h > 23 || mi > 59 || sec > 59) return -1;
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D < 1 || D > mdays[M - 1] + (M == 2 && leap)) return -1;
    int64_t days = days_from_civil(Y, (unsigned)M, (unsigned)D);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    *ms = floordiv(secs * 1000000 + frac, 1000);
    return 0;
}

/* ------------------------------------------------------------ one line */

typedef struct {
    int event_id, ts, account_id, api_key_id, ip, ip_prefix, asn, ip_country, user_agent,
        endpoint, model, request, response_text, reasoning_text, prompt_tokens,
        completion_tokens, reasoning_tokens, status, latency_ms;
} fields_t;

#define TAKE(name)                                                                          \
    if (klen == sizeof(#name) - 1 && memcmp(k, #name, klen) == 0) { f->name = v; continue; }

static void top_fields(const parser_t *P, fields_t *f) {
    memset(f, 0xff, sizeof *f); /* every field -1: absent */
    int i = 1;
    for (uint32_t m = 0; m < P->nodes[0].count; m++) {
        const node_t *kn = &P->nodes[i];
        int v = (int)kn->next;
        const char *k = (const char *)P->s + kn->start;
        size_t klen = kn->end - kn->start;
        i = (int)P->nodes[v].next;
        TAKE(event_id) TAKE(ts) TAKE(account_id) TAKE(api_key_id) TAKE(ip) TAKE(ip_prefix)
        TAKE(asn) TAKE(ip_country) TAKE(user_agent) TAKE(endpoint) TAKE(model) TAKE(request)
        TAKE(response_text) TAKE(reasoning_text) TAKE(prompt_tokens) TAKE(completion_tokens)
        TAKE(reasoning_tokens) TAKE(status) TAKE(latency_ms)
    }
}

#define FALLBACK 1

/* appends `v` (absent, null or a string) to a nullable string column */
static int opt_str(col_t *c, size_t row, const parser_t *P, int v) {
    if (is_null(P, v)) return put_null(c, row) ? -1 : 0;
    if (P->nodes[v].type != J_STR) return FALLBACK;
    return put_str(c, row, P, v) ? -1 : 0;
}

static int req_str(const parser_t *P, int v, int nonempty) {
    return v >= 0 && P->nodes[v].type == J_STR && (!nonempty || P->nodes[v].end > P->nodes[v].start);
}

static int opt_count(col_t *c, size_t row, const parser_t *P, int v) {
    if (is_null(P, v)) return put_null(c, row) ? -1 : 0;
    if (P->nodes[v].type != J_INT || P->nodes[v].ival < 0) return FALLBACK;
    return put_i64(c, row, P->nodes[v].ival) ? -1 : 0;
}

#include "_scan_request.h"

static void rollback(table_t *T, const mark_t *marks) {
    for (int c = 0; c < N_COLS; c++) {
        col_t *col = &T->cols[c];
        col->valid.len = marks[c].valid;
        col->data.len = marks[c].data;
        col->offsets.len = marks[c].offsets;
        /* bits past the row are cleared when set_bit grows the bitmap again, but a
         * partial last byte keeps stale bits: clear them */
        size_t row = T->rows;
        if (col->valid.len > row / 8 && row % 8)
            col->valid.p[row / 8] &= (char)((1u << (row % 8)) - 1);
        if (col->kind == K_BOOL && col->data.len > row / 8 && row % 8)
            col->data.p[row / 8] &= (char)((1u << (row % 8)) - 1);
    }
}

/* One line: 0 taken (appended as row T->rows), FALLBACK, -1 error (exception set or
 * out of memory). */
static int scan_line(table_t *T, parser_t *P, scratch_t *S, const unsigned char *s,
                     size_t len) {
    P->s = s;
    P->len = len;
    P->pos = 0;
    P->n_nodes = 0;
    P->noncanon = 0;
    P->depth = 0;
    skip_ws(P);
    if (P->pos >= len || s[P->pos] != '{') return FALLBACK;
    int r = parse_value(P);
    if (r == -2) return -1; /* out of memory */
    if (r) return FALLBACK;
    skip_ws(P);
    if (P->pos != len) return FALLBACK;

    fields_t f;
    top_fields(P, &f);
    if (!req_str(P, f.event_id, 1) || !req_str(P, f.account_id, 1) || !req_str(P, f.model, 1) ||
        f.request < 0 || P->nodes[f.request].type != J_OBJ || !req_str(P, f.response_text, 0) ||
        !req_str(P, f.ts, 0) || !req_str(P, f.endpoint, 0))
        return FALLBACK;
    int endpoint;
    if (str_is(P, f.endpoint, "chat.completions")) endpoint = 0;
    else if (str_is(P, f.endpoint, "messages")) endpoint = 1;
    else if (str_is(P, f.endpoint, "responses")) endpoint = 2;
    else return FALLBACK;
    /* the request column is orjson.dumps(request): the bytes read, when they are already
     * in its compact form */
    if (P->nodes[f.request].nc) return FALLBACK;
    const node_t *tsn = &P->nodes[f.ts];
    int64_t ms;
    if (tsn->esc || parse_ts(s + tsn->start, tsn->end - tsn->start, &ms)) return FALLBACK;
    int status = 200;
    if (!is_null(P, f.status)) {
        const node_t *sn = &P->nodes[f.status];
        if (sn->type != J_INT || sn->ival < 100 || sn->ival > 599) return FALLBACK;
        status = (int)sn->ival;
    }

    size_t row = T->rows;
    mark_t marks[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        col_t *col = &T->cols[c];
        if (col_begin(col)) return -1;
        marks[c].valid = col->valid.len;
        marks[c].data = col->data.len;
        marks[c].offsets = col->offsets.len;
    }
    col_t *C = T->cols;
    int rc = 0;
#define STEP(expr) do { rc = (expr); if (rc) goto undo; } while (0)
    STEP(put_str(&C[C_EVENT_ID], row, P, f.event_id) ? -1 : 0);
    STEP(put_i64(&C[C_TS], row, ms) ? -1 : 0);
    STEP(put_str(&C[C_ACCOUNT_ID], row, P, f.account_id) ? -1 : 0);
    STEP(opt_str(&C[C_API_KEY_ID], row, P, f.api_key_id));
    STEP(opt_str(&C[C_IP], row, P, f.ip));
    STEP(opt_str(&C[C_IP_PREFIX], row, P, f.ip_prefix));
    STEP(opt_count(&C[C_ASN], row, P, f.asn));
    STEP(opt_str(&C[C_IP_COUNTRY], row, P, f.ip_country));
    STEP(opt_str(&C[C_USER_AGENT], row, P, f.user_agent));
    STEP(put_str(&C[C_ENDPOINT], row, P, f.endpoint) ? -1 : 0);
    STEP(put_str(&C[C_MODEL], row, P, f.model) ? -1 : 0);
    {
        const node_t *rq = &P->nodes[f.request];
        STEP(put_bytes(&C[C_REQUEST], row, s + rq->start, rq->end - rq->start) ? -1 : 0);
    }
    STEP(put_str(&C[C_RESPONSE_TEXT], row, P, f.response_text) ? -1 : 0);
    STEP(opt_str(&C[C_REASONING_TEXT], row, P, f.reasoning_text));
    STEP(opt_count(&C[C_PROMPT_TOKENS], row, P, f.prompt_tokens));
    STEP(opt_count(&C[C_COMPLETION_TOKENS], row, P, f.completion_tokens));
    STEP(opt_count(&C[C_REASONING_TOKENS], row, P, f.reasoning_tokens));
    STEP(put_i32(&C[C_STATUS], row, status) ? -1 : 0);
    STEP(opt_count(&C[C_LATENCY_MS], row, P, f.latency_ms));
    STEP(request_columns(T, row, P, f.request, endpoint, S));
    STEP(put_i32(&C[C_DAY], row, (int32_t)floordiv(ms, 86400000)) ? -1 : 0);
#undef STEP
    T->rows++;
    return 0;
undo:
    rollback(T, marks);
    return rc;
}

/* ------------------------------------------------------------ module */

static locale_t c_locale;

static PyObject *bytes_of(buf_t *b) {
    return PyBytes_FromStringAndSize(b->p ? b->p : "", (Py_ssize_t)b->len);
}

static void table_free(table_t *T) {
    for (int c = 0; c < N_COLS; c++) {
        free(T->cols[c].valid.p);
        free(T->cols[c].data.p);
        free(T->cols[c].offsets.p);
    }
}

PyDoc_STRVAR(scan_doc,
"scan(block, max_line_bytes) -> (rows, columns, row_lines, fallback, spans)\n\n"
"Converts the lines of ``block`` (split on b'\\n'; an empty last piece is no line) that\n"
"the native rules take. ``columns`` holds, per EVENT_SCHEMA field, the Arrow buffers\n"
"(validity, data, offsets-or-None) of ``rows`` rows; ``row_lines`` the block line index\n"
"of each row as native int32 bytes; ``fallback`` the indexes of lines left to Python and\n"
"``spans`` their (start, end) byte offsets in ``block`` as native int64 pairs.");

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t max_line;
    if (!PyArg_ParseTuple(args, "y*n", &view, &max_line)) return NULL;
    const unsigned char *s = view.buf;
    size_t len = (size_t)view.len;
    table_t T;
    memset(&T, 0, sizeof T);
    for (int c = 0; c < N_COLS; c++) T.cols[c].kind = KINDS[c];
    parser_t P;
    memset(&P, 0, sizeof P);
    scratch_t S;
    memset(&S, 0, sizeof S);
    buf_t lines = {0}, fb = {0}, spans = {0};
    PyObject *fallback = NULL, *result = NULL, *cols = NULL;
    int failed = 0;
    /* Plain C on buffers from here: other threads (the Parquet writer, the reader
     * inflating the next block) run meanwhile. Numbers are read and written in the C
     * locale whatever the program set (a decimal comma would misread "0.7"); uselocale
     * is per thread. */
    Py_BEGIN_ALLOW_THREADS
    locale_t previous = uselocale(c_locale);
    size_t start = 0;
    for (int32_t idx = 0; start < len; idx++) {
        const unsigned char *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) : len;
        int r = FALLBACK;
        if (end - start <= (size_t)max_line && end - start < UINT32_MAX)
            r = scan_line(&T, &P, &S, s + start, end - start);
        int64_t span[2] = {(int64_t)start, (int64_t)end};
        if (r < 0 || buf_put(r == 0 ? &lines : &fb, &idx, 4) ||
            (r != 0 && buf_put(&spans, span, sizeof span))) {
            failed = 1;
            break;
        }
        if (!nl) break;
        start = end + 1;
    }
    uselocale(previous);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    fallback = PyList_New((Py_ssize_t)(fb.len / 4));
    if (!fallback) goto done;
    for (size_t i = 0; i < fb.len / 4; i++) {
        int32_t v;
        memcpy(&v, fb.p + 4 * i, 4);
        PyObject *o = PyLong_FromLong(v);
        if (!o) goto done;
        PyList_SET_ITEM(fallback, (Py_ssize_t)i, o);
    }
    cols = PyList_New(N_COLS);
    if (!cols) goto done;
    for (int c = 0; c < N_COLS; c++) {
        col_t *col = &T.cols[c];
        if (col->kind == K_STR && col->offsets.len == 0) {
            int32_t z = 0;
            if (buf_put(&col->offsets, &z, 4)) { PyErr_NoMemory(); goto done; }
        }
        PyObject *t = Py_BuildValue(
            "(NNN)", bytes_of(&col->valid), bytes_of(&col->data),
            col->kind == K_STR ? bytes_of(&col->offsets) : Py_NewRef(Py_None));
        if (!t) goto done;
        PyList_SET_ITEM(cols, c, t);
    }
    result = Py_BuildValue("(nONON)", (Py_ssize_t)T.rows, cols, bytes_of(&lines), fallback,
                           bytes_of(&spans));
done:
    Py_XDECREF(cols);
    Py_XDECREF(fallback);
    table_free(&T);
    free(P.nodes);
    free(S.keys.p);
    free(S.names.p);
    free(S.sys.p);
    free(S.user.p);
    free(S.tmp.p);
    free(lines.p);
    free(fb.p);
    free(spans.p);
    PyBuffer_Release(&view);
    return result;
}

PyDoc_STRVAR(digest_doc,
"digest(offsets, data, offset, length) -> bytes\n\n"
"A 64-bit digest (native int64 bytes) of each of ``length`` strings of an Arrow string\n"
"array (int32 ``offsets``, ``data``) starting at element ``offset``: FNV-1a, then a\n"
"murmur-style finaliser so that short ids spread over all 64 bits.");

static PyObject *digest(PyObject *self, PyObject *args) {
    Py_buffer ob, db;
    Py_ssize_t offset, length;
    if (!PyArg_ParseTuple(args, "y*y*nn", &ob, &db, &offset, &length)) return NULL;
    PyObject *out = NULL;
    if (offset < 0 || length < 0 ||
        (size_t)(offset + length + 1) * 4 > (size_t)ob.len) {
        PyErr_SetString(PyExc_ValueError, "offsets buffer too short");
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, length * 8);
    if (!out) goto done;
    const int32_t *off = (const int32_t *)ob.buf + offset;
    const unsigned char *d = db.buf;
    uint64_t *o = (uint64_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < length; i++) {
        int32_t a = off[i], b = off[i + 1];
        if (a < 0 || b < a || b > db.len) {
            PyErr_SetString(PyExc_ValueError, "offsets out of range");
            Py_CLEAR(out);
            goto done;
        }
        uint64_t h = 1469598103934665603ULL;
        for (int32_t k = a; k < b; k++) {
            h ^= d[k];
            h *= 1099511628211ULL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;
        o[i] = h;
    }
done:
    PyBuffer_Release(&ob);
    PyBuffer_Release(&db);
    return out;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {"digest", digest, METH_VARARGS, digest_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_scan", "Native JSONL block scanner for ingest.", -1, methods,
};

PyMODINIT_FUNC PyInit__scan(void) {
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!c_locale) return PyErr_NoMemory();
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "COLUMNS", N_COLS)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
