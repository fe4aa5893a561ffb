// sha256.h: SHA-256 digests (OpenSSL), for etags and the audit hash chain.
//
//   std::string hex = Sha256Hex("payload");  // 64 lower-case hex digits
//
// Stable across processes and machines, unlike absl::Hash.
#ifndef GATEWAY_COMMON_SHA256_H_
#define GATEWAY_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gateway {

// Sha256Hex returns the SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(absl::string_view data);

}  // namespace gateway

#endif  // GATEWAY_COMMON_SHA256_H_
