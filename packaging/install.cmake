# install.cmake — makes relief installable like a Unix tool: the program and
# its gogen link, librelief (shared) with its header and relief.pc, man pages,
# shell completions, the shipped flow files and the docs; and a Debian
# package of exactly those files (cpack -G DEB). Included last from the
# top-level CMakeLists.txt, so every target it names already exists.
include(GNUInstallDirs)

# librelief.so for programs that use the API: the static engine's own
# objects (position-independent, compiled once) linked whole into a shared
# library. The engine is compiled with hidden visibility, so only what
# relief/relief.h marks RELIEF_API is exported; the internals stay hidden,
# and the ABI is the public header and nothing more.
add_library(relief_shared SHARED ${PROJECT_SOURCE_DIR}/packaging/shared_lib.c)
set_target_properties(relief_shared PROPERTIES
  OUTPUT_NAME relief
  VERSION ${PROJECT_VERSION}
  SOVERSION 0
  POSITION_INDEPENDENT_CODE ON
  C_VISIBILITY_PRESET hidden)
target_link_libraries(relief_shared PRIVATE relief_flags "$<LINK_LIBRARY:WHOLE_ARCHIVE,relief_engine>")
target_include_directories(relief_shared PUBLIC ${PROJECT_SOURCE_DIR}/include)

# --- what `cmake --install` puts where --------------------------------------
install(TARGETS relief RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET relief-gen)
  install(TARGETS relief-gen RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The BEAR desktop app runs `gogen`: a relative link next to the program,
# made at build time, and installed as the link it is (file(INSTALL) keeps
# symlinks), so it is right under any --prefix and under DESTDIR.
install(FILES ${CMAKE_BINARY_DIR}/gogen DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS relief_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})  # librelief.so.0.x, .so.0 and the .so namelink
# relief.h is the whole public API and stands alone.
install(FILES ${PROJECT_SOURCE_DIR}/include/relief/relief.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/relief)

# relief.pc finds its prefix from where it lies (${pcfiledir}), so the same
# file is right after `cmake --install --prefix ANY`, under DESTDIR and in the
# .deb. Absolute GNUInstallDirs paths are used as they are.
set(RELIEF_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${RELIEF_PC_DIR}")
  set(RELIEF_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH RELIEF_PC_UP "/root/${RELIEF_PC_DIR}" "/root")
  string(REGEX REPLACE "/$" "" RELIEF_PC_UP "${RELIEF_PC_UP}")
  set(RELIEF_PC_PREFIX "\${pcfiledir}/${RELIEF_PC_UP}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(RELIEF_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(RELIEF_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/relief.pc.in ${CMAKE_BINARY_DIR}/relief.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/relief.pc DESTINATION ${RELIEF_PC_DIR})

install(FILES ${CMAKE_CURRENT_LIST_DIR}/relief.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
if(TARGET relief-gen)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/relief-gen.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# bash-completion loads a command's file by the command's name: gogen gets
# the same script under its own name.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/completion/relief.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME relief)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/completion/relief.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME gogen)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/completion/_relief
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

install(FILES ${PROJECT_SOURCE_DIR}/flows/los-angeles.json
  DESTINATION ${CMAKE_INSTALL_DATADIR}/relief/flows)
file(GLOB RELIEF_EXAMPLE_FLOWS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/flows/examples/*.json)
install(FILES ${RELIEF_EXAMPLE_FLOWS} DESTINATION ${CMAKE_INSTALL_DATADIR}/relief/flows/examples)

file(GLOB RELIEF_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${RELIEF_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# --- Debian package: `cd build && cpack -G DEB` -----------------------------
# It holds exactly the files installed above (no test or bench programs: they
# have no install rules). dpkg-shlibdeps (dpkg-dev) writes Depends from the
# libraries the binaries link (libzstd1, libjansson4, libhpdf, libgomp1...);
# GENERATE_SHLIBS adds the shlibs file and ldconfig trigger for librelief.so.0.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME relief)
set(CPACK_PACKAGE_VENDOR "relief")
set(CPACK_PACKAGE_CONTACT "relief maintainers <relief@localhost>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "bulk Prop 64 conviction relief from CA DOJ research extracts")
# CPack writes the summary as the Description line and indents these lines.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "relief reads the California Department of Justice's research extracts
(plain or zstd), finds every person, decides for each cannabis conviction
what relief the law (HS 11361.9) and the county's policy give, and writes
row-level spreadsheets, a summary, a report and court motions. Installed
as gogen it is a drop-in for the reference tool in the BEAR desktop app.
Includes librelief, its header and pkg-config file.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
