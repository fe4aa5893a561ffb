#include "gateway/common/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/escaping.h"

namespace gateway {
namespace {

std::string Hex(const unsigned char* digest, size_t size) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), size));
}

// Check aborts on an OpenSSL failure: with a built-in digest the only cause is
// memory exhaustion, where the process would not get much further anyway.
void Check(int openssl_result) {
  if (openssl_result != 1) std::abort();
}

// Digest is SHA-256 fetched from the default provider once. OpenSSL 3 looks
// the algorithm up (a locked property query and a reference count shared by
// every thread) on each SHA256() or EVP_sha256() init; a fetched digest skips
// that, which is a third of a short record's hashing time.
const EVP_MD* Digest() {
  static const EVP_MD* const digest = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();
    return fetched;
  }();
  return digest;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Check(EVP_Digest(data.data(), data.size(), digest, &size, Digest(), nullptr));
  return Hex(digest, size);
}

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr) std::abort();
  Check(EVP_DigestInit_ex2(context_, Digest(), nullptr));
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_); }

Sha256::Sha256(Sha256&& other) noexcept
    : context_(std::exchange(other.context_, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(context_);
    context_ = std::exchange(other.context_, nullptr);
  }
  return *this;
}

void Sha256::Update(absl::string_view data) {
  Check(EVP_DigestUpdate(context_, data.data(), data.size()));
}

std::string Sha256::HexDigest() && {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(context_, digest, &size));
  return Hex(digest, size);
}

}  // namespace gateway
