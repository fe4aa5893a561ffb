// openapi_embedded.h: private to openapi_checker. Declares the accessor for
// tests/testdata/openapi.json as compiled into the library; the definition is
// generated at build time by embed_file.cmake (see CMakeLists.txt).
#ifndef TESTS_SUPPORT_OPENAPI_EMBEDDED_H_
#define TESTS_SUPPORT_OPENAPI_EMBEDDED_H_

#include <string_view>

namespace openapi::internal {

// EmbeddedSpecText returns the bytes of the spec file; static storage.
std::string_view EmbeddedSpecText();

}  // namespace openapi::internal

#endif  // TESTS_SUPPORT_OPENAPI_EMBEDDED_H_
