/*
 * Random bytes from the operating system's CSPRNG.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stddef.h>

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>
#else
#include <fcntl.h>
#include <sys/random.h>
#include <sys/types.h>
#include <unistd.h>
#endif

#include "random.h"

int wsm_random_bytes(void *buf, size_t n)
{
#ifdef _WIN32
    for (size_t got = 0; got < n;) {
        ULONG chunk = n - got > 0x10000000u ? 0x10000000u : (ULONG)(n - got);
        if (!BCRYPT_SUCCESS(
                BCryptGenRandom(NULL, (unsigned char *)buf + got, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return 0;
        got += chunk;
    }
    return 1;
#else
    unsigned char *b = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(b + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break; /* ENOSYS on old kernels, or a seccomp filter: try the device */
        }
        got += (size_t)r;
    }
    if (got == n)
        return 1;

    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    for (got = 0; got < n;) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == n;
#endif
}
