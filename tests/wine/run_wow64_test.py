#!/usr/bin/python3
# Both WSMAuto.dlls in ONE 64-bit Wine prefix, the way 64-bit Windows has them, checked from VBScript with
# both script hosts (the 32-bit build's ctest runs this as wine_wow64):
#
#   run_wow64_test.py --dll64 PATH --dll32 PATH --workdir DIR [--timeout S] [-v]
#
#   * makes a new private prefix DIR/prefix (WINEARCH=win64, WINEDEBUG=-all, `wineboot -i`, `wineserver -w`;
#     an old one is removed first, so every run starts from a prefix where nothing is registered); it needs
#     wine32 for SysWOW64's programs;
#   * copies the 64-bit DLL to C:\windows\system32\WSMAuto.dll and the 32-bit one to
#     C:\windows\syswow64\WSMAuto.dll;
#   * goes through these steps, and after each runs tests/wine/wow64.vbs (common.vbs in front, as
#     run_scripts.py does) with C:\windows\system32\cscript.exe (64-bit) and with
#     C:\windows\syswow64\cscript.exe (32-bit), telling it which DLLs are registered:
#       nothing registered; the 64-bit DLL registered by System32's regsvr32; the 32-bit one registered by
#       SysWOW64's regsvr32; the 32-bit one unregistered (the 64-bit one must keep working); the 32-bit one
#       registered again, this time through C:\windows\system32\WSMAuto.dll, which the file system redirects
#       to SysWOW64 for a 32-bit process (the registry must still name SysWOW64); the 64-bit one unregistered
#       (the 32-bit one must keep working); both unregistered (nothing may be left);
#   * a script passes only when cscript exits 0, no line starts with FAIL and the last line is exactly
#     `SUCCESS wow64.vbs` (Wine's cscript prints nothing and exits 0 when a script dies);
#   * prints one line per step and `wine_wow64: N passed, M failed`; exit status 0 only when all passed.
#
# SPDX-License-Identifier: MIT
import argparse
import os
import shutil
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_scripts  # noqa: E402  (the same harness: prefix, loader, script runner, markers)

SCRIPT = os.path.join(run_scripts.HERE, "wow64.vbs")
SYS32_DLL = "C:\\windows\\system32\\WSMAuto.dll"
WOW64_DLL = "C:\\windows\\syswow64\\WSMAuto.dll"


class Wow64(run_scripts.Harness):
    def check_both(self, label, has64, has32):
        for arch in ("64", "32"):
            self.run_script("wow64.vbs, %s-bit cscript: %s" % (arch, label), SCRIPT,
                            ["arch=" + arch, "has64=%d" % has64, "has32=%d" % has32], arch=arch)

    def regsvr32(self, label, arch, dll_win, unregister=False):
        rc = self.register_dll(dll_win, arch, unregister)
        what = "%s\\regsvr32.exe %s%s" % (run_scripts.SYSTEM_DIR[arch], "/u " if unregister else "", dll_win)
        self.report("%s (%s)" % (label, what), rc == 0, ["exit status %d" % rc])

    def run(self):
        for name, path in (("--dll64", self.args.dll64), ("--dll32", self.args.dll32)):
            if not os.path.isfile(path):
                raise RuntimeError("%s: no DLL at %s" % (name, path))
        os.makedirs(self.workdir, exist_ok=True)
        if os.path.exists(self.prefix):
            shutil.rmtree(self.prefix)
        self.make_prefix()
        self.check_programs(["64", "32"])
        windows = os.path.join(self.prefix, "drive_c", "windows")
        shutil.copyfile(self.args.dll64, os.path.join(windows, "system32", "WSMAuto.dll"))
        shutil.copyfile(self.args.dll32, os.path.join(windows, "syswow64", "WSMAuto.dll"))

        self.check_both("nothing registered", 0, 0)
        self.regsvr32("register the 64-bit DLL", "64", SYS32_DLL)
        self.check_both("the 64-bit DLL registered", 1, 0)
        self.regsvr32("register the 32-bit DLL", "32", WOW64_DLL)
        self.check_both("both registered", 1, 1)
        self.regsvr32("unregister the 32-bit DLL", "32", WOW64_DLL, unregister=True)
        self.check_both("the 32-bit DLL unregistered", 1, 0)
        self.regsvr32("register the 32-bit DLL through the redirected System32", "32", SYS32_DLL)
        self.check_both("both registered again", 1, 1)
        self.regsvr32("unregister the 64-bit DLL", "64", SYS32_DLL, unregister=True)
        self.check_both("the 64-bit DLL unregistered", 0, 1)
        self.regsvr32("unregister the 32-bit DLL", "32", WOW64_DLL, unregister=True)
        self.check_both("both unregistered", 0, 0)


def main():
    ap = argparse.ArgumentParser(description="Both WSMAuto.dlls registered in one 64-bit Wine prefix.")
    ap.add_argument("--dll64", required=True, help="the 64-bit WSMAuto.dll (x86_64 build)")
    ap.add_argument("--dll32", required=True, help="the 32-bit WSMAuto.dll (i686 build)")
    ap.add_argument("--workdir", required=True, help="scratch directory (the prefix is made anew in WORKDIR/prefix)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per script (default 120)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show commands and every script's output")
    args = ap.parse_args()

    def on_term(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    h = Wow64(args)
    error = None
    try:
        h.run()
    except KeyboardInterrupt:
        error = "interrupted"
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        error = str(e)
    finally:
        try:
            h.cleanup()
        except (OSError, subprocess.SubprocessError) as e:
            print("cleanup: %s" % e, file=sys.stderr)
    passed = sum(1 for _, ok in h.results if ok)
    failed = len(h.results) - passed
    if error:
        print("wine_wow64: error: %s" % error)
        failed += 1
    print("wine_wow64: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and h.scripts_run > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
