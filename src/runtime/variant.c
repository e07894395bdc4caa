/*
 * VARIANT handling: VariantInit/Clear/Copy/CopyInd and VariantChangeType(Ex).
 *
 * Semantics follow oleaut32 (as documented by Wine's dlls/oleaut32 and its
 * tests), restricted to the types WSMAN.Automation needs: EMPTY, NULL, the
 * integer types, R4, R8, BOOL, BSTR, DISPATCH and UNKNOWN, plus any VT_BYREF
 * form of them as a conversion source. Formatting and parsing are always the
 * invariant/English ones; the LCID is ignored.
 *
 * Not supported here (no SAFEARRAY or IRecordInfo runtime exists on this
 * side): VT_ARRAY and VT_RECORD values cannot be cleared or copied and give
 * DISP_E_BADVARTYPE. VT_CY, VT_DATE and VT_DECIMAL are copied but not
 * converted (DISP_E_TYPEMISMATCH).
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"
#include "wsmauto_rt.h"

#define VT_CLSID_ 72      /* not in the header's enum; never a valid copy source */
#define VT_RESERVED_15 15 /* the hole in VARENUM; always invalid */
#define MAX_DIGITS 800    /* significant decimal digits kept when parsing */

/* ---- type validation ---- */

/* Which vt values oleaut32 accepts at all (Wine's VARIANT_ValidateType). */
static HRESULT validate_vt(VARTYPE vt)
{
    VARTYPE extra = vt & (VARTYPE)~VT_TYPEMASK, base = vt & VT_TYPEMASK;

    if (extra & (VT_VECTOR | VT_RESERVED))
        return DISP_E_BADVARTYPE;
    if (base >= VT_VOID && base != VT_RECORD && base != VT_CLSID_)
        return DISP_E_BADVARTYPE;
    if ((extra & (VT_BYREF | VT_ARRAY)) && base <= VT_NULL)
        return DISP_E_BADVARTYPE;
    if (base == VT_RESERVED_15)
        return DISP_E_BADVARTYPE;
    return S_OK;
}

/* By-value arrays and records own memory we have no API to free or copy. */
static int owns_unsupported(VARTYPE vt)
{
    return !(vt & VT_BYREF) && ((vt & VT_ARRAY) || (vt & VT_TYPEMASK) == VT_RECORD);
}

/* Can VariantClear handle this variant? */
static HRESULT check_clearable(const VARIANT *v)
{
    HRESULT hr = validate_vt(V_VT(v));
    if (FAILED(hr))
        return hr;
    return owns_unsupported(V_VT(v)) ? DISP_E_BADVARTYPE : S_OK;
}

/* Can VariantCopy take this variant as its source? */
static HRESULT check_copyable(const VARIANT *v)
{
    if ((V_VT(v) & VT_TYPEMASK) == VT_CLSID_)
        return DISP_E_BADVARTYPE;
    return check_clearable(v);
}

/* ---- init, clear, copy ---- */

void VariantInit(VARIANTARG *pvarg)
{
    /* Windows 8.1 and later zero the whole structure, not just vt. */
    memset(pvarg, 0, sizeof(*pvarg));
}

HRESULT VariantClear(VARIANTARG *pvarg)
{
    if (!pvarg)
        return E_INVALIDARG;
    HRESULT hr = check_clearable(pvarg);
    if (FAILED(hr))
        return hr;

    /* By-reference variants own nothing: the caller owns the pointee. */
    switch (V_VT(pvarg)) {
    case VT_BSTR:
        SysFreeString(V_BSTR(pvarg));
        break;
    case VT_DISPATCH:
    case VT_UNKNOWN:
        if (V_UNKNOWN(pvarg))
            IUnknown_Release(V_UNKNOWN(pvarg));
        break;
    default:
        break;
    }
    V_VT(pvarg) = VT_EMPTY;
    return S_OK;
}

/* Deep-copies src into the scratch variant out (whose old contents are
 * ignored). On failure out is VT_EMPTY. */
static HRESULT copy_value(VARIANT *out, const VARIANT *src)
{
    HRESULT hr = check_copyable(src);
    if (FAILED(hr))
        return hr;

    *out = *src;
    if (V_ISBYREF(src))
        return S_OK; /* by-reference: only the pointer is copied */

    switch (V_VT(src)) {
    case VT_BSTR:
        /* By byte length, so odd-length and NUL-containing BSTRs survive. */
        if (V_BSTR(src)) {
            V_BSTR(out) = SysAllocStringByteLen((LPCSTR)V_BSTR(src), SysStringByteLen(V_BSTR(src)));
            if (!V_BSTR(out)) {
                V_VT(out) = VT_EMPTY;
                return E_OUTOFMEMORY;
            }
        }
        break;
    case VT_DISPATCH:
    case VT_UNKNOWN:
        if (V_UNKNOWN(src))
            IUnknown_AddRef(V_UNKNOWN(src));
        break;
    default:
        break;
    }
    return S_OK;
}

