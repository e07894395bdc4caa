/*
 * COM-free session configuration: what ConnectionOptions and
 * ResourceLocator objects carry, the flag/credential checks of
 * CreateSession, and the WSManFault XML the Error properties return.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_SESSION_CFG_H
#define WSMAUTO_SESSION_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* WSManSessionFlags (the IDL's enum, restated as plain numbers for the core). */
enum {
    WSM_FLAG_UTF8 = 0x00000001,
    WSM_FLAG_CRED_USERNAME_PASSWORD = 0x00001000,
    WSM_FLAG_SKIP_CA_CHECK = 0x00002000,
    WSM_FLAG_SKIP_CN_CHECK = 0x00004000,
    WSM_FLAG_USE_NO_AUTHENTICATION = 0x00008000,
    WSM_FLAG_USE_DIGEST = 0x00010000,
    WSM_FLAG_USE_NEGOTIATE = 0x00020000,
    WSM_FLAG_USE_BASIC = 0x00040000,
    WSM_FLAG_USE_KERBEROS = 0x00080000,
    WSM_FLAG_NO_ENCRYPTION = 0x00100000,
    WSM_FLAG_USE_CLIENT_CERTIFICATE = 0x00200000,
    WSM_FLAG_ENABLE_SPN_SERVER_PORT = 0x00400000,
    WSM_FLAG_UTF16 = 0x00800000,
    WSM_FLAG_USE_CREDSSP = 0x01000000,
    WSM_FLAG_SKIP_REVOCATION_CHECK = 0x02000000,
    WSM_FLAG_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS = 0x04000000,
    WSM_FLAG_USE_SSL = 0x08000000,
};
#define WSM_AUTH_FLAGS                                                                                       \
    (WSM_FLAG_USE_NO_AUTHENTICATION | WSM_FLAG_USE_DIGEST | WSM_FLAG_USE_NEGOTIATE | WSM_FLAG_USE_BASIC |    \
     WSM_FLAG_USE_KERBEROS | WSM_FLAG_USE_CLIENT_CERTIFICATE | WSM_FLAG_USE_CREDSSP)
#define WSM_SESSION_FLAGS_KNOWN                                                                              \
    (WSM_AUTH_FLAGS | WSM_FLAG_UTF8 | WSM_FLAG_CRED_USERNAME_PASSWORD | WSM_FLAG_SKIP_CA_CHECK |             \
     WSM_FLAG_SKIP_CN_CHECK | WSM_FLAG_NO_ENCRYPTION | WSM_FLAG_ENABLE_SPN_SERVER_PORT | WSM_FLAG_UTF16 |    \
     WSM_FLAG_SKIP_REVOCATION_CHECK | WSM_FLAG_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS | WSM_FLAG_USE_SSL)

/* WSManEnumFlags */
enum {
    WSM_ENUM_NON_XML_TEXT = 0x01,
    WSM_ENUM_RETURN_EPR = 0x02,
    WSM_ENUM_RETURN_OBJECT_AND_EPR = 0x04,
    WSM_ENUM_HIERARCHY_SHALLOW = 0x20,
    WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY = 0x40,
    WSM_ENUM_ASSOCIATION_INSTANCE = 0x80,
    /* wsmauto extension (WSManAutoFlagEnumerationText, wsmauto_enum.h): the items are handed out in winrm's
     * text layout instead of XML. The client's own business: nothing of it goes on the wire. */
    WSM_ENUM_ITEM_TEXT = 0x40000000,
};
#define WSM_ENUM_FLAGS_KNOWN                                                                                 \
    (WSM_ENUM_NON_XML_TEXT | WSM_ENUM_RETURN_EPR | WSM_ENUM_RETURN_OBJECT_AND_EPR |                          \
     WSM_ENUM_HIERARCHY_SHALLOW | WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY | WSM_ENUM_ASSOCIATION_INSTANCE |  \
     WSM_ENUM_ITEM_TEXT)

/* Proxy access types and proxy authentication mechanisms (SetProxy). */
enum {
    WSM_PROXY_IE_CONFIG = 1,
    WSM_PROXY_WINHTTP_CONFIG = 2,
    WSM_PROXY_AUTO_DETECT = 4,
    WSM_PROXY_NO_PROXY_SERVER = 8,
};
enum {
    WSM_PROXY_AUTH_NEGOTIATE = 1,
    WSM_PROXY_AUTH_BASIC = 2,
    WSM_PROXY_AUTH_DIGEST = 4,
};

/* The COM-free content of a ConnectionOptions object. */
struct wsm_session_options {
    char *user;       /* NULL or "" when unset */
    char *password;   /* wiped when cleared */
    char *thumbprint; /* normalised: hex digits only, upper case */
    int proxy_set;    /* SetProxy was called */
    int32_t proxy_access;
    int32_t proxy_auth;
    char *proxy_user;
    char *proxy_password; /* wiped when cleared */
};
void wsm_session_options_clear(struct wsm_session_options *o);
int32_t wsm_session_options_copy(struct wsm_session_options *dst, const struct wsm_session_options *src);

/* SetProxy argument checks (IWSManConnectionOptionsEx2::SetProxy). 0 accessType means the
 * default (WinHTTP configuration). */
int32_t wsm_check_proxy(int32_t access, int32_t auth, const char *user, const char *password, char **detail);

/* Normalise a certificate thumbprint: spaces removed, hex digits upper
 * case; "" stays "". ERROR_WSMAN_CLIENT_INVALID_CERT for anything that is
 * not 40 hex digits (SHA-1). *out is malloc'd. */
int32_t wsm_normalize_thumbprint(const char *text, char **out, char **detail);

/* The flag/credential combination checks of CreateSession (IWSMan::CreateSession
 * and the ERROR_WSMAN_CLIENT_* codes of wsmerror.h), with `opts` NULL when no ConnectionOptions object was
 * given. The endpoint must already be parsed. */
int32_t wsm_check_session(uint32_t flags, const struct wsm_endpoint *ep,
                          const struct wsm_session_options *opts, char **detail);

/* ---- ResourceLocator content ---- */
struct wsm_option {
    char *name;
    char *value; /* NULL: a nil option value */
    int must_comply;
    char *type; /* NULL, or the xs: QName of the value's type ("xs:boolean", "xs:int") */
};

struct wsm_locator {
    char *uri; /* alias-expanded, no query; NULL when unset */
    struct wsm_selector *selectors;
    size_t n_selectors;
    struct wsm_option *options;
    size_t n_options;
    char *fragment_path;
    char *fragment_dialect;
    int must_understand_options;
};
void wsm_locator_free(struct wsm_locator *l);
struct wsm_locator *wsm_locator_copy(const struct wsm_locator *l);
/* Selector and option lists: duplicates are refused. */
int32_t wsm_locator_add_selector(struct wsm_locator *l, const char *name, const char *value, char **detail);
void wsm_locator_clear_selectors(struct wsm_locator *l);
int32_t wsm_locator_add_option(struct wsm_locator *l, const char *name, const char *value, int must_comply,
                               char **detail);
void wsm_locator_clear_options(struct wsm_locator *l);
/* Sets the URI from text with optional ?selectors (which replace the
 * current ones); a blank text clears it. */
int32_t wsm_locator_set_uri_text(struct wsm_locator *l, const char *text, char **detail);

/* ---- xmlfault.c ---- */
/* <f:WSManFault xmlns:f=... Code="<unsigned decimal>" Machine=... xml:lang="en-US">
 *   <f:Message>message</f:Message></f:WSManFault>, built with libxml2. */
char *wsm_fault_xml(uint32_t code, const char *machine, const char *message);

#endif
