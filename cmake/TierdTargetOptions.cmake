# Per-target compile settings, applied by small functions so that third-party
# code never inherits -Werror and sanitizers stay a build-wide choice.

function(tierd_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
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
