/* initguid.h: Linux stand-in; makes DEFINE_GUID define the GUIDs (wsmauto runtime).
 * SPDX-License-Identifier: MIT */
#ifndef INITGUID
#define INITGUID
#endif
#include "wsmauto_rt.h"
#undef DEFINE_GUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                                         \
    EXTERN_C const GUID DECLSPEC_SELECTANY name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
