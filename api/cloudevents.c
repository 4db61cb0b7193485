/* SPDX-License-Identifier: Apache-2.0 */
/* cloudevents.c — POST /cloudevents/validate (our extension, docs/cloudevents.md) and the
 * built-in CloudEvents 1.0 envelope schema that any JSON schema can $ref.
 * Checks an event's envelope against the CloudEvents 1.0 rules (structured, batch and
 * binary HTTP modes) and validates its data with compat_json_validate() against the schema
 * its dataschema or type names in this registry. Every violation is reported; none stops
 * the check early, and all work is bounded by the body size and the limits below. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"
#include "cache.h"

/* A batch above this many events is refused (413) instead of checked. */
#define CE_MAX_BATCH 10000
/* Violations listed in one answer; the rest are counted and "truncated" is set. */
#define CE_MAX_VIOLATIONS 1000
/* Parsed schemas kept per request, so a batch of events of one type parses it once. */
#define CE_SCHEMA_CACHE 64

/* The CloudEvents 1.0 JSON Schema, byte for byte from tests/data/cloudevents/cloudevents.json.
 * Copyright the CloudEvents authors (github.com/cloudevents/spec, schemas/cloudevents.json),
 * licensed under the Apache License 2.0 (tests/data/cloudevents/LICENSE). */
static const char ce_envelope_schema[] =
    "{\n"
    "  \"$schema\": \"http://json-schema.org/draft-07/schema#\",\n"
    "  \"description\": \"CloudEvents Specification JSON Schema\",\n"
    "  \"type\": \"object\",\n"
    "  \"properties\": {\n"
    "    \"id\": {\n"
    "      \"description\": \"Identifies the event.\",\n"
    "      \"$ref\": \"#/definitions/iddef\",\n"
    "      \"examples\": [\n"
    "        \"A234-1234-1234\"\n"
    "      ]\n"
    "    },\n"
    "    \"source\": {\n"
    "      \"description\": \"Identifies the context in which an event happened.\",\n"
    "      \"$ref\": \"#/definitions/sourcedef\",\n"
    "      \"examples\" : [\n"
    "        \"https://github.com/cloudevents\",\n"
    "        \"mailto:cncf-wg-serverless@lists.cncf.io\",\n"
    "        \"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\",\n"
    "        \"cloudevents/spec/pull/123\",\n"
    "        \"/sensors/tn-1234567/alerts\",\n"
    "        \"1-555-123-4567\"\n"
    "      ]\n"
    "    },\n"
    "    \"specversion\": {\n"
    "      \"description\": \"The version of the CloudEvents specification which the event uses.\",\n"
    "      \"$ref\": \"#/definitions/specversiondef\",\n"
    "      \"examples\": [\n"
    "        \"1.0\"\n"
    "      ]\n"
    "    },\n"
    "    \"type\": {\n"
    "      \"description\": \"Describes the type of event related to the originating occurrence.\",\n"
    "      \"$ref\": \"#/definitions/typedef\",\n"
    "      \"examples\" : [\n"
    "        \"com.github.pull_request.opened\",\n"
    "        \"com.example.object.deleted.v2\"\n"
    "      ]\n"
    "    },\n"
    "    \"datacontenttype\": {\n"
    "      \"description\": \"Content type of the data value. Must adhere to RFC 2046 format.\",\n"
    "      \"$ref\": \"#/definitions/datacontenttypedef\",\n"
    "      \"examples\": [\n"
    "        \"text/xml\",\n"
    "        \"application/json\",\n"
    "        \"image/png\",\n"
    "        \"multipart/form-data\"\n"
    "      ]\n"
    "    },\n"
    "    \"dataschema\": {\n"
    "      \"description\": \"Identifies the schema that data adheres to.\",\n"
    "      \"$ref\": \"#/definitions/dataschemadef\"\n"
    "    },\n"
    "    \"subject\": {\n"
    "      \"description\": \"Describes the subject of the event in the context of the event producer "
    "(identified by source).\",\n"
    "      \"$ref\": \"#/definitions/subjectdef\",\n"
    "      \"examples\": [\n"
    "        \"mynewfile.jpg\"\n"
    "      ]\n"
    "    },\n"
    "    \"time\": {\n"
    "      \"description\": \"Timestamp of when the occurrence happened. Must adhere to RFC 3339.\",\n"
    "      \"$ref\": \"#/definitions/timedef\",\n"
    "      \"examples\": [\n"
    "        \"2018-04-05T17:31:00Z\"\n"
    "      ]\n"
    "    },\n"
    "    \"data\": {\n"
    "      \"description\": \"The event payload.\",\n"
    "      \"$ref\": \"#/definitions/datadef\",\n"
    "      \"examples\": [\n"
    "        \"<much wow=\\\"xml\\\"/>\"\n"
    "      ]\n"
    "    },\n"
    "    \"data_base64\": {\n"
    "      \"description\": \"Base64 encoded event payload. Must adhere to RFC4648.\",\n"
    "      \"$ref\": \"#/definitions/data_base64def\",\n"
    "      \"examples\": [\n"
    "        \"Zm9vYg==\"\n"
    "      ]\n"
    "    }\n"
    "  },\n"
    "  \"required\": [\"id\", \"source\", \"specversion\", \"type\"],\n"
    "  \"definitions\": {\n"
    "    \"iddef\": {\n"
    "      \"type\": \"string\",\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"sourcedef\": {\n"
    "      \"type\": \"string\",\n"
    "      \"format\": \"uri-reference\",\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"specversiondef\": {\n"
    "      \"type\": \"string\",\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"typedef\": {\n"
    "      \"type\": \"string\",\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"datacontenttypedef\": {\n"
    "      \"type\": [\"string\", \"null\"],\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"dataschemadef\": {\n"
    "      \"type\": [\"string\", \"null\"],\n"
    "      \"format\": \"uri\",\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"subjectdef\": {\n"
    "      \"type\": [\"string\", \"null\"],\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"timedef\": {\n"
    "      \"type\": [\"string\", \"null\"],\n"
    "      \"format\": \"date-time\",\n"
    "      \"minLength\": 1\n"
    "    },\n"
    "    \"datadef\": {\n"
    "      \"type\": [\"object\", \"string\", \"number\", \"array\", \"boolean\", \"null\"]\n"
    "    },\n"
    "    \"data_base64def\": {\n"
    "      \"type\": [\"string\", \"null\"],\n"
    "      \"contentEncoding\": \"base64\"\n"
    "    }\n"
    "  }\n"
    "}\n";