/* Replaces *dest with the already-built value tmp (or, when building it ran
 * out of memory, with VT_EMPTY). dest must have passed check_clearable. */
static HRESULT install(VARIANT *dest, VARIANT *tmp, HRESULT hr)
{
    VariantClear(dest);
    if (SUCCEEDED(hr))
        *dest = *tmp;
    return hr;
}

/* The copy is built before dest is cleared, so src may point into dest's
 * data (e.g. a BYREF to dest's own IDispatch pointer). */
HRESULT VariantCopy(VARIANTARG *pvargDest, const VARIANTARG *pvargSrc)
{
    if (!pvargDest || !pvargSrc)
        return E_INVALIDARG;
    HRESULT hr = check_copyable(pvargSrc);
    if (FAILED(hr) || pvargDest == pvargSrc)
        return hr;
    if (FAILED(hr = check_clearable(pvargDest)))
        return hr;

    VARIANT tmp;
    return install(pvargDest, &tmp, copy_value(&tmp, pvargSrc));
}

/* ---- dereferencing ---- */

/* Bytes a by-reference pointer designates for a given base type. */
static size_t data_size(VARTYPE base)
{
    switch (base) {
    case VT_I1:
    case VT_UI1:
        return 1;
    case VT_I2:
    case VT_UI2:
    case VT_BOOL:
        return 2;
    case VT_I4:
    case VT_UI4:
    case VT_INT:
    case VT_UINT:
    case VT_R4:
    case VT_ERROR:
        return 4;
    case VT_I8:
    case VT_UI8:
    case VT_R8:
    case VT_DATE:
    case VT_CY:
        return 8;
    case VT_BSTR:
    case VT_DISPATCH:
    case VT_UNKNOWN:
        return sizeof(void *);
    default:
        return 0;
    }
}

/* VariantCopyInd's rule for which by-reference types it dereferences. */
static int is_derefable(VARTYPE vt)
{
    VARTYPE base = vt & VT_TYPEMASK;
    if (vt & (VT_VECTOR | VT_RESERVED))
        return 0;
    return base > VT_NULL && base != VT_RESERVED_15 && base < VT_VOID;
}

/* Builds in *view a shallow, non-owning by-value image of what the
 * by-reference variant src points at. One level only: a BYREF|VARIANT may
 * point at a BYREF of a plain type, but not at another BYREF|VARIANT
 * (E_INVALIDARG, as on Windows). */
static HRESULT deref_view(const VARIANT *src, VARIANT *view)
{
    VARTYPE base = V_VT(src) & VT_TYPEMASK;

    if ((V_VT(src) & VT_ARRAY) || base == VT_RECORD)
        return DISP_E_BADVARTYPE; /* no SAFEARRAY/record support */
    if (!is_derefable(V_VT(src)) || !V_BYREF(src))
        return E_INVALIDARG;

    VariantInit(view);
    if (base == VT_VARIANT) {
        const VARIANT *inner = V_VARIANTREF(src);
        if (V_VT(inner) == (VT_VARIANT | VT_BYREF))
            return E_INVALIDARG;
        if (V_ISBYREF(inner))
            return deref_view(inner, view);
        *view = *inner;
        return S_OK;
    }
    if (base == VT_DECIMAL)
        view->decVal = *src->pdecVal; /* its wReserved is vt, set just below */
    else
        memcpy(&view->llVal, V_BYREF(src), data_size(base));
    V_VT(view) = base;
    return S_OK;
}

HRESULT VariantCopyInd(VARIANT *pvarDest, const VARIANTARG *pvargSrc)
{
    if (!pvarDest || !pvargSrc)
        return E_INVALIDARG;
    if (!V_ISBYREF(pvargSrc))
        return VariantCopy(pvarDest, pvargSrc);

    VARIANT view, tmp;
    HRESULT hr = deref_view(pvargSrc, &view);
    if (FAILED(hr))
        return hr;
    /* In place, dest is the by-reference source: it owns nothing to clear. */
    if (pvarDest != pvargSrc && FAILED(hr = check_clearable(pvarDest)))
        return hr;
    hr = copy_value(&tmp, &view);
    if (FAILED(hr) && hr != E_OUTOFMEMORY)
        return hr; /* e.g. the pointed-to VARIANT has a bad vt: dest untouched */
    if (pvarDest == pvargSrc)
        V_VT(pvarDest) = VT_EMPTY;
    return install(pvarDest, &tmp, hr);
}

