/*
 * wsmanctl's COM edge: the only part of the CLI that speaks BSTR, VARIANT and
 * HRESULT. It opens sessions and resource locators from the parsed command
 * line and turns a failed call into one readable line.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMANCTL_COMEDGE_H
#define WSMANCTL_COMEDGE_H

#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "cli.h"

/* UTF-16 -> UTF-8 (src/util/utf.h): NULL gives "", unpaired surrogates become U+FFFD; malloc'd, NULL only
 * when out of memory. */
char *cli_utf8_from_olestr(const OLECHAR *s);
/* UTF-8 -> BSTR: NULL gives an empty BSTR, malformed UTF-8 becomes U+FFFD; NULL only when out of memory. */
BSTR cli_bstr_from_utf8(const char *s);

/* A failed call as the CLI reports it. */
struct cli_failure {
    HRESULT hr;
    char *text;      /* the Error text (Err.Description), never NULL once set */
    char *fault_xml; /* the object's Error property (WSManFault XML) or NULL */
};

void cli_failure_clear(struct cli_failure *f);
/* Records hr with the calling thread's error info (GetErrorInfo) and, when obj is given, its Error property
 * (IWSManSession, IWSManEnumerator, IWSManResourceLocator or IWSManEx: whichever obj is). Returns hr. */
HRESULT cli_failure_set(struct cli_failure *f, HRESULT hr, IUnknown *obj);
/* Records a failure of the CLI's own (out of memory, bad reply shape); text is copied. Returns hr. */
HRESULT cli_failure_text(struct cli_failure *f, HRESULT hr, const char *text);
/* "TEXT (0x80338xxx)" on one line (newlines in the text become spaces), with TEXT in the CLI's words
 * (cli_words), malloc'd. */
char *cli_failure_line(const struct cli_failure *f);
/* The library's Error or message text of hr as a wsmanctl user should read it: the API's flag and object
 * names (SessionFlagNoEncryption, WSManFlagUseSsl, ConnectionOptions.CertificateThumbprint, the connection
 * string) become the switches that set them (-unencrypted, -usessl, -c:THUMBPRINT, the remote (-r)), and the
 * codes whose text is entirely about flags get a sentence of their own. malloc'd; NULL when out of memory. */
char *cli_words(HRESULT hr, const char *text);

/* The WSMan object (CoCreateInstance of CLSID_WSMan). */
HRESULT cli_wsman_create(IWSManEx3 **out, struct cli_failure *f);

/* A session to `remote` (NULL = the local machine) with the flags, credentials, proxy and timeout of o. */
HRESULT cli_session_open(IWSManEx3 *wsman, const struct cli_opts *o, const char *remote, IWSManSession **out,
                         struct cli_failure *f);

/* A ResourceLocator for `resource` (aliases and ?selectors as Session methods take them) with o's -fragment
 * and -options. o may be NULL (no fragment, no options). */
HRESULT cli_locator_create(IWSManEx3 *wsman, const struct cli_opts *o, const char *resource,
                           IWSManResourceLocator **out, struct cli_failure *f);
/* Locator helpers for callers that build their own (exec: ShellId selectors, WINRS_* options). */
HRESULT cli_locator_add_selector(IWSManResourceLocator *loc, const char *name, const char *value,
                                 struct cli_failure *f);
HRESULT cli_locator_add_option(IWSManResourceLocator *loc, const char *name, const char *value,
                               int must_comply, struct cli_failure *f);
/* The expanded resource URI of a locator (aliases resolved, no selectors), malloc'd UTF-8. */
char *cli_locator_uri(IWSManResourceLocator *loc);

/* A VARIANT (VT_DISPATCH) holding loc for the Session methods' resourceUri argument; no reference is added:
 * do not VariantClear it. */
VARIANT cli_locator_variant(IWSManResourceLocator *loc);

/* Session calls in UTF-8. *result is malloc'd UTF-8 (NULL on failure). */
HRESULT cli_session_invoke(IWSManSession *s, const char *action, IWSManResourceLocator *loc, const char *xml,
                           char **result, struct cli_failure *f);
HRESULT cli_session_create(IWSManSession *s, IWSManResourceLocator *loc, const char *xml, char **result,
                           struct cli_failure *f);
HRESULT cli_session_delete(IWSManSession *s, IWSManResourceLocator *loc, struct cli_failure *f);
HRESULT cli_session_get(IWSManSession *s, IWSManResourceLocator *loc, long flags, char **result,
                        struct cli_failure *f);
HRESULT cli_session_put(IWSManSession *s, IWSManResourceLocator *loc, const char *xml, char **result,
                        struct cli_failure *f);

#endif
