/* test_safetensors.c - the safetensors module: a byte-exact round trip checked against the raw layout, every
 * malformed file rejected with its own message naming the file, model save/load bit for bit with strict
 * name/dtype/shape matching, and atomic replacement. Run with -v to print every rejection message. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <cjson/cJSON.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rm_model_file.h"
#include "rm_safetensors.h"
#include "test_util.h"

static char dir[64];
static int verbose;

/* dir/name into a rotating static buffer. */
static const char *in_dir(const char *name)
{
    static char paths[8][256];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static const char *write_bytes(const char *name, const void *b, size_t n)
{
    const char *path = in_dir(name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    return path;
}

static void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A file: 8-byte length hlen, hlen bytes of header (may hold NULs), data_len bytes 0, 1, 2, ... */
static const char *write_st_n(const char *name, const char *header, size_t hlen, size_t data_len)
{
    size_t n = 8 + hlen + data_len;
    uint8_t *b = malloc(n);
    put_u64le(b, hlen);
    memcpy(b + 8, header, hlen);
    for (size_t i = 0; i < data_len; i++) b[8 + hlen + i] = (uint8_t)i;
    const char *path = write_bytes(name, b, n);
    free(b);
    return path;
}

static const char *write_st(const char *name, const char *header, size_t data_len)
{
    return write_st_n(name, header, strlen(header), data_len);
}

/* path must be rejected as RM_ERR_IO with one line naming the file and containing phrase. */
static void expect_bad_at(const char *path, const char *phrase, int line)
{
    rm_st_file f;
    rm_err e = {0};
    int rc = rm_st_read(&f, path, &e);
    int before = t_failures;
    CHECK(rc == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, phrase);
    CHECK(strchr(e.msg, '\n') == NULL);
    CHECK(f.n == 0 && f.t == NULL && f.buf == NULL && f.meta == NULL); /* nothing kept, nothing leaked */
    if (t_failures > before) fprintf(stderr, "  (case at line %d)\n", line);
    if (verbose) printf("  rejected: %s\n", e.msg);
    rm_st_free(&f);
}
#define expect_bad(path, phrase) expect_bad_at(path, phrase, __LINE__)

static int count_temp_files(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strstr(de->d_name, ".tmp.")) n++;
    if (d) closedir(d);
    return n;
}

/* ---------------------------------------------------------------------------------------------- */

static void test_round_trip(void)
{
    /* byte-exact: a NaN with a payload, -0, a denormal, infinities, extreme I64 values */
    float w[6] = {1.5f, -0.0f, 1e-42f, INFINITY, -INFINITY, 0.0f};
    uint32_t nan_bits = 0x7fc0beefu;
    memcpy(&w[5], &nan_bits, 4);
    float v[4] = {0.1f, 0.2f, 0.3f, -7.0f};
    int64_t step = -1234567890123LL;
    int64_t idx[3] = {INT64_MIN, 0, INT64_MAX};
    rm_st_tensor t[5] = {
        {"layer.weight", RM_ST_F32, 2, {2, 3}, w},
        {"vec", RM_ST_F32, 1, {4}, v},
        {"step", RM_ST_I64, 0, {0}, &step},
        {"idx", RM_ST_I64, 1, {3}, idx},
        {"empty", RM_ST_F32, 2, {0, 5}, NULL},
    };
    const char *config = "{\"a\": [1, 2]}\nline 2 \"quoted\" \xc3\xa9";
    const char *kv[4] = {"config", config, "regmnist_version", "0.1.0"};
    const char *path = in_dir("rt.safetensors");
    rm_err e = {0};
    CHECK(rm_st_write(path, t, 5, kv, 2, &e) == RM_OK);

    /* the raw layout, checked without the reader */
    FILE *fp = fopen(path, "rb");
    static uint8_t raw[4096];
    size_t size = fp ? fread(raw, 1, sizeof raw, fp) : 0;
    if (fp) fclose(fp);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)raw[i] << (8 * i);
    CHECK(hlen % 8 == 0 && hlen > 0);
    CHECK(size == 8 + hlen + 24 + 16 + 8 + 24); /* contiguous, no gaps, nothing else */
    CHECK(raw[8] == '{');
    cJSON *h = cJSON_ParseWithLength((const char *)raw + 8, (size_t)hlen);
    CHECK(h != NULL);
    if (h) {
        const cJSON *lw = cJSON_GetObjectItemCaseSensitive(h, "layer.weight");
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(lw, "data_offsets");
        CHECK(cJSON_GetArraySize(off) == 2 && off->child->valuedouble == 0 && off->child->next->valuedouble == 24);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(h, "step");
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "shape")) == 0);
        CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(st, "dtype")->valuestring, "I64") == 0);
        off = cJSON_GetObjectItemCaseSensitive(st, "data_offsets");
        CHECK(off->child->valuedouble == 40 && off->child->next->valuedouble == 48);
        off = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(h, "empty"), "data_offsets");
        CHECK(off->child->valuedouble == 72 && off->child->next->valuedouble == 72);
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "__metadata__");
        CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(meta, "config")->valuestring, config) == 0);
        cJSON_Delete(h);
    }
    const uint8_t *data = raw + 8 + hlen;
    CHECK(memcmp(data, w, 24) == 0 && memcmp(data + 24, v, 16) == 0);
    CHECK(memcmp(data + 40, &step, 8) == 0 && memcmp(data + 48, idx, 24) == 0);

    /* the reader */
    rm_st_file f;
    CHECK(rm_st_read(&f, path, &e) == RM_OK);
    CHECK(f.n == 5 && f.size == size);
    CHECK(f.n == 5 && strcmp(f.t[0].name, "layer.weight") == 0 && strcmp(f.t[4].name, "empty") == 0);
    const rm_st_entry *x = rm_st_find(&f, "layer.weight");
    CHECK(x && x->dtype == RM_ST_F32 && x->ndim == 2 && x->shape[0] == 2 && x->shape[1] == 3 && x->nbytes == 24);
    CHECK(x && memcmp(x->data, w, 24) == 0);
    x = rm_st_find(&f, "vec");
    CHECK(x && x->ndim == 1 && x->shape[0] == 4 && x->nbytes == 16 && memcmp(x->data, v, 16) == 0);
    x = rm_st_find(&f, "step");
    int64_t got = 0;
    if (x) memcpy(&got, x->data, 8);
    CHECK(x && x->dtype == RM_ST_I64 && x->ndim == 0 && x->nbytes == 8 && got == step);
    x = rm_st_find(&f, "idx");
    CHECK(x && x->dtype == RM_ST_I64 && x->shape[0] == 3 && memcmp(x->data, idx, 24) == 0);
    x = rm_st_find(&f, "empty");
    CHECK(x && x->ndim == 2 && x->shape[0] == 0 && x->shape[1] == 5 && x->nbytes == 0);
    CHECK(rm_st_find(&f, "nope") == NULL);
    CHECK(f.n_meta == 2 + 5 && f.n_checked == 5); /* config, version and a checksum per tensor */
    char crc[16];
    snprintf(crc, sizeof crc, "%08lx", crc32(0L, (const Bytef *)v, 16));
    CHECK(rm_st_meta(&f, "crc32:vec") && strcmp(rm_st_meta(&f, "crc32:vec"), crc) == 0);
    CHECK(rm_st_meta(&f, "crc32:empty") && strcmp(rm_st_meta(&f, "crc32:empty"), "00000000") == 0);
    CHECK(rm_st_meta(&f, "config") && strcmp(rm_st_meta(&f, "config"), config) == 0);
    CHECK(rm_st_meta(&f, "regmnist_version") && strcmp(rm_st_meta(&f, "regmnist_version"), "0.1.0") == 0);
    CHECK(rm_st_meta(&f, "nope") == NULL);
    rm_st_free(&f);
    rm_st_free(&f); /* twice is fine */

    /* no tensors, no metadata: "{}" padded, and it reads back */
    CHECK(rm_st_write(in_dir("none.safetensors"), NULL, 0, NULL, 0, &e) == RM_OK);
    CHECK(rm_st_read(&f, in_dir("none.safetensors"), &e) == RM_OK && f.n == 0 && f.n_meta == 0 && f.size == 16);
    rm_st_free(&f);
}

