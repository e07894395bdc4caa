/*
 * Error names and readable messages, for GetErrorMessage and rich error info.
 *
 * Names of the 512 WinRM codes come straight from wsman_errors.def. Message
 * texts live in one table below, written for this project (they describe
 * the same conditions as Windows does, in our own words). Non-WinRM codes
 * that users commonly meet carry their name in the same table.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include "core.h"

#define WINRM_FIRST 0x80338000u
#define WINRM_COUNT 512u

struct code_name {
    uint32_t code;
    const char *name;
};

/* Sorted and gap-free, so a code's entry sits at index code - WINRM_FIRST. */
static const struct code_name winrm_names[] = {
#define WSMERR(code, name) {code, #name},
#include "wsman_errors.def"
#undef WSMERR
};

_Static_assert(sizeof winrm_names / sizeof winrm_names[0] == WINRM_COUNT,
               "wsman_errors.def must list exactly the 512 codes 0x80338000-0x803381FF");

struct error_text {
    uint32_t code;
    const char *name; /* NULL for WinRM codes: their name comes from wsman_errors.def */
    const char *text;
};

#define WINRM(name, text) {(uint32_t)(name), NULL, text}
#define OTHER(code, name, text) {code, #name, text}

#define CLIENT "The WS-Management client cannot process the request. "
#define SERVICE "The WS-Management service cannot process the request. "

