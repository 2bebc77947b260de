# Regenerates every jextract binding package from native/: for each native/<os>/<name>.jextract
# argument file, the header native/<os>/<name>.h is run through jextract into java/src/main/java,
# after the package it names has been emptied. Run through the `bindings` target:
#   cmake -S . -B build -DJEXTRACT=/path/to/jextract && cmake --build build --target bindings
# It does nothing else, and fails if JEXTRACT does not name an executable.
if(NOT JEXTRACT OR NOT EXISTS "${JEXTRACT}")
  message(FATAL_ERROR "bindings: set JEXTRACT to a jextract executable (now: '${JEXTRACT}')")
endif()
get_filename_component(root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(out "${root}/java/src/main/java")
file(GLOB argfiles "${root}/native/*/*.jextract")
foreach(argfile IN LISTS argfiles)
  string(REGEX REPLACE "\\.jextract$" ".h" header "${argfile}")
  file(STRINGS "${argfile}" lines)
  list(FIND lines "--target-package" at)
  math(EXPR at "${at} + 1")
  list(GET lines ${at} package)
  string(REPLACE "." "/" package_dir "${package}")
  # One package may hold several headers' bindings: clear only this header's classes.
  list(FIND lines "--header-class-name" hat)
  math(EXPR hat "${hat} + 1")
  list(GET lines ${hat} header_class)
  file(GLOB old "${out}/${package_dir}/${header_class}.java" "${out}/${package_dir}/${header_class}$*.java")
  if(old)
    file(REMOVE ${old})
  endif()
  message(STATUS "jextract ${header} -> ${package}")
  execute_process(COMMAND "${JEXTRACT}" --output "${out}" "@${argfile}" "${header}"
                  WORKING_DIRECTORY "${root}/native" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "jextract failed (${rc}) on ${header}")
  endif()
  # Bindings for Windows are generated here on Linux. jextract's template declares
  #   C_LONG = (ValueLayout.OfLong) Linker.nativeLinker().canonicalLayouts().get("long")
  # in <header>$shared.java, and on Windows `long` is 32 bits (an OfInt): that cast would throw
  # when the class loads there. The Windows headers use no `long` (64 bits are `long long`), so
  # the one declaration is dropped, after checking that no generated file refers to C_LONG.
  get_filename_component(os_dir "${argfile}" DIRECTORY)
  get_filename_component(os "${os_dir}" NAME)
  if(os STREQUAL "windows")
    file(GLOB generated "${out}/${package_dir}/${header_class}.java" "${out}/${package_dir}/${header_class}$*.java"
                        "${out}/${package_dir}/[A-Z]*.java")
    foreach(java IN LISTS generated)
      file(STRINGS "${java}" uses REGEX "C_LONG[^_A-Za-z0-9]" )
      list(FILTER uses EXCLUDE REGEX "C_LONG = ")
      if(uses)
        message(FATAL_ERROR "${java} uses C_LONG, which is 32 bits on Windows: use long long in ${header}")
      endif()
    endforeach()
    set(shared "${out}/${package_dir}/${header_class}$shared.java")
    file(READ "${shared}" text)
    string(REGEX REPLACE "[ ]*public static final ValueLayout\\.OfLong C_LONG = [^\n]*\n" "" text "${text}")
    file(WRITE "${shared}" "${text}")
  endif()
endforeach()
