/* SPDX-License-Identifier: Apache-2.0 */
/* json_format.c — `format` assertions: RFC 3339 date/time/duration, RFC 5321 email, RFC 1123
 * host names, IPv4/IPv6, RFC 3986 URIs and references (and their IRI forms), UUID, ECMA regex,
 * JSON Pointer, relative JSON Pointer and URI templates. Each check is a small hand parser over
 * bytes: no allocation beyond the regex compile, no locale dependence. */
#include "json_internal.h"

#include <stdint.h>
#include <stdio.h>
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

/* RFC 3339 appendix A: number-unit pairs with units from `units`, in order and contiguous from
 * the first one used, from *pos up to `stop` or the end. Sets *any when there was one. */
static bool duration_units(const char *s, size_t len, size_t *pos, const char *units, char stop, bool *any)
{
    int next = 0, last = -1;
    size_t i = *pos;
    while (i < len && s[i] != stop) {
        size_t st = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == st || i >= len)
            return false;
        const char *u = strchr(units + next, s[i]);
        if (!u || s[i] == '\0')
            return false;
        int idx = (int)(u - units);
        if (last >= 0 && idx != last + 1)
            return false;
        last = idx;
        next = idx + 1;
        *any = true;
        i++;
    }
    *pos = i;
    return true;
}

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
    bool any = false;
    if (!duration_units(s, len, &i, "YMD", 'T', &any))
        return false;
    if (i < len && s[i] == 'T') {
        i++;
        bool time_any = false;
        if (!duration_units(s, len, &i, "HMS", 'T', &time_any) || !time_any)
            return false;
        any = true;
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

/* ---- IDNA (RFC 5890-5893), the parts that need no Unicode tables beyond PCRE2's ---- */

#define MAX_LABEL_CPS 256

/* Decodes UTF-8 into code points. Returns the count, or (size_t)-1 on bad input/overflow. */
static size_t utf8_to_cps(const char *s, size_t len, uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k;
        if (c < 0x80) {
            cp = c;
            k = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            k = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            k = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            k = 4;
        } else {
            return (size_t)-1;
        }
        if (i + k > len || n >= max)
            return (size_t)-1;
        for (size_t j = 1; j < k; j++)
            cp = cp << 6 | ((unsigned char)s[i + j] & 0x3F);
        out[n++] = cp;
        i += k;
    }
    return n;
}

/* RFC 3492 decoding of the part after "xn--". Returns the count, or (size_t)-1. */
static size_t punycode_decode(const char *in, size_t len, uint32_t *out, size_t max)
{
    enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
    size_t b = 0;
    for (size_t j = 0; j < len; j++)
        if (in[j] == '-')
            b = j;
    size_t n_out = 0;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)in[j] >= 0x80 || n_out >= max)
            return (size_t)-1;
        out[n_out++] = (unsigned char)in[j];
    }
    uint32_t n = 128, bias = 72;
    uint64_t i = 0;
    for (size_t pos = b > 0 ? b + 1 : 0; pos < len;) {
        uint64_t oldi = i, w = 1;
        for (uint32_t k = BASE;; k += BASE) {
            if (pos >= len)
                return (size_t)-1;
            char c = in[pos++];
            uint32_t digit = c >= 'a' && c <= 'z'   ? (uint32_t)(c - 'a')
                             : c >= 'A' && c <= 'Z' ? (uint32_t)(c - 'A')
                             : c >= '0' && c <= '9' ? (uint32_t)(c - '0' + 26)
                                                    : BASE;
            if (digit >= BASE)
                return (size_t)-1;
            i += digit * w;
            if (i > 0x10FFFF * (uint64_t)(max + 1))
                return (size_t)-1;
            uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
            if (digit < t)
                break;
            w *= BASE - t;
        }
        /* adapt the bias */
        uint64_t delta = oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2;
        delta += delta / (n_out + 1);
        uint32_t k = 0;
        while (delta > ((BASE - TMIN) * TMAX) / 2) {
            delta /= BASE - TMIN;
            k += BASE;
        }
        bias = (uint32_t)(k + (BASE - TMIN + 1) * delta / (delta + SKEW));
        n += (uint32_t)(i / (n_out + 1));
        i %= n_out + 1;
        if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || n_out >= max)
            return (size_t)-1;
        memmove(out + i + 1, out + i, (n_out - (size_t)i) * sizeof *out);
        out[i++] = n;
        n_out++;
    }
    return n_out;
}

