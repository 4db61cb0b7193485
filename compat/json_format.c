/* SPDX-License-Identifier: Apache-2.0 */
/* json_format.c — `format` assertions: RFC 3339 date/time/duration, RFC 5321 email, RFC 1123
 * host names, IPv4/IPv6, RFC 3986 URIs and references (and their IRI forms), UUID, ECMA regex,
 * JSON Pointer, relative JSON Pointer and URI templates. Each check is a small hand parser over
 * bytes: no allocation beyond the regex compile, no locale dependence. */
#include "json_internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* n digits at s, as a number. */
static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool valid_date(const char *s, size_t len)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return false;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    int max = days[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

static bool valid_time(const char *s, size_t len)
{
    int h, mi, sec;
    if (len < 9 || s[2] != ':' || s[5] != ':')
        return false;
    if (!digits(s, 2, &h) || !digits(s + 3, 2, &mi) || !digits(s + 6, 2, &sec))
        return false;
    size_t i = 8;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == start)
            return false;
    }
    if (i >= len)
        return false;
    int oh = 0, om = 0, sign = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        sign = s[i] == '+' ? 1 : -1;
        if (len - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om))
            return false;
        if (oh > 23 || om > 59)
            return false;
        i += 6;
    } else {
        return false;
    }
    if (i != len || h > 23 || mi > 59 || sec > 60)
        return false;
    if (sec == 60) {
        /* a leap second exists only at 23:59:60 UTC */
        int utc = h * 60 + mi - sign * (oh * 60 + om);
        utc = ((utc % 1440) + 1440) % 1440;
        if (utc != 23 * 60 + 59)
            return false;
    }
    return true;
}

static bool valid_date_time(const char *s, size_t len)
{
    if (len < 11 || (s[10] != 'T' && s[10] != 't'))
        return false;
    return valid_date(s, 10) && valid_time(s + 11, len - 11);
}

/* RFC 3339 appendix A: units in order, contiguous from the first one used. */
static bool valid_duration(const char *s, size_t len)
{
    if (len < 2 || s[0] != 'P')
        return false;
    size_t i = 1;
    if (s[len - 1] == 'W') {
        for (i = 1; i < len - 1; i++)
            if (!is_digit(s[i]))
                return false;
        return len > 2;
    }
    static const char date_units[] = "YMD";
    static const char time_units[] = "HMS";
    int next = 0, any = 0, last = -1;
    while (i < len && s[i] != 'T') {
        size_t st = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == st || i >= len)
            return false;
        const char *u = strchr(date_units + next, s[i]);
        if (!u || s[i] == '\0')
            return false;
        int idx = (int)(u - date_units);
        if (last >= 0 && idx != last + 1)
            return false;
        last = idx;
        next = idx + 1;
        any = 1;
        i++;
    }
    if (i < len && s[i] == 'T') {
        i++;
        int tany = 0;
        next = 0;
        last = -1;
        while (i < len) {
            size_t st = i;
            while (i < len && is_digit(s[i]))
                i++;
            if (i == st || i >= len)
                return false;
            const char *u = strchr(time_units + next, s[i]);
            if (!u || s[i] == '\0')
                return false;
            int idx = (int)(u - time_units);
            if (last >= 0 && idx != last + 1)
                return false;
            last = idx;
            next = idx + 1;
            tany = 1;
            i++;
        }
        if (!tany)
            return false;
        any = 1;
    }
    return any && i == len;
}

static bool valid_ipv4(const char *s, size_t len)
{
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        size_t st = i;
        int v = 0;
        while (i < len && is_digit(s[i]) && i - st < 4) {
            v = v * 10 + (s[i] - '0');
            i++;
        }
        size_t n = i - st;
        if (n == 0 || n > 3 || v > 255 || (n > 1 && s[st] == '0'))
            return false;
        parts++;
        if (parts < 4) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == len;
}

