/*
 * The core's `char **detail` sentences (detail.h).
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "core.h"
#include "detail.h"

int32_t wsm_fail(char **detail, int32_t code, const char *fmt, ...)
{
    if (!detail)
        return code;
    va_list ap;
    va_start(ap, fmt);
    *detail = wsm_vasprintf(fmt, ap);
    va_end(ap);
    return *detail ? code : WSM_E_OUTOFMEMORY;
}

int wsm_errno_is_fd_exhaustion(int err)
{
    return err == EMFILE || err == ENFILE;
}

int wsm_fd_shortage_now(void)
{
#ifndef _WIN32
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return wsm_errno_is_fd_exhaustion(errno) ? errno : 0;
#else
    return 0;
#endif
}

const char *wsm_fd_exhaustion_text(int err, char *buf, size_t size)
{
    if (err == ENFILE) {
        snprintf(buf, size, "the system has reached its limit of open files");
        return buf;
    }
#ifndef _WIN32
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        snprintf(buf, size, "the process has reached its open-file limit (RLIMIT_NOFILE, now %llu)",
                 (unsigned long long)rl.rlim_cur);
        return buf;
    }
#endif
    snprintf(buf, size, "the process has reached its open-file limit");
    return buf;
}
