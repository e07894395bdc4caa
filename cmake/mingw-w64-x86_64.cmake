# Cross-compiling WSMAuto.dll for 64-bit Windows with Debian's mingw-w64:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
# (tools/build-windows.sh does this, including libxml2 from Debian's source package.)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(WSMAUTO_MINGW_TRIPLET x86_64-w64-mingw32)

# Debian ships -win32 (Windows threads) and -posix (winpthreads) flavours; either works, the win32 one needs
# no libwinpthread-1.dll beside the DLL.
find_program(CMAKE_C_COMPILER NAMES ${WSMAUTO_MINGW_TRIPLET}-gcc-win32 ${WSMAUTO_MINGW_TRIPLET}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${WSMAUTO_MINGW_TRIPLET}-windres REQUIRED)
set(CMAKE_FIND_ROOT_PATH /usr/${WSMAUTO_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