/* Is cp in the Unicode class (a PCRE2 property such as "M" or "Greek")? */
static bool cp_is(uint32_t cp, const char *prop)
{
    char pat[48], buf[5];
    snprintf(pat, sizeof pat, "^\\p{%s}$", prop);
    size_t n = 0;
    if (cp < 0x80) {
        buf[n++] = (char)cp;
    } else if (cp < 0x800) {
        buf[n++] = (char)(0xC0 | cp >> 6);
        buf[n++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[n++] = (char)(0xE0 | cp >> 12);
        buf[n++] = (char)(0x80 | (cp >> 6 & 0x3F));
        buf[n++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[n++] = (char)(0xF0 | cp >> 18);
        buf[n++] = (char)(0x80 | (cp >> 12 & 0x3F));
        buf[n++] = (char)(0x80 | (cp >> 6 & 0x3F));
        buf[n++] = (char)(0x80 | (cp & 0x3F));
    }
    return json_unicode_class(pat, buf, n);
}

static bool is_virama(uint32_t cp)
{
    static const uint32_t viramas[] = {0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D3B,
                                       0x0D3C, 0x0D4D, 0x0DCA, 0x0E3A, 0x0EBA, 0x0F84, 0x1039, 0x103A, 0x1714,
                                       0x1734, 0x17D2, 0x1A60, 0x1B44, 0x1BAA, 0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F,
                                       0xA806, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED};
    for (size_t i = 0; i < sizeof viramas / sizeof viramas[0]; i++)
        if (viramas[i] == cp)
            return true;
    return false;
}

/* Letters of the scripts whose letters join (Arabic and its relatives): an approximation of
 * Unicode's Joining_Type D/L/R, which PCRE2 does not expose. */
static bool joining_letter(uint32_t cp)
{
    static const char *const scripts[] = {
        "Arabic",     "Syriac",          "Nko",   "Mongolian",       "Mandaic",
        "Manichaean", "Psalter_Pahlavi", "Adlam", "Hanifi_Rohingya", "Sogdian"};
    if (!cp_is(cp, "L"))
        return false;
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
        if (cp_is(cp, scripts[i]))
            return true;
    return false;
}

/* RFC 5892 A.1: ZERO WIDTH NON-JOINER between joining letters (transparent marks skipped). */
static bool zwnj_joining_context(const uint32_t *cp, size_t n, size_t at)
{
    size_t b = at, a = at + 1;
    while (b > 0 && cp_is(cp[b - 1], "Mn"))
        b--;
    while (a < n && cp_is(cp[a], "Mn"))
        a++;
    return b > 0 && a < n && joining_letter(cp[b - 1]) && joining_letter(cp[a]);
}

/* A U-label against the IDNA2008 rules that need no derived-property table: no leading
 * combining mark, the DISALLOWED exceptions, and the CONTEXTO/CONTEXTJ rules of RFC 5892. */
static bool ulabel_valid(const uint32_t *cp, size_t n)
{
    if (n == 0 || cp[0] == '-' || cp[n - 1] == '-')
        return false;
    if (n >= 4 && cp[2] == '-' && cp[3] == '-')
        return false;
    if (cp_is(cp[0], "M"))
        return false;
    bool arabic_indic = false, ext_arabic_indic = false, has_kana_han = false, has_katakana_dot = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c == 0x0640 || c == 0x07FA || c == 0x302E || c == 0x302F || (c >= 0x3031 && c <= 0x3035) ||
            c == 0x303B)
            return false;
        /* IDNA2008 leaves out controls, unassigned and private code points, spaces, punctuation,
         * symbols and upper case (not stable under case folding); the contextual exceptions
         * below and the joiners are the ones that may appear. */
        /* RFC 5892 2.6: PVALID whatever their category */
        bool pvalid_exception =
            c == 0x00DF || c == 0x03C2 || c == 0x06FD || c == 0x06FE || c == 0x0F0B || c == 0x3007;
        if (c > 0x7F && !pvalid_exception && c != 0x00B7 && c != 0x0375 && c != 0x05F3 && c != 0x05F4 &&
            c != 0x30FB && c != 0x200C && c != 0x200D &&
            (cp_is(c, "C") || cp_is(c, "Z") || cp_is(c, "P") || cp_is(c, "S") || cp_is(c, "Lu") ||
             cp_is(c, "Lt")))
            return false;
        if (c < 0x80 && !(is_alpha((char)c) && !(c >= 'A' && c <= 'Z')) && !is_digit((char)c) && c != '-')
            return false;
        if (c == 0x00B7 && !(i > 0 && cp[i - 1] == 'l' && i + 1 < n && cp[i + 1] == 'l'))
            return false;
        if (c == 0x0375 && !(i + 1 < n && cp_is(cp[i + 1], "Greek")))
            return false;
        if ((c == 0x05F3 || c == 0x05F4) && !(i > 0 && cp_is(cp[i - 1], "Hebrew")))
            return false;
        if (c == 0x200D && !(i > 0 && is_virama(cp[i - 1])))
            return false;
        if (c == 0x200C && !(i > 0 && is_virama(cp[i - 1])) && !zwnj_joining_context(cp, n, i))
            return false;
        if (c >= 0x0660 && c <= 0x0669)
            arabic_indic = true;
        if (c >= 0x06F0 && c <= 0x06F9)
            ext_arabic_indic = true;
        if (c == 0x30FB)
            has_katakana_dot = true;
        else if (c > 0x7F && (cp_is(c, "Hiragana") || cp_is(c, "Katakana") || cp_is(c, "Han")))
            has_kana_han = true;
    }
    if (arabic_indic && ext_arabic_indic)
        return false;
    if (has_katakana_dot && !has_kana_han)
        return false;
    return true;
}