/* Must stay sorted by code (bsearch). */
static const struct error_text error_texts[] = {
    OTHER(0x00000000u, S_OK, "The operation completed successfully."),
    OTHER(0x8000000Eu, E_ILLEGAL_METHOD_CALL,
          "A method was called at a time when the object does not allow it."),
    OTHER(0x80004001u, E_NOTIMPL, "The requested operation is not implemented."),
    OTHER(0x80004002u, E_NOINTERFACE, "The object does not support the requested interface."),
    OTHER(0x80004003u, E_POINTER, "A required pointer argument is NULL or not valid."),
    OTHER(0x80004004u, E_ABORT, "The operation was aborted."),
    OTHER(0x80004005u, E_FAIL, "The operation failed for an unspecified reason."),
    OTHER(0x8000FFFFu, E_UNEXPECTED, "An unexpected failure occurred."),
    OTHER(0x80020001u, DISP_E_UNKNOWNINTERFACE,
          "The interface identifier passed to IDispatch is not recognized."),
    OTHER(0x80020003u, DISP_E_MEMBERNOTFOUND,
          "The object has no member with that dispatch identifier, or the member cannot be "
          "used in this way."),
    OTHER(0x80020004u, DISP_E_PARAMNOTFOUND,
          "A named argument does not exist for this member, or a required argument is missing."),
    OTHER(0x80020005u, DISP_E_TYPEMISMATCH,
          "An argument has a type that cannot be converted to the type the member expects."),
    OTHER(0x80020006u, DISP_E_UNKNOWNNAME, "The object has no member with that name."),
    OTHER(0x80020007u, DISP_E_NONAMEDARGS, "This member does not accept named arguments."),
    OTHER(0x80020008u, DISP_E_BADVARTYPE, "An argument has a variant type that is not valid."),
    OTHER(0x80020009u, DISP_E_EXCEPTION,
          "The member raised an exception; the exception information has the details."),
    OTHER(0x8002000Au, DISP_E_OVERFLOW,
          "An argument value is out of range for the type the member expects."),
    OTHER(0x8002000Bu, DISP_E_BADINDEX, "The index is outside the bounds of the array."),
    OTHER(0x8002000Cu, DISP_E_UNKNOWNLCID, "The locale identifier is not recognized."),
    OTHER(0x8002000Du, DISP_E_ARRAYISLOCKED, "The array is locked and cannot be changed."),
    OTHER(0x8002000Eu, DISP_E_BADPARAMCOUNT,
          "The number of arguments does not match what the member expects."),
    OTHER(0x8002000Fu, DISP_E_PARAMNOTOPTIONAL, "A required argument was left out."),
    OTHER(0x80020010u, DISP_E_BADCALLEE, "The member cannot be invoked on this object."),
    OTHER(0x80040110u, CLASS_E_NOAGGREGATION,
          "This class cannot be created as part of an aggregate object."),
    OTHER(0x80040154u, REGDB_E_CLASSNOTREG, "The requested class is not registered."),
    OTHER(0x800401F0u, CO_E_NOTINITIALIZED,
          "COM has not been initialized on this thread; call CoInitialize or CoInitializeEx "
          "first."),
    OTHER(0x80070005u, E_ACCESSDENIED, "Access is denied."),
    OTHER(0x8007000Eu, E_OUTOFMEMORY, "There is not enough memory to complete the operation."),
    OTHER(0x80070035u, ERROR_BAD_NETPATH, "The network path could not be found."),
    OTHER(0x80070057u, E_INVALIDARG, "One or more arguments are not valid."),
    OTHER(0x8007052Eu, ERROR_LOGON_FAILURE,
          "The logon attempt failed: the user name or the password is not correct."),
    OTHER(0x800705B4u, ERROR_TIMEOUT,
          "The operation did not complete before its time-out period ran out."),
    OTHER(0x80072EE2u, ERROR_WINHTTP_TIMEOUT,
          "The HTTP request timed out before the server answered."),
    OTHER(0x80072EE7u, ERROR_WINHTTP_NAME_NOT_RESOLVED,
          "The server name or address could not be resolved."),
    OTHER(0x80072EFDu, ERROR_WINHTTP_CANNOT_CONNECT,
          "A connection to the server could not be established."),
    OTHER(0x80072EFEu, ERROR_WINHTTP_CONNECTION_ERROR,
          "The connection to the server was closed or reset unexpectedly."),
    OTHER(0x80072F05u, ERROR_WINHTTP_SECURE_CERT_DATE_INVALID,
          "The server's SSL certificate has expired or is not valid yet."),
    OTHER(0x80072F06u, ERROR_WINHTTP_SECURE_CERT_CN_INVALID,
          "The common name (CN) of the server's SSL certificate does not match the host name "
          "that was requested."),
    OTHER(0x80072F0Du, ERROR_WINHTTP_SECURE_INVALID_CA,
          "The server's SSL certificate was issued by a certificate authority that is not "
          "trusted."),
    OTHER(0x80072F19u, ERROR_WINHTTP_SECURE_CERT_REV_FAILED,
          "The revocation status of the server's SSL certificate could not be checked."),
    OTHER(0x80072F7Du, ERROR_WINHTTP_SECURE_CHANNEL_ERROR,
          "The SSL/TLS handshake with the server failed."),
    OTHER(0x80072F8Au, ERROR_WINHTTP_SECURE_CERT_REVOKED, "The server's SSL certificate has been revoked."),
    OTHER(0x80072F8Fu, ERROR_WINHTTP_SECURE_FAILURE,
          "A security error occurred while checking the server's SSL certificate."),
    /* SSPI codes, as the Windows client reports Negotiate/Kerberos failures (auth/gssapi.c maps GSSAPI onto them). */
    OTHER(0x80090302u, SEC_E_UNSUPPORTED_FUNCTION, "The function requested is not supported."),
    OTHER(0x80090303u, SEC_E_TARGET_UNKNOWN, "The specified target is unknown or unreachable."),
    OTHER(0x80090304u, SEC_E_INTERNAL_ERROR, "The security package failed for an internal reason."),
    OTHER(0x80090305u, SEC_E_SECPKG_NOT_FOUND, "The requested security package does not exist."),
    OTHER(0x80090308u, SEC_E_INVALID_TOKEN, "The token supplied to the function is invalid."),
    OTHER(0x8009030Cu, SEC_E_LOGON_DENIED, "The logon attempt failed."),
    OTHER(0x8009030Du, SEC_E_UNKNOWN_CREDENTIALS, "The credentials supplied to the package were not recognized."),
    OTHER(0x8009030Eu, SEC_E_NO_CREDENTIALS, "No credentials are available in the security package."),
    OTHER(0x8009030Fu, SEC_E_MESSAGE_ALTERED,
          "The message or signature supplied for verification has been altered."),
    OTHER(0x80090310u, SEC_E_OUT_OF_SEQUENCE, "The message supplied for verification is out of sequence."),
    OTHER(0x80090311u, SEC_E_NO_AUTHENTICATING_AUTHORITY, "No authority could be contacted for authentication."),
    OTHER(0x80090317u, SEC_E_CONTEXT_EXPIRED, "The context has expired and can no longer be used."),
    OTHER(0x80090318u, SEC_E_INCOMPLETE_MESSAGE,
          "The supplied message is incomplete. The signature was not verified."),
    OTHER(0x80090322u, SEC_E_WRONG_PRINCIPAL, "The target principal name is incorrect."),
    OTHER(0x80090324u, SEC_E_TIME_SKEW, "There is a time and/or date difference between the client and server."),
    OTHER(0x80090330u, SEC_E_DECRYPT_FAILURE, "The specified data could not be decrypted."),
    OTHER(0x80090346u, SEC_E_BAD_BINDINGS, "Client's supplied SSPI channel bindings were incorrect."),
    OTHER(0x80090363u, SEC_E_MUTUAL_AUTH_FAILED,
          "The server failed to prove its identity to the client (mutual authentication failed)."),

    /* ---- WinRM, 0x80338000-0x803381FF ---- */
    WINRM(ERROR_WSMAN_RESOURCE_NOT_FOUND,
          SERVICE "No resource matches the resource URI and selectors given in the request."),
    WINRM(ERROR_WSMAN_INVALID_ACTIONURI,
          SERVICE "The action URI is not valid or is not supported for this resource."),
    WINRM(ERROR_WSMAN_INVALID_URI, SERVICE "The resource URI is missing or malformed."),
    WINRM(ERROR_WSMAN_PROVIDER_FAILURE,
          SERVICE "The plug-in that serves this resource reported a failure."),
    WINRM(ERROR_WSMAN_CONFIG_CORRUPTED,
          SERVICE "The service configuration is damaged or cannot be read."),
    WINRM(ERROR_WSMAN_PULL_IN_PROGRESS,
          SERVICE "A Pull request for this enumeration is still running; wait for it to "
                  "complete before sending the next one."),
    WINRM(ERROR_WSMAN_ENUMERATION_CLOSED,
          SERVICE "The enumeration has already ended or was cancelled, so its context cannot be "
                  "used any more."),
    WINRM(ERROR_WSMAN_SUBSCRIPTION_CLOSED, SERVICE "The subscription has already been closed."),
    WINRM(ERROR_WSMAN_SUBSCRIPTION_CLOSE_IN_PROGRESS,
          SERVICE "The subscription is in the middle of being closed."),
    WINRM(ERROR_WSMAN_SUBSCRIPTION_CLIENT_DID_NOT_CALL_WITHIN_HEARTBEAT,
          "The subscription was closed because the client did not contact the service within "
          "the heartbeat interval."),
    WINRM(ERROR_WSMAN_SUBSCRIPTION_NO_HEARTBEAT,
          "The subscription was dropped because no heartbeat arrived within the expected "
          "interval."),
    WINRM(ERROR_WSMAN_UNSUPPORTED_TIMEOUT,
          SERVICE "The requested operation timeout is outside the range the service accepts."),
    WINRM(ERROR_WSMAN_SOAP_VERSION_MISMATCH,
          SERVICE "The SOAP envelope uses a SOAP version the service does not support."),
    WINRM(ERROR_WSMAN_SOAP_DATA_ENCODING_UNKNOWN,
          SERVICE "The SOAP message uses a data encoding the service does not know."),
    WINRM(ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER,
          SERVICE "A WS-Addressing message information header in the request is not valid."),
    WINRM(ERROR_WSMAN_SOAP_FAULT_MUST_UNDERSTAND,
          SERVICE "A header marked mustUnderstand is not understood by the service."),
    WINRM(ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED,
          SERVICE "A required WS-Addressing header is missing from the request."),
    WINRM(ERROR_WSMAN_DESTINATION_UNREACHABLE,
          "The WS-Management client cannot reach the destination. No WS-Management listener "
          "answered at that address, or the resource is not available there."),
    WINRM(ERROR_WSMAN_ACTION_NOT_SUPPORTED,
          SERVICE "The requested action is not supported for this resource."),
    WINRM(ERROR_WSMAN_ENDPOINT_UNAVAILABLE,
          "The WS-Management service endpoint is not available at the moment. Try the request "
          "again later."),
    WINRM(ERROR_WSMAN_INVALID_REPRESENTATION,
          SERVICE "The XML in the request body is not a valid representation of the resource."),
    WINRM(ERROR_WSMAN_ENUMERATE_INVALID_EXPIRATION_TIME,
          SERVICE "The expiration time given for the enumeration is not valid."),
    WINRM(ERROR_WSMAN_ENUMERATE_UNSUPPORTED_EXPIRATION_TIME,
          SERVICE "The service does not support expiration times for enumerations."),
    WINRM(ERROR_WSMAN_ENUMERATE_FILTERING_NOT_SUPPORTED,
          SERVICE "Filtered enumeration is not supported for this resource."),
    WINRM(ERROR_WSMAN_ENUMERATE_FILTER_DIALECT_REQUESTED_UNAVAILABLE,
          SERVICE "The filter dialect is not supported for this resource."),
    WINRM(ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER,
          SERVICE "The filter could not be processed. Check the filter text and that it "
                  "matches the filter dialect."),
    WINRM(ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT,
          SERVICE "The enumeration context is not valid; it may have expired or been released."),
    WINRM(ERROR_WSMAN_ENUMERATE_TIMED_OUT,
          "The WS-Management service could not return any enumeration items within the time "
          "allowed."),
    WINRM(ERROR_WSMAN_ENUMERATE_UNABLE_TO_RENEW, SERVICE "The enumeration cannot be renewed."),
    WINRM(ERROR_WSMAN_EVENTING_DELIVERY_MODE_REQUESTED_UNAVAILABLE,
          SERVICE "The requested event delivery mode is not supported."),
    WINRM(ERROR_WSMAN_EVENTING_INVALID_EXPIRATION_TIME,
          SERVICE "The expiration time of the subscription is not valid."),
    WINRM(ERROR_WSMAN_EVENTING_UNSUPPORTED_EXPIRATION_TYPE,
          SERVICE "The form of expiration time requested for the subscription is not "
                  "supported."),
    WINRM(ERROR_WSMAN_EVENTING_FILTERING_NOT_SUPPORTED,
          SERVICE "The event source does not support filtering of events."),
    WINRM(ERROR_WSMAN_EVENTING_FILTERING_REQUESTED_UNAVAILABLE,
          SERVICE "The event source does not support the requested filter dialect."),
    WINRM(ERROR_WSMAN_EVENTING_SOURCE_UNABLE_TO_PROCESS,
          "The event source is unable to process the subscription request."),
    WINRM(ERROR_WSMAN_EVENTING_UNABLE_TO_RENEW, "The event source cannot renew the subscription."),
    WINRM(ERROR_WSMAN_EVENTING_INVALID_MESSAGE,
          "The event source received a message that is not valid for a subscription."),
    WINRM(ERROR_WSMAN_ENVELOPE_TOO_LARGE,
          SERVICE "The response would be larger than the maximum envelope size the request "
                  "allows."),
    WINRM(ERROR_WSMAN_INVALID_SOAP_BODY, SERVICE "The SOAP body is missing or malformed."),
    WINRM(ERROR_WSMAN_INVALID_RESUMPTION_CONTEXT, SERVICE "The resumption context is not valid."),
    WINRM(ERROR_WSMAN_OPERATION_TIMEDOUT,
          "The WS-Management service could not complete the operation within the time given by "
          "the operation timeout."),
    WINRM(ERROR_WSMAN_RESUMPTION_NOT_SUPPORTED,
          SERVICE "Resuming an enumeration is not supported."),
    WINRM(ERROR_WSMAN_RESUMPTION_TYPE_NOT_SUPPORTED,
          SERVICE "The requested kind of resumption is not supported."),
    WINRM(ERROR_WSMAN_UNSUPPORTED_ENCODING,
          SERVICE "The message uses a character encoding the service does not support."),
    WINRM(ERROR_WSMAN_URI_LIMIT, SERVICE "A URI in the request is longer than the service allows."),
    WINRM(ERROR_WSMAN_INVALID_PROPOSED_ID, SERVICE "The proposed identifier is not valid."),
    WINRM(ERROR_WSMAN_INVALID_BATCH_PARAMETER,
          SERVICE "A batch parameter (maximum elements, time or characters) is not valid."),
    WINRM(ERROR_WSMAN_NO_ACK,
          "The WS-Management service did not receive the acknowledgement the request asked for."),
    WINRM(ERROR_WSMAN_ACTION_MISMATCH,
          SERVICE "The action header does not match the content of the message."),
    WINRM(ERROR_WSMAN_CONCURRENCY,
          SERVICE "The resource was changed or is in use by another request at the same time."),
    WINRM(ERROR_WSMAN_ALREADY_EXISTS, SERVICE "The resource to be created already exists."),
    WINRM(ERROR_WSMAN_DELIVERY_REFUSED, "The event receiver refused to accept the events."),
    WINRM(ERROR_WSMAN_ENCODING_LIMIT,
          SERVICE "A value in the request goes beyond an encoding limit of the service, such as a "
                  "maximum length or nesting depth."),
    WINRM(ERROR_WSMAN_FAILED_AUTHENTICATION,
          "The WS-Management service rejected the request because the sender could not be "
          "authenticated."),
    WINRM(ERROR_WSMAN_INCOMPATIBLE_EPR,
          SERVICE "The endpoint reference is not compatible with this resource."),
    WINRM(ERROR_WSMAN_INVALID_BOOKMARK, SERVICE "The bookmark is not valid."),
    WINRM(ERROR_WSMAN_INVALID_OPTIONS,
          SERVICE "One or more options in the option set are not valid."),
    WINRM(ERROR_WSMAN_INVALID_PARAMETER, SERVICE "A parameter of the request is not valid."),
    WINRM(ERROR_WSMAN_INVALID_RESOURCE_URI,
          SERVICE "The resource URI is not valid, or it does not name a resource the service "
                  "knows."),
    WINRM(ERROR_WSMAN_INVALID_SYSTEM, SERVICE "The system named in the request is not valid."),
    WINRM(ERROR_WSMAN_INVALID_SELECTORS,
          SERVICE "The selectors are missing, unknown, or not valid for this resource."),
    WINRM(ERROR_WSMAN_SCHEMA_VALIDATION_ERROR,
          SERVICE "The XML does not conform to the schema of the resource."),
    WINRM(ERROR_WSMAN_INVALID_XML, SERVICE "The XML in the request is not well formed."),
    WINRM(ERROR_WSMAN_INSUFFCIENT_SELECTORS,
          SERVICE "Not all of the selectors this resource needs were given."),
    WINRM(ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR,
          CLIENT "The selector part of the resource URI (after '?') is malformed; it must be "
                 "name=value pairs joined by '+'."),
    WINRM(ERROR_WSMAN_CERT_NOT_FOUND,
          "The certificate with the given thumbprint was not found in the certificate store."),
    WINRM(ERROR_WSMAN_FRAGMENT_DIALECT_REQUESTED_UNAVAILABLE,
          SERVICE "The requested fragment dialect is not supported."),
    WINRM(ERROR_WSMAN_MISSING_FRAGMENT_PATH, SERVICE "The fragment path is missing."),
    WINRM(ERROR_WSMAN_INVALID_FRAGMENT_DIALECT, SERVICE "The fragment dialect is not valid."),
    WINRM(ERROR_WSMAN_INVALID_FRAGMENT_PATH, SERVICE "The fragment path is not valid."),
    WINRM(ERROR_WSMAN_SESSION_ALREADY_CLOSED, "The WS-Management session has already been closed."),
    WINRM(ERROR_WSMAN_PROVIDER_LOAD_FAILED,
          SERVICE "The plug-in that serves this resource could not be loaded."),
    WINRM(ERROR_WSMAN_CREDS_PASSED_WITH_NO_AUTH_FLAG,
          CLIENT "Credentials or a certificate were supplied together with "
                 "WSManFlagUseNoAuthentication. Remove the credentials or choose an "
                 "authentication mechanism."),
    WINRM(ERROR_WSMAN_CLIENT_INVALID_FLAG,
          CLIENT "The flags argument contains a value that is not valid for this call."),
    WINRM(ERROR_WSMAN_CLIENT_MULTIPLE_AUTH_FLAGS,
          CLIENT "More than one authentication mechanism was requested; give at most one."),
    WINRM(ERROR_WSMAN_CLIENT_SPN_WRONG_AUTH,
          CLIENT "WSManFlagEnableSPNServerPort can be used only with Negotiate or Kerberos "
                 "authentication."),
    WINRM(ERROR_WSMAN_CLIENT_CERT_UNNEEDED_CREDS,
          CLIENT "Credentials must not be supplied when authenticating with a client "
                 "certificate."),
    WINRM(ERROR_WSMAN_CLIENT_USERNAME_PASSWORD_NEEDED,
          CLIENT "Basic and Digest authentication need an explicit user name and password."),
    WINRM(ERROR_WSMAN_CLIENT_CERT_UNNEEDED_USERNAME,
          CLIENT "A user name must not be supplied together with a client certificate."),
    WINRM(ERROR_WSMAN_CLIENT_CREDENTIALS_NEEDED,
          CLIENT "WSManFlagCredUsernamePassword is set, but no user name and password were "
                 "supplied."),
    WINRM(ERROR_WSMAN_CLIENT_CREDENTIALS_FLAG_NEEDED,
          CLIENT "A user name and password were supplied, but WSManFlagCredUsernamePassword is "
                 "not set."),
    WINRM(ERROR_WSMAN_CLIENT_CERT_NEEDED,
          CLIENT "Client certificate authentication was requested, but no certificate "
                 "thumbprint was supplied."),
    WINRM(ERROR_WSMAN_CLIENT_CERT_UNKNOWN_TYPE,
          CLIENT "The type of the client certificate is not recognized."),
    WINRM(ERROR_WSMAN_CLIENT_CERT_UNKNOWN_LOCATION,
          CLIENT "The certificate store location is not recognized."),
    WINRM(ERROR_WSMAN_CLIENT_INVALID_CERT,
          CLIENT "The client certificate is not valid or cannot be used for authentication."),
    WINRM(ERROR_WSMAN_CLIENT_LOCAL_INVALID_CREDS,
          CLIENT "Credentials cannot be given for a local session (one created with an empty "
                 "connection string); such a session always runs as the current user."),
    WINRM(ERROR_WSMAN_CLIENT_LOCAL_INVALID_CONNECTION_OPTIONS,
          CLIENT "Connection options cannot be given for a local session (one created with an "
                 "empty connection string)."),
    WINRM(ERROR_WSMAN_CLIENT_CREATESESSION_NULL_PARAM,
          "The WS-Management client cannot create the session because a required parameter is "
          "NULL."),
    WINRM(ERROR_WSMAN_CLIENT_ENUMERATE_NULL_PARAM,
          "The WS-Management client cannot start the enumeration because a required parameter "
          "is NULL."),
    WINRM(ERROR_WSMAN_CLIENT_NULL_RESULT_PARAM,
          CLIENT "The parameter that receives the result is NULL."),
    WINRM(ERROR_WSMAN_CLIENT_NO_HANDLE, CLIENT "The handle is NULL or not valid."),
    WINRM(ERROR_WSMAN_CLIENT_BLANK_URI,
          CLIENT "The resource URI is empty. Give a resource URI, or an alias such as "
                 "wmicimv2/Win32_Service."),
    WINRM(ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
          CLIENT "The resource locator is not usable. Pass a resource URI string or a "
                 "ResourceLocator object created by this library."),
    WINRM(ERROR_WSMAN_CLIENT_BLANK_INPUT_XML,
          CLIENT "The input XML is empty, but this operation needs an XML body."),
    WINRM(ERROR_WSMAN_CLIENT_BATCH_ITEMS_TOO_SMALL,
          CLIENT "The number of items per batch must be at least 1."),
    WINRM(ERROR_WSMAN_CLIENT_MAX_CHARS_TOO_SMALL,
          CLIENT "The maximum number of characters per batch is too small."),
    WINRM(ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, CLIENT "The action URI or method name is empty."),
    WINRM(ERROR_WSMAN_CLIENT_UNENCRYPTED_HTTP_ONLY,
          CLIENT "Unencrypted messages (WSManFlagNoEncryption) can be requested only over HTTP, "
                 "not over HTTPS."),
    WINRM(ERROR_WSMAN_CANNOT_USE_CERTIFICATES_FOR_HTTP,
          CLIENT "Client certificate authentication needs HTTPS; it cannot be used over HTTP."),
    WINRM(ERROR_WSMAN_CONNECTIONSTR_INVALID,
          CLIENT "The connection string is not valid. Use the form "
                 "[transport://]host[:port][/prefix], where transport is http or https and an "
                 "IPv6 address is put in brackets, for example "
                 "https://server.example.com:5986/wsman or [::1]:5985."),
    WINRM(ERROR_WSMAN_TRANSPORT_NOT_SUPPORTED,
          CLIENT "The transport named in the connection string is not supported; use http or "
                 "https."),
    WINRM(ERROR_WSMAN_PORT_INVALID,
          CLIENT "The port in the connection string is not valid; it must be a number from 1 "
                 "to 65535."),
    WINRM(ERROR_WSMAN_CONFIG_PORT_INVALID,
          "The port number in the configuration is not valid; it must be a number from 1 to "
          "65535."),
    WINRM(ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED,
          CLIENT "Unencrypted traffic is turned off in the client configuration. Allow it "
                 "there (AllowUnencrypted) or use an encrypted connection."),
    WINRM(ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED,
          CLIENT "Basic authentication is turned off in the client configuration."),
    WINRM(ERROR_WSMAN_CLIENT_DIGEST_AUTHENTICATION_DISABLED,
          CLIENT "Digest authentication is turned off in the client configuration."),
    WINRM(ERROR_WSMAN_CLIENT_NEGOTIATE_AUTHENTICATION_DISABLED,
          CLIENT "Negotiate authentication is turned off in the client configuration."),
    WINRM(ERROR_WSMAN_CLIENT_KERBEROS_AUTHENTICATION_DISABLED,
          CLIENT "Kerberos authentication is turned off in the client configuration."),
    WINRM(ERROR_WSMAN_CLIENT_CERTIFICATES_AUTHENTICATION_DISABLED,
          CLIENT "Client certificate authentication is turned off in the client "
                 "configuration."),
    WINRM(ERROR_WSMAN_SERVER_NOT_TRUSTED,
          CLIENT "Over HTTP, authentication other than Kerberos is allowed only to hosts listed "
                 "in the client's TrustedHosts setting. Add the destination to TrustedHosts or "
                 "connect with HTTPS."),
    WINRM(ERROR_WSMAN_EXPLICIT_CREDENTIALS_REQUIRED,
          CLIENT "The current user's credentials cannot be sent with Negotiate over HTTP to a "
                 "host that is not trusted; supply an explicit user name and password."),
    WINRM(ERROR_WSMAN_CERT_THUMBPRINT_BLANK,
          "The certificate thumbprint is empty; give the thumbprint of the certificate to use."),
    WINRM(ERROR_WSMAN_RESPONSE_NO_RESULTS,
          "The WS-Management client received a response from the service without any results."),
    WINRM(ERROR_WSMAN_CREATE_RESPONSE_NO_EPR,
          "The WS-Management client received a Create response without the endpoint reference "
          "of the new resource."),
    WINRM(ERROR_WSMAN_RESPONSE_INVALID_ENUMERATION_CONTEXT,
          "The WS-Management client received a response whose enumeration context is missing "
          "or not valid."),
    WINRM(ERROR_WSMAN_RESPONSE_NO_XML_FRAGMENT_WRAPPER,
          "The WS-Management client received a fragment response without the XmlFragment "
          "wrapper element."),
    WINRM(ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER,
          "The WS-Management client received a response whose WS-Addressing headers are "
          "missing or not valid."),
    WINRM(ERROR_WSMAN_RESPONSE_NO_SOAP_HEADER_BODY,
          "The WS-Management client received a response without a SOAP header or body."),
    WINRM(ERROR_WSMAN_HTTP_NO_RESPONSE_DATA,
          "The WS-Management client received an HTTP response without any content from the "
          "remote service."),
    WINRM(ERROR_WSMAN_RESPONSE_INVALID_SOAP_FAULT,
          "The WS-Management client received a SOAP fault from the service that it cannot "
          "interpret."),
    WINRM(ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA,
          "The WS-Management client received an HTTP response with a content type it cannot "
          "handle."),
    WINRM(ERROR_WSMAN_HTTP_CONTENT_TYPE_MISSMATCH_RESPONSE_DATA,
          "The WS-Management client received an HTTP response whose declared content type does "
          "not match the encoding of its content."),
    WINRM(ERROR_WSMAN_CANNOT_DECRYPT,
          "The WS-Management client cannot decrypt the message it received; the security "
          "context may no longer be valid."),
    WINRM(ERROR_WSMAN_INVALID_URI_WMI_SINGLETON,
          SERVICE "The WMI class is not a singleton, so selectors are needed to pick one "
                  "instance. Add selectors, or enumerate the class to get all of its "
                  "instances."),
    WINRM(ERROR_WSMAN_INVALID_URI_WMI_ENUM_WQL,
          SERVICE "A WQL filter must be used with a resource URI that ends in '*', such as "
                  "wmicimv2/*."),
    WINRM(ERROR_WSMAN_NO_IDENTIFY_FOR_LOCAL_SESSION,
          CLIENT "Identify is not available on a local session. Create the session with a "
                 "computer name, for example localhost."),
    WINRM(ERROR_WSMAN_WMI_SVC_ACCESS_DENIED,
          "The WMI service denied the WS-Management service access to the requested data."),
    WINRM(ERROR_WSMAN_WMI_PROVIDER_ACCESS_DENIED,
          "The WMI provider denied the WS-Management service access to the requested data."),
    WINRM(ERROR_WSMAN_WMI_CANNOT_CONNECT_ACCESS_DENIED,
          "The WS-Management service cannot connect to WMI because access was denied."),
    WINRM(ERROR_WSMAN_INVALID_FILTER_XML, SERVICE "The filter XML is not valid."),
    WINRM(ERROR_WSMAN_ENUMERATE_WMI_INVALID_KEY,
          SERVICE "A key given in the WMI selector filter is not valid for this class."),
    WINRM(ERROR_WSMAN_INVALID_FRAGMENT_PATH_BLANK, SERVICE "The fragment path is empty."),
    WINRM(ERROR_WSMAN_INVALID_CHARACTERS_IN_RESPONSE,
          "The WS-Management service cannot send the response because it contains characters "
          "that are not allowed in XML."),
    WINRM(ERROR_WSMAN_KERBEROS_IPADDRESS,
          CLIENT "Kerberos authentication cannot be used when the destination is given as an "
                 "IP address; use a computer name or another authentication mechanism."),
    WINRM(ERROR_WSMAN_CLIENT_WORKGROUP_NO_KERBEROS,
          CLIENT "Kerberos authentication is not available because this computer is not "
                 "joined to a domain; use another authentication mechanism."),
    WINRM(ERROR_WSMAN_UNKNOWN_HTTP_STATUS_RETURNED,
          "The WS-Management client received an HTTP status code from the server that it does "
          "not recognize."),
    WINRM(ERROR_WSMAN_UNSUPPORTED_HTTP_STATUS_REDIRECT,
          "The WS-Management client received an HTTP redirect, which it does not follow."),
    WINRM(ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS,
          "The server refused the request because it is too large (HTTP status 413)."),
    WINRM(ERROR_WSMAN_HTTP_SERVICE_UNAVAILABLE_STATUS,
          "The server cannot handle the request at the moment (HTTP status 503)."),
    WINRM(ERROR_WSMAN_HTTP_NOT_FOUND_STATUS,
          "The server has no WS-Management service at the requested URL (HTTP status 404). "
          "Check the port and the URL prefix in the connection string."),
    WINRM(ERROR_WSMAN_CLIENT_MULTIPLE_ENUM_MODE_FLAGS,
          CLIENT "Only one enumeration mode can be requested: objects, endpoint references, or "
                 "both together."),
    WINRM(ERROR_WSMAN_CANNOT_PROCESS_FILTER, SERVICE "The filter could not be processed."),
    WINRM(ERROR_WSMAN_NETWORK_TIMEDOUT, "The network connection to the remote service timed out."),
    WINRM(ERROR_WSMAN_POLYMORPHISM_MODE_UNSUPPORTED,
          SERVICE "The requested polymorphism mode (shallow enumeration, or base properties "
                  "only) is not supported for this resource."),
    WINRM(ERROR_WSMAN_MULTIPLE_CREDENTIALS,
          CLIENT "More than one kind of credential was supplied; use either a client "
                 "certificate or a user name and password."),
    WINRM(ERROR_WSMAN_AUTHENTICATION_INVALID_FLAG,
          CLIENT "The authentication flags are not valid."),
    WINRM(ERROR_WSMAN_CLIENT_CREDENTIALS_FOR_DEFAULT_AUTHENTICATION,
          CLIENT "With default authentication, the only credentials that can be supplied are a "
                 "user name and password."),
    WINRM(ERROR_WSMAN_CLIENT_USERNAME_AND_PASSWORD_NEEDED,
          CLIENT "The selected authentication mechanism needs both a user name and a password."),
    WINRM(ERROR_WSMAN_CLIENT_INVALID_CERT_DNS_OR_UPN,
          CLIENT "The DNS name or user principal name of the client certificate is not valid."),
    WINRM(ERROR_WSMAN_CERT_MISSING_AUTH_FLAG,
          CLIENT "A certificate thumbprint was supplied, but WSManFlagUseClientCertificate is "
                 "not set."),
    WINRM(ERROR_WSMAN_CERT_MULTIPLE_CREDENTIALS_FLAG,
          CLIENT "WSManFlagUseClientCertificate cannot be combined with "
                 "WSManFlagCredUsernamePassword."),
    WINRM(ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR,
          "The server reported an internal error (HTTP status 500)."),
    WINRM(ERROR_WSMAN_HTTP_STATUS_BAD_REQUEST,
          "The server rejected the request as malformed (HTTP status 400)."),
    WINRM(ERROR_WSMAN_CLIENT_GETERRORMESSAGE_NULL_PARAM,
          "The error message cannot be looked up because a required parameter is NULL."),
    WINRM(ERROR_WSMAN_CLIENT_INVALID_LANGUAGE_CODE,
          "The error message cannot be looked up because the language code is not valid."),
    WINRM(ERROR_WSMAN_CLIENT_INVALID_GETERRORMESSAGE_FLAG,
          "The error message cannot be looked up because the flags argument is not valid."),
    WINRM(ERROR_WSMAN_REDIRECT_REQUESTED,
          "The WS-Management service asked the client to send the request to another "
          "location."),
    WINRM(ERROR_WSMAN_PROXY_AUTHENTICATION_INVALID_FLAG,
          CLIENT "The proxy authentication mechanism is not valid; use Negotiate, Basic or "
                 "Digest."),
    WINRM(ERROR_WSMAN_CLIENT_CREDENTIALS_FOR_PROXY_AUTHENTICATION,
          CLIENT "Proxy credentials were supplied without a proxy authentication mechanism."),
    WINRM(ERROR_WSMAN_PROXY_ACCESS_TYPE, CLIENT "The proxy access type is not valid."),
    WINRM(ERROR_WSMAN_INVALID_OPTION_NO_PROXY_SERVER,
          CLIENT "Proxy credentials or a proxy authentication mechanism cannot be given when "
                 "the access type says that no proxy server is used."),
    WINRM(ERROR_WSMAN_CREDSSP_USERNAME_PASSWORD_NEEDED,
          CLIENT "CredSSP authentication needs an explicit user name and password."),
    WINRM(ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED,
          CLIENT "CredSSP authentication is turned off in the client configuration."),
    WINRM(ERROR_WSMAN_CANNOT_USE_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS_FOR_HTTP,
          CLIENT "WSManFlagAllowNegotiateImplicitCredentials can be used only over HTTPS."),
    WINRM(ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_HTTP,
          CLIENT "Proxy settings can be used only over HTTPS."),
    WINRM(ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_KERBEROS,
          CLIENT "Proxy settings cannot be used with Kerberos authentication."),
    WINRM(ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_CREDSSP,
          CLIENT "Proxy settings cannot be used with CredSSP authentication."),
    WINRM(ERROR_WSMAN_CLIENT_MULTIPLE_PROXY_AUTH_FLAGS,
          CLIENT "More than one proxy authentication mechanism was requested; give at most "
                 "one."),
    WINRM(ERROR_WSMAN_NAME_NOT_RESOLVED,
          CLIENT "The destination host name could not be resolved. Check the name and the DNS "
                 "settings."),
    WINRM(ERROR_WSMAN_SSL_CONNECTION_ABORTED,
          "The WS-Management client cannot complete the request because the SSL connection "
          "was closed unexpectedly; the server may not accept the client's TLS settings."),
    WINRM(ERROR_WSMAN_DEFAULTAUTH_IPADDRESS,
          CLIENT "Default authentication to an IP address needs HTTPS or an address listed in "
                 "TrustedHosts, together with explicit credentials."),
    WINRM(ERROR_WSMAN_INVALID_USESSL_PARAM,
          CLIENT "WSManFlagUseSsl cannot be combined with a connection string that names the "
                 "http transport. Remove http:// or use https://."),
    WINRM(ERROR_WSMAN_MUTUAL_AUTH_FAILED,
          CLIENT "The identity of the server could not be verified; mutual authentication "
                 "failed."),
    WINRM(ERROR_WSMAN_UNSUPPORTED_FEATURE_IDENTIFY,
          "The WS-Management service does not support the Identify operation."),
    WINRM(ERROR_WSMAN_CLIENT_SESSION_UNUSABLE,
          CLIENT "The session can no longer be used; create a new session."),
};

