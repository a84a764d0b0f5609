# Warnings for veil's own targets; VEIL_WERROR (on in CI) turns them into errors.
function(veil_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion $<$<BOOL:${VEIL_WERROR}>:-Werror>)
endfunction()
