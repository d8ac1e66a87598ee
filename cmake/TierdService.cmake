# The systemd unit for an install prefix: where it is installed and its text
# (packaging/tierd.service.in names the binary and the docs by full path).
# Used when configuring (for /usr, the package's prefix, and for
# CMAKE_INSTALL_PREFIX) and, for any other prefix, at install time.

# Debian 12's own packages put their units in /lib/systemd/system.
function(tierd_unit_dir prefix out)
  if(prefix STREQUAL "/usr")
    set(${out} "/lib/systemd/system" PARENT_SCOPE)
  else()
    set(${out} "${prefix}/lib/systemd/system" PARENT_SCOPE)
  endif()
endfunction()

# The unit for `prefix`, written to `<dir>/tierd.service`; `dir` is one
# folder per prefix under `staging`.
function(tierd_write_unit template staging prefix bindir docdir config_dir out)
  string(MAKE_C_IDENTIFIER "${prefix}" name)
  set(TIERD_BINARY "${prefix}/${bindir}/tierd")
  set(TIERD_DOC_DIR "${prefix}/${docdir}")
  set(TIERD_CONFIG_DIR "${config_dir}")
  configure_file("${template}" "${staging}/${name}/tierd.service" @ONLY)
  set(${out} "${staging}/${name}/tierd.service" PARENT_SCOPE)
endfunction()