static int compare_text_entry(const void *key, const void *entry)
{
    uint32_t code = *(const uint32_t *)key;
    uint32_t other = ((const struct error_text *)entry)->code;
    return (code > other) - (code < other);
}

size_t wsm_error_texts_unsorted(void)
{
    for (size_t i = 1; i < sizeof error_texts / sizeof error_texts[0]; i++)
        if (error_texts[i - 1].code >= error_texts[i].code)
            return i;
    return 0;
}

static const struct error_text *find_text(uint32_t code)
{
    return bsearch(&code, error_texts, sizeof error_texts / sizeof error_texts[0],
                   sizeof error_texts[0], compare_text_entry);
}

static int is_winrm_code(uint32_t code)
{
    return code >= WINRM_FIRST && code - WINRM_FIRST < WINRM_COUNT;
}

const char *wsm_error_name(uint32_t code)
{
    if (is_winrm_code(code)) {
        const struct code_name *entry = &winrm_names[code - WINRM_FIRST];
        return entry->code == code ? entry->name : NULL;
    }
    const struct error_text *entry = find_text(code);
    return entry ? entry->name : NULL;
}

#ifdef _WIN32
/* FormatMessage's text for a Win32 error, an HRESULT or a WinHTTP code (12001-12192, as such or as
 * 0x80072Exx/0x80072Fxx), UTF-8 without the trailing line break; NULL when the system has none. */