/* Length of the Punycode encoding of cps (RFC 3492 6.3), without the "xn--" prefix. */
static size_t punycode_encoded_len(const uint32_t *cps, size_t n)
{
    enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
    size_t out = 0, h, b = 0;
    for (size_t j = 0; j < n; j++)
        if (cps[j] < 0x80)
            b++;
    out = b + (b > 0);
    h = b;
    uint32_t m_cur = 128, bias = 72;
    uint64_t delta = 0;
    while (h < n) {
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < n; j++)
            if (cps[j] >= m_cur && cps[j] < m)
                m = cps[j];
        delta += (uint64_t)(m - m_cur) * (h + 1);
        m_cur = m;
        for (size_t j = 0; j < n; j++) {
            if (cps[j] < m_cur)
                delta++;
            if (cps[j] == m_cur) {
                uint64_t q = delta;
                for (uint32_t k = BASE;; k += BASE) {
                    uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
                    if (q < t)
                        break;
                    out++;
                    q = (q - t) / (BASE - t);
                }
                out++;
                uint64_t d = h == b ? delta / DAMP : delta / 2;
                d += d / (h + 1);
                uint32_t k = 0;
                while (d > ((BASE - TMIN) * TMAX) / 2) {
                    d /= BASE - TMIN;
                    k += BASE;
                }
                bias = (uint32_t)(k + (BASE - TMIN + 1) * d / (d + SKEW));
                delta = 0;
                h++;
            }
        }
        delta++;
        m_cur++;
    }
    return out;
}

/* RFC 5893 Bidi classes, looked up through PCRE2. */
enum bidi {
    BIDI_L,
    BIDI_R,
    BIDI_AL,
    BIDI_AN,
    BIDI_EN,
    BIDI_ES,
    BIDI_CS,
    BIDI_ET,
    BIDI_ON,
    BIDI_BN,
    BIDI_NSM,
    BIDI_OTHER
};

static enum bidi bidi_class(uint32_t cp)
{
    static const char *const names[] = {"bc=L",  "bc=R",  "bc=AL", "bc=AN", "bc=EN", "bc=ES",
                                        "bc=CS", "bc=ET", "bc=ON", "bc=BN", "bc=NSM"};
    for (int i = 0; i < BIDI_OTHER; i++)
        if (cp_is(cp, names[i]))
            return (enum bidi)i;
    return BIDI_OTHER;
}

/* The Bidi rule (RFC 5893 section 2) for one label of a domain that has right-to-left text. */
static bool bidi_label_valid(const uint32_t *cp, size_t n)
{
    if (n == 0)
        return true;
    enum bidi first = bidi_class(cp[0]);
    if (first != BIDI_L && first != BIDI_R && first != BIDI_AL)
        return false;
    bool rtl = first != BIDI_L, en = false, an = false;
    size_t last = n;
    for (size_t i = 0; i < n; i++) {
        enum bidi b = bidi_class(cp[i]);
        if (rtl) {
            if (b == BIDI_L || b == BIDI_OTHER)
                return false;
        } else if (b == BIDI_R || b == BIDI_AL || b == BIDI_AN || b == BIDI_OTHER) {
            return false;
        }
        en |= b == BIDI_EN;
        an |= b == BIDI_AN;
        if (b != BIDI_NSM)
            last = i;
    }
    if (last == n)
        return false;
    enum bidi end = bidi_class(cp[last]);
    if (rtl)
        return !(en && an) && (end == BIDI_R || end == BIDI_AL || end == BIDI_EN || end == BIDI_AN);
    return end == BIDI_L || end == BIDI_EN;
}

