#include "reply.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int reply_by_parse(const char *s, enum reply_by *by)
{
    static const struct { const char *name; enum reply_by by; } names[] = {
        {"key", REPLY_BY_KEY}, {"pod", REPLY_BY_POD}, {"ip", REPLY_BY_IP},
        {"body", REPLY_BY_BODY},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return *by = names[i].by, 0;
    return -1;
}

const char *reply_by_name(enum reply_by by)
{
    switch (by) {
    case REPLY_BY_KEY: return "key";
    case REPLY_BY_POD: return "pod";
    case REPLY_BY_IP: return "ip";
    case REPLY_BY_BODY: return "body";
    }
    return "key";
}

_Static_assert(REPLY_KEY_MAX == 256, "update 'at most 255 bytes'");

const char *reply_key_check(const char *key)
{
    size_t seg = 0;
    if (!*key)
        return "empty key";
    if (strlen(key) >= REPLY_KEY_MAX)
        return "key path too long: at most 255 bytes";
    for (const char *p = key;; p++) {
        if (*p == '.' || !*p) {
            if (seg == 0)
                return "empty segment in key path (use a.b.c)";
            if (!*p)
                return NULL;
            seg = 0;
        } else {
            seg++;
        }
    }
}

/* Length of the well-formed UTF-8 sequence at s (left bytes available), or 0
 * if it is not one (stray continuation, overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned cp, min;
    size_t k;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0)
        k = 2, min = 0x80, cp = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0)
        k = 3, min = 0x800, cp = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0)
        k = 4, min = 0x10000, cp = s[0] & 0x07u;
    else
        return 0;
    if (k > left)
        return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[j] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* Copies len bytes of s as a label: control bytes and bytes that are not
 * well-formed UTF-8 become '?' (the label ends up in JSON output, which must
 * be UTF-8), the cut falls on a UTF-8 character boundary, and trailing white
 * space is dropped. */
static void label_copy(char *label, size_t cap, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = len < cap - 1 ? len : cap - 1;
    if (n < len)
        while (n > 0 && (u[n] & 0xC0) == 0x80)
            n--;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
                     s[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (k <= 1) {
            label[i] = (k == 0 || u[i] < 0x20 || u[i] == 0x7f) ? '?' : (char)u[i];
            i++;
            continue;
        }
        memcpy(label + i, s + i, k);
        i += k;
    }
    label[n] = '\0';
}

static const cJSON *walk(const cJSON *node, const char *key)
{
    char seg[256];
    while (node && *key) {
        size_t len = strcspn(key, ".");
        if (!cJSON_IsObject(node) || len >= sizeof seg)
            return NULL;
        memcpy(seg, key, len);
        seg[len] = '\0';
        node = cJSON_GetObjectItemCaseSensitive(node, seg);
        key += len + (key[len] == '.');
    }
    return node;
}

static enum reply_kind by_key(const struct reply_in *in, const char *key, char *label,
                              size_t cap)
{
    cJSON *doc = cJSON_ParseWithLength(in->body, in->body_len);
    const cJSON *v;
    enum reply_kind kind = REPLY_OK;

    if (!doc)
        return REPLY_NOT_JSON;
    v = walk(doc, key);
    if (!v) {
        kind = REPLY_NO_KEY;
    } else if (cJSON_IsString(v)) {
        label_copy(label, cap, v->valuestring, strlen(v->valuestring));
    } else {
        char *text = cJSON_PrintUnformatted(v);
        if (text)
            label_copy(label, cap, text, strlen(text));
        else
            kind = REPLY_NOT_JSON; /* out of memory printing: count it, don't guess */
        free(text);
    }
    cJSON_Delete(doc);
    return kind;
}

static enum reply_kind classify(const struct reply_in *in, enum reply_by by, const char *key,
                               char *label, size_t cap)
{
    if (in->status < 200 || in->status > 299)
        return REPLY_HTTP;
    switch (by) {
    case REPLY_BY_KEY:
        return by_key(in, key, label, cap);
    case REPLY_BY_POD:
        if (!in->served_by || !*in->served_by)
            return REPLY_NO_KEY;
        label_copy(label, cap, in->served_by, strlen(in->served_by));
        return REPLY_OK;
    case REPLY_BY_IP:
        label_copy(label, cap, in->ip ? in->ip : "?", in->ip ? strlen(in->ip) : 1);
        return REPLY_OK;
    case REPLY_BY_BODY:
        label_copy(label, cap, in->body, in->body_len);
        return REPLY_OK;
    }
    return REPLY_OK;
}

enum reply_kind reply_classify(const struct reply_in *in, enum reply_by by, const char *key,
                               char *label, size_t cap)
{
    enum reply_kind kind;
    label[0] = '\0';
    kind = classify(in, by, key, label, cap);
    if (kind == REPLY_OK && !label[0])
        label_copy(label, cap, "(empty)", 7); /* an empty row would be invisible */
    return kind;
}