static bool contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

const struct compat_ref *api_cloudevents_builtin_ref(enum sr_schema_type type, const char *text, size_t len,
                                                     const struct compat_ref *closure, size_t n)
{
    static const struct compat_ref builtin = {API_CLOUDEVENTS_SCHEMA_URL, SR_SCHEMA_JSON, ce_envelope_schema,
                                              sizeof ce_envelope_schema - 1};
    /* Only a schema that names the file can reach it (directly or relative to an $id under
     * cloudevents.io), so every other schema parses exactly as before. */
    if (type != SR_SCHEMA_JSON || text == NULL || !contains(text, len, "cloudevent.json"))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (closure[i].name != NULL && strcmp(closure[i].name, API_CLOUDEVENTS_SCHEMA_URL) == 0)
            return NULL; /* a registered reference of that name wins */
    return &builtin;
}

/* ---- text rules ---- */

static bool utf8_valid(const char *s, size_t len)
{
    unsigned cp;
    for (size_t i = 0; i < len;) {
        size_t n = api_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* The CloudEvents String rules on valid UTF-8: NULL when fine, else why not. */
static const char *string_problem(const char *s, size_t len)
{
    unsigned cp;
    for (size_t i = 0; i < len;) {
        size_t n = api_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0)
            return "is not valid UTF-8";
        if (cp < 0x20)
            return "contains a control character (U+0000-U+001F)";
        if (cp >= 0x7f && cp <= 0x9f)
            return "contains a control character (U+007F-U+009F)";
        if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
            return "contains a Unicode noncharacter";
        i += n;
    }
    return NULL;
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 characters of a URI-reference outside pct-encoded. */
static bool uri_char(int c)
{
    return is_alpha(c) || is_digit(c) || (c != 0 && strchr("-._~!$&'()*+,;=:@/?#[]", c) != NULL);
}

/* Length of a valid scheme ending just before a ':' at s[len], or 0 if there is none:
 * RFC 3986 3.1, and the ':' must come before any '/', '?' or '#'. */
static size_t scheme_len(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
        i++;
    if (i == len || s[i] != ':' || i == 0 || !is_alpha((unsigned char)s[0]))
        return 0;
    for (size_t k = 1; k < i; k++)
        if (!is_alpha((unsigned char)s[k]) && !is_digit((unsigned char)s[k]) && !strchr("+-.", s[k]))
            return 0;
    return i;
}

/* RFC 3986 4.1 URI-reference (syntax of characters, escapes, scheme and fragment). */
static const char *uri_ref_problem(const char *s, size_t len)
{
    size_t hashes = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return "has an incomplete %-escape";
            if (!is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2]))
                return "has an invalid %-escape";
            i += 2;
            continue;
        }
        if (!uri_char(c))
            return "contains a character not allowed in a URI (RFC 3986)";
        if (c == '#' && ++hashes > 1)
            return "contains more than one '#'";
    }
    /* A first segment holding ':' must be a scheme (a relative path cannot start "a b:"). */
    const char *colon = memchr(s, ':', len);
    if (colon != NULL && scheme_len(s, len) == 0) {
        size_t before = (size_t)(colon - s);
        if (memchr(s, '/', before) == NULL && memchr(s, '?', before) == NULL &&
            memchr(s, '#', before) == NULL)
            return "starts with an invalid URI scheme";
    }
    return NULL;
}

/* CloudEvents URI: an absolute URI (RFC 3986 4.3). */
static const char *uri_problem(const char *s, size_t len)
{
    const char *why = uri_ref_problem(s, len);
    if (why != NULL)
        return why;
    if (scheme_len(s, len) == 0)
        return "must be an absolute URI (with a scheme), not a relative reference";
    return NULL;
}

static bool tchar(int c)
{
    return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t token_len(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && tchar((unsigned char)s[i]))
        i++;
    return i;
}

/* RFC 2046 / RFC 7231 media type: type "/" subtype *( OWS ";" OWS name "=" value ). */
static const char *media_type_problem(const char *s, size_t len)
{
    size_t i = token_len(s, len);
    if (i == 0 || i >= len || s[i] != '/')
        return "must be a media type of the form type/subtype (RFC 2046)";
    i++;
    size_t st = token_len(s + i, len - i);
    if (st == 0)
        return "must be a media type of the form type/subtype (RFC 2046)";
    i += st;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len)
            break;
        if (s[i] != ';')
            return "has text after the subtype that is not a ';' parameter";
        i++;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t nl = token_len(s + i, len - i);
        if (nl == 0 || i + nl >= len || s[i + nl] != '=')
            return "has a malformed parameter (expected name=value)";
        i += nl + 1;
        if (i < len && s[i] == '"') {
            i++;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            if (i >= len)
                return "has an unterminated quoted parameter value";
            i++;
        } else {
            size_t vl = token_len(s + i, len - i);
            if (vl == 0)
                return "has a parameter without a value";
            i += vl;
        }
    }
    return NULL;
}

/* Is a (valid) media type JSON: subtype json or a +json suffix, any type (the spec's
 * star/json and star/star+json), parameters ignored, any case? */