/* Files written by others: unpadded odd-length header, spaces around, tensors stored in another order
 * than the header lists them, a zero-size tensor at an offset, unknown keys in an entry, a 127-byte name. */
/* Checksums: the writer's crc32:<name> entries are reserved; the reader refuses a wrong, malformed or
 * orphan one, and counts the verified ones. */
static void test_checksums(void)
{
    rm_err e = {0};
    const float w[2] = {1.5f, -2.0f};
    rm_st_tensor t = {"w", RM_ST_F32, 1, {2}, w};
    const char *p = in_dir("sum.safetensors");
    const char *kv[2] = {"crc32:w", "00000000"};
    CHECK(rm_st_write(p, &t, 1, kv, 1, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "metadata key 'crc32:w' is reserved for checksums");
    /* hand-made headers: the CRC-32 of the 8 bytes 00 00 c0 3f 00 00 00 c0 (1.5f, -2.0f) */
    char good[16], hdr[256];
    snprintf(good, sizeof good, "%08lx", crc32(0L, (const Bytef *)w, 8));
    const char *cases[][2] = {{good, NULL},
                              {"0badf00d", "tensor 'w': CRC-32 mismatch (stored 0badf00d, data "},
                              {"12345", "tensor 'w': checksum '12345' is not 8 lowercase hex digits"},
                              {"ABCDEF01", "tensor 'w': checksum 'ABCDEF01' is not 8 lowercase hex digits"}};
    for (int i = 0; i < 4; i++) {
        snprintf(hdr, sizeof hdr,
                 "{\"__metadata__\":{\"crc32:w\":\"%s\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                 cases[i][0]);
        const char *q = write_st_n("sum_case", hdr, strlen(hdr), 0);
        FILE *fp = fopen(q, "ab");
        if (fp) {
            fwrite(w, 1, 8, fp);
            fclose(fp);
        }
        rm_st_file f;
        if (!cases[i][1]) {
            CHECK(rm_st_read(&f, q, &e) == RM_OK && f.n_checked == 1);
            rm_st_free(&f);
        } else {
            expect_bad(q, cases[i][1]);
        }
    }
    snprintf(hdr, sizeof hdr,
             "{\"__metadata__\":{\"crc32:v\":\"%s\"},\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
             good);
    expect_bad(write_st("sum_orphan", hdr, 0), "__metadata__ 'crc32:v' is the checksum of a tensor the file does not hold");
}

static void test_foreign(void)
{
    const char *hdr = " {\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12],\"x\":null},"
                      "\"z\":{\"dtype\":\"F32\",\"shape\":[2,0],\"data_offsets\":[8,8]},"
                      "\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}   ";
    rm_st_file f;
    rm_err e = {0};
    const char *p = write_st("foreign.safetensors", hdr, 12);
    CHECK(rm_st_read(&f, p, &e) == RM_OK);
    if (verbose && e.code) printf("  %s\n", e.msg);
    const rm_st_entry *a = rm_st_find(&f, "a"), *b = rm_st_find(&f, "b");
    CHECK(f.n == 3 && a && b && a->data[0] == 0 && a->data[7] == 7 && b->nbytes == 4 && b->data[0] == 8);
    CHECK(f.n_checked == 0); /* no checksums (PyTorch writes none): fine */
    rm_st_free(&f);

    char name[128], buf[512];
    memset(name, 'n', 127);
    name[127] = '\0';
    snprintf(buf, sizeof buf, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", name);
    CHECK(rm_st_read(&f, write_st("name127", buf, 4), &e) == RM_OK && f.n == 1 && rm_st_find(&f, name));
    rm_st_free(&f);
}

#define T1 "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"

/* Headers that must be rejected: the file is the 8-byte length, the header (hlen bytes, or strlen when
 * 0) and data_len data bytes; the message names the file and contains phrase. */
typedef struct {
    const char *name, *header;
    size_t hlen, data_len;
    const char *phrase;
} bad_header;

static const bad_header BAD_HEADERS[] = {
    /* the JSON */
    {"json_cut", "{\"a\": ", 0, 0, "not valid JSON"},
    {"json_trail", "{}  x", 0, 0, "not valid JSON"},
    {"json_two", "{}{}", 0, 0, "not valid JSON"},
    {"json_nothing", "", 0, 0, "not valid JSON"},
    {"json_spaces", "        ", 0, 0, "not valid JSON"},
    {"json_nul", "{}\0 x", 5, 0, "NUL byte at offset 2"},
    {"not_object", "[1, 2]", 0, 0, "the header is not a JSON object"},
    {"not_object2", "\"abc\"", 0, 0, "the header is not a JSON object"},
    /* one entry */
    {"entry_num", "{\"a\": 5}", 0, 0, "tensor 'a': entry is not a JSON object"},
    {"entry_arr", "{\"a\": [0, 4]}", 0, 4, "tensor 'a': entry is not a JSON object"},
    {"no_dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': no dtype"},
    {"no_shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': no shape"},
    {"no_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0, 4, "tensor 'a': no data_offsets"},
    {"dtype_f16", "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': dtype \"F16\" is not supported (only F32 and I64)"},
    {"dtype_lower", "{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4, "dtype \"f32\" is not supported"},
    {"dtype_num", "{\"a\":{\"dtype\":3,\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': dtype is not a string"},
    {"shape_num", "{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape is not an array"},
    {"shape_neg", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape is not an array of non-negative integers"},
    {"shape_frac", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape is not an array of non-negative integers"},
    {"shape_str", "{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape is not an array of non-negative integers"},
    {"shape_null", "{\"a\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape is not an array of non-negative integers"},
    {"shape_huge", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape is not an array of non-negative integers"},
    {"shape_rank5", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape has rank 5, more than 4"},
    {"shape_overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296]," "\"data_offsets\":[0,4]}}", 0, 4, "tensor 'a': shape [4294967296, 4294967296, 4294967296] has too many elements"},
    /* 2^62 elements of 4 bytes: the element count fits in 64 bits, the byte size does not */
    {"shape_overflow_bytes", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648,2147483648],\"data_offsets\":[0,4]}}", 0, 4, "has too many elements"},
    {"offs_num", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":0}}", 0, 4, "tensor 'a': data_offsets is not two non-negative integers"},
    {"offs_one", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 0, 4, "tensor 'a': data_offsets is not two non-negative integers"},
    {"offs_three", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 0, 4, "tensor 'a': data_offsets is not two non-negative integers"},
    {"offs_neg", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 0, 4, "tensor 'a': data_offsets is not two non-negative integers"},
    {"offs_frac", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.5]}}", 0, 4, "tensor 'a': data_offsets is not two non-negative integers"},
    {"offs_str", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 0, 4, "tensor 'a': data_offsets is not two non-negative integers"},
    {"offs_oob", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 4, "tensor 'a': data_offsets [0, 8] are out of bounds: the data section is 4 bytes"},
    {"offs_oob_far", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9007199254740988," "9007199254740992]}}", 0, 4, "out of bounds"},
    {"offs_reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 0, 4, "tensor 'a': data_offsets [4, 0]: begin is after end"},
    {"size_f32", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 0, 8, "tensor 'a': data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12"},
    {"size_i64", "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4, "hold 4 bytes, but shape [1] of I64 needs 8"},
    {"size_scalar", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}", 0, 0, "hold 0 bytes, but shape [] of F32 needs 4"},
    /* the tensors together */
    {"overlap", "{\"a\":" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 0, 12, "tensors 'a' and 'b' overlap"},
    {"same_place", "{\"a\":" T1 ",\"b\":" T1 "}", 0, 8, "overlap"},
    {"gap_mid", "{\"a\":" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 0, 20, "a gap of 4 bytes at offset 8 before tensor 'b'"},
    {"gap_start", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 0, 12, "a gap of 4 bytes at offset 0 before tensor 'a'"},
    {"gap_end", "{\"a\":" T1 "}", 0, 12, "a gap of 4 bytes at offset 8 after the last tensor 'a' (the data section is 12 bytes)"},
    {"data_no_tensors", "{}", 0, 4, "4 data bytes but no tensors"},
    {"dup_name", "{\"a\":" T1 ",\"a\":" T1 "}", 0, 8, "header: key 'a' appears twice"},
    {"dup_field", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 8, "tensor 'a': key 'dtype' appears twice"},
    {"dup_meta", "{\"__metadata__\":{},\"__metadata__\":{},\"a\":" T1 "}", 0, 8, "header: key '__metadata__' appears twice"},
    /* metadata */
    {"meta_str", "{\"__metadata__\":\"x\",\"a\":" T1 "}", 0, 8, "__metadata__ is not a JSON object"},
    {"meta_num", "{\"__metadata__\":{\"ok\":\"1\",\"k\":1},\"a\":" T1 "}", 0, 8, "__metadata__: the value of 'k' is not a string"},
    {"meta_null", "{\"__metadata__\":{\"k\":null}}", 0, 0, "the value of 'k' is not a string"},
    {"meta_obj", "{\"__metadata__\":{\"k\":{}}}", 0, 0, "the value of 'k' is not a string"},
    {"meta_dup", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, 0, "__metadata__: key 'k' appears twice"},
};

static void test_malformed(void)
{
    uint8_t b[64] = {0};

    /* the length prefix */
    expect_bad(write_bytes("empty", b, 0), "shorter than the 8-byte header length");
    expect_bad(write_bytes("short", b, 5), "5 bytes, shorter than the 8-byte header length");
    put_u64le(b, 1000);
    memcpy(b + 8, "{}", 2);
    expect_bad(write_bytes("hlen_past", b, 10), "header length 1000 runs past the end of the file (10 bytes)");
    put_u64le(b, 3);
    expect_bad(write_bytes("hlen_past1", b, 10), "header length 3 runs past the end");
    put_u64le(b, 100000001);
    expect_bad(write_bytes("hlen_100mb", b, 10), "header length 100000001 is over the limit");
    put_u64le(b, UINT64_MAX);
    expect_bad(write_bytes("hlen_max", b, 10), "header length 18446744073709551615 is over the limit");

    /* the JSON, each entry, the tensors together, metadata: BAD_HEADERS */
    for (size_t i = 0; i < sizeof BAD_HEADERS / sizeof BAD_HEADERS[0]; i++) {
        const bad_header *c = &BAD_HEADERS[i];
        const char *path = write_st_n(c->name, c->header, c->hlen ? c->hlen : strlen(c->header), c->data_len);
        int before = t_failures;
        expect_bad(path, c->phrase);
        if (t_failures > before) fprintf(stderr, "  (BAD_HEADERS case %s)\n", c->name);
    }

    /* limits; a control character in a name stays out of the one-line message */
    char name[200], *buf = malloc(400000);
    memset(name, 'n', 128);
    name[128] = '\0';
    snprintf(buf, 400000, "{\"%s\":" T1 "}", name);
    expect_bad(write_st("name_long", buf, 8), "is 128 bytes, longer than the limit of 127");
    expect_bad(write_st("name_ctrl", "{\"a\\nb\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2),
               "tensor 'a?b': dtype \"BF16\" is not supported");
    for (int count = RM_ST_MAX_TENSORS; count <= RM_ST_MAX_TENSORS + 1; count++) {
        size_t k = (size_t)snprintf(buf, 400000, "{");
        for (int i = 0; i < count; i++)
            k += (size_t)snprintf(buf + k, 400000 - k, "%s\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}",
                                  i ? "," : "", i);
        snprintf(buf + k, 400000 - k, "}");
        const char *p = write_st(count > RM_ST_MAX_TENSORS ? "too_many" : "max_tensors", buf, 0);
        if (count > RM_ST_MAX_TENSORS) {
            expect_bad(p, "more than 4096 tensors");
        } else {
            rm_st_file f;
            rm_err e = {0};
            CHECK(rm_st_read(&f, p, &e) == RM_OK && f.n == RM_ST_MAX_TENSORS);
            rm_st_free(&f);
        }
    }
    free(buf);

    /* not a file */
    rm_st_file f;
    rm_err e = {0};
    const char *missing = in_dir("missing.safetensors");
    CHECK(rm_st_read(&f, missing, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, missing);
    CHECK_CONTAINS(e.msg, "No such file");
    CHECK(rm_st_read(&f, dir, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "not a regular file");
    /* a file over RM_ST_MAX_FILE (sparse: no byte is written) is refused before it is read */
    const char *huge = in_dir("huge.safetensors");
    FILE *hp = fopen(huge, "wb");
    CHECK(hp && fclose(hp) == 0 && truncate(huge, (off_t)RM_ST_MAX_FILE + 1) == 0);
    CHECK(rm_st_read(&f, huge, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, huge);
    CHECK_CONTAINS(e.msg, ": larger than 1024 GiB, the limit for this file");
    CHECK(remove(huge) == 0);

    /* every prefix of a valid file is rejected, never crashes */
    const char *good = in_dir("rt.safetensors");
    FILE *fp = fopen(good, "rb");
    static uint8_t raw[4096];
    size_t n = fp ? fread(raw, 1, sizeof raw, fp) : 0;
    if (fp) fclose(fp);
    CHECK(n > 100);
    int rejected = 0;
    for (size_t cut = 0; cut < n; cut++) {
        rm_st_file g;
        rejected += rm_st_parse(&g, raw, cut, "cut", &e) == RM_ERR_IO;
        rm_st_free(&g);
    }
    CHECK(rejected == (int)n);
}

/* ---------------------------------------------------------------------------------------------- */

static rm_model_spec spec_of(int n_hidden, const int *hidden, int norm)
{
    rm_model_spec s;
    memset(&s, 0, sizeof s);
    s.in_dim = 6;
    s.classes = 3;
    s.n_hidden = n_hidden;
    for (int i = 0; i < n_hidden; i++) s.hidden[i] = hidden[i];
    s.act = RM_ACT_RELU;
    s.norm = norm;
    return s;
}

static int build(rm_model *m, int n_hidden, const int *hidden, int norm, uint64_t seed)
{
    rm_model_spec s = spec_of(n_hidden, hidden, norm);
    rm_err e = {0};
    if (rm_model_build(m, &s, 4, &e)) {
        fprintf(stderr, "rm_model_build: %s\n", e.msg);
        return 1;
    }
    rm_model_init(m, seed);
    /* running statistics away from their 0/1 init so that copying them shows */
    for (int k = 0; k < m->buffers.count; k++)
        for (size_t i = 0; i < m->buffers.t[k].n; i++)
            m->buffers.data[m->buffers.t[k].off + i] = 0.01f * (float)(k * 10 + (int)i) + (float)seed;
    return 0;
}

static int same_weights(const rm_model *a, const rm_model *b)
{
    return a->params.n == b->params.n && a->buffers.n == b->buffers.n &&
           memcmp(a->params.data, b->params.data, a->params.n * sizeof(float)) == 0 &&
           (a->buffers.n == 0 || memcmp(a->buffers.data, b->buffers.data, a->buffers.n * sizeof(float)) == 0);
}

/* Loading path into m must fail naming path and holding every phrase, and leave m as it was. */
static void expect_load_fails_at(rm_model *m, const char *path, const char *p1, const char *p2, const char *p3,
                                 int line)
{
    float *pd = malloc(m->params.n * sizeof(float)), *bd = malloc((m->buffers.n + 1) * sizeof(float));
    memcpy(pd, m->params.data, m->params.n * sizeof(float));
    if (m->buffers.n) memcpy(bd, m->buffers.data, m->buffers.n * sizeof(float));
    rm_err e = {0};
    int64_t nb = -5;
    int before = t_failures;
    CHECK(rm_model_file_load(m, path, &nb, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, p1);
    if (p2) CHECK_CONTAINS(e.msg, p2);
    if (p3) CHECK_CONTAINS(e.msg, p3);
    CHECK(nb == -5);
    CHECK(memcmp(pd, m->params.data, m->params.n * sizeof(float)) == 0);
    CHECK(m->buffers.n == 0 || memcmp(bd, m->buffers.data, m->buffers.n * sizeof(float)) == 0);
    if (t_failures > before) fprintf(stderr, "  (case at line %d)\n", line);
    if (verbose) printf("  rejected: %s\n", e.msg);
    free(pd);
    free(bd);
}
#define expect_load_fails(m, path, p1, p2, p3) expect_load_fails_at(m, path, p1, p2, p3, __LINE__)

static void test_model(void)
{
    const int h54[2] = {5, 4}, h4[1] = {4}, h5[1] = {5};
    rm_model a, b;
    if (build(&a, 2, h54, RM_MNORM_BATCH, 1) || build(&b, 2, h54, RM_MNORM_BATCH, 2)) {
        CHECK(0);
        return;
    }
    CHECK(!same_weights(&a, &b));
    const char *path = in_dir("model.safetensors");
    const char *config = "{\"model\": {\"hidden\": [5, 4], \"norm\": \"batch\"}}";
    rm_err e = {0};
    CHECK(rm_model_file_save(path, &a, 1234, config, "0.1.0", &e) == RM_OK);

    /* the file as PyTorch's state_dict sees it */
    rm_st_file f;
    CHECK(rm_st_read(&f, path, &e) == RM_OK);
    CHECK(f.n == 10 + 4 + 2); /* params, running stats, num_batches_tracked */
    const rm_st_entry *x = rm_st_find(&f, "fc0.weight");
    CHECK(x && x->dtype == RM_ST_F32 && x->ndim == 2 && x->shape[0] == 5 && x->shape[1] == 6);
    x = rm_st_find(&f, "fc1.weight");
    CHECK(x && x->ndim == 2 && x->shape[0] == 4 && x->shape[1] == 5);
    const rm_tensor_info *ti = rm_params_find(&a.params, "fc1.weight");
    CHECK(x && ti && x->nbytes == 80 && memcmp(x->data, a.params.data + ti->off, 80) == 0);
    x = rm_st_find(&f, "out.weight");
    CHECK(x && x->ndim == 2 && x->shape[0] == 3 && x->shape[1] == 4);
    x = rm_st_find(&f, "out.bias");
    CHECK(x && x->ndim == 1 && x->shape[0] == 3);
    x = rm_st_find(&f, "norm1.weight");
    CHECK(x && x->ndim == 1 && x->shape[0] == 4);
    x = rm_st_find(&f, "norm0.running_var");
    ti = rm_params_find(&a.buffers, "norm0.running_var");
    CHECK(x && ti && x->ndim == 1 && x->shape[0] == 5 && memcmp(x->data, a.buffers.data + ti->off, 20) == 0);
    for (int k = 0; k < 2; k++) {
        x = rm_st_find(&f, k ? "norm1.num_batches_tracked" : "norm0.num_batches_tracked");
        int64_t v = 0;
        if (x) memcpy(&v, x->data, 8);
        CHECK(x && x->dtype == RM_ST_I64 && x->ndim == 0 && x->nbytes == 8 && v == 1234);
    }
    int aligned = 0; /* every tensor naturally aligned in the file: I64 first, data section 8-aligned */
    for (int i = 0; i < f.n; i++) aligned += (size_t)(f.t[i].data - f.buf) % (f.t[i].dtype == RM_ST_I64 ? 8 : 4) == 0;
    CHECK(aligned == f.n);
    CHECK(rm_st_meta(&f, "config") && strcmp(rm_st_meta(&f, "config"), config) == 0);
    CHECK(rm_st_meta(&f, "regmnist_version") && strcmp(rm_st_meta(&f, "regmnist_version"), "0.1.0") == 0);
    CHECK(rm_st_meta(&f, "format") && strcmp(rm_st_meta(&f, "format"), "pt") == 0);

    /* load into the other model: bit for bit, and the same logits */
    int64_t nb = 0;
    CHECK(rm_model_file_load(&b, path, &nb, &e) == RM_OK);
    CHECK(nb == 1234);
    CHECK(same_weights(&a, &b));
    for (int i = 0; i < 4 * 6; i++) a.input[i] = b.input[i] = 0.25f * (float)(i % 7) - 0.5f;
    const float *la = rm_model_forward(&a, 4, 0), *lb = rm_model_forward(&b, 4, 0);
    CHECK(memcmp(la, lb, 4 * 3 * sizeof(float)) == 0);
    CHECK(rm_model_file_load(&b, path, NULL, &e) == RM_OK); /* bn_batches may be NULL */

    /* variants of the file, each wrong in one way, written from its own entries */
    static uint8_t zeros[4096];
    rm_st_tensor tt[20];
    for (int i = 0; i < f.n; i++)
        tt[i] = (rm_st_tensor){f.t[i].name, f.t[i].dtype, f.t[i].ndim,
                               {f.t[i].shape[0], f.t[i].shape[1], f.t[i].shape[2], f.t[i].shape[3]}, f.t[i].data};
    int n = f.n, ib = -1, ibn = -1, iw = -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(tt[i].name, "fc0.bias") == 0) ib = i;
        if (strcmp(tt[i].name, "norm0.num_batches_tracked") == 0) ibn = i;
        if (strcmp(tt[i].name, "fc1.weight") == 0) iw = i;
    }
    CHECK(ib >= 0 && ibn >= 0 && iw >= 0);
    if (ib < 0 || ibn < 0 || iw < 0) return;
    rm_st_tensor v[20];
    const char *vp = in_dir("variant.safetensors");

    memcpy(v, tt, sizeof v);
    v[ib].dtype = RM_ST_I64;
    v[ib].data = zeros;
    CHECK(rm_st_write(vp, v, n, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "fc0.bias: dtype I64 in the file, the model has F32", NULL, NULL);

    memcpy(v, tt, sizeof v);
    v[iw].shape[0] = 5;
    v[iw].shape[1] = 4; /* transposed */
    CHECK(rm_st_write(vp, v, n, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "fc1.weight: shape [5, 4] in the file, the model has [4, 5]", NULL, NULL);

    memcpy(v, tt, sizeof v);
    v[ibn].ndim = 1;
    v[ibn].shape[0] = 1;
    CHECK(rm_st_write(vp, v, n, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "norm0.num_batches_tracked: shape [1] in the file, the model has []", NULL, NULL);

    memcpy(v, tt, sizeof v);
    v[ibn].dtype = RM_ST_F32;
    v[ibn].ndim = 0;
    CHECK(rm_st_write(vp, v, n, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "norm0.num_batches_tracked: dtype F32 in the file, the model has I64", NULL, NULL);

    static const int64_t minus_one = -1;
    memcpy(v, tt, sizeof v);
    v[ibn].data = &minus_one;
    CHECK(rm_st_write(vp, v, n, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "tensor 'norm0.num_batches_tracked': -1 is not a batch count", NULL, NULL);

    memcpy(v, tt, sizeof v);
    v[ibn] = v[n - 1]; /* drop it */
    CHECK(rm_st_write(vp, v, n - 1, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "norm0.num_batches_tracked: missing from the file", NULL, NULL);

    memcpy(v, tt, sizeof v);
    v[ib] = v[n - 1];
    CHECK(rm_st_write(vp, v, n - 1, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "fc0.bias: missing from the file (the model has F32 [5])", NULL, NULL);

    memcpy(v, tt, sizeof v);
    v[n] = (rm_st_tensor){"fc9.weight", RM_ST_F32, 2, {2, 2}, zeros};
    CHECK(rm_st_write(vp, v, n + 1, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "unexpected tensor 'fc9.weight'", NULL, NULL);

    /* non-finite values are refused, naming the tensor */
    static float bad[64];
    const float nonfinite[3] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        memcpy(bad, tt[iw].data, 80);
        bad[7] = nonfinite[k];
        memcpy(v, tt, sizeof v);
        v[iw].data = bad;
        CHECK(rm_st_write(vp, v, n, NULL, 0, &e) == RM_OK);
        expect_load_fails(&b, vp, "tensor 'fc1.weight': element 7 is", "not a finite number", NULL);
    }

    /* a flipped bit in a tensor is caught by its checksum; a file without checksums still loads */
    CHECK(rm_st_write(vp, tt, n, NULL, 0, &e) == RM_OK);
    CHECK(rm_model_file_load(&b, vp, NULL, &e) == RM_OK);
    {
        FILE *fp = fopen(vp, "r+b");
        rm_st_file g;
        CHECK(fp && rm_st_read(&g, vp, &e) == RM_OK);
        const rm_st_entry *xw = rm_st_find(&g, "fc1.weight");
        long at = xw ? (long)(xw->data - g.buf) + 9 : 0;
        uint8_t byte = xw ? xw->data[9] ^ 0x10 : 0;
        rm_st_free(&g);
        if (fp) {
            fseek(fp, at, SEEK_SET);
            fputc(byte, fp);
            fclose(fp);
        }
        expect_load_fails(&b, vp, "tensor 'fc1.weight': CRC-32 mismatch", "the file is corrupt", NULL);
    }

    memcpy(v, tt, sizeof v);
    v[n] = (rm_st_tensor){"norm7.num_batches_tracked", RM_ST_I64, 0, {0}, zeros};
    CHECK(rm_st_write(vp, v, n + 1, NULL, 0, &e) == RM_OK);
    expect_load_fails(&b, vp, "unexpected tensor 'norm7.num_batches_tracked'", NULL, NULL);
    rm_st_free(&f);

    /* a model of another shape: hidden [4] in the file, [5] in the model; with and without norms */
    rm_model c4, c5, plain;
    if (build(&c4, 1, h4, RM_MNORM_BATCH, 3) || build(&c5, 1, h5, RM_MNORM_BATCH, 4) ||
        build(&plain, 2, h54, RM_MNORM_NONE, 5)) {
        CHECK(0);
        return;
    }
    const char *p4 = in_dir("h4.safetensors");
    CHECK(rm_model_file_save(p4, &c4, 0, "{}", "0.1.0", &e) == RM_OK);
    expect_load_fails(&c5, p4, "fc0.weight", "shape [4, 6] in the file", "the model has [5, 6]");
    expect_load_fails(&plain, path, "unexpected tensor 'norm0.num_batches_tracked'", NULL, NULL); /* BN file, plain model */
    const char *pp = in_dir("plain.safetensors");
    CHECK(rm_model_file_save(pp, &plain, 0, "{}", "0.1.0", &e) == RM_OK);
    expect_load_fails(&b, pp, "norm0.weight: missing from the file", NULL, NULL);
    expect_load_fails(&b, in_dir("gap_end"), "gap_end", "a gap of 4 bytes", NULL); /* a malformed file */
    rm_st_file g;
    CHECK(rm_st_read(&g, pp, &e) == RM_OK && g.n == 6 && !rm_st_find(&g, "norm0.num_batches_tracked"));
    rm_st_free(&g);

    rm_model_free(&a);
    rm_model_free(&b);
    rm_model_free(&c4);
    rm_model_free(&c5);
    rm_model_free(&plain);
}

/* ---------------------------------------------------------------------------------------------- */

static void test_atomic(void)
{
    const char *path = in_dir("atomic.safetensors");
    float one[2] = {1.0f, 1.0f}, two[5] = {2.0f, 2.0f, 2.0f, 2.0f, 2.0f};
    rm_st_tensor t1 = {"x", RM_ST_F32, 1, {2}, one}, t2 = {"x", RM_ST_F32, 1, {5}, two};
    rm_err e = {0};
    CHECK(rm_st_write(path, &t1, 1, NULL, 0, &e) == RM_OK);
    CHECK(rm_st_write(path, &t2, 1, NULL, 0, &e) == RM_OK); /* over the existing file */
    rm_st_file f;
    CHECK(rm_st_read(&f, path, &e) == RM_OK);
    const rm_st_entry *x = rm_st_find(&f, "x");
    CHECK(x && x->shape[0] == 5 && x->nbytes == 20 && memcmp(x->data, two, 20) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (size_t)st.st_size == f.size);
    rm_st_free(&f);
    CHECK(count_temp_files() == 0);

    /* failures leave no temp file and the old file intact */
    const char *sub = in_dir("is_a_dir.safetensors");
    CHECK(mkdir(sub, 0777) == 0);
    CHECK(rm_st_write(sub, &t1, 1, NULL, 0, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, sub);
    CHECK_CONTAINS(e.msg, "cannot replace it");
    CHECK(count_temp_files() == 0);
    CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
    const char *nowhere = in_dir("no/such/dir/x.safetensors");
    CHECK(rm_st_write(nowhere, &t1, 1, NULL, 0, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, nowhere);
    rm_st_tensor dup[2] = {t1, t1};
    CHECK(rm_st_write(path, dup, 2, NULL, 0, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "tensor name 'x' given twice");
    const char *kv[4] = {"k", "1", "k", "2"};
    CHECK(rm_st_write(path, &t1, 1, kv, 2, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "metadata key 'k' given twice");
    rm_st_tensor bad = {"__metadata__", RM_ST_F32, 1, {2}, one};
    CHECK(rm_st_write(path, &bad, 1, NULL, 0, &e) == RM_ERR_IO);
    bad = (rm_st_tensor){"y", RM_ST_F32, 5, {1, 1, 1, 1}, one};
    CHECK(rm_st_write(path, &bad, 1, NULL, 0, &e) == RM_ERR_IO);
    bad = (rm_st_tensor){"y", RM_ST_F32, 1, {-2}, one};
    CHECK(rm_st_write(path, &bad, 1, NULL, 0, &e) == RM_ERR_IO);
    bad = (rm_st_tensor){"y", 7, 1, {2}, one};
    CHECK(rm_st_write(path, &bad, 1, NULL, 0, &e) == RM_ERR_IO);
    CHECK(count_temp_files() == 0);

    /* a write that fails half way (file size limit: EFBIG) removes its temp file, the old file stays */
    static float big[16384];
    rm_st_tensor tb = {"x", RM_ST_F32, 1, {16384}, big};
    struct rlimit old_lim, lim;
    if (getrlimit(RLIMIT_FSIZE, &old_lim) == 0) {
        signal(SIGXFSZ, SIG_IGN);
        lim = old_lim;
        lim.rlim_cur = 4096;
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
        CHECK(rm_st_write(path, &tb, 1, NULL, 0, &e) == RM_ERR_IO);
        setrlimit(RLIMIT_FSIZE, &old_lim);
        signal(SIGXFSZ, SIG_DFL);
        CHECK_CONTAINS(e.msg, path);
        CHECK_CONTAINS(e.msg, "write failed: File too large");
        CHECK(count_temp_files() == 0);
    }
    CHECK(rm_st_read(&f, path, &e) == RM_OK && rm_st_find(&f, "x") && rm_st_find(&f, "x")->nbytes == 20);
    rm_st_free(&f);
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

int main(int argc, char **argv)
{
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    snprintf(dir, sizeof dir, "/tmp/test_safetensors.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_round_trip();
    test_foreign();
    test_checksums();
    test_malformed();
    test_model();
    test_atomic();
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done("test_safetensors");
}
