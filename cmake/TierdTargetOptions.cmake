# Per-target compile settings, applied by small functions so that third-party
# code never inherits them and sanitizers stay a build-wide choice.

# Warnings are errors in the project's own CI and development presets
# (CMakePresets.json, scripts/test.sh), never by default: a packager's or
# user's build with another compiler version or optimisation level must not
# fail on a warning that compiler happens to add.
option(TIERD_WERROR "Treat compiler warnings as errors" OFF)

function(tierd_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  # GCC 12 at -O3 (the Release build type) reports -Wrestrict for plain
  # std::string concatenation, in our code and in libpqxx's headers alike
  # (GCC bug 105329, fixed in GCC 13); the warning says nothing there.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(TIERD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# TIERD_SANITIZE=ON builds everything with AddressSanitizer and UBSan; the CI
# runs the whole test suite once this way.
function(tierd_enable_sanitizers target)
  if(TIERD_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

function(tierd_target target)
  tierd_set_warnings(${target})
  tierd_enable_sanitizers(${target})
endfunction()
