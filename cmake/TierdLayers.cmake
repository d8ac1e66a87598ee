# tierd_add_layer(NAME [DIR dir] [EXCLUDE name...] LINK target...)
#
# Builds the static library tierd_<NAME> from every .cpp under DIR (default
# src/<NAME>), minus the EXCLUDEd files or subfolders, linked PUBLIC to LINK.
#
# Its include root is a folder of the build tree holding one entry, a link
# named <NAME> to the layer's sources. Consumers therefore write
# `#include "<NAME>/header.h"` and reach only the layers they link: a header
# of a layer that is not linked is simply not on the include path.
function(tierd_add_layer name)
  cmake_parse_arguments(L "" "DIR" "EXCLUDE;LINK" ${ARGN})
  if(NOT L_DIR)
    set(L_DIR ${PROJECT_SOURCE_DIR}/src/${name})
  endif()
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${L_DIR}/*.cpp)
  foreach(excluded ${L_EXCLUDE})
    list(FILTER sources EXCLUDE REGEX "^${L_DIR}/${excluded}(/|$)")
  endforeach()
  set(root ${PROJECT_BINARY_DIR}/include_roots/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${L_DIR} ${root}/${name} SYMBOLIC)
  add_library(tierd_${name} STATIC ${sources})
  target_include_directories(tierd_${name} PUBLIC ${root})
  target_link_libraries(tierd_${name} PUBLIC ${L_LINK})
  tierd_target(tierd_${name})
endfunction()