/* ---- numbers ----
 *
 * Every integer source is reduced to a sign and a 64-bit magnitude, every
 * real source to a double; range checks are then done once per target. */

struct int_value {
    int neg;      /* 1 only for values < 0 */
    uint64_t mag; /* absolute value */
};

static struct int_value from_signed(int64_t v)
{
    struct int_value r = {v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v};
    return r;
}

static struct int_value from_unsigned(uint64_t v)
{
    struct int_value r = {0, v};
    return r;
}

/* Width in bits and signedness of an integer VARTYPE (VT_INT/VT_UINT are
 * 32-bit, as on Windows). Returns 0 for other types. */
static int int_type(VARTYPE vt, int *is_signed)
{
    switch (vt) {
    case VT_I1:
        *is_signed = 1;
        return 8;
    case VT_UI1:
        *is_signed = 0;
        return 8;
    case VT_I2:
        *is_signed = 1;
        return 16;
    case VT_UI2:
        *is_signed = 0;
        return 16;
    case VT_I4:
    case VT_INT:
        *is_signed = 1;
        return 32;
    case VT_UI4:
    case VT_UINT:
        *is_signed = 0;
        return 32;
    case VT_I8:
        *is_signed = 1;
        return 64;
    case VT_UI8:
        *is_signed = 0;
        return 64;
    default:
        return 0;
    }
}

/* Reads an integer variant of any width as a sign and magnitude. */
static struct int_value read_int(const VARIANT *v)
{
    switch (V_VT(v)) {
    case VT_I1:
        return from_signed((signed char)V_I1(v));
    case VT_UI1:
        return from_unsigned(V_UI1(v));
    case VT_I2:
        return from_signed(V_I2(v));
    case VT_UI2:
        return from_unsigned(V_UI2(v));
    case VT_I4:
    case VT_INT:
        return from_signed(V_I4(v));
    case VT_UI4:
    case VT_UINT:
        return from_unsigned(V_UI4(v));
    case VT_I8:
        return from_signed(V_I8(v));
    default:
        return from_unsigned(V_UI8(v));
    }
}

/* The raw bits of an integer variant, zero-extended. */
static uint64_t read_bits(const VARIANT *v, int bits)
{
    switch (bits) {
    case 8:
        return V_UI1(v);
    case 16:
        return V_UI2(v);
    case 32:
        return V_UI4(v);
    default:
        return V_UI8(v);
    }
}

/* Stores the low `bits` bits of value; the union makes the signed view of
 * the same field come out right without any signed conversion. */
static void store_bits(VARIANT *v, int bits, uint64_t value)
{
    switch (bits) {
    case 8:
        V_UI1(v) = (BYTE)value;
        break;
    case 16:
        V_UI2(v) = (USHORT)value;
        break;
    case 32:
        V_UI4(v) = (ULONG)value;
        break;
    default:
        V_UI8(v) = value;
        break;
    }
}

static int fits(struct int_value x, int bits, int is_signed)
{
    uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (is_signed) {
        uint64_t half = UINT64_C(1) << (bits - 1);
        return x.neg ? x.mag <= half : x.mag < half;
    }
    return !x.neg && x.mag <= max;
}

static HRESULT store_int(VARIANT *out, int bits, int is_signed, struct int_value x)
{
    if (!fits(x, bits, is_signed))
        return DISP_E_OVERFLOW;
    store_bits(out, bits, x.neg ? 0 - x.mag : x.mag);
    return S_OK;
}

/* Rounds to an integer with ties to even (oleaut32's "Dutch" rounding) and
 * splits into sign and magnitude. Fails for NaN and |d| >= 2^64. Avoids
 * libm so the library needs no -lm. */
static int round_real(double d, struct int_value *out)
{
    const double two64 = 18446744073709551616.0;
    if (d != d)
        return 0;
    int neg = d < 0;
    double a = neg ? -d : d;
    if (a >= two64)
        return 0;
    uint64_t whole = (uint64_t)a;    /* truncation; in range, so defined */
    double frac = a - (double)whole; /* exact for doubles below 2^64 */
    if (frac > 0.5 || (frac == 0.5 && (whole & 1))) {
        if (whole == UINT64_MAX)
            return 0;
        whole++;
    }
    out->neg = neg && whole != 0;
    out->mag = whole;
    return 1;
}

