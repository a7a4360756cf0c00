# SPDX-License-Identifier: GPL-2.0-or-later
# Runs sdbus-c++-xml2cpp on one interface file (cmake -P script).
# The generator warns about annotations it does not use (our documentation
# annotations); those warnings are dropped, real failures are not.
execute_process(
  COMMAND ${XML2CPP} ${XML} --adaptor=${ADAPTOR} --proxy=${PROXY}
  RESULT_VARIABLE result
  OUTPUT_QUIET
  ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "sdbus-c++-xml2cpp failed for ${XML}:\n${errors}")
endif()