static bool media_type_is_json(const char *s)
{
    size_t len = strcspn(s, ";");
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    const char *slash = memchr(s, '/', len);
    if (slash == NULL)
        return false;
    size_t sl = len - (size_t)(slash + 1 - s);
    const char *sub = slash + 1;
    return (sl == 4 && strncasecmp(sub, "json", 4) == 0) ||
           (sl > 5 && strncasecmp(sub + sl - 5, "+json", 5) == 0);
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* RFC 3339 date-time (5.6), with the calendar checked; 'T' and 'Z' in any case. */
static const char *timestamp_problem(const char *s, size_t len)
{
    static const char *const bad = "must be an RFC 3339 timestamp (e.g. 2018-04-05T17:31:00Z)";
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return bad;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return bad;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > dim)
        return "names a day that does not exist";
    size_t i = 19;
    if (i < len && s[i] == '.') {
        i++;
        size_t f = i;
        while (i < len && is_digit((unsigned char)s[i]))
            i++;
        if (i == f)
            return bad;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z'))
        return i + 1 == len ? NULL : bad;
    if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
        return bad;
    int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
        return bad;
    return NULL;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (is_digit(c))
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* RFC 4648 base64 (padding optional). Returns the decoded bytes as a new buffer (caller
 * frees; *out_len its length), or NULL when s is not base64. */
static unsigned char *b64_decode(const char *s, size_t len, size_t *out_len)
{
    size_t pad = 0;
    while (pad < 2 && len > 0 && s[len - 1] == '=') {
        len--;
        pad++;
    }
    if (len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
        return NULL;
    unsigned char *out = sr_xmalloc(len / 4 * 3 + 3);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    *out_len = o;
    return out;
}

/* ---- the report ---- */

/* A JSON string of bytes that may not be UTF-8 (header names and values): invalid bytes
 * become '?'. Returns a new reference. */
static json_t *jstr(const char *s, size_t len)
{
    if (utf8_valid(s, len))
        return json_stringn(s, len);
    char *clean = sr_xmalloc(len + 1);
    unsigned cp;
    for (size_t i = 0; i < len;) {
        size_t n = api_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) {
            clean[i++] = '?';
            continue;
        }
        memcpy(clean + i, s + i, n);
        i += n;
    }
    json_t *j = json_stringn(clean, len);
    free(clean);
    return j;
}

struct ce_report {
    json_t *all;          /* every violation of the request (with "index" in a batch); new ref */
    size_t total;         /* violations found, listed or not */
    long index;           /* batch member being checked, -1 outside a batch */
    json_t *current;      /* violations of the event being checked; new ref */
    size_t current_total; /* violations of that event, listed or not */
};

/* Records one violation: `attribute` names an attribute (or NULL), `pointer` a JSON Pointer
 * into the event (or NULL). Takes nothing; copies everything. */
static void report_add(struct ce_report *r, const char *attribute, size_t alen, const char *pointer,
                       const char *schema_path, const char *fmt, ...) SR_PRINTF(6, 7);

static void report_add(struct ce_report *r, const char *attribute, size_t alen, const char *pointer,
                       const char *schema_path, const char *fmt, ...)
{
    r->total++;
    r->current_total++;
    if (json_array_size(r->all) >= CE_MAX_VIOLATIONS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *v = json_object();
    if (r->index >= 0)
        json_object_set_new(v, "index", json_integer(r->index));
    if (attribute != NULL)
        json_object_set_new(v, "attribute", jstr(attribute, alen));
    if (pointer != NULL)
        json_object_set_new(v, "pointer", jstr(pointer, strlen(pointer)));
    if (schema_path != NULL)
        json_object_set_new(v, "schemaPath", jstr(schema_path, strlen(schema_path)));
    json_object_set_new(v, "message", jstr(msg, strlen(msg)));
    json_array_append(r->all, v);
    if (r->current != NULL)
        json_array_append(r->current, v);
    json_decref(v);
}

#define ATTR_FAIL(r, name, ...) report_add((r), (name), strlen(name), NULL, NULL, __VA_ARGS__)

/* ---- envelope ---- */

enum ce_kind { K_SPECVERSION, K_STRING, K_URI_REF, K_URI, K_MEDIA_TYPE, K_TIME };

static const struct {
    const char *name;
    enum ce_kind kind;
    bool required;
} ce_attrs[] = {
    {"specversion", K_SPECVERSION, true},
    {"id", K_STRING, true},
    {"source", K_URI_REF, true},
    {"type", K_STRING, true},
    {"datacontenttype", K_MEDIA_TYPE, false},
    {"dataschema", K_URI, false},
    {"subject", K_STRING, false},
    {"time", K_TIME, false},
};

#define CE_NATTRS (sizeof ce_attrs / sizeof ce_attrs[0])

static long known_attr(const char *name)
{
    for (size_t i = 0; i < CE_NATTRS; i++)
        if (strcmp(ce_attrs[i].name, name) == 0)
            return (long)i;
    return -1;
}

static const char *name_problem(const char *name, size_t len)
{
    if (len == 0)
        return "attribute names must have at least one character";
    for (size_t i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || is_digit((unsigned char)name[i])))
            return "attribute names may only contain lower-case ASCII letters a-z and digits 0-9";
    if (len == 4 && memcmp(name, "data", 4) == 0)
        return "'data' is reserved and cannot be an attribute";
    return NULL;
}

/* Checks a string-valued attribute against its type's rules. */
static void check_string_attr(struct ce_report *r, const char *name, long known, const char *s, size_t len)
{
    const char *why = string_problem(s, len);
    if (why != NULL) {
        ATTR_FAIL(r, name, "%s %s", name, why);
        return;
    }
    if (known < 0)
        return;
    switch (ce_attrs[known].kind) {
    case K_SPECVERSION:
        if (len != 3 || memcmp(s, "1.0", 3) != 0)
            ATTR_FAIL(r, name, "specversion must be \"1.0\" (this validator implements CloudEvents 1.0)");
        return;
    case K_STRING:
        why = len == 0 ? "must not be empty" : NULL;
        break;
    case K_URI_REF:
        why = len == 0 ? "must not be empty" : uri_ref_problem(s, len);
        break;
    case K_URI:
        why = len == 0 ? "must not be empty" : uri_problem(s, len);
        break;
    case K_MEDIA_TYPE:
        why = media_type_problem(s, len);
        break;
    case K_TIME:
        why = timestamp_problem(s, len);
        break;
    }
    if (why != NULL)
        ATTR_FAIL(r, name, "%s %s", name, why);
}

/* JSON event format: an attribute member's value. ints_as_real: the body held an integer
 * beyond jansson's range, so every integer was decoded as a real. */
static void check_json_attr(struct ce_report *r, const char *name, const json_t *v, bool ints_as_real)
{
    long known = known_attr(name);
    if (known < 0) {
        const char *why = name_problem(name, strlen(name));
        if (why != NULL)
            ATTR_FAIL(r, name, "invalid attribute name '%s': %s", name, why);
    }
    if (json_is_string(v)) {
        check_string_attr(r, name, known, json_string_value(v), json_string_length(v));
        return;
    }
    if (known >= 0) {
        ATTR_FAIL(r, name, "%s must be a JSON string", name);
        return;
    }
    if (json_is_boolean(v))
        return;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < -2147483647LL - 1 || i > 2147483647LL)
            ATTR_FAIL(r, name, "%s: Integer out of the signed 32-bit range", name);
        return;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        /* range first: converting an out-of-range double to an integer is undefined */
        if (ints_as_real && (d < -2147483648.0 || d > 2147483647.0))
            ATTR_FAIL(r, name, "%s: Integer out of the signed 32-bit range", name);
        else if (!ints_as_real || d != (double)(long)d)
            ATTR_FAIL(r, name, "%s: a number with a fraction or exponent is not an Integer", name);
        return;
    }
    ATTR_FAIL(r, name, "%s: attribute values must be String, Boolean or Integer, not a JSON %s", name,
              json_is_object(v) ? "object" : "array");
}

