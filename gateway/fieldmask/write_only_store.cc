#include "gateway/fieldmask/write_only_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "absl/status/status.h"

namespace gateway::fieldmask {
namespace {

constexpr int kKeyBytes = 32;
constexpr int kIvBytes = 12;
constexpr int kTagBytes = 16;
// The sealed form of "known to be unset" (never a valid JSON text).
constexpr char kAbsent[] =
    "\x01"
    "absent";

}  // namespace

absl::StatusOr<std::unique_ptr<WriteOnlyStore>> WriteOnlyStore::Create(
    std::string key) {
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
  return std::unique_ptr<WriteOnlyStore>(new WriteOnlyStore(std::move(key)));
}

std::optional<std::string> WriteOnlyStore::Seal(
    const std::string& plaintext) const {
  std::string out(kIvBytes + kTagBytes + plaintext.size(), '\0');
  auto* iv = reinterpret_cast<unsigned char*>(out.data());
  auto* tag = iv + kIvBytes;
  auto* ciphertext = tag + kTagBytes;
  if (RAND_bytes(iv, kIvBytes) != 1) return std::nullopt;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return std::nullopt;
  int len = 0;
  bool sealed =
      EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()),
                         iv) == 1 &&
      EVP_EncryptUpdate(
          ctx, ciphertext, &len,
          reinterpret_cast<const unsigned char*>(plaintext.data()),
          static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, ciphertext + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!sealed) return std::nullopt;
  return out;
}

std::optional<std::string> WriteOnlyStore::Open(
    const std::string& sealed) const {
  if (sealed.size() < kIvBytes + kTagBytes) return std::nullopt;
  const auto* iv = reinterpret_cast<const unsigned char*>(sealed.data());
  const auto* tag = iv + kIvBytes;
  const auto* ciphertext = tag + kTagBytes;
  std::string plaintext(sealed.size() - kIvBytes - kTagBytes, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key_.data()), iv);
  EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plaintext.data()),
                    &len, ciphertext, static_cast<int>(plaintext.size()));
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes,
                      const_cast<unsigned char*>(tag));
  bool authentic =
      EVP_DecryptFinal_ex(
          ctx, reinterpret_cast<unsigned char*>(plaintext.data()) + len,
          &len) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!authentic) return std::nullopt;
  return plaintext;
}

void WriteOnlyStore::Remember(const std::string& resource,
                              const std::string& field_path,
                              const std::optional<Json>& value) {
  std::optional<std::string> sealed =
      Seal(value.has_value() ? Dump(*value) : std::string(kAbsent));
  std::lock_guard<std::mutex> lock(mu_);
  if (sealed.has_value()) {
    sealed_[{resource, field_path}] = *std::move(sealed);
  } else {
    sealed_.erase({resource, field_path});  // better unknown than wrong
  }
}

std::optional<WriteOnlyStore::Held> WriteOnlyStore::Recall(
    const std::string& resource, const std::string& field_path) const {
  std::string sealed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sealed_.find({resource, field_path});
    if (it == sealed_.end()) return std::nullopt;
    sealed = it->second;
  }
  std::optional<std::string> plaintext = Open(sealed);
  if (!plaintext.has_value()) return std::nullopt;
  if (*plaintext == kAbsent) return Held{std::nullopt};
  Json value = Json::parse(*plaintext, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return Held{std::move(value)};
}

void WriteOnlyStore::Forget(const std::string& resource) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = sealed_.lower_bound({resource, ""});
       it != sealed_.end() && it->first.first == resource;) {
    it = sealed_.erase(it);
  }
}

}  // namespace gateway::fieldmask
