#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wsmauto test server: a WS-Management (WinRM-like) service for loopback tests.

The server itself is the package wsmserver/ beside this script (see tests/server/README.md); this is its command
line. Run `wsman_server.py --help` for the options.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wsmserver.main import main  # noqa: E402 - after the sys.path change

if __name__ == '__main__':
    sys.exit(main())