static bool valid_ipv6(const char *s, size_t len)
{
    int groups = 0;
    bool compressed = false;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = true;
        i = 2;
        if (i == len)
            return true;
    } else if (len > 0 && s[0] == ':') {
        return false;
    }
    while (i < len) {
        size_t st = i;
        while (i < len && is_hex(s[i]) && i - st < 5)
            i++;
        size_t n = i - st;
        if (i < len && s[i] == '.') {
            /* embedded IPv4 in the last 32 bits */
            if (!valid_ipv4(s + st, len - st))
                return false;
            groups += 2;
            i = len;
            break;
        }
        if (n == 0 || n > 4)
            return false;
        groups++;
        if (i == len)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < len && s[i] == ':') {
            if (compressed)
                return false;
            compressed = true;
            i++;
            if (i == len)
                break;
        } else if (i == len) {
            return false; /* trailing single colon */
        }
    }
    return compressed ? groups < 8 : groups == 8;
}

static bool valid_hostname(const char *s, size_t len, bool idna_rules)
{
    if (len == 0 || len > 253)
        return false;
    size_t i = 0;
    while (i < len) {
        size_t st = i;
        while (i < len && s[i] != '.') {
            char c = s[i];
            if (!is_alpha(c) && !is_digit(c) && c != '-')
                return false;
            i++;
        }
        size_t n = i - st;
        if (n == 0 || n > 63 || s[st] == '-' || s[i - 1] == '-')
            return false;
        /* "--" in positions 3 and 4 is reserved for A-labels (xn--); drafts before 7 only ask
         * for RFC 1123, which allows it */
        if (idna_rules && n >= 4 && s[st + 2] == '-' && s[st + 3] == '-' &&
            !((s[st] == 'x' || s[st] == 'X') && (s[st + 1] == 'n' || s[st + 1] == 'N')))
            return false;
        if (i < len) {
            i++;
            if (i == len)
                return false; /* trailing dot */
        }
    }
    return true;
}

/* Internationalised host names: the same shape, with any non-ASCII code point allowed in a
 * label (lengths in bytes of the A-label are not computed). */
static bool valid_idn_hostname(const char *s, size_t len)
{
    if (len == 0)
        return false;
    size_t i = 0;
    while (i < len) {
        size_t st = i;
        while (i < len && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x80 && !is_alpha((char)c) && !is_digit((char)c) && c != '-')
                return false;
            /* ideographic full stop and friends act as label separators: not allowed mixed */
            i++;
        }
        size_t n = i - st;
        if (n == 0 || n > 252 || s[st] == '-' || s[i - 1] == '-')
            return false;
        if (n >= 4 && s[st + 2] == '-' && s[st + 3] == '-' &&
            !((s[st] == 'x' || s[st] == 'X') && (s[st + 1] == 'n' || s[st + 1] == 'N')))
            return false;
        if (i < len) {
            i++;
            if (i == len)
                return false;
        }
    }
    return true;
}

static bool valid_email(const char *s, size_t len, bool idn, bool idna_rules)
{
    const char *at = NULL;
    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == '@') {
            at = s + i - 1;
            break;
        }
    }
    if (!at || at == s)
        return false;
    size_t llen = (size_t)(at - s);
    const char *dom = at + 1;
    size_t dlen = len - llen - 1;
    if (s[0] == '"') {
        if (llen < 2 || s[llen - 1] != '"')
            return false;
    } else {
        if (s[0] == '.' || s[llen - 1] == '.')
            return false;
        for (size_t i = 0; i < llen; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '.' && s[i + 1] == '.')
                return false;
            if (c >= 0x80 && idn)
                continue;
            if (!is_alpha((char)c) && !is_digit((char)c) && !strchr(".!#$%&'*+-/=?^_`{|}~", c))
                return false;
        }
    }
    if (dlen >= 2 && dom[0] == '[' && dom[dlen - 1] == ']') {
        if (dlen > 7 && strncmp(dom + 1, "IPv6:", 5) == 0)
            return valid_ipv6(dom + 6, dlen - 7);
        return valid_ipv4(dom + 1, dlen - 2);
    }
    return idn ? valid_idn_hostname(dom, dlen) : valid_hostname(dom, dlen, idna_rules);
}

