/*
 * date.c — ISO 8601 / RFC 3339 parsing and RFC 3339 / RFC 822 formatting.
 * Pure arithmetic (days from civil), no libc time zone involved, so output
 * never depends on TZ.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

bool quire_date_parse(quire_date *out, const char *s)
{
    quire_date d = {0};
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    const char *p = s;
    int y = read_digits(&p, 4);
    if (y < 0 || *p++ != '-')
        return false;
    int mo = read_digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return false;
    int da = read_digits(&p, 2);
    if (da < 1 || da > days_in_month(y, mo))
        return false;
    d.year = (int16_t)y;
    d.month = (uint8_t)mo;
    d.day = (uint8_t)da;
    if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        int h = read_digits(&p, 2);
        if (h < 0 || h > 23 || *p++ != ':')
            return false;
        int mi = read_digits(&p, 2);
        if (mi < 0 || mi > 59)
            return false;
        int se = 0;
        if (*p == ':') {
            p++;
            se = read_digits(&p, 2);
            if (se < 0 || se > 60)
                return false;
            if (se == 60)
                se = 59; /* leap second: clamp, RSS/Atom readers choke on :60 */
        }
        if (*p == '.' || *p == ',') {
            p++;
            uint32_t ns = 0;
            int digits = 0;
            while (isdigit((unsigned char)*p)) {
                if (digits < 9) {
                    ns = ns * 10 + (uint32_t)(*p - '0');
                    digits++;
                }
                p++;
            }
            if (!digits)
                return false;
            while (digits++ < 9)
                ns *= 10;
            d.nanos = ns;
        }
        d.has_time = true;
        d.hour = (uint8_t)h;
        d.minute = (uint8_t)mi;
        d.second = (uint8_t)se;
        while (*p == ' ')
            p++;
        if (*p == 'Z' || *p == 'z') {
            d.has_zone = true;
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh = read_digits(&p, 2);
            if (oh < 0 || oh > 23)
                return false;
            if (*p == ':')
                p++;
            int om = 0;
            if (isdigit((unsigned char)*p)) {
                om = read_digits(&p, 2);
                if (om < 0 || om > 59)
                    return false;
            }
            d.has_zone = true;
            d.offset_min = (int16_t)(sign * (oh * 60 + om));
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return false;
    d.set = true;
    *out = d;
    return true;
}

/* Howard Hinnant's days_from_civil. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int64_t quire_date_epoch(const quire_date *d)
{
    if (!d || !d->set)
        return 0;
    int64_t days = days_from_civil(d->year, d->month, d->day);
    return days * 86400 + d->hour * 3600 + d->minute * 60 + d->second -
           (int64_t)d->offset_min * 60;
}

quire_date quire_date_from_epoch(int64_t t)
{
    quire_date d = {0};
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* civil_from_days */
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    y += mm <= 2;
    d.set = d.has_time = d.has_zone = true;
    d.year = (int16_t)y;
    d.month = (uint8_t)mm;
    d.day = (uint8_t)dd;
    d.hour = (uint8_t)(rem / 3600);
    d.minute = (uint8_t)(rem / 60 % 60);
    d.second = (uint8_t)(rem % 60);
    return d;
}

/*
 * Formatting.  Feeds format a date per document per format, and snprintf
 * cost 2,000-4,000 instructions a call, so the fields are written digit by
 * digit.  A field out of its usual range (a year before 0 or after 9999, a
 * zone offset of 100 hours or more) takes the snprintf path, which prints
 * what it always printed.
 */
static char *date_put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static char *date_put4(char *p, unsigned v)
{
    p = date_put2(p, v / 100);
    return date_put2(p, v % 100);
}

/* The fields the digit writers can take: each printed with exactly its
 * width, as the snprintf formats below would print it. */
static bool date_plain(const quire_date *d)
{
    int off = d->offset_min < 0 ? -d->offset_min : d->offset_min;
    return d->year >= 0 && d->year <= 9999 && d->month < 100 && d->day < 100 && d->hour < 100 &&
           d->minute < 100 && d->second < 100 && off / 60 < 100 && d->nanos < 1000000000u;
}

/* "YYYY-MM-DD" and, with time, "THH:MM:SS"; returns the end. */
static char *date_put_civil(char *p, const quire_date *d, bool time)
{
    p = date_put4(p, (unsigned)d->year);
    *p++ = '-';
    p = date_put2(p, d->month);
    *p++ = '-';
    p = date_put2(p, d->day);
    if (time) {
        *p++ = 'T';
        p = date_put2(p, d->hour);
        *p++ = ':';
        p = date_put2(p, d->minute);
        *p++ = ':';
        p = date_put2(p, d->second);
    }
    return p;
}