static bool has_rtl(const uint32_t *cp, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cp[i] < 0x0590)
            continue;
        enum bidi b = bidi_class(cp[i]);
        if (b == BIDI_R || b == BIDI_AL || b == BIDI_AN)
            return true;
    }
    return false;
}

/* An "xn--" label: its Punycode must decode to a valid U-label. */
static bool any_non_ascii(const uint32_t *cps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cps[i] >= 0x80)
            return true;
    return false;
}

/* An A-label must decode to a valid U-label that is not plain ASCII. */
static bool alabel_valid(const char *s, size_t n)
{
    uint32_t cps[MAX_LABEL_CPS];
    size_t k = punycode_decode(s + 4, n - 4, cps, MAX_LABEL_CPS);
    return k != (size_t)-1 && any_non_ascii(cps, k) && ulabel_valid(cps, k);
}

static bool is_xn(const char *s, size_t n)
{
    return n >= 4 && (s[0] == 'x' || s[0] == 'X') && (s[1] == 'n' || s[1] == 'N') && s[2] == '-' &&
           s[3] == '-';
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
        /* "--" in positions 3 and 4 is reserved for A-labels (xn--), which must decode to a
         * valid U-label; drafts before 7 only ask for RFC 1123, which allows both */
        if (idna_rules && n >= 4 && s[st + 2] == '-' && s[st + 3] == '-' &&
            (!is_xn(s + st, n) || !alabel_valid(s + st, n)))
            return false;
        if (i < len) {
            i++;
            if (i == len)
                return false; /* trailing dot */
        }
    }
    return true;
}

/* Internationalised host names: labels separated by "." or its ideographic, fullwidth and
 * halfwidth forms; each label an ASCII host name label, an A-label or a U-label; the Bidi
 * rule across the name when any label holds right-to-left text. */
#define MAX_IDN_LABELS 64

static bool valid_idn_hostname(const char *s, size_t len)
{
    if (len == 0)
        return false;
    uint32_t(*labels)[MAX_LABEL_CPS] = sr_xmalloc(sizeof *labels * MAX_IDN_LABELS);
    size_t counts[MAX_IDN_LABELS];
    size_t nlabels = 0, total = 0, i = 0;
    bool ok = true, rtl = false;
    while (ok) {
        size_t st = i, seplen = 0;
        while (i < len) {
            const unsigned char *u = (const unsigned char *)s + i;
            if (u[0] == '.') {
                seplen = 1;
                break;
            }
            if (i + 3 <= len && ((u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x82) ||  /* U+3002 */
                                 (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x8E) ||  /* U+FF0E */
                                 (u[0] == 0xEF && u[1] == 0xBD && u[2] == 0xA1))) { /* U+FF61 */
                seplen = 3;
                break;
            }
            i++;
        }
        size_t n = i - st;
        if (n == 0 || nlabels == MAX_IDN_LABELS) {
            ok = false;
            break;
        }
        uint32_t *cps = labels[nlabels];
        size_t k;
        if (is_xn(s + st, n)) {
            k = n > 63 ? (size_t)-1 : punycode_decode(s + st + 4, n - 4, cps, MAX_LABEL_CPS);
            if (k != (size_t)-1 && !any_non_ascii(cps, k))
                k = (size_t)-1;
            total += n;
        } else {
            k = utf8_to_cps(s + st, n, cps, MAX_LABEL_CPS);
            if (k != (size_t)-1) {
                size_t alen = 0;
                for (size_t j = 0; j < k; j++)
                    alen += cps[j] >= 0x80;
                alen = alen ? 4 + punycode_encoded_len(cps, k) : k; /* the label's A-label length */
                if (alen > 63)
                    k = (size_t)-1;
                total += alen;
            }
        }
        if (k == (size_t)-1 || !ulabel_valid(cps, k)) {
            ok = false;
            break;
        }
        counts[nlabels++] = k;
        rtl |= has_rtl(cps, k);
        total++;
        if (i == len)
            break;
        i += seplen;
        if (i == len)
            ok = false; /* trailing separator */
    }
    if (ok && total > 254)
        ok = false;
    for (size_t l = 0; ok && rtl && l < nlabels; l++)
        ok = bidi_label_valid(labels[l], counts[l]);
    free(labels);
    return ok;
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
    char *out = sr_xmalloc(len / 4 * 3 + 1);
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