static bool uri_char_ok(unsigned char c, bool iri)
{
    if (c >= 0x80)
        return iri;
    if (is_alpha((char)c) || is_digit((char)c))
        return true;
    return strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL && c != '\0';
}

/* RFC 3986 URI-reference (or, with need_scheme, URI), IRIs when iri is set. */
static bool valid_uri_like(const char *s, size_t len, bool need_scheme, bool iri)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!uri_char_ok(c, iri))
            return false;
        if (c == '%' && (i + 2 >= len + 0 || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
            return false;
    }
    size_t i = 0;
    bool has_scheme = false;
    if (len > 0 && is_alpha(s[0])) {
        size_t j = 1;
        while (j < len && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.'))
            j++;
        if (j < len && s[j] == ':') {
            has_scheme = true;
            i = j + 1;
        }
    }
    if (need_scheme && !has_scheme)
        return false;
    if (!has_scheme) {
        /* a relative reference's first path segment may not contain ':' */
        size_t j = 0;
        while (j < len && s[j] != '/' && s[j] != '?' && s[j] != '#') {
            if (s[j] == ':')
                return false;
            j++;
        }
    }
    if (len - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
        i += 2;
        size_t st = i;
        while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
            i++;
        const char *auth = s + st;
        size_t alen = i - st;
        const char *at = memchr(auth, '@', alen);
        if (at && memchr(at + 1, '@', alen - (size_t)(at - auth) - 1))
            return false; /* one userinfo at most */
        const char *host = at ? at + 1 : auth;
        size_t hlen = alen - (size_t)(host - auth);
        if (hlen > 0 && host[0] == '[') {
            const char *close = memchr(host, ']', hlen);
            if (!close)
                return false;
            size_t rest = hlen - (size_t)(close - host) - 1;
            if (!valid_ipv6(host + 1, (size_t)(close - host) - 1) && !(host[1] == 'v' || host[1] == 'V'))
                return false;
            if (rest > 0) {
                if (close[1] != ':')
                    return false;
                for (size_t k = 2; k <= rest; k++)
                    if (!is_digit(close[k]))
                        return false;
            }
        } else {
            const char *colon = memchr(host, ':', hlen);
            if (colon) {
                for (const char *p = colon + 1; p < host + hlen; p++)
                    if (!is_digit(*p))
                        return false;
            }
            for (const char *p = host; p < (colon ? colon : host + hlen); p++)
                if (*p == '[' || *p == ']')
                    return false;
        }
        for (const char *p = auth; p < (at ? at : auth); p++)
            if (*p == '[' || *p == ']')
                return false;
    }
    /* '[' and ']' are only allowed in the host */
    for (; i < len; i++) {
        if (s[i] == '#') {
            for (size_t k = i + 1; k < len; k++)
                if (s[k] == '#' || s[k] == '[' || s[k] == ']')
                    return false;
            break;
        }
        if (s[i] == '[' || s[i] == ']')
            return false;
    }
    return true;
}

static bool valid_uuid(const char *s, size_t len)
{
    if (len != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!is_hex(s[i])) {
            return false;
        }
    }
    return true;
}

static bool valid_json_pointer(const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (s[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '~' && (i + 1 >= len || (s[i + 1] != '0' && s[i + 1] != '1')))
            return false;
    return true;
}

static bool valid_relative_json_pointer(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_digit(s[i]))
        i++;
    if (i == 0 || (i > 1 && s[0] == '0'))
        return false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        /* index manipulation (draft 2020-12's relative-json-pointer allows it) */
        size_t st = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == st || (i - st > 1 && s[st] == '0'))
            return false;
    }
    if (i == len)
        return true;
    if (s[i] == '#')
        return i + 1 == len;
    return valid_json_pointer(s + i, len - i);
}

/* RFC 6570 level 4 syntax: literals, and {op? varspec (, varspec)*} with varspec =
 * varname (":" 1-9999 | "*")?, varname = varchar *( ["."] varchar ). */