/* ---- parsing numbers out of BSTRs ---- */

/* What a numeric string holds. Decimal: value = digits * 10^pwr10, digits
 * without leading or trailing zeros. Hex/octal ("&H1F", "&O17"): a bit
 * pattern, which oleaut32 reinterprets in the target width. */
struct parsed_number {
    int neg;
    int radix_form; /* 1 for &H / &O */
    int too_big;    /* &H/&O value did not fit in 64 bits */
    uint64_t bits;  /* &H/&O value */
    int ndig;
    int sticky; /* nonzero digits were dropped past MAX_DIGITS */
    long pwr10;
    unsigned char dig[MAX_DIGITS];
};

static int is_space(OLECHAR c)
{
    return c == u' ' || (c >= u'\t' && c <= u'\r');
}

static int is_digit(OLECHAR c)
{
    return c >= u'0' && c <= u'9';
}

/* Characters of a BSTR up to its first NUL: oleaut32 parses it as a C
 * string, so anything after an embedded NUL is ignored. */
static size_t text_len(BSTR s)
{
    size_t n = 0, len = SysStringLen(s);
    while (n < len && s[n])
        n++;
    return n;
}

static int parse_radix_digits(const OLECHAR *s, size_t n, size_t *i, int shift, struct parsed_number *p)
{
    size_t start = *i;
    for (; *i < n; (*i)++) {
        OLECHAR c = s[*i];
        int d;
        if (is_digit(c))
            d = c - u'0';
        else if (shift == 4 && ((c | 0x20) >= u'a' && (c | 0x20) <= u'f'))
            d = (c | 0x20) - u'a' + 10;
        else
            break;
        if (d >> shift)
            break; /* 8 or 9 in an octal number */
        if (p->bits > (UINT64_MAX >> shift))
            p->too_big = 1;
        p->bits = (p->bits << shift) | (uint64_t)d;
    }
    return *i > start;
}

static void add_digit(struct parsed_number *p, int d, int after_point)
{
    if (p->ndig == 0 && d == 0) {
        if (after_point)
            p->pwr10--; /* leading zero: only moves the decimal point */
    } else if (p->ndig < MAX_DIGITS) {
        p->dig[p->ndig++] = (unsigned char)d;
        if (after_point)
            p->pwr10--;
    } else {
        p->sticky |= d != 0;
        if (!after_point)
            p->pwr10++;
    }
}

/* Mantissa digits with an optional '.', then an optional exponent. */
static int parse_decimal(const OLECHAR *s, size_t n, size_t *i, struct parsed_number *p)
{
    int seen = 0, after_point = 0;
    for (; *i < n; (*i)++) {
        if (is_digit(s[*i])) {
            add_digit(p, s[*i] - u'0', after_point);
            seen = 1;
        } else if (s[*i] == u'.' && !after_point) {
            after_point = 1;
        } else {
            break;
        }
    }
    if (!seen)
        return 0;

    if (*i < n && (s[*i] | 0x20) == u'e') {
        size_t j = *i + 1;
        int eneg = 0;
        long e = 0;
        if (j < n && (s[j] == u'+' || s[j] == u'-'))
            eneg = s[j++] == u'-';
        if (j >= n || !is_digit(s[j]))
            return 0;
        for (; j < n && is_digit(s[j]); j++)
            if (e < 100000)
                e = e * 10 + (s[j] - u'0'); /* clamp: far past any double */
        p->pwr10 += eneg ? -e : e;
        *i = j;
    }
    while (p->ndig > 0 && p->dig[p->ndig - 1] == 0 && !p->sticky) {
        p->ndig--;
        p->pwr10++;
    }
    return 1;
}

/* Accepts optional surrounding white space, then either "&H<hex>",
 * "&O<octal>", or an optional sign, decimal digits with an optional point,
 * and an optional exponent. Thousands separators, currency signs, trailing
 * signs and parentheses (which oleaut32 also accepts) are not supported. */
