# A lean static libxml2, built from Debian's own source package (tools/fetch-debian-source.sh libxml2 DIR unpacks
# it with Debian's patches applied) with the same toolchain as wsmauto, without the parts WSMAuto does not use: no
# ICU, no zlib/lzma, no HTTP/FTP client, no catalogs or legacy API; for the Windows DLL also no iconv
# (UTF-8/UTF-16/Latin-1 are built in) and no HTML, schemas, XPath, XInclude, C14N, reader/writer or regular
# expressions (half of libxml2's code: less to build, to load and to attack; the Linux tests use C14N).
#   Windows (mingw-w64): always; the DLL carries its own libxml2 (docs/windows.md).
#   Linux: only when WSMAUTO_LIBXML2_SOURCE is given. The default Linux build links Debian's shared libxml2, which
#          brings ICU and with it libstdc++ (about 4,700 symbol relocations at every process start: a third of a
#          one-Get wsmanctl process, bench/README.md). This one is position-independent, linked into
#          libwsmauto.so with its symbols kept private (--exclude-libs), and into wsmanctl for the CLI's own
#          parsing. Security fixes arrive by rebuilding from the updated source package.
#   WSMAUTO_LIBXML2_SOURCE  the unpacked source (required on Windows unless WSMAUTO_LIBXML2_PREFIX is given)
#   WSMAUTO_LIBXML2_PREFIX  an existing build of this libxml2 (include/libxml2, lib/libxml2.a) to use instead
# Defines the imported target wsmauto_libxml2.
include(ExternalProject)

set(WSMAUTO_LIBXML2_SOURCE "" CACHE PATH "libxml2 source tree for a lean static build (tools/fetch-debian-source.sh)")
set(WSMAUTO_LIBXML2_PREFIX "" CACHE PATH "prebuilt lean static libxml2 (skips building it)")

if(WSMAUTO_LIBXML2_PREFIX)
  set(_xml_prefix "${WSMAUTO_LIBXML2_PREFIX}")
else()
  if(NOT EXISTS "${WSMAUTO_LIBXML2_SOURCE}/CMakeLists.txt")
    message(FATAL_ERROR "Set WSMAUTO_LIBXML2_SOURCE to libxml2's source tree "
                        "(tools/fetch-debian-source.sh libxml2 <dir>; tools/build-windows.sh does it all)")
  endif()
  set(_xml_prefix "${CMAKE_BINARY_DIR}/deps/libxml2")
  # What WSMAuto never calls: left out everywhere.
  set(_xml_unused -DLIBXML2_WITH_ICU=OFF -DLIBXML2_WITH_LZMA=OFF -DLIBXML2_WITH_ZLIB=OFF -DLIBXML2_WITH_PYTHON=OFF
      -DLIBXML2_WITH_HTTP=OFF -DLIBXML2_WITH_FTP=OFF -DLIBXML2_WITH_CATALOG=OFF -DLIBXML2_WITH_LEGACY=OFF
      -DLIBXML2_WITH_MODULES=OFF -DLIBXML2_WITH_PROGRAMS=OFF -DLIBXML2_WITH_TESTS=OFF -DLIBXML2_WITH_DEBUG=OFF
      -DLIBXML2_WITH_THREADS=ON)
  set(_xml_platform_args)
  if(WIN32)
    # The DLL also goes without iconv and the modules neither it nor its tests use.
    list(APPEND _xml_unused -DLIBXML2_WITH_ICONV=OFF -DLIBXML2_WITH_HTML=OFF -DLIBXML2_WITH_DOCB=OFF
         -DLIBXML2_WITH_SCHEMAS=OFF -DLIBXML2_WITH_SCHEMATRON=OFF -DLIBXML2_WITH_XPATH=OFF -DLIBXML2_WITH_XPTR=OFF
         -DLIBXML2_WITH_XINCLUDE=OFF -DLIBXML2_WITH_C14N=OFF -DLIBXML2_WITH_READER=OFF -DLIBXML2_WITH_WRITER=OFF
         -DLIBXML2_WITH_PATTERN=OFF -DLIBXML2_WITH_REGEXPS=OFF)
    get_filename_component(_toolchain "${CMAKE_TOOLCHAIN_FILE}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    # Windows threads, not winpthreads (mingw ships pthread.h, which libxml2 would prefer), and per-thread state
    # freed by xmlDllMain, which WSMAuto's DllMain calls (register.c).
    list(APPEND _xml_platform_args -DCMAKE_TOOLCHAIN_FILE=${_toolchain} -DHAVE_PTHREAD_H= -DCMAKE_HAVE_PTHREAD_H=
         -DCMAKE_C_FLAGS=-DLIBXML_STATIC_FOR_DLL)
  else()
    list(APPEND _xml_platform_args -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER} -DCMAKE_POSITION_INDEPENDENT_CODE=ON)
  endif()
  ExternalProject_Add(libxml2_lean
    SOURCE_DIR "${WSMAUTO_LIBXML2_SOURCE}"
    BINARY_DIR "${CMAKE_BINARY_DIR}/deps/libxml2-build"
    INSTALL_DIR "${_xml_prefix}"
    CMAKE_ARGS ${_xml_platform_args} -DCMAKE_BUILD_TYPE=Release
               -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR> -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF
               ${_xml_unused}
    BUILD_BYPRODUCTS "${_xml_prefix}/lib/libxml2.a"
    UPDATE_COMMAND ""
    LOG_CONFIGURE ON LOG_BUILD ON LOG_INSTALL ON LOG_OUTPUT_ON_FAILURE ON)
endif()

file(MAKE_DIRECTORY "${_xml_prefix}/include/libxml2")
add_library(wsmauto_libxml2 STATIC IMPORTED GLOBAL)
if(WIN32)
  set_target_properties(wsmauto_libxml2 PROPERTIES
    IMPORTED_LOCATION "${_xml_prefix}/lib/libxml2.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_xml_prefix}/include/libxml2"
    INTERFACE_COMPILE_DEFINITIONS "LIBXML_STATIC;LIBXML_STATIC_FOR_DLL"
    INTERFACE_LINK_LIBRARIES "ws2_32;bcrypt")
else()
  set_target_properties(wsmauto_libxml2 PROPERTIES
    IMPORTED_LOCATION "${_xml_prefix}/lib/libxml2.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_xml_prefix}/include/libxml2"
    INTERFACE_COMPILE_DEFINITIONS "LIBXML_STATIC"
    INTERFACE_LINK_LIBRARIES "m;Threads::Threads")
endif()
if(TARGET libxml2_lean)
  add_dependencies(wsmauto_libxml2 libxml2_lean)
endif()