/* One event after its envelope check: what the schema lookup and data check need. */
struct ce_event {
    json_t *attrs;              /* attribute name -> value (binary: decoded strings); new ref */
    json_t *data;               /* the data as JSON when it is JSON; new ref or NULL */
    bool has_data;              /* data (of any format) present */
    const char *no_json_reason; /* static: why present data is not JSON, or NULL */
};

static void event_free(struct ce_event *e)
{
    json_decref(e->attrs);
    json_decref(e->data);
    memset(e, 0, sizeof *e);
}

static const char *attr_str(const struct ce_event *e, const char *name)
{
    return json_string_value(json_object_get(e->attrs, name));
}

static void check_required(struct ce_report *r, const struct ce_event *e)
{
    for (size_t i = 0; i < CE_NATTRS; i++)
        if (ce_attrs[i].required && json_object_get(e->attrs, ce_attrs[i].name) == NULL)
            ATTR_FAIL(r, ce_attrs[i].name, "required attribute %s is missing", ce_attrs[i].name);
}

/* JSON event format: checks one event object and fills *e. */
static void check_structured(struct ce_report *r, const json_t *ev, bool ints_as_real, struct ce_event *e)
{
    const char *key;
    json_t *v;
    const json_t *data = NULL, *b64 = NULL;
    e->attrs = json_object();
    json_object_foreach((json_t *)ev, key, v)
    {
        if (strcmp(key, "data") == 0) {
            data = v;
            continue;
        }
        if (strcmp(key, "data_base64") == 0) {
            if (!json_is_null(v))
                b64 = v;
            continue;
        }
        if (json_is_null(v))
            continue; /* a null member counts as absent */
        check_json_attr(r, key, v, ints_as_real);
        json_object_set(e->attrs, key, v);
    }
    check_required(r, e);
    const char *dct = attr_str(e, "datacontenttype");
    bool json_ct = dct == NULL || media_type_is_json(dct);
    if (data != NULL && b64 != NULL)
        ATTR_FAIL(r, "data_base64", "data and data_base64 must not both be present");
    if (b64 != NULL) {
        e->has_data = true;
        size_t n = 0;
        unsigned char *bytes = NULL;
        if (!json_is_string(b64) ||
            (bytes = b64_decode(json_string_value(b64), json_string_length(b64), &n)) == NULL) {
            ATTR_FAIL(r, "data_base64", "data_base64 must be a base64 string (RFC 4648)");
        } else if (dct == NULL || !media_type_is_json(dct)) {
            /* data_base64 does not inherit the application/json default */
            e->no_json_reason = dct == NULL ? "data_base64 without datacontenttype has no known format"
                                            : "datacontenttype is not JSON";
        } else {
            json_error_t jerr;
            e->data = json_loadb((const char *)bytes, n, JSON_DECODE_ANY, &jerr);
            if (e->data == NULL)
                ATTR_FAIL(r, "data_base64", "data_base64 does not decode to JSON (%s): %s", dct, jerr.text);
        }
        free(bytes);
    } else if (data != NULL) {
        e->has_data = true;
        if (json_ct)
            e->data = json_incref((json_t *)data);
        else
            e->no_json_reason = "datacontenttype is not JSON";
    }
}

/* RFC 7230 quoted-string unquoting, then one round of percent-decoding. Returns a new
 * buffer (caller frees), *out_len its length. */