static HRESULT parse_number(BSTR str, struct parsed_number *p)
{
    const OLECHAR *s = str;
    size_t n = text_len(str), i = 0;

    memset(p, 0, offsetof(struct parsed_number, dig));
    while (i < n && is_space(s[i]))
        i++;
    if (i + 1 < n && s[i] == u'&') {
        int shift = (s[i + 1] | 0x20) == u'h' ? 4 : (s[i + 1] | 0x20) == u'o' ? 3 : 0;
        if (!shift)
            return DISP_E_TYPEMISMATCH;
        i += 2;
        p->radix_form = 1;
        if (!parse_radix_digits(s, n, &i, shift, p))
            return DISP_E_TYPEMISMATCH;
    } else {
        if (i < n && (s[i] == u'+' || s[i] == u'-'))
            p->neg = s[i++] == u'-';
        if (!parse_decimal(s, n, &i, p))
            return DISP_E_TYPEMISMATCH;
    }
    while (i < n && is_space(s[i]))
        i++;
    if (i != n)
        return DISP_E_TYPEMISMATCH;
    return p->too_big ? DISP_E_OVERFLOW : S_OK;
}

/* The decimal value as an integer, ties rounded to even on the decimal
 * digits themselves (so "2.5" gives 2 exactly, as oleaut32 does). */
static HRESULT parsed_to_int(const struct parsed_number *p, struct int_value *out)
{
    long whole_digits = p->ndig + p->pwr10;
    uint64_t mag = 0;

    if (p->ndig && whole_digits > 20)
        return DISP_E_OVERFLOW;
    for (long k = 0; p->ndig && k < whole_digits; k++) {
        int d = k < p->ndig ? p->dig[k] : 0;
        if (mag > (UINT64_MAX - (uint64_t)d) / 10)
            return DISP_E_OVERFLOW;
        mag = mag * 10 + (uint64_t)d;
    }
    if (whole_digits >= 0 && whole_digits < p->ndig) {
        int first = p->dig[whole_digits];
        int rest = p->sticky;
        for (int k = (int)whole_digits + 1; k < p->ndig && !rest; k++)
            rest = p->dig[k] != 0;
        if (first > 5 || (first == 5 && (rest || (mag & 1)))) {
            if (mag == UINT64_MAX)
                return DISP_E_OVERFLOW;
            mag++;
        }
    }
    out->neg = p->neg && mag != 0;
    out->mag = mag;
    return S_OK;
}

/* The decimal value as a double, correctly rounded by strtod. The text fed
 * to strtod has no decimal point ("12345e-3"), so the C library's locale
 * cannot change how it is read. A dropped nonzero tail becomes a final '1',
 * which rounds the same way. */
static HRESULT parsed_to_double(const struct parsed_number *p, double *out)
{
    char buf[MAX_DIGITS + 32];
    size_t k = 0;
    long pwr10 = p->pwr10;

    if (!p->ndig) {
        *out = p->neg ? -0.0 : 0.0;
        return S_OK;
    }
    if (p->neg)
        buf[k++] = '-';
    for (int j = 0; j < p->ndig; j++)
        buf[k++] = (char)('0' + p->dig[j]);
    if (p->sticky) {
        buf[k++] = '1';
        pwr10--;
    }
    snprintf(buf + k, sizeof(buf) - k, "e%ld", pwr10);
    double d = strtod(buf, NULL);
    if (d > DBL_MAX || d < -DBL_MAX)
        return DISP_E_OVERFLOW;
    *out = d;
    return S_OK;
}

/* A &H/&O pattern read as a real: up to 32 bits it is a signed 32-bit
 * value ("&HFFFFFFFF" is -1, as in VB), wider patterns are signed 64-bit. */
static double radix_to_double(uint64_t bits)
{
    if (bits <= UINT32_MAX)
        return bits & 0x80000000u ? (double)bits - 4294967296.0 : (double)bits;
    return bits >> 63 ? -(double)(0 - bits) : (double)bits;
}

static HRESULT string_to_double(BSTR s, double *out)
{
    struct parsed_number p;
    HRESULT hr = parse_number(s, &p);
    if (FAILED(hr))
        return hr;
    if (p.radix_form) {
        *out = radix_to_double(p.bits);
        return S_OK;
    }
    return parsed_to_double(&p, out);
}

static HRESULT string_to_int(BSTR s, VARIANT *out, int bits, int is_signed)
{
    struct parsed_number p;
    struct int_value x = {0, 0};
    HRESULT hr = parse_number(s, &p);
    if (FAILED(hr))
        return hr;
    if (p.radix_form) {
        /* A bit pattern that fits the width is stored as is: "&HFFFF" is -1
         * as VT_I2 but 65535 as VT_I4. */
        if (bits < 64 && (p.bits >> bits))
            return DISP_E_OVERFLOW;
        store_bits(out, bits, p.bits);
        return S_OK;
    }
    if (FAILED(hr = parsed_to_int(&p, &x)))
        return hr;
    return store_int(out, bits, is_signed, x);
}

