# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the build-information header (cmake/build_info.hpp.in) at every build, in script mode:
#   cmake -DSOURCE_DIR=... -DTEMPLATE=... -DOUTPUT=... -DREVISION=... -DTEREDO_BUILD_...=... -P build_info.cmake
# The revision is REVISION when set (a package build without .git sets TEREDO_REVISION), else
# `git describe --always --dirty` of SOURCE_DIR, else "unknown". configure_file leaves OUTPUT
# untouched when nothing changed, so that an unchanged revision recompiles nothing.
if(REVISION)
  set(TEREDO_BUILD_REVISION "${REVISION}")
else()
  set(TEREDO_BUILD_REVISION "unknown")
  find_program(GIT_EXECUTABLE git)
  if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" describe --always --dirty
                    OUTPUT_VARIABLE _described OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _status)
    if(_status EQUAL 0 AND _described MATCHES "^[A-Za-z0-9._+-]+$")
      set(TEREDO_BUILD_REVISION "${_described}")
    endif()
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
