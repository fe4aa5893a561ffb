#include "gateway/state/sealer.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace gateway::state {
namespace {

constexpr int kKeyBytes = 32;
constexpr int kIvBytes = 12;
constexpr int kTagBytes = 16;

// CipherContext frees its EVP context on every path.
struct CipherContext {
  CipherContext() : ctx(EVP_CIPHER_CTX_new()) {}
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* ctx;
};

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Sealer>> Sealer::FromConfig(
    const config::v1::Updates& updates) {
  if (updates.seal_key_file().empty()) return Create("");
  std::ifstream file(updates.seal_key_file());
  std::string hex;
  if (!file || !(file >> hex) || hex.size() != 2 * kKeyBytes ||
      !absl::c_all_of(hex, [](char c) { return absl::ascii_isxdigit(c); })) {
    return absl::InvalidArgumentError(
        absl::StrCat("updates.seal_key_file: ", updates.seal_key_file(),
                     " must hold 64 hex digits"));
  }
  return Create(absl::HexStringToBytes(hex));
}

absl::StatusOr<std::unique_ptr<Sealer>> Sealer::Create(std::string key) {
  if (key.empty()) {
    key.resize(kKeyBytes);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kKeyBytes) !=
        1) {
      return absl::InternalError("cannot draw a random sealing key");
    }
  }
  if (key.size() != kKeyBytes) {
    return absl::InvalidArgumentError("the sealing key must be 32 bytes");
  }
  return std::unique_ptr<Sealer>(new Sealer(std::move(key)));
}

absl::StatusOr<std::string> Sealer::Seal(absl::string_view plaintext) const {
  std::string out(kIvBytes + kTagBytes + plaintext.size(), '\0');
  auto* iv = reinterpret_cast<unsigned char*>(out.data());
  auto* tag = iv + kIvBytes;
  auto* ciphertext = tag + kTagBytes;
  CipherContext cipher;
  int len = 0;
  bool sealed =
      cipher.ctx != nullptr && RAND_bytes(iv, kIvBytes) == 1 &&
      EVP_EncryptInit_ex(cipher.ctx, EVP_aes_256_gcm(), nullptr, Bytes(key_),
                         iv) == 1 &&
      EVP_EncryptUpdate(cipher.ctx, ciphertext, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(cipher.ctx, ciphertext + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(cipher.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) ==
          1;
  if (!sealed) return absl::InternalError("sealing failed");
  return out;
}

absl::StatusOr<std::string> Sealer::Open(absl::string_view sealed) const {
  if (sealed.size() < kIvBytes + kTagBytes) {
    return absl::DataLossError("sealed value too short");
  }
  const unsigned char* iv = Bytes(sealed);
  const unsigned char* tag = iv + kIvBytes;
  const unsigned char* ciphertext = tag + kTagBytes;
  std::string plaintext(sealed.size() - kIvBytes - kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  CipherContext cipher;
  int len = 0;
  bool authentic =
      cipher.ctx != nullptr &&
      EVP_DecryptInit_ex(cipher.ctx, EVP_aes_256_gcm(), nullptr, Bytes(key_),
                         iv) == 1 &&
      EVP_DecryptUpdate(cipher.ctx, out, &len, ciphertext,
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(cipher.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          const_cast<unsigned char*>(tag)) == 1 &&
      EVP_DecryptFinal_ex(cipher.ctx, out + len, &len) == 1;
  if (!authentic) {
    return absl::DataLossError(
        "sealed value altered or sealed with another key");
  }
  return plaintext;
}

namespace {

// The plaintext of "sent unset": never a valid JSON text.
constexpr absl::string_view kUnset = "\x01unset";

}  // namespace

absl::StatusOr<std::string> SealHeld(const Sealer& sealer,
                                     const std::optional<Json>& value) {
  return sealer.Seal(value.has_value() ? Dump(*value) : std::string(kUnset));
}

std::optional<std::optional<Json>> OpenHeld(const Sealer& sealer,
                                            absl::string_view sealed) {
  absl::StatusOr<std::string> plaintext = sealer.Open(sealed);
  if (!plaintext.ok()) return std::nullopt;
  if (*plaintext == kUnset) return std::optional<Json>();
  Json json = Json::parse(*plaintext, nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  return std::optional<Json>(std::move(json));
}

}  // namespace gateway::state
