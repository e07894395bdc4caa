/*
 * wsm_secure_getenv: the one way the library and the CLI read an environment
 * variable that chooses a file, a directory, a key, a certificate, the
 * configuration or the trace path (WSMAUTO_CERT_DIR, WSMAUTO_CLIENT_CONFIG,
 * WSMAUTO_TRACE, XDG_CONFIG_HOME, HOME, KRB5CCNAME, NTLM_USER_FILE...).
 *
 * Linux: glibc's secure_getenv, which answers NULL in a set-user-ID or
 * set-group-ID program (AT_SECURE), so that the caller's environment cannot
 * choose which keys or settings a privileged process reads. Windows has no
 * such programs and no secure_getenv: there it is getenv, as before.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_SECURE_ENV_H
#define WSMAUTO_SECURE_ENV_H

#include <stdlib.h>

#ifdef _WIN32
#define wsm_secure_getenv(name) getenv(name)
#else
#ifndef _GNU_SOURCE
#error "secure_getenv needs _GNU_SOURCE defined before the first system header (CMakeLists.txt defines it)"
#endif
#define wsm_secure_getenv(name) secure_getenv(name)
#endif

#endif