static char *system_message(uint32_t code)
{
    DWORD flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_FROM_SYSTEM;
    uint32_t win32 = (code & 0xFFFF0000u) == 0x80070000u ? code & 0xFFFFu : code;
    HMODULE winhttp = NULL;
    WCHAR *text = NULL;
    char *out = NULL;
    DWORD len;

    if (win32 >= 12000 && win32 < 12200 && (winhttp = GetModuleHandleW(L"winhttp.dll")))
        flags |= FORMAT_MESSAGE_FROM_HMODULE;
    len = FormatMessageW(flags, winhttp, win32, 0, (WCHAR *)&text, 0, NULL);
    if (!len && win32 != code)
        len = FormatMessageW(flags, winhttp, code, 0, (WCHAR *)&text, 0, NULL);
    while (len && (text[len - 1] == L'\n' || text[len - 1] == L'\r' || text[len - 1] == L' '))
        text[--len] = 0;
    if (len) {
        int n = WideCharToMultiByte(CP_UTF8, 0, text, (int)len, NULL, 0, NULL, NULL);
        if (n > 0 && (out = malloc((size_t)n + 1))) {
            WideCharToMultiByte(CP_UTF8, 0, text, (int)len, out, n, NULL, NULL);
            out[n] = '\0';
        }
    }
    LocalFree(text);
    return out;
}
#endif

char *wsm_error_message(uint32_t code)
{
    const struct error_text *entry = find_text(code);
    if (entry)
        return wsm_strdup(entry->text);

    const char *name = wsm_error_name(code);
    unsigned hex = (unsigned)code;
#ifdef _WIN32
    /* The system knows every Win32, COM and WinHTTP message (in the user's language); ours is the fallback. */
    char *system = system_message(code);
    if (system)
        return system;
#endif
    if (name && is_winrm_code(code))
        return wsm_asprintf("The WinRM client returned error 0x%08X (%s).", hex, name);
    if (name)
        return wsm_asprintf("The operation failed with error 0x%08X (%s).", hex, name);
    if ((code & 0xFFFF0000u) == 0x80070000u) /* HRESULT_FROM_WIN32 */
        return wsm_asprintf("Windows system error %u (0x%08X).", hex & 0xFFFFu, hex);
    return wsm_asprintf("Unknown error 0x%08X.", hex);
}
