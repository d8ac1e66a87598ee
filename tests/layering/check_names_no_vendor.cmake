# Fails when a file under DIR names a helpdesk vendor (VENDORS, a ;-list,
# matched without regard to case) anywhere, comments included: the layer is
# vendor-neutral, and a vendor's name there is the first sign of a vendor's
# rule leaking in. Lists every file and line that does.
file(GLOB_RECURSE files ${DIR}/*)
set(found "")
foreach(file ${files})
  file(STRINGS ${file} lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    string(TOLOWER "${line}" lower)
    foreach(vendor ${VENDORS})
      string(FIND "${lower}" "${vendor}" at)
      if(NOT at EQUAL -1)
        file(RELATIVE_PATH shown ${DIR} ${file})
        string(APPEND found "\n  ${shown}:${number}: ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "${DIR} names a helpdesk vendor:${found}")
endif()