static bool valid_uri_template(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '{') {
            i++;
            if (i < len && strchr("+#./;?&", s[i]) && s[i])
                i++;
            for (;;) {
                /* varname */
                size_t st = i;
                bool prev_dot = true;
                while (i < len) {
                    if (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_') {
                        prev_dot = false;
                        i++;
                    } else if (s[i] == '%' && i + 2 < len && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
                        prev_dot = false;
                        i += 3;
                    } else if (s[i] == '.' && !prev_dot) {
                        prev_dot = true;
                        i++;
                    } else {
                        break;
                    }
                }
                if (i == st || prev_dot)
                    return false;
                if (i < len && s[i] == ':') {
                    size_t ds = ++i;
                    while (i < len && is_digit(s[i]))
                        i++;
                    if (i == ds || i - ds > 4 || s[ds] == '0')
                        return false;
                } else if (i < len && s[i] == '*') {
                    i++;
                }
                if (i < len && s[i] == ',') {
                    i++;
                    continue;
                }
                break;
            }
            if (i >= len || s[i] != '}')
                return false;
            i++;
            continue;
        }
        if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c))
            return false;
        if (c == '%') {
            if (i + 2 >= len || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return false;
            i += 3;
            continue;
        }
        i++;
    }
    return true;
}

/* Every known format is checked in every draft: a draft-07 schema saying "format": "uuid"
 * (common in Kafka schemas) means the same thing as in 2020-12, and users who ask for format
 * assertion expect it to hold. Only host names keep a per-draft rule. */
bool json_format_valid(const char *format, const char *s, size_t len, enum json_draft draft)
{
    if (strcmp(format, "date-time") == 0)
        return valid_date_time(s, len);
    if (strcmp(format, "date") == 0)
        return valid_date(s, len);
    if (strcmp(format, "time") == 0)
        return valid_time(s, len);
    if (strcmp(format, "duration") == 0)
        return valid_duration(s, len);
    if (strcmp(format, "email") == 0)
        return valid_email(s, len, false, draft >= JSON_DRAFT7);
    if (strcmp(format, "idn-email") == 0)
        return valid_email(s, len, true, true);
    if (strcmp(format, "hostname") == 0)
        return valid_hostname(s, len, draft >= JSON_DRAFT7);
    if (strcmp(format, "idn-hostname") == 0)
        return valid_idn_hostname(s, len);
    if (strcmp(format, "ipv4") == 0)
        return valid_ipv4(s, len);
    if (strcmp(format, "ipv6") == 0)
        return valid_ipv6(s, len);
    if (strcmp(format, "uri") == 0)
        return valid_uri_like(s, len, true, false);
    if (strcmp(format, "uri-reference") == 0)
        return valid_uri_like(s, len, false, false);
    if (strcmp(format, "iri") == 0)
        return valid_uri_like(s, len, true, true);
    if (strcmp(format, "iri-reference") == 0)
        return valid_uri_like(s, len, false, true);
    if (strcmp(format, "uuid") == 0)
        return valid_uuid(s, len);
    if (strcmp(format, "json-pointer") == 0)
        return valid_json_pointer(s, len);
    if (strcmp(format, "relative-json-pointer") == 0)
        return valid_relative_json_pointer(s, len);
    if (strcmp(format, "uri-template") == 0)
        return valid_uri_template(s, len);
    if (strcmp(format, "regex") == 0) {
        if (memchr(s, '\0', len))
            return false;
        return json_regex_valid(s);
    }
    return true;
}

static int b64_value(char c)
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

char *json_base64_decode(const char *s, size_t len, size_t *outlen)
{
    if (len % 4 != 0)
        return NULL;
    char *out = malloc(len / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = s[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad || (v[k] = b64_value(c)) < 0) {
                free(out);
                return NULL;
            }
        }
        unsigned triple = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out[o++] = (char)(triple >> 16);
        if (pad < 2)
            out[o++] = (char)(triple >> 8 & 0xff);
        if (pad < 1)
            out[o++] = (char)(triple & 0xff);
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}
