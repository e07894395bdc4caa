#!/usr/bin/env python3
"""The type library widl built holds the library, both coclasses, all 12
interfaces, the 4 enums and sample members: each appears as an exact entry
of the MSFT name table (length byte, 3 hash bytes, the name, 'W' padding).
Usage: tlb_contents.py path/to/wsmandisp.tlb"""
import re
import sys

NAMES = """WSManAutomation WSMan WSManInternal IWSMan IWSManEx IWSManEx2 IWSManEx3
IWSManConnectionOptions IWSManConnectionOptionsEx IWSManConnectionOptionsEx2 IWSManSession
IWSManEnumerator IWSManResourceLocator IWSManResourceLocatorInternal IWSManInternal
_WSManSessionFlags _WSManEnumFlags _WSManProxyAccessTypeFlags _WSManProxyAuthenticationFlags
ConfigSDDL GetErrorMessage MustUnderstandOptions AtEndOfStream SessionFlagUseSsl""".split()

data = open(sys.argv[1], "rb").read()
passed = failed = 0
if data[:4] == b"MSFT":
    passed += 1
else:
    failed += 1
    print("FAILED: not an MSFT type library", file=sys.stderr)
for name in NAMES:
    raw = name.encode()
    pad = (4 - len(raw) % 4) % 4
    entry = re.escape(bytes([len(raw)])) + rb"[\s\S]{3}" + re.escape(raw) + rb"W" * pad
    if re.search(entry, data):
        passed += 1
    else:
        failed += 1
        print("FAILED: %s is not in the name table" % name, file=sys.stderr)
print("tlb_contents: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