/* "+HH:MM" / "-HH:MM" (colon) or "+HHMM" (RFC 822). */
static char *date_put_offset(char *p, int offset_min, bool colon)
{
    int off = offset_min < 0 ? -offset_min : offset_min;
    *p++ = offset_min < 0 ? '-' : '+';
    p = date_put2(p, (unsigned)(off / 60));
    if (colon)
        *p++ = ':';
    return date_put2(p, (unsigned)(off % 60));
}

char *quire_date_rfc3339(const quire_date *d, char buf[40])
{
    if (date_plain(d)) {
        char *p = date_put_civil(buf, d, true);
        if (d->has_zone && d->offset_min)
            p = date_put_offset(p, d->offset_min, true);
        else
            *p++ = 'Z';
        *p = '\0';
        return buf;
    }
    char zone[8] = "Z";
    if (d->has_zone && d->offset_min) {
        int off = d->offset_min < 0 ? -d->offset_min : d->offset_min;
        snprintf(zone, sizeof zone, "%c%02d:%02d", d->offset_min < 0 ? '-' : '+', off / 60,
                 off % 60);
    }
    snprintf(buf, 40, "%04d-%02u-%02uT%02u:%02u:%02u%s", d->year, d->month, d->day, d->hour,
             d->minute, d->second, zone);
    return buf;
}

char *quire_date_iso(const quire_date *d, char buf[48])
{
    if (date_plain(d)) {
        char *p = date_put_civil(buf, d, d->has_time);
        if (d->has_time && d->nanos) {
            /* nine digits, trailing zeros dropped (at least one kept) */
            char *dot = p;
            *p++ = '.';
            unsigned v = d->nanos;
            for (int i = 8; i >= 0; i--, v /= 10)
                p[i] = (char)('0' + v % 10);
            p += 9;
            while (p - dot > 2 && p[-1] == '0')
                p--;
        }
        if (d->has_time && d->has_zone) {
            if (d->offset_min)
                p = date_put_offset(p, d->offset_min, true);
            else
                *p++ = 'Z';
        }
        *p = '\0';
        return buf;
    }
    if (!d->has_time) {
        snprintf(buf, 48, "%04d-%02u-%02u", d->year, d->month, d->day);
        return buf;
    }
    char frac[16] = "";
    if (d->nanos) {
        snprintf(frac, sizeof frac, ".%09u", d->nanos);
        size_t n = strlen(frac);
        while (n > 2 && frac[n - 1] == '0')
            frac[--n] = '\0';
    }
    char zone[8] = "";
    if (d->has_zone) {
        int off = d->offset_min < 0 ? -d->offset_min : d->offset_min;
        if (!d->offset_min)
            strcpy(zone, "Z");
        else
            snprintf(zone, sizeof zone, "%c%02d:%02d", d->offset_min < 0 ? '-' : '+', off / 60,
                     off % 60);
    }
    snprintf(buf, 48, "%04d-%02u-%02uT%02u:%02u:%02u%s%s", d->year, d->month, d->day, d->hour,
             d->minute, d->second, frac, zone);
    return buf;
}

char *quire_date_rfc822(const quire_date *d, char buf[40])
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = days_from_civil(d->year, d->month, d->day);
    int w = (int)(((days % 7) + 7) % 7);
    int off = d->has_zone ? d->offset_min : 0;
    int aoff = off < 0 ? -off : off;
    if (date_plain(d) && d->month >= 1 && d->month <= 12) {
        char *p = buf;
        memcpy(p, wd[w], 3);
        p += 3;
        *p++ = ',';
        *p++ = ' ';
        p = date_put2(p, d->day);
        *p++ = ' ';
        memcpy(p, mn[d->month - 1], 3);
        p += 3;
        *p++ = ' ';
        p = date_put4(p, (unsigned)d->year);
        *p++ = ' ';
        p = date_put2(p, d->hour);
        *p++ = ':';
        p = date_put2(p, d->minute);
        *p++ = ':';
        p = date_put2(p, d->second);
        *p++ = ' ';
        p = date_put_offset(p, off, false);
        *p = '\0';
        return buf;
    }
    snprintf(buf, 40, "%s, %02u %s %04d %02u:%02u:%02u %c%02d%02d", wd[w], d->day,
             mn[d->month - 1], d->year, d->hour, d->minute, d->second, off < 0 ? '-' : '+',
             aoff / 60, aoff % 60);
    return buf;
}

int quire_date_compare(const quire_date *a, const quire_date *b)
{
    if (!a->set || !b->set)
        return (int)a->set - (int)b->set;
    int64_t x = quire_date_epoch(a), y = quire_date_epoch(b);
    if (x != y)
        return x < y ? -1 : 1;
    if (a->nanos != b->nanos)
        return a->nanos < b->nanos ? -1 : 1;
    return 0;
}

quire_date quire__build_date(const quire_collection *c)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        if (*end == '\0' && t >= 0 && t < 253402300800LL)
            return quire_date_from_epoch(t);
    }
    quire_date d = c ? quire_collection_newest(c) : (quire_date){0};
    if (!d.set)
        d = quire_date_from_epoch(0);
    return d;
}