/* ---- conversions, one function per kind of target ---- */

static int is_int_vt(VARTYPE vt)
{
    int s = 0;
    return int_type(vt, &s) != 0;
}

/* Same width, opposite signedness: oleaut32's VariantChangeType copies the
 * bits without a range check (VT_I4 -1 becomes VT_UI4 0xFFFFFFFF). */
static int same_width_pair(VARTYPE from, VARTYPE to)
{
    int s1 = 0, s2 = 0, w1 = int_type(from, &s1), w2 = int_type(to, &s2);
    return w1 && w1 == w2 && s1 != s2;
}

static HRESULT to_int(VARIANT *out, const VARIANT *in, VARTYPE to)
{
    int is_signed = 0, bits = int_type(to, &is_signed);
    VARTYPE from = V_VT(in);
    struct int_value x = {0, 0};

    if (from == VT_EMPTY) {
        store_bits(out, bits, 0);
        return S_OK;
    }
    if (from == VT_BOOL) {
        /* True is -1 in every width, wrapping for unsigned targets. */
        store_bits(out, bits, V_BOOL(in) ? UINT64_MAX : 0);
        return S_OK;
    }
    if (same_width_pair(from, to)) {
        store_bits(out, bits, read_bits(in, bits));
        return S_OK;
    }
    if (is_int_vt(from))
        return store_int(out, bits, is_signed, read_int(in));
    if (from == VT_R4 || from == VT_R8) {
        double d = from == VT_R4 ? (double)V_R4(in) : V_R8(in);
        if (!round_real(d, &x))
            return DISP_E_OVERFLOW;
        return store_int(out, bits, is_signed, x);
    }
    if (from == VT_BSTR)
        return string_to_int(V_BSTR(in), out, bits, is_signed);
    return DISP_E_TYPEMISMATCH;
}

static double int_to_double(struct int_value x)
{
    return x.neg ? -(double)x.mag : (double)x.mag;
}

/* Any numeric-ish source as a double (for R4/R8 targets). */
static HRESULT read_real(const VARIANT *in, double *d)
{
    switch (V_VT(in)) {
    case VT_EMPTY:
        *d = 0.0;
        return S_OK;
    case VT_BOOL:
        *d = V_BOOL(in) ? -1.0 : 0.0;
        return S_OK;
    case VT_R4:
        *d = V_R4(in);
        return S_OK;
    case VT_R8:
        *d = V_R8(in);
        return S_OK;
    case VT_BSTR:
        return string_to_double(V_BSTR(in), d);
    default:
        if (is_int_vt(V_VT(in))) {
            *d = int_to_double(read_int(in));
            return S_OK;
        }
        return DISP_E_TYPEMISMATCH;
    }
}

static HRESULT to_real(VARIANT *out, const VARIANT *in, VARTYPE to)
{
    double d;
    HRESULT hr = read_real(in, &d);
    if (FAILED(hr))
        return hr;
    if (to == VT_R8) {
        V_R8(out) = d;
        return S_OK;
    }
    double a = d < 0 ? -d : d;
    if (a > FLT_MAX)
        return DISP_E_OVERFLOW;
    /* Parsing a string that underflows a float is an overflow in oleaut32
     * (VarNumFromParseNum only accepts FLT_MIN..FLT_MAX or zero). */
    if (V_VT(in) == VT_BSTR && a != 0.0 && a < FLT_MIN)
        return DISP_E_OVERFLOW;
    V_R4(out) = (float)d;
    return S_OK;
}

/* Case-insensitive ASCII comparison of a counted string with a literal. */
static int equals_nocase(const OLECHAR *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i]; i++)
        if (wsm_ascii_lower(s[i]) != (unsigned char)lit[i])
            return 0;
    return i == n && !lit[i];
}

static int equals_exact(const OLECHAR *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i]; i++)
        if (s[i] != (OLECHAR)lit[i])
            return 0;
    return i == n && !lit[i];
}

/* "True"/"False" in any case, VB's "#TRUE#"/"#FALSE#", else a number. */
static HRESULT string_to_bool(BSTR s, VARIANT_BOOL *out)
{
    size_t n = text_len(s);
    if (equals_nocase(s, n, "true") || equals_exact(s, n, "#TRUE#")) {
        *out = VARIANT_TRUE;
        return S_OK;
    }
    if (equals_nocase(s, n, "false") || equals_exact(s, n, "#FALSE#")) {
        *out = VARIANT_FALSE;
        return S_OK;
    }
    double d;
    HRESULT hr = string_to_double(s, &d);
    if (SUCCEEDED(hr))
        *out = d != 0.0 ? VARIANT_TRUE : VARIANT_FALSE;
    return hr;
}

