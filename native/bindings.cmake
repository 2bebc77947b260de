# Regenerates every jextract binding package from native/: for each native/<os>/<name>.jextract
# argument file, the header native/<os>/<name>.h is run through jextract into java/src/main/java,
# after the package it names has been emptied. Run through the `bindings` target:
#   cmake -S . -B build -DJEXTRACT=/path/to/jextract && cmake --build build --target bindings
#
# Cross targets: a directory native/<os>/<arch>/ holding a compile_flags.txt (clang flags: the
# target triple and the cross headers) makes every native/<os>/<name>.jextract be generated a
# second time, into <package>.<arch> with header class <name>_<arch>_h, with jextract run in that
# directory: jextract passes a compile_flags.txt of its working directory to libclang. So both sets
# come from the same headers and the same lists of names. (native/linux/aarch64/README.md)
# It does nothing else, and fails if JEXTRACT does not name an executable.
if(NOT JEXTRACT OR NOT EXISTS "${JEXTRACT}")
  message(FATAL_ERROR "bindings: set JEXTRACT to a jextract executable (now: '${JEXTRACT}')")
endif()
get_filename_component(root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(out "${root}/java/src/main/java")
file(GLOB argfiles "${root}/native/*/*.jextract")

# Runs jextract on header with the argument file's list; package and header class as given (they
# replace the argument file's own); in directory dir, whose compile_flags.txt, if any, jextract reads.
function(generate argfile header package header_class dir)
  file(STRINGS "${argfile}" lines)
  foreach(option "--target-package" "--header-class-name")
    list(FIND lines "${option}" at)
    math(EXPR value "${at} + 1")
    list(REMOVE_AT lines ${at} ${value})
  endforeach()
  string(REPLACE "." "/" package_dir "${package}")
  # One package may hold several headers' bindings: clear only this header's classes.
  file(GLOB old "${out}/${package_dir}/${header_class}.java" "${out}/${package_dir}/${header_class}$*.java")
  if(old)
    file(REMOVE ${old})
  endif()
  set(args "${CMAKE_CURRENT_BINARY_DIR}/${header_class}.${package}.jextract")
  list(JOIN lines "\n" text)
  file(WRITE "${args}" "--target-package\n${package}\n--header-class-name\n${header_class}\n${text}\n")
  message(STATUS "jextract ${header} -> ${package}.${header_class}")
  execute_process(COMMAND "${JEXTRACT}" --output "${out}" "@${args}" "${header}"
                  WORKING_DIRECTORY "${dir}" RESULT_VARIABLE rc)
  file(REMOVE "${args}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "jextract failed (${rc}) on ${header}")
  endif()
endfunction()

foreach(argfile IN LISTS argfiles)
  string(REGEX REPLACE "\\.jextract$" ".h" header "${argfile}")
  file(STRINGS "${argfile}" lines)
  list(FIND lines "--target-package" at)
  math(EXPR at "${at} + 1")
  list(GET lines ${at} package)
  string(REPLACE "." "/" package_dir "${package}")
  list(FIND lines "--header-class-name" hat)
  math(EXPR hat "${hat} + 1")
  list(GET lines ${hat} header_class)
  generate("${argfile}" "${header}" "${package}" "${header_class}" "${root}/native")

  get_filename_component(os_dir "${argfile}" DIRECTORY)
  file(GLOB cross_flags "${os_dir}/*/compile_flags.txt")
  foreach(flags IN LISTS cross_flags)
    get_filename_component(cross_dir "${flags}" DIRECTORY)
    get_filename_component(arch "${cross_dir}" NAME)
    file(STRINGS "${flags}" system_dirs REGEX "^-isystem")
    foreach(dir IN LISTS system_dirs)
      string(REGEX REPLACE "^-isystem *" "" dir "${dir}")
      if(NOT EXISTS "${dir}")
        message(FATAL_ERROR "bindings: ${flags} needs the headers in ${dir} (${arch}: Debian libc6-dev-arm64-cross)")
      endif()
    endforeach()
    string(REGEX REPLACE "_h$" "_${arch}_h" cross_class "${header_class}")
    generate("${argfile}" "${header}" "${package}.${arch}" "${cross_class}" "${cross_dir}")
  endforeach()
  # Bindings for Windows are generated here on Linux. jextract's template declares
  #   C_LONG = (ValueLayout.OfLong) Linker.nativeLinker().canonicalLayouts().get("long")
  # in <header>$shared.java, and on Windows `long` is 32 bits (an OfInt): that cast would throw
  # when the class loads there. The Windows headers use no `long` (64 bits are `long long`), so
  # the one declaration is dropped, after checking that no generated file refers to C_LONG.
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