static char *header_decode(const char *v, size_t *out_len)
{
    size_t len = strlen(v);
    char *unq = sr_xmalloc(len + 1);
    size_t u = 0;
    if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
        for (size_t i = 1; i + 1 < len; i++) {
            if (v[i] == '\\' && i + 2 < len)
                i++;
            unq[u++] = v[i];
        }
    } else {
        memcpy(unq, v, len);
        u = len;
    }
    char *out = sr_xmalloc(u + 1);
    size_t o = 0;
    for (size_t i = 0; i < u; i++) {
        if (unq[i] == '%' && i + 2 < u && is_hex((unsigned char)unq[i + 1]) &&
            is_hex((unsigned char)unq[i + 2])) {
            char hex[3] = {unq[i + 1], unq[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = unq[i];
        }
    }
    out[o] = '\0';
    free(unq);
    *out_len = o;
    return out;
}

/* HTTP binary mode: attributes from ce-* headers, datacontenttype from Content-Type, the
 * body as data. */
static void check_binary(struct ce_report *r, const struct api_request *raw, struct ce_event *e)
{
    e->attrs = json_object();
    const char *ctype = NULL;
    for (size_t i = 0; i < raw->nheaders; i++) {
        const char *hn = raw->headers[i].name;
        const char *hv = raw->headers[i].value ? raw->headers[i].value : "";
        if (strcasecmp(hn, "Content-Type") == 0) {
            ctype = hv;
            continue;
        }
        if (strncasecmp(hn, "ce-", 3) != 0)
            continue;
        size_t nlen = strlen(hn + 3);
        char *name = sr_xstrndup(hn + 3, nlen);
        for (size_t k = 0; k < nlen; k++)
            name[k] = (char)tolower((unsigned char)name[k]);
        size_t vlen;
        char *val = header_decode(hv, &vlen);
        const char *why = name_problem(name, nlen);
        if (why != NULL) {
            report_add(r, name, nlen, NULL, NULL, "invalid attribute header '%s': %s", hn, why);
        } else if (strcmp(name, "datacontenttype") == 0) {
            ATTR_FAIL(r, name, "binary mode: ce-datacontenttype must not be sent; Content-Type carries it");
        } else if (json_object_get(e->attrs, name) != NULL) {
            ATTR_FAIL(r, name, "attribute %s appears more than once", name);
        } else if (!utf8_valid(val, vlen)) {
            ATTR_FAIL(r, name, "%s: the percent-decoded header value is not valid UTF-8", name);
            json_object_set_new(e->attrs, name, jstr(val, vlen)); /* present, though invalid */
        } else {
            check_string_attr(r, name, known_attr(name), val, vlen);
            json_object_set_new(e->attrs, name, json_stringn(val, vlen));
        }
        free(val);
        free(name);
    }
    if (ctype != NULL) {
        size_t clen = strlen(ctype);
        if (utf8_valid(ctype, clen)) {
            check_string_attr(r, "datacontenttype", known_attr("datacontenttype"), ctype, clen);
            json_object_set_new(e->attrs, "datacontenttype", json_stringn(ctype, clen));
        } else {
            ATTR_FAIL(r, "datacontenttype", "Content-Type is not valid UTF-8");
        }
    }
    check_required(r, e);
    if (raw->body == NULL || raw->body_len == 0)
        return; /* an empty body means no data */
    e->has_data = true;
    if (ctype == NULL || !media_type_is_json(ctype)) {
        e->no_json_reason =
            ctype == NULL ? "no Content-Type, so the data has no known format" : "Content-Type is not JSON";
        return;
    }
    json_error_t jerr;
    e->data = json_loadb(raw->body, raw->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (e->data == NULL && strstr(jerr.text, "too big") != NULL)
        e->data = json_loadb(raw->body, raw->body_len,
                             JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerr);
    if (e->data == NULL)
        report_add(r, NULL, 0, "/data", NULL, "the body is not valid %s: %s (line %d, column %d)", ctype,
                   jerr.text, jerr.line, jerr.column);
}

/* ---- schema lookup and data validation ---- */

enum ce_strategy { STRATEGY_TYPE, STRATEGY_TYPE_VALUE, STRATEGY_NONE };

struct ce_cached {
    const struct store_schema *src;
    struct api_parsed *pin;             /* from api_cache_parsed(); released at the end */
    const struct compat_schema *parsed; /* NULL when it did not parse */
    char error[256];
};

struct ce_run {
    struct store *st;
    struct api_cache *cache; /* the server's shared parse cache, or NULL */
    const struct api_request *raw;
    const char *host;         /* Host header, or NULL */
    const char *registry_url; /* ?registryUrl, or NULL */
    enum ce_strategy strategy;
    bool require_schema;
    bool assert_format;
    /* the schemas this request used, so a batch of events of one type looks it up once */
    struct ce_cached used[CE_SCHEMA_CACHE];
    size_t nused;
};

/* The stored schema parsed (shared through the server's cache). Returns a borrowed schema,
 * or NULL with *why set to the reason. *pin gets a pin the caller releases with
 * api_cache_unpin() when the request's table is full, else NULL (the table keeps it). */
static const struct compat_schema *parsed_schema(struct ce_run *run, const struct store_schema *s,
                                                 const char **why, struct api_parsed **pin)
{
    *pin = NULL;
    for (size_t i = 0; i < run->nused; i++) {
        if (run->used[i].src == s) {
            *why = run->used[i].error;
            return run->used[i].parsed;
        }
    }
    struct sr_error err = {0};
    const struct compat_schema *p = NULL;
    struct api_parsed *pinned = api_cache_parsed(run->cache, run->st, s, &p, &err);
    if (run->nused < CE_SCHEMA_CACHE) {
        struct ce_cached *c = &run->used[run->nused++];
        c->src = s;
        c->pin = pinned;
        c->parsed = p;
        snprintf(c->error, sizeof c->error, "%s", err.message);
        *why = c->error;
        return p;
    }
    *pin = pinned;
    *why = p ? "" : "the stored schema does not parse";
    return p;
}

/* Splits a URI's path into percent-decoded segments (at most max; returns the count, or
 * max + 1 when there are more). Segments are new strings; caller frees them. */
static size_t path_segments(const char *path, size_t plen, char **seg, size_t max)
{
    size_t n = 0;
    size_t i = 0;
    while (i < plen) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t end = i;
        while (end < plen && path[end] != '/')
            end++;
        if (n == max) {
            for (size_t k = 0; k < n; k++)
                free(seg[k]);
            return max + 1;
        }
        seg[n++] = api_percent_decode(path + i, end - i, false);
        i = end;
    }
    return n;
}

enum ds_result { DS_NOT_OURS, DS_FOUND, DS_MISSING };

/* Does dataschema name a schema in this registry? DS_FOUND fills *out (and the subject and
 * version when the URI named them); DS_MISSING writes why to msg. */
static enum ds_result dataschema_lookup(struct ce_run *run, const char *uri, const struct store_schema **out,
                                        char **subject, int64_t *version, char *msg, size_t msglen)
{
    size_t ulen = strlen(uri);
    const char *path = NULL;
    if (run->registry_url != NULL && run->registry_url[0] != '\0') {
        size_t rl = strlen(run->registry_url);
        while (rl > 0 && run->registry_url[rl - 1] == '/')
            rl--;
        if (ulen > rl && strncasecmp(uri, run->registry_url, rl) == 0 && uri[rl] == '/')
            path = uri + rl;
    }
    if (path == NULL && run->host != NULL) {
        const char *auth = NULL;
        if (strncasecmp(uri, "http://", 7) == 0)
            auth = uri + 7;
        else if (strncasecmp(uri, "https://", 8) == 0)
            auth = uri + 8;
        if (auth != NULL) {
            size_t alen = strcspn(auth, "/?#");
            if (alen == strlen(run->host) && strncasecmp(auth, run->host, alen) == 0)
                path = auth + alen;
        }
    }
    if (path == NULL)
        return DS_NOT_OURS;
    size_t plen = strcspn(path, "?#");
    char *seg[8];
    size_t n = path_segments(path, plen, seg, 8);
    enum ds_result res = DS_NOT_OURS;
    if (n > 8)
        return DS_NOT_OURS;
    char *ctx = sr_xstrdup(".");
    /* an optional /contexts/{ctx} prefix, as in the REST API (spec 2.1) */
    size_t base = 0;
    if (n >= 2 && strcmp(seg[0], "contexts") == 0) {
        char *c = api_context_normalize(seg[1]);
        if (c != NULL) {
            free(ctx);
            ctx = c;
            base = 2;
        }
    }
    /* the .../schema form (the raw schema text) names the same schema */
    size_t m = n - base;
    if ((m == 4 || m == 5) && strcmp(seg[n - 1], "schema") == 0)
        m--;
    if (m == 3 && strcmp(seg[base], "schemas") == 0 && strcmp(seg[base + 1], "ids") == 0) {
        int64_t id;
        struct sr_error err = {0};
        if (api_parse_int_param(seg[base + 2], &id, &err) != 0) {
            snprintf(msg, msglen, "dataschema names schema id '%s', which is not a number", seg[base + 2]);
            res = DS_MISSING;
        } else if ((*out = store_schema_by_id(run->st, ctx, id)) == NULL) {
            snprintf(msg, msglen, "dataschema names schema id %lld, which this registry does not have",
                     (long long)id);
            res = DS_MISSING;
        } else {
            res = DS_FOUND;
        }
    } else if (m == 4 && strcmp(seg[base], "subjects") == 0 && strcmp(seg[base + 2], "versions") == 0) {
        struct api_subject s;
        struct sr_error err = {0};
        int64_t v;
        api_subject_parse_in(seg[base + 1], ctx, &s);
        if (base == 0)
            api_subject_fallback(run->st, &s);
        const struct store_version *const *vs;
        size_t nv = store_subject_versions(run->st, s.qualified, &vs);
        const struct store_version *found = NULL;
        if (api_parse_version(seg[base + 3], &v, &err) == 0) {
            found = v == -1 ? api_latest_live(vs, nv) : api_find_version(vs, nv, v);
            if (found != NULL && found->deleted)
                found = NULL;
        }
        if (found == NULL) {
            snprintf(msg, msglen,
                     "dataschema names subject '%s' version '%s', which this registry does not have",
                     seg[base + 1], seg[base + 3]);
            res = DS_MISSING;
        } else {
            *out = found->schema;
            *subject = sr_xstrdup(found->subject);
            *version = found->version;
            res = DS_FOUND;
        }
        api_subject_free(&s);
    }
    free(ctx);
    for (size_t k = 0; k < n; k++)
        free(seg[k]);
    return res;
}

/* Finds the schema for e, validates its data and fills the "schema" member of out. */
static void apply_schema(struct ce_run *run, struct ce_report *r, const struct ce_event *e, json_t *out)
{
    json_t *info = json_object();
    json_object_set_new(info, "applied", json_false()); /* first in the answer; set below */
    const struct store_schema *s = NULL;
    char *subject = NULL;
    int64_t version = -1;
    const char *via = NULL;
    char why[400] = "";
    const char *dataschema = attr_str(e, "dataschema");
    const char *type = attr_str(e, "type");

    if (dataschema != NULL && uri_problem(dataschema, strlen(dataschema)) == NULL) {
        enum ds_result d = dataschema_lookup(run, dataschema, &s, &subject, &version, why, sizeof why);
        if (d == DS_MISSING) {
            ATTR_FAIL(r, "dataschema", "%s", why);
            json_object_set_new(info, "applied", json_false());
            json_object_set_new(info, "reason", jstr(why, strlen(why))); /* may quote a cut name */
            goto out;
        }
        if (d == DS_FOUND)
            via = "dataschema";
    }
    if (s == NULL && run->strategy != STRATEGY_NONE && type != NULL && type[0] != '\0') {
        struct sr_buf name = SR_BUF_INIT;
        sr_buf_puts(&name, type);
        if (run->strategy == STRATEGY_TYPE_VALUE)
            sr_buf_puts(&name, "-value");
        char *wanted = sr_buf_steal(&name, NULL);
        struct api_subject as;
        api_subject_parse(wanted, &as);
        api_subject_fallback(run->st, &as);
        const struct store_version *const *vs;
        size_t nv = store_subject_versions(run->st, as.qualified, &vs);
        const struct store_version *latest = api_latest_live(vs, nv);
        if (latest != NULL) {
            s = latest->schema;
            subject = sr_xstrdup(latest->subject);
            version = latest->version;
            via = "type";
        } else {
            snprintf(why, sizeof why, "no subject '%s' (named after the event's type) in this registry",
                     wanted);
        }
        api_subject_free(&as);
        free(wanted);
    } else if (s == NULL) {
        snprintf(why, sizeof why, "%s",
                 run->strategy == STRATEGY_NONE ? "dataschema does not name a schema in this registry"
                                                : "the event has no usable type or dataschema");
    }
    if (s == NULL) {
        json_object_set_new(info, "applied", json_false());
        json_object_set_new(info, "reason", jstr(why, strlen(why))); /* may quote a cut name */
        if (run->require_schema) {
            const char *attr = dataschema != NULL ? "dataschema" : "type";
            ATTR_FAIL(r, attr, "requireSchema: no schema found for this event (%s)", why);
        }
        goto out;
    }
    json_object_set_new(info, "via", json_string(via));
    json_object_set_new(info, "id", json_integer(s->id));
    if (subject != NULL) {
        json_object_set_new(info, "subject", json_string(subject));
        json_object_set_new(info, "version", json_integer(version));
    }
    json_object_set_new(info, "schemaType", json_string(sr_schema_type_name(s->type)));
    if (s->type != SR_SCHEMA_JSON) {
        snprintf(why, sizeof why, "schema id %lld is %s; only JSON schemas can validate event data",
                 (long long)s->id, sr_schema_type_name(s->type));
        ATTR_FAIL(r, via, "%s", why); /* via names the attribute that led here */
        json_object_set_new(info, "applied", json_false());
        json_object_set_new(info, "reason", jstr(why, strlen(why))); /* may quote a cut name */
        goto out;
    }
    if (!e->has_data || e->data == NULL) {
        const char *reason = !e->has_data ? "the event has no data" : e->no_json_reason;
        json_object_set_new(info, "applied", json_false());
        json_object_set_new(info, "reason", json_string(reason ? reason : "the data is not JSON"));
        if (run->require_schema && e->has_data && e->no_json_reason != NULL)
            report_add(r, NULL, 0, "/data", NULL, "requireSchema: the data cannot be checked: %s", reason);
        goto out;
    }
    struct api_parsed *pin = NULL;
    const char *perr = "";
    const struct compat_schema *parsed = parsed_schema(run, s, &perr, &pin);
    if (parsed == NULL) {
        report_add(r, NULL, 0, "/data", NULL, "schema id %lld cannot be used: %s", (long long)s->id, perr);
        json_object_set_new(info, "applied", json_false());
        json_object_set_new(info, "reason", json_string("the schema does not parse"));
        goto out;
    }
    struct compat_json_result res;
    compat_json_result_init(&res);
    struct sr_error verr = {0};
    unsigned vflags = run->assert_format ? COMPAT_JSON_ASSERT_FORMAT : COMPAT_JSON_VALIDATE_DEFAULT;
    if (compat_json_validate(parsed, e->data, vflags, &res, &verr) != 0) {
        report_add(r, NULL, 0, "/data", NULL, "schema id %lld cannot validate: %s", (long long)s->id,
                   verr.message);
        json_object_set_new(info, "applied", json_false());
        json_object_set_new(info, "reason", json_string("the schema cannot be evaluated"));
    } else {
        json_object_set_new(info, "applied", json_true());
        for (size_t i = 0; i < res.count; i++) {
            struct sr_buf ptr = SR_BUF_INIT;
            sr_buf_puts(&ptr, "/data");
            sr_buf_puts(&ptr, res.items[i].instance_path);
            char *p = sr_buf_steal(&ptr, NULL);
            report_add(r, NULL, 0, p, res.items[i].schema_path, "%s", res.items[i].message);
            free(p);
        }
        if (res.truncated)
            report_add(r, NULL, 0, "/data", NULL, "more than %d schema violations; the rest are not listed",
                       COMPAT_JSON_MAX_VIOLATIONS);
    }
    compat_json_result_free(&res);
    api_cache_unpin(run->cache, pin);
out:
    free(subject);
    json_object_set_new(out, "schema", info);
}

/* Checks one event (already extracted into e) and adds its answer fields to out. */
static void finish_event(struct ce_run *run, struct ce_report *r, struct ce_event *e, json_t *out,
                         bool with_attributes)
{
    apply_schema(run, r, e, out);
    json_object_set_new(out, "valid", json_boolean(r->current_total == 0));
    if (with_attributes)
        json_object_set(out, "attributes", e->attrs);
}

/* ---- the handler ---- */

static bool ct_prefix(const char *ct, const char *prefix)
{
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return strncasecmp(ct, prefix, strlen(prefix)) == 0;
}

/* The media type of a Content-Type without parameters, lower-cased, in buf. */
static void ct_base(const char *ct, char *buf, size_t size)
{
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    if (len >= size)
        len = size - 1;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)ct[i]);
    buf[len] = '\0';
}

