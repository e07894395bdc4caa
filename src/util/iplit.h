/*
 * IP address literals: the one parser of the IPv4 dotted-decimal form and of the IPv6 text forms of
 * RFC 4291 section 2.2, for host names, TrustedHosts patterns and the CLI's -r check.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_IPLIT_H
#define WSMAUTO_IPLIT_H

#include <stddef.h>

/* s[0..n) as four decimal octets "a.b.c.d" (each 0..255, no leading zero), as inet_pton(AF_INET) takes
 * it. Fills out (network order) when not NULL; returns 1, or 0 when s is not such an address. */
int wsm_ipv4_parse(const char *s, size_t n, unsigned char out[4]);
/* s[0..n) as an IPv6 address in the text forms of RFC 4291 section 2.2 (hex groups, one "::", a trailing
 * dotted IPv4 part), as inet_pton(AF_INET6) takes it: no zone index. Fills out when not NULL. */
int wsm_ipv6_parse(const char *s, size_t n, unsigned char out[16]);
/* The same, followed by an optional zone index "%ZONE" (RFC 4007 section 11; ZONE of letters, digits, '.',
 * '_' and '-'), as a URL may carry it (RFC 6874). */
int wsm_ipv6_parse_zoned(const char *s, size_t n, unsigned char out[16]);
/* Whether the resolver takes host as an address rather than a name: any IPv6 form (a name never holds ':'),
 * or only digits and dots (inet_aton's shorthand "127.1" too). A name gets an SPN and TLS SNI; an address
 * does not. */
int wsm_host_is_ip_literal(const char *host);

#endif
