/*
 * Unit tests of the growable buffer (src/util/buf.h) and the small XML writer (src/util/xmlwrite.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "test.h"
#include "xmlwrite.h"

static void test_appends(void)
{
    struct wsm_buf b = {0};
    char *taken;
    size_t len = 99;

    ok_str("", wsm_buf_str(&b));
    ok(!wsm_buf_addstr(&b, "abc") && !wsm_buf_addc(&b, '-') && !WSM_BUF_LIT(&b, "lit"), "appends");
    ok(!wsm_buf_printf(&b, "%d:%s", 42, "x"), "printf");
    ok_str("abc-lit42:x", wsm_buf_str(&b));
    /* Past the first capacity, a byte at a time and in one go. */
    for (int i = 0; i < 1000; i++)
        wsm_buf_addc(&b, 'y');
    ok(!wsm_buf_printf(&b, "%0600d", 7), "long printf");
    ok(b.len == 11 + 1000 + 600 && !b.failed && b.cap > b.len, "length %zu", b.len);
    wsm_buf_reset(&b);
    ok(b.len == 0 && b.cap > 1000 && b.data, "reset keeps the memory");
    wsm_buf_addstr(&b, "kept");
    taken = wsm_buf_take(&b, &len);
    ok_str("kept", taken);
    ok(len == 4 && !b.data && !b.len && !b.cap, "take empties the buffer");
    free(taken);
    taken = wsm_buf_take(&b, &len);
    ok(taken && !*taken && !len, "take of an empty buffer gives \"\"");
    free(taken);
    wsm_buf_free(&b);
}

static void test_ceiling(void)
{
    struct wsm_buf b;

    wsm_buf_init(&b, 8, NULL);
    ok(!wsm_buf_addstr(&b, "12345678"), "up to the ceiling");
    ok(wsm_buf_addc(&b, '9') == -1 && b.failed == WSM_BUF_TOO_BIG, "past the ceiling");
    ok(wsm_buf_addstr(&b, "") == -1 && !wsm_buf_str(&b), "a failed buffer stays failed");
    ok(!wsm_buf_take(&b, NULL) && !b.data, "take of a failed buffer: NULL, freed");
    ok(!wsm_buf_addstr(&b, "again") && b.max == 8, "usable again, ceiling kept");
    ok(wsm_buf_printf(&b, "%s", "toolong") == -1 && b.failed == WSM_BUF_TOO_BIG, "printf past the ceiling");
    wsm_buf_reset(&b);
    ok(!b.failed && !wsm_buf_reserve(&b, 1000) && b.cap <= 9, "reset clears the failure; reserve is capped");
    wsm_buf_free(&b);
}

static int fail_next;
static size_t reallocs;

static void *test_realloc(void *p, size_t n)
{
    reallocs++;
    return fail_next ? NULL : realloc(p, n);
}

static void test_free(void *p)
{
    free(p);
}

static void test_allocator(void)
{
    static const struct wsm_buf_allocator alloc = {test_realloc, test_free};
    struct wsm_buf b;

    wsm_buf_init(&b, 0, &alloc);
    ok(!wsm_buf_addstr(&b, "x") && reallocs == 1, "the allocator is used");
    fail_next = 1;
    ok(wsm_buf_reserve(&b, 100000) == -1 && b.failed == WSM_BUF_OOM, "its failure is out of memory");
    fail_next = 0;
    ok(wsm_buf_addc(&b, 'y') == -1 && !wsm_buf_str(&b), "and sticks");
    wsm_buf_free(&b);
}

static void test_xml(void)
{
    struct wsm_buf b = {0};

    ok(!wsm_xml_text(&b, "a<b>&c\r\n\t\"'\xC3\xA9", WSM_XML_HIGH_WRITE), "text");
    ok_str("a&lt;b&gt;&amp;c&#13;\n\t\"'\xC3\xA9", wsm_buf_str(&b));
    wsm_buf_reset(&b);
    wsm_xml_attr(&b, "n", "a<b>&c\r\n\t\"'\xC3\xA9\xF0\x9F\x98\x80\x01");
    ok_str(" n=\"a&lt;b&gt;&amp;c&#13;&#10;&#9;&quot;'&#xE9;&#x1F600;\x01\"", wsm_buf_str(&b));
    wsm_buf_reset(&b);
    ok(wsm_xml_text(&b, "ab\xC3\xA9", WSM_XML_HIGH_STOP) == 1, "text: stops at non-ASCII");
    ok(wsm_xml_attr_value(&b, "\xC3\xA9", WSM_XML_HIGH_STOP) == 1, "attribute: stops at non-ASCII");
    wsm_buf_reset(&b);
    wsm_xml_elem(&b, "p:a", "x&y");
    wsm_xml_elem(&b, "p:b", "");
    wsm_xml_elem(&b, "p:c", NULL);
    ok_str("<p:a>x&amp;y</p:a><p:b/><p:c/>", wsm_buf_str(&b));
    wsm_buf_free(&b);
}

int main(void)
{
    test_appends();
    test_ceiling();
    test_allocator();
    test_xml();
    return test_summary("buf");
}