static json_t *load_body(const struct api_request *raw, bool *ints_as_real, struct sr_error *err)
{
    if (raw->body == NULL || raw->body_len == 0) {
        sr_error_set(err, SR_ERR_BAD_REQUEST, "Not a CloudEvent: the body is empty");
        return NULL;
    }
    json_error_t jerr;
    /* \u0000 is let through the parser so that it is reported as a String rule violation;
     * duplicate members are refused (an attribute appears at most once). */
    unsigned flags = JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    json_t *j = json_loadb(raw->body, raw->body_len, flags, &jerr);
    if (j == NULL && strstr(jerr.text, "too big") != NULL) {
        /* data may hold integers beyond 64 bits; they are legal JSON */
        *ints_as_real = true;
        j = json_loadb(raw->body, raw->body_len, flags | JSON_DECODE_INT_AS_REAL, &jerr);
    }
    if (j == NULL)
        sr_error_set(err, SR_ERR_BAD_REQUEST,
                     "Not a CloudEvent: the body is not valid JSON: %s (line %d, column %d)", jerr.text,
                     jerr.line, jerr.column);
    return j;
}

static int parse_options(const struct api_req *req, struct ce_run *run, struct sr_error *err)
{
    const char *strategy = api_query(req, "subjectStrategy");
    if (strategy == NULL || strcasecmp(strategy, "type") == 0)
        run->strategy = STRATEGY_TYPE;
    else if (strcasecmp(strategy, "type-value") == 0)
        run->strategy = STRATEGY_TYPE_VALUE;
    else if (strcasecmp(strategy, "none") == 0)
        run->strategy = STRATEGY_NONE;
    else
        return sr_error_set(err, SR_ERR_BAD_REQUEST,
                            "Invalid subjectStrategy '%s': use type, type-value or none", strategy);
    run->require_schema = api_query_bool(req, "requireSchema");
    const char *fmt = api_query(req, "assertFormat");
    run->assert_format = fmt == NULL || strcasecmp(fmt, "false") != 0;
    run->registry_url = api_query(req, "registryUrl");
    for (size_t i = 0; i < run->raw->nheaders; i++)
        if (strcasecmp(run->raw->headers[i].name, "Host") == 0)
            run->host = run->raw->headers[i].value;
    return 0;
}

