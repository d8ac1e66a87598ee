# Read by cpack before it builds a package (CPACK_PROJECT_CONFIG_FILE).
#
# /usr/local belongs to the machine's admin, never to a package (Debian
# policy 9.1.2); a .deb laid out there is refused rather than produced.
if(CPACK_GENERATOR STREQUAL "DEB" AND CPACK_PACKAGING_INSTALL_PREFIX MATCHES "^/usr/local(/|$)")
  message(FATAL_ERROR
    "tierd: refusing to build a .deb that installs under ${CPACK_PACKAGING_INSTALL_PREFIX}; "
    "packages install under /usr (the default; do not set CPACK_PACKAGING_INSTALL_PREFIX)")
endif()
