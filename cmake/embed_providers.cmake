# Writes OUTPUT, a C++ file holding every providers/*.json (sorted by name, byte
# for byte) as a raw string literal, so the core carries the provider
# definitions without a filesystem. Run by the build: cmake -DPROVIDERS_DIR=...
# -DOUTPUT=... -P embed_providers.cmake. The [providers] tests parse and
# validate what it embeds.
file(GLOB definition_files RELATIVE "${PROVIDERS_DIR}" "${PROVIDERS_DIR}/*.json")
list(REMOVE_ITEM definition_files "schema.json")
list(SORT definition_files)

set(literals "")
foreach(name IN LISTS definition_files)
  file(READ "${PROVIDERS_DIR}/${name}" text)
  string(JSON id ERROR_VARIABLE parse_error GET "${text}" id)
  if(parse_error)
    message(FATAL_ERROR "providers/${name}: ${parse_error}")
  endif()
  string(REGEX REPLACE "\\.json$" "" expected_id "${name}")
  if(NOT id STREQUAL expected_id)
    message(FATAL_ERROR "providers/${name}: \"id\" is \"${id}\", expected \"${expected_id}\"")
  endif()
  # A raw string delimiter that does not occur in the text.
  set(delimiter "json")
  set(n 0)
  string(FIND "${text}" ")${delimiter}\"" clash)
  while(NOT clash EQUAL -1)
    math(EXPR n "${n} + 1")
    set(delimiter "json${n}")
    string(FIND "${text}" ")${delimiter}\"" clash)
  endwhile()
  string(APPEND literals "    // providers/${name}\n    R\"${delimiter}(${text})${delimiter}\",\n")
endforeach()

set(content "// Generated at build time from providers/*.json by cmake/embed_providers.cmake.
#include \"catalog/providers_data.h\"

namespace keyaos::catalog {

const char* const kProviderDefinitions[] = {
${literals}};

const size_t kProviderDefinitionCount = sizeof(kProviderDefinitions) / sizeof(kProviderDefinitions[0]);

}  // namespace keyaos::catalog
")
file(WRITE "${OUTPUT}" "${content}")
