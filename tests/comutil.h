/*
 * Helpers shared by the end-to-end tests of the COM API (test_session.c,
 * test_gss.c): UTF-8 <-> BSTR, VARIANT strings, the error of a failed call,
 * and the bundled server's request log.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_COMUTIL_H
#define WSMAUTO_COMUTIL_H

#include <windows.h>
#include <oleauto.h>

#include "wsmandisp.h"

#include "serverctl.h"

BSTR bstr(const char *s);     /* UTF-8 -> BSTR */
char *utf8(const OLECHAR *s); /* BSTR -> malloc'd UTF-8 ("" for NULL) */
int contains(const char *hay, const char *needle);
VARIANT vstr(const char *s); /* VT_BSTR */
void write_file(const char *path, const char *text);
char *session_error(IWSManSession *s); /* Session.Error as UTF-8 */
char *error_description(void);         /* the thread's IErrorInfo description */
/* Lines of the server's request log containing `needle` (the server writes a request's line before it
 * sends the reply). */
int log_lines(const struct test_server *srv, const char *needle);
/* CreateSession with ConnectionOptions holding user/password and/or a certificate thumbprint (each may be
 * NULL); *out is the session's IWSManSession or NULL. */
/* Session.Get with a string URI: the UTF-8 result or NULL; *hr_out (may be NULL) gets the HRESULT. */
char *session_get(IWSManSession *s, const char *uri, HRESULT *hr_out);
HRESULT create_session(IWSManEx3 *wsman, const char *url, LONG flags, const char *user, const char *password,
                       const char *thumbprint, IWSManSession **out);

#endif
