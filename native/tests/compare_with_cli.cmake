# ctest script: the example host and `segengine predict` segment the same case with the same settings; their output
# files must be identical byte for byte (same engine, same writer, same gzip stream).
foreach(variable EXAMPLE DOTNET CLI MODEL CASE WORK)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "compare_with_cli.cmake needs -D${variable}=...")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/input" "${WORK}/cli" "${WORK}/example")
file(COPY "${CASE}" DESTINATION "${WORK}/input")
get_filename_component(channel_file "${CASE}" NAME)
string(REGEX REPLACE "_[0-9][0-9][0-9][0-9](\\..*)$" "\\1" output_name "${channel_file}")

execute_process(COMMAND "${EXAMPLE}" --disable-tta "${MODEL}" "${WORK}/example/${output_name}" "${CASE}"
                RESULT_VARIABLE example_status)
if(NOT example_status EQUAL 0)
  message(FATAL_ERROR "${EXAMPLE} failed: ${example_status}")
endif()

execute_process(COMMAND "${DOTNET}" "${CLI}" predict -i "${WORK}/input" -o "${WORK}/cli" -m "${MODEL}" --disable_tta
                RESULT_VARIABLE cli_status)
if(NOT cli_status EQUAL 0)
  message(FATAL_ERROR "segengine predict failed: ${cli_status}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${WORK}/example/${output_name}" "${WORK}/cli/${output_name}"
                RESULT_VARIABLE different)
if(NOT different EQUAL 0)
  message(FATAL_ERROR "${WORK}/example/${output_name} and ${WORK}/cli/${output_name} differ")
endif()
message(STATUS "identical: ${WORK}/example/${output_name} and ${WORK}/cli/${output_name}")
