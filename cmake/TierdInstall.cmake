# Install layout and the Debian package.
#
#   cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build -j2
#   cmake --install build                 # binary, example config, schema, systemd unit
#   cd build && cpack -G DEB              # tierd_<version>_<arch>.deb
#
# The unit and the maintainer script name absolute paths, so they are filled
# in from the install prefix at configure time.
include(GNUInstallDirs)

# Installing and packaging take what is built; they do not build the tests
# and benchmarks first (the packaging test runs inside the test suite).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(TIERD_CONFIG_DIR "/etc/tierd" CACHE PATH "Where the systemd unit expects tierd.jsonc and tierd.env")
set(TIERD_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where the systemd unit is installed")

configure_file(${PROJECT_SOURCE_DIR}/packaging/tierd.service.in ${PROJECT_BINARY_DIR}/packaging/tierd.service @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/packaging/postinst.in ${PROJECT_BINARY_DIR}/packaging/postinst @ONLY
               FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                                WORLD_EXECUTE)

install(TARGETS tierd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The simulator lets an admin try tierd (and its demo) before wiring a real account.
install(TARGETS zendesk-sim RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/tierd)
install(FILES config/tierd.example.jsonc config/demo.json config/tierd.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd)
install(DIRECTORY plugin_manifest/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd/plugin_manifest)
# The reverse proxy configuration the README's production topology puts in front.
install(FILES packaging/haproxy/tierd.cfg DESTINATION ${CMAKE_INSTALL_DATADIR}/tierd/haproxy)
install(FILES ${PROJECT_BINARY_DIR}/packaging/tierd.service DESTINATION ${TIERD_SYSTEMD_UNIT_DIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME tierd)
set(CPACK_PACKAGE_VENDOR "tierd")
set(CPACK_PACKAGE_CONTACT "tierd maintainers <tierd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tiered support for Zendesk: escalation clocks, review-and-forward")
set(CPACK_PACKAGE_DESCRIPTION
    "tierd receives Zendesk ticket webhooks, keeps durable per-ticket handling clocks and moves tickets \
between support tiers on time, with an internal note saying why.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # runtime libraries from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/packaging/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
