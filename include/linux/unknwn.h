/* unknwn.h: Linux stand-in for the Windows header of that name (wsmauto runtime).
 * SPDX-License-Identifier: MIT */
#include "wsmauto_rt.h"