API_HANDLER(post_cloudevents_validate)
{
    const struct api_request *raw = req->raw;
    struct ce_run run;
    struct ce_report rep = {NULL, 0, -1, NULL, 0};
    struct ce_event ev;
    json_t *body = NULL;
    json_t *out = NULL;
    int rc = -1;
    bool ints_as_real = false;
    bool locked = false;
    memset(&run, 0, sizeof run);
    memset(&ev, 0, sizeof ev);

    if (raw == NULL)
        return sr_error_set(err, SR_ERR_INTERNAL, "request not available");
    run.st = ctx->st;
    run.cache = ctx->cache;
    run.raw = raw;
    if (parse_options(req, &run, err) != 0)
        return -1;
    if (raw->headers_truncated)
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "Too many request headers (more than %d)",
                            API_MAX_HEADERS);

    enum { MODE_STRUCTURED, MODE_BATCH, MODE_BINARY } mode = MODE_BINARY;
    const char *ct = raw->content_type;
    char base[128];
    if (ct != NULL && ct_prefix(ct, "application/cloudevents")) {
        ct_base(ct, base, sizeof base);
        mode = ct_prefix(ct, "application/cloudevents-batch") ? MODE_BATCH : MODE_STRUCTURED;
        const char *want =
            mode == MODE_BATCH ? "application/cloudevents-batch+json" : "application/cloudevents+json";
        if (strcmp(base, want) != 0)
            return sr_error_set(err, SR_ERR_UNSUPPORTED_MEDIA_TYPE,
                                "Unsupported CloudEvents format '%s': only %s is supported", base, want);
    }
    if (mode == MODE_BINARY) {
        bool any_ce = false;
        for (size_t i = 0; i < raw->nheaders && !any_ce; i++)
            any_ce = strncasecmp(raw->headers[i].name, "ce-", 3) == 0;
        if (!any_ce)
            return sr_error_set(
                err, SR_ERR_UNSUPPORTED_MEDIA_TYPE,
                "Not a CloudEvent: Content-Type %s is not a CloudEvents format and there are no "
                "ce-* headers (binary mode)",
                ct ? ct : "(none)");
    } else {
        body = load_body(raw, &ints_as_real, err);
        if (body == NULL)
            return -1;
        if (mode == MODE_STRUCTURED && !json_is_object(body)) {
            sr_error_set(err, SR_ERR_BAD_REQUEST, "Not a CloudEvent: structured mode needs one JSON object%s",
                         json_is_array(body) ? " (a JSON array is the batch format)" : "");
            goto out;
        }
        if (mode == MODE_BATCH && !json_is_array(body)) {
            sr_error_set(err, SR_ERR_BAD_REQUEST, "Not a CloudEvents batch: the body must be a JSON array");
            goto out;
        }
        if (mode == MODE_BATCH && json_array_size(body) > CE_MAX_BATCH) {
            sr_error_set(err, SR_ERR_PAYLOAD_TOO_LARGE, "The batch has %zu events; the limit is %d",
                         json_array_size(body), CE_MAX_BATCH);
            goto out;
        }
    }

    rep.all = json_array();
    out = json_object();
    store_read_begin(run.st);
    locked = true;
    if (mode == MODE_BATCH) {
        json_t *events = json_array();
        char *first_version = NULL; /* specversion of the first member, owned */
        size_t i;
        json_t *member;
        json_object_set_new(out, "mode", json_string("batch"));
        json_object_set_new(out, "count", json_integer((json_int_t)json_array_size(body)));
        json_array_foreach(body, i, member)
        {
            json_t *one = json_object();
            rep.index = (long)i;
            rep.current = json_array();
            rep.current_total = 0;
            json_object_set_new(one, "index", json_integer((json_int_t)i));
            if (!json_is_object(member)) {
                report_add(&rep, NULL, 0, "", NULL, "batch member %zu is not a JSON object", i);
                json_object_set_new(one, "valid", json_false());
            } else {
                check_structured(&rep, member, ints_as_real, &ev);
                const char *sv = attr_str(&ev, "specversion");
                if (first_version == NULL && sv != NULL)
                    first_version = sr_xstrdup(sv);
                else if (sv != NULL && strcmp(sv, first_version) != 0)
                    ATTR_FAIL(&rep, "specversion",
                              "all events of a batch must have the same specversion (%s)", first_version);
                const char *id = attr_str(&ev, "id");
                if (id != NULL)
                    json_object_set_new(one, "id", json_string(id));
                finish_event(&run, &rep, &ev, one, false);
                event_free(&ev);
            }
            json_object_set_new(one, "violations", rep.current);
            rep.current = NULL;
            json_array_append_new(events, one);
        }
        json_object_set_new(out, "events", events);
        free(first_version);
    } else {
        rep.current = json_array();
        if (mode == MODE_STRUCTURED)
            check_structured(&rep, body, ints_as_real, &ev);
        else
            check_binary(&rep, raw, &ev);
        json_object_set_new(out, "mode", json_string(mode == MODE_STRUCTURED ? "structured" : "binary"));
        finish_event(&run, &rep, &ev, out, true);
        json_decref(rep.current);
        rep.current = NULL;
        event_free(&ev);
    }
    store_read_end(run.st);
    locked = false;

    bool valid = rep.total == 0;
    json_object_set_new(out, "valid", json_boolean(valid));
    json_object_set(out, "violations", rep.all);
    if (rep.total > json_array_size(rep.all)) {
        json_object_set_new(out, "truncated", json_true());
        json_object_set_new(out, "violationCount", json_integer((json_int_t)rep.total));
    }
    if (!valid) {
        /* Confluent-style clients read error_code/message from any 4xx */
        char msg[96];
        snprintf(msg, sizeof msg, "Invalid CloudEvent%s: %zu violation%s", mode == MODE_BATCH ? " batch" : "",
                 rep.total, rep.total == 1 ? "" : "s");
        json_object_set_new(out, "error_code", json_integer(SR_ERR_UNPROCESSABLE));
        json_object_set_new(out, "message", json_string(msg));
        resp->status = 422;
    }
    resp->body = out;
    out = NULL;
    rc = 0;
out:
    if (locked)
        store_read_end(run.st);
    for (size_t i = 0; i < run.nused; i++)
        api_cache_unpin(run.cache, run.used[i].pin);
    json_decref(rep.all);
    json_decref(rep.current);
    event_free(&ev);
    json_decref(out);
    json_decref(body);
    return rc;
}
