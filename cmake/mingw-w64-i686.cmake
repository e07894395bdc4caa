# Cross-compiling the 32-bit WSMAuto.dll (for SysWOW64, or 32-bit Windows) with Debian's mingw-w64:
#   cmake -S . -B build-win32 -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-i686.cmake
# (tools/build-windows.sh does this next to the 64-bit build, including libxml2 from Debian's source package.)
# The same as cmake/mingw-w64-x86_64.cmake but for i686-w64-mingw32 (gcc-mingw-w64-i686-win32).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(WSMAUTO_MINGW_TRIPLET i686-w64-mingw32)

# The -win32 (Windows threads) flavour: no libwinpthread-1.dll beside the DLL.
find_program(CMAKE_C_COMPILER NAMES ${WSMAUTO_MINGW_TRIPLET}-gcc-win32 ${WSMAUTO_MINGW_TRIPLET}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${WSMAUTO_MINGW_TRIPLET}-windres REQUIRED)
set(CMAKE_FIND_ROOT_PATH /usr/${WSMAUTO_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