static HRESULT to_bool(VARIANT *out, const VARIANT *in)
{
    VARTYPE from = V_VT(in);
    if (from == VT_EMPTY)
        V_BOOL(out) = VARIANT_FALSE;
    else if (from == VT_BSTR)
        return string_to_bool(V_BSTR(in), &V_BOOL(out));
    else if (from == VT_R4)
        V_BOOL(out) = V_R4(in) != 0.0f ? VARIANT_TRUE : VARIANT_FALSE;
    else if (from == VT_R8)
        V_BOOL(out) = V_R8(in) != 0.0 ? VARIANT_TRUE : VARIANT_FALSE;
    else if (is_int_vt(from))
        V_BOOL(out) = read_int(in).mag ? VARIANT_TRUE : VARIANT_FALSE;
    else
        return DISP_E_TYPEMISMATCH;
    return S_OK;
}

/* An ASCII string as a new BSTR. */
static HRESULT ascii_bstr(const char *text, BSTR *out)
{
    size_t n = strlen(text);
    BSTR s = SysAllocStringLen(NULL, (UINT)n);
    if (!s)
        return E_OUTOFMEMORY;
    for (size_t i = 0; i < n; i++)
        s[i] = (OLECHAR)(unsigned char)text[i];
    *out = s;
    return S_OK;
}

static void format_int(struct int_value x, char *buf, size_t size)
{
    char tmp[24];
    size_t k = 0, j = 0;
    do {
        tmp[k++] = (char)('0' + x.mag % 10);
        x.mag /= 10;
    } while (x.mag);
    if (x.neg)
        buf[j++] = '-';
    while (k && j + 1 < size)
        buf[j++] = tmp[--k];
    buf[j] = 0;
}

/* printf's %G with `precision` significant digits, made locale-proof:
 * whatever the C locale uses as its radix (possibly several bytes) becomes
 * '.'. A negative zero prints as "0", as oleaut32 does. */
