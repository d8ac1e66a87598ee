# Runs at install time (cmake --install, and cpack, which installs under
# /usr): installs the systemd unit for the prefix being installed to, and
# puts the starting config in place where there is none. TierdInstall.cmake
# sets the tierd_* variables before including it.
include("${tierd_cmake_dir}/TierdService.cmake")
set(prefix "${CMAKE_INSTALL_PREFIX}")
tierd_unit_dir("${prefix}" unit_dir)
string(MAKE_C_IDENTIFIER "${prefix}" name)
set(unit "${tierd_unit_staging}/${name}/tierd.service")
if(NOT EXISTS "${unit}")  # a prefix other than /usr and the configured one
  tierd_write_unit("${tierd_unit_template}" "${tierd_unit_staging}" "${prefix}" "${tierd_bindir}"
                   "${tierd_docdir}" "${tierd_config_dir}" unit)
endif()
file(INSTALL "${unit}" DESTINATION "${unit_dir}")

if(EXISTS "$ENV{DESTDIR}${tierd_config_dir}/tierd.jsonc")
  message(STATUS "Keeping: $ENV{DESTDIR}${tierd_config_dir}/tierd.jsonc")
else()
  file(INSTALL "${tierd_example_config}" DESTINATION "${tierd_config_dir}" RENAME tierd.jsonc)
endif()
