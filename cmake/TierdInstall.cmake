# Install layout and the Debian package.
#
#   cmake -S . -B build -DTIERD_UNITY_BUILD=ON -DTIERD_BUILD_TESTS=OFF -DTIERD_BUILD_BENCH=OFF
#   cmake --build build -j2 --target tierd zendesk-sim freshdesk-sim tierd_man_pages
#   (cd build && cpack -G DEB)       # build/tierd_<version>_<arch>.deb
#
# The package always installs under /usr, whatever CMAKE_INSTALL_PREFIX a
# plain `cmake --install` uses: paths that name the prefix (the unit's
# ExecStart=) are filled in at install time, from the prefix being installed
# to. /etc/tierd is the same for both: the binary looks there by default.
include(GNUInstallDirs)

# Installing and packaging take what is built; they do not build the tests
# and benchmarks first (the packaging test runs inside the test suite).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(TIERD_CONFIG_DIR "/etc/tierd" CACHE PATH "Where the service's tierd.jsonc and tierd.env live")
set(TIERD_PACKAGE_MAINTAINER "tierd developers <dev@tierd.invalid>"
    CACHE STRING "The Maintainer of the .deb: whoever builds and publishes it")

# The manual pages come from the CLI's own --help.
set(TIERD_MAN_DIR ${PROJECT_BINARY_DIR}/man)
add_custom_command(
  OUTPUT ${TIERD_MAN_DIR}/tierd.1.gz
  COMMAND sh ${PROJECT_SOURCE_DIR}/packaging/make-man-pages.sh $<TARGET_FILE:tierd> ${TIERD_MAN_DIR}
  DEPENDS tierd ${PROJECT_SOURCE_DIR}/packaging/make-man-pages.sh
  COMMENT "Writing the manual pages from tierd --help")
add_custom_target(tierd_man_pages ALL DEPENDS ${TIERD_MAN_DIR}/tierd.1.gz)

# The Debian changelog, gzipped without a time stamp (reproducible).
add_custom_command(
  OUTPUT ${PROJECT_BINARY_DIR}/packaging/changelog.gz
  COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/debian/changelog > ${PROJECT_BINARY_DIR}/packaging/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog)
add_custom_target(tierd_debian_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/packaging/changelog.gz)

install(TARGETS tierd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The simulators let an admin try tierd (and its demo) before wiring a real
# account, on either helpdesk.
install(TARGETS zendesk-sim freshdesk-sim RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/tierd)
install(FILES config/tierd.example.jsonc config/demo.json config/demo-freshdesk.json
              config/tierd.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd)
install(DIRECTORY plugin_manifest/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd/plugin_manifest)
# The reverse proxy configuration the README's production topology puts in front.
install(FILES packaging/haproxy/tierd.cfg DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd/haproxy)
install(FILES monitoring/tierd-alerts.yml monitoring/tierd-dashboard.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd/monitoring)
install(FILES packaging/bash-completion/tierd
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(DIRECTORY ${TIERD_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        FILES_MATCHING PATTERN "*.1.gz")
install(FILES README.md CHANGELOG.md packaging/debian/copyright
              ${PROJECT_BINARY_DIR}/packaging/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY config/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The worked example of the README's "A first try", for `tierd simulate` on
# an installed system.
install(FILES config/team-example.jsonc config/sample-events.jsonl
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The unit (its paths name the prefix installed to) and the starting config,
# which is installed only where none exists: `cmake --install` never
# overwrites an admin's config, and in the package it is a conffile.
include(TierdService)
set(tierd_unit_staging ${PROJECT_BINARY_DIR}/packaging/units)
foreach(prefix /usr ${CMAKE_INSTALL_PREFIX})
  tierd_write_unit(${PROJECT_SOURCE_DIR}/packaging/tierd.service.in ${tierd_unit_staging} ${prefix}
                   ${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_DOCDIR} ${TIERD_CONFIG_DIR} unit)
endforeach()
install(CODE "
  set(tierd_cmake_dir \"${PROJECT_SOURCE_DIR}/cmake\")
  set(tierd_unit_template \"${PROJECT_SOURCE_DIR}/packaging/tierd.service.in\")
  set(tierd_unit_staging \"${tierd_unit_staging}\")
  set(tierd_example_config \"${PROJECT_SOURCE_DIR}/config/tierd.example.jsonc\")
  set(tierd_config_dir \"${TIERD_CONFIG_DIR}\")
  set(tierd_bindir \"${CMAKE_INSTALL_BINDIR}\")
  set(tierd_docdir \"${CMAKE_INSTALL_DOCDIR}\")
")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/TierdInstallService.cmake)

if(CMAKE_INSTALL_PREFIX MATCHES "^/usr/local")
  message(STATUS "tierd: `cmake --install` goes to ${CMAKE_INSTALL_PREFIX}; the .deb (cpack -G DEB) "
                 "installs under /usr")
endif()

set(CPACK_PACKAGE_NAME tierd)
set(CPACK_PACKAGE_VENDOR "tierd")
set(CPACK_PACKAGE_CONTACT "${TIERD_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TIERD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tiered support for Zendesk: escalation clocks, review-and-forward")
# Lines of the long description stay under 80 columns (lintian); CPack
# indents each by one space.
set(CPACK_PACKAGE_DESCRIPTION
    "tierd receives Zendesk ticket webhooks, keeps a durable handling clock per
ticket and moves tickets between support tiers on time, with an internal note
saying why. It can also triage new tickets through a review queue and forward
them by route, explain each ticket's timeline and report on tiers and agents.")
set(CPACK_GENERATOR DEB)
# Always /usr, whatever the build's install prefix (see the top of this file).
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # runtime libraries from dpkg-shlibdeps
# Zendesk is reached over HTTPS, verified against the system's CA store;
# the maintainer scripts create the service's user with useradd.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates, passwd")
# Stripped binaries, without a -dbgsym package: CPack 3.25 writes that one's
# md5sums with absolute build paths, which dpkg cannot verify (lintian:
# md5sums-lists-nonexistent-file). Debug with a RelWithDebInfo build instead.
set(CPACK_STRIP_FILES ON)

foreach(script postinst prerm postrm)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/${script}.in
                 ${PROJECT_BINARY_DIR}/packaging/debian/${script} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                  WORLD_READ WORLD_EXECUTE)
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/conffiles.in
               ${PROJECT_BINARY_DIR}/packaging/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/debian/postinst ${PROJECT_BINARY_DIR}/packaging/debian/prerm
    ${PROJECT_BINARY_DIR}/packaging/debian/postrm ${PROJECT_BINARY_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Refuses a package laid out under /usr/local, which Debian keeps for the admin.
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/TierdCPackChecks.cmake)
include(CPack)