static void format_real(double d, int precision, char *buf, size_t size)
{
    if (d != d) {
        snprintf(buf, size, "NAN");
        return;
    }
    if (d > DBL_MAX || d < -DBL_MAX) {
        snprintf(buf, size, d < 0 ? "-INF" : "INF");
        return;
    }
    char raw[64];
    snprintf(raw, sizeof(raw), "%.*G", precision, d);

    size_t j = 0;
    int in_radix = 0;
    for (const char *p = raw; *p && j + 1 < size; p++) {
        int plain = (*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == 'E';
        if (plain)
            buf[j++] = *p;
        else if (!in_radix)
            buf[j++] = '.';
        in_radix = !plain;
    }
    buf[j] = 0;
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        strcpy(buf, "0");
}

static HRESULT to_bstr(VARIANT *out, const VARIANT *in, USHORT flags)
{
    char buf[64];
    VARTYPE from = V_VT(in);

    switch (from) {
    case VT_EMPTY:
        V_BSTR(out) = SysAllocStringLen(NULL, 0);
        return V_BSTR(out) ? S_OK : E_OUTOFMEMORY;
    case VT_BOOL:
        /* Words only when asked for; otherwise the number, as oleaut32. */
        if (flags & (VARIANT_ALPHABOOL | VARIANT_LOCALBOOL))
            return ascii_bstr(V_BOOL(in) ? "True" : "False", &V_BSTR(out));
        return ascii_bstr(V_BOOL(in) ? "-1" : "0", &V_BSTR(out));
    case VT_R4:
        format_real(V_R4(in), 7, buf, sizeof(buf));
        return ascii_bstr(buf, &V_BSTR(out));
    case VT_R8:
        format_real(V_R8(in), 15, buf, sizeof(buf));
        return ascii_bstr(buf, &V_BSTR(out));
    default:
        if (!is_int_vt(from))
            return DISP_E_TYPEMISMATCH;
        format_int(read_int(in), buf, sizeof(buf));
        return ascii_bstr(buf, &V_BSTR(out));
    }
}

/* IDispatch <-> IUnknown by QueryInterface; a NULL pointer stays NULL. */
static HRESULT to_interface(VARIANT *out, const VARIANT *in, VARTYPE to)
{
    VARTYPE from = V_VT(in);
    if (!((from == VT_DISPATCH && to == VT_UNKNOWN) || (from == VT_UNKNOWN && to == VT_DISPATCH)))
        return DISP_E_TYPEMISMATCH;

    IUnknown *unk = V_UNKNOWN(in), *result = NULL;
    if (unk) {
        HRESULT hr = IUnknown_QueryInterface(unk, to == VT_DISPATCH ? &IID_IDispatch : &IID_IUnknown,
                                             (void **)&result);
        if (FAILED(hr))
            return hr;
    }
    V_UNKNOWN(out) = result;
    return S_OK;
}

static VARTYPE normalize(VARTYPE vt)
{
    return vt == VT_INT ? VT_I4 : vt == VT_UINT ? VT_UI4 : vt;
}

/* Converts the by-value variant in into the scratch variant out (VT_EMPTY on
 * entry; written only on success). VT_DISPATCH sources are not asked for
 * their default value (DISPID_VALUE) as oleaut32 would: converting one to
 * anything but VT_UNKNOWN (or EMPTY/NULL) is DISP_E_TYPEMISMATCH. */
static HRESULT coerce(VARIANT *out, const VARIANT *in, USHORT flags, VARTYPE vt)
{
    VARTYPE from = normalize(V_VT(in)), to = normalize(vt);
    VARIANT tmp;
    HRESULT hr;

    if (from == to) {
        if (SUCCEEDED(hr = copy_value(out, in)))
            V_VT(out) = vt;
        return hr;
    }
    if ((from | to) & (VARTYPE)~VT_TYPEMASK)
        return DISP_E_TYPEMISMATCH; /* arrays */

    VariantInit(&tmp);
    switch (to) {
    case VT_EMPTY:
    case VT_NULL:
        /* Anything scalar may be discarded, except that NULL is not EMPTY. */
        if (from == VT_ERROR || from == VT_RESERVED_15 || from > VT_UINT ||
            (to == VT_EMPTY && from == VT_NULL))
            return DISP_E_TYPEMISMATCH;
        hr = S_OK;
        break;
    case VT_I1:
    case VT_UI1:
    case VT_I2:
    case VT_UI2:
    case VT_I4:
    case VT_UI4:
    case VT_I8:
    case VT_UI8:
        hr = to_int(&tmp, in, to);
        break;
    case VT_R4:
    case VT_R8:
        hr = to_real(&tmp, in, to);
        break;
    case VT_BOOL:
        hr = to_bool(&tmp, in);
        break;
    case VT_BSTR:
        hr = to_bstr(&tmp, in, flags);
        break;
    case VT_DISPATCH:
    case VT_UNKNOWN:
        hr = to_interface(&tmp, in, to);
        break;
    default:
        hr = DISP_E_TYPEMISMATCH;
        break;
    }
    if (FAILED(hr))
        return hr;
    V_VT(&tmp) = vt;
    *out = tmp;
    return S_OK;
}

/* The result is built in a scratch variant and only then moved into dest, so
 * a failed conversion never touches dest, and dest == src works. */
HRESULT VariantChangeTypeEx(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, LCID lcid, USHORT wFlags,
                            VARTYPE vt)
{
    VARIANT view, result;
    HRESULT hr;

    (void)lcid; /* always invariant/English */
    if (!pvargDest || !pvarSrc)
        return E_INVALIDARG;
    if (vt == VT_CLSID_)
        return DISP_E_BADVARTYPE;
    if (FAILED(hr = validate_vt(V_VT(pvarSrc))) || FAILED(hr = validate_vt(vt)))
        return hr;

    if (V_ISBYREF(pvarSrc)) {
        if (!V_BYREF(pvarSrc))
            return DISP_E_TYPEMISMATCH;
        if (FAILED(hr = deref_view(pvarSrc, &view)))
            return hr;
        /* A BYREF|VARIANT's target has not been looked at yet. */
        if (FAILED(hr = validate_vt(V_VT(&view))))
            return hr;
    } else {
        view = *pvarSrc;
    }

    VariantInit(&result);
    if (FAILED(hr = coerce(&result, &view, wFlags, vt)))
        return hr;
    if (FAILED(hr = check_clearable(pvargDest))) {
        VariantClear(&result);
        return hr;
    }
    return install(pvargDest, &result, S_OK);
}

HRESULT VariantChangeType(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, USHORT wFlags, VARTYPE vt)
{
    return VariantChangeTypeEx(pvargDest, pvarSrc, LOCALE_USER_DEFAULT, wFlags, vt);
}
