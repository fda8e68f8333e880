# ctest script: installs the build into a scratch prefix, checks the bin/ lib/ include/ layout, runs the installed
# example, and builds a C89 host against the prefix with find_package(SegEngine) and with plain -lsegengine.
foreach(variable BUILD_DIR SOURCE MODEL CASE WORK)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "install_and_consume.cmake needs -D${variable}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${status}): ${command}")
  endif()
endfunction()

set(prefix "${WORK}/prefix")
file(REMOVE_RECURSE "${WORK}")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(file lib/libsegengine.so lib/libonnxruntime.so include/segengine.h include/segengine.hpp
             lib/cmake/SegEngine/SegEngineConfig.cmake lib/cmake/SegEngine/SegEngineConfigVersion.cmake)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "the install has no ${file}")
  endif()
endforeach()

if(EXISTS "${prefix}/bin/segment_nifti")
  run("${prefix}/bin/segment_nifti" --disable-tta "${MODEL}" "${WORK}/installed_example.nii.gz" "${CASE}")
endif()

run("${CMAKE_COMMAND}" -S "${SOURCE}" -B "${WORK}/consumer" "-DCMAKE_PREFIX_PATH=${prefix}")
run("${CMAKE_COMMAND}" --build "${WORK}/consumer")
run("${WORK}/consumer/consumer" "${MODEL}")

run(cc -std=c89 -pedantic -Wall -Wextra -Werror "${SOURCE}/consumer.c" "-I${prefix}/include" "-L${prefix}/lib" -lsegengine
    "-Wl,-rpath,${prefix}/lib" -o "${WORK}/plain_consumer")
run("${WORK}/plain_consumer" "${MODEL}")
