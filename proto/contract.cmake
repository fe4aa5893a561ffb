# contract.cmake: lays out the contract for other languages (run by the
# polytomic_contract target as `cmake -P`).
#
#   cmake -DPROTOC=protoc -DOUT=<build>/proto/contract
#         -DINCLUDES="<root1>|<root2>|..." -DFILES="polytomic/v1/a.proto|..."
#         -P contract.cmake
#
# OUT receives each of FILES and every file they import, at its import path
# (so `protoc -I OUT` resolves everything with nothing else), and
# polytomic-v1.protoset: FILES and their imports, with source info (comments).
# The imports come from protoc itself (--dependency_out), not from parsing,
# so whatever protoc resolves is exactly what is copied. INCLUDES are searched
# in order, as protoc's -I are.
foreach(var PROTOC OUT INCLUDES FILES)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "contract.cmake: -D${var}=... is required")
  endif()
endforeach()

# Lists come '|'-separated: a ';' would split the add_custom_command argument.
string(REPLACE "|" ";" INCLUDES "${INCLUDES}")
string(REPLACE "|" ";" FILES "${FILES}")

set(include_args)
foreach(root ${INCLUDES})
  list(APPEND include_args "--proto_path=${root}")
endforeach()

set(work ${OUT}.tmp)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

# protoc writes a dependency file for one input at a time.
set(sources)
set(index 0)
foreach(proto ${FILES})
  math(EXPR index "${index} + 1")
  execute_process(
    COMMAND ${PROTOC} ${include_args}
      --descriptor_set_out=${work}/deps.protoset
      --dependency_out=${work}/${index}.d ${proto}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "contract.cmake: protoc failed on ${proto}")
  endif()
  file(READ ${work}/${index}.d deps)
  # "<target>: <file>\\\n <file>\\\n ..." -> the files.
  string(REGEX REPLACE "^[^:]*: " "" deps "${deps}")
  string(REGEX REPLACE "\\\\\n" ";" deps "${deps}")
  foreach(dep ${deps})
    string(STRIP "${dep}" dep)
    if(dep)
      list(APPEND sources ${dep})
    endif()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES sources)

# Each file goes to its import path: its path below the first include root
# that holds it, as protoc found it.
foreach(source ${sources})
  set(import_path)
  foreach(root ${INCLUDES})
    file(RELATIVE_PATH rel ${root} ${source})
    if(NOT rel MATCHES "^\\.\\./" AND EXISTS ${root}/${rel})
      set(import_path ${rel})
      break()
    endif()
  endforeach()
  if(NOT import_path)
    message(FATAL_ERROR "contract.cmake: ${source} is under no include root")
  endif()
  get_filename_component(dir ${work}/contract/${import_path} DIRECTORY)
  file(COPY ${source} DESTINATION ${dir})
endforeach()

execute_process(
  COMMAND ${PROTOC} ${include_args} --include_imports --include_source_info
    --descriptor_set_out=${work}/contract/polytomic-v1.protoset ${FILES}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "contract.cmake: protoc failed writing the protoset")
endif()

# Replace the previous layout whole, so a file no longer imported goes away.
file(REMOVE_RECURSE ${OUT})
file(RENAME ${work}/contract ${OUT})
file(REMOVE_RECURSE ${work})
