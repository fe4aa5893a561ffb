// sha256.h: SHA-256 digests (OpenSSL), for etags and the audit hash chain.
//
//   std::string hex = Sha256Hex("payload");  // 64 lower-case hex digits
//
//   Sha256 hasher;  // the same digest, fed in pieces
//   hasher.Update("pay");
//   hasher.Update("load");
//   std::string same = std::move(hasher).HexDigest();
//
// Stable across processes and machines, unlike absl::Hash.
#ifndef GATEWAY_COMMON_SHA256_H_
#define GATEWAY_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace gateway {

// Sha256Hex returns the SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(absl::string_view data);

// Sha256 computes a SHA-256 over data given in pieces: the digest of the
// concatenation of every Update, without building the concatenation.
//
// Ownership: owns its OpenSSL context. Not copyable; movable.
// Thread safety: none; one hasher belongs to one thread at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Update appends `data` to what is hashed.
  void Update(absl::string_view data);

  // HexDigest finishes the hash: 64 lower-case hex digits. It consumes the
  // hasher, which must not be used afterwards.
  std::string HexDigest() &&;

 private:
  evp_md_ctx_st* context_;  // owned; null once moved from
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_SHA256_H_
