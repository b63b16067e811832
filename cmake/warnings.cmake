# SPDX-License-Identifier: GPL-2.0-or-later
# Warning set for teredod's own targets. Third-party code and test harnesses use teredo_relaxed_warnings().
function(teredo_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough -Wcast-qual)
  if(TEREDO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(teredo_relaxed_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(TEREDO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Hardening for release-like builds.
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT TEREDO_SANITIZE AND NOT TEREDO_FUZZ)
  add_compile_options(-fstack-protector-strong -D_FORTIFY_SOURCE=2)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_link_options(-Wl,-z,relro,-z,now -pie)
endif()
