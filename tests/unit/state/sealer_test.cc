// Unit tests of Sealer: AES-256-GCM round trips, keys (random, given, from a
// file), and refusing what another key sealed or what was altered.
#include "gateway/state/sealer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace gateway::state {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr size_t kIvBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr char kPlain[] = "s3cret passphrase";

std::unique_ptr<Sealer> NewSealer(std::string key = "") {
  absl::StatusOr<std::unique_ptr<Sealer>> sealer =
      Sealer::Create(std::move(key));
  EXPECT_TRUE(sealer.ok()) << sealer.status();
  return sealer.ok() ? *std::move(sealer) : nullptr;
}

std::string SealOrDie(const Sealer& sealer, absl::string_view plaintext) {
  absl::StatusOr<std::string> sealed = sealer.Seal(plaintext);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  return sealed.ok() ? *sealed : "";
}

TEST(SealerTest, OpensWhatItSealed) {
  auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  for (const std::string& plaintext :
       {std::string(kPlain), std::string(), std::string("\0\x01\xff", 3),
        std::string(10000, 'x')}) {
    std::string sealed = SealOrDie(*sealer, plaintext);
    EXPECT_EQ(sealed.size(), kIvBytes + kTagBytes + plaintext.size());
    absl::StatusOr<std::string> opened = sealer->Open(sealed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(SealerTest, SealedValuesHideThePlaintextAndNeverRepeat) {
  auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  std::string first = SealOrDie(*sealer, kPlain);
  std::string second = SealOrDie(*sealer, kPlain);
  EXPECT_THAT(first, Not(HasSubstr(kPlain)));
  EXPECT_NE(first, second);  // a fresh IV every time
  EXPECT_NE(first.substr(0, kIvBytes), second.substr(0, kIvBytes));
}

TEST(SealerTest, AnotherKeyCannotOpenIt) {
  auto one = NewSealer(std::string(32, '\x01'));
  auto two = NewSealer(std::string(32, '\x02'));
  auto random = NewSealer();
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  ASSERT_NE(random, nullptr);
  std::string sealed = SealOrDie(*one, kPlain);
  for (const Sealer* other : {two.get(), random.get()}) {
    absl::StatusOr<std::string> opened = other->Open(sealed);
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(opened.status().message()), Not(HasSubstr(kPlain)));
  }
  // The same key, in another Sealer, can.
  auto again = NewSealer(std::string(32, '\x01'));
  ASSERT_NE(again, nullptr);
  absl::StatusOr<std::string> opened = again->Open(sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kPlain);
}

TEST(SealerTest, TwoRandomKeysDiffer) {
  auto one = NewSealer();
  auto two = NewSealer();
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->Open(SealOrDie(*one, kPlain)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SealerTest, AnyAlteredByteIsRefused) {
  auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  const std::string sealed = SealOrDie(*sealer, kPlain);
  // Every byte: the IV, the tag and the ciphertext.
  std::vector<size_t> accepted;
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    absl::StatusOr<std::string> opened = sealer->Open(altered);
    if (opened.ok()) {
      accepted.push_back(i);
    } else {
      EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << i;
    }
  }
  EXPECT_THAT(accepted, ::testing::IsEmpty());
  // Truncated or extended.
  EXPECT_EQ(sealer->Open(sealed.substr(0, sealed.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(sealer->Open(sealed + "x").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SealerTest, ValuesShorterThanIvAndTagAreRefused) {
  auto sealer = NewSealer();
  ASSERT_NE(sealer, nullptr);
  for (size_t size :
       {size_t{0}, size_t{1}, kIvBytes, kIvBytes + kTagBytes - 1}) {
    EXPECT_EQ(sealer->Open(std::string(size, 'a')).status().code(),
              absl::StatusCode::kDataLoss)
        << size;
  }
}

TEST(SealerTest, AcceptsBinaryKeysWithNulBytes) {
  auto sealer = NewSealer(std::string("\0\1\2\3", 4) + std::string(28, '\0'));
  ASSERT_NE(sealer, nullptr);
  absl::StatusOr<std::string> opened = sealer->Open(SealOrDie(*sealer, "x"));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "x");
}

TEST(SealerTest, RejectsAKeyOfAnotherLength) {
  for (size_t length : {1u, 16u, 31u, 33u, 64u}) {
    absl::StatusOr<std::unique_ptr<Sealer>> sealer =
        Sealer::Create(std::string(length, 'k'));
    EXPECT_EQ(sealer.status().code(), absl::StatusCode::kInvalidArgument)
        << length;
    EXPECT_THAT(std::string(sealer.status().message()), HasSubstr("32 bytes"));
  }
}

// kHexKey is a 32-byte key as a seal_key_file holds it.
constexpr char kHexKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

config::v1::Updates WithKeyFile(const std::string& path) {
  config::v1::Updates updates;
  updates.set_seal_key_file(path);
  return updates;
}

TEST(SealerTest, FromConfigReadsTheKeyFile) {
  testsupport::TempFile file(std::string(kHexKey) + "\n");
  ASSERT_FALSE(file.path().empty());
  absl::StatusOr<std::unique_ptr<Sealer>> from_file =
      Sealer::FromConfig(WithKeyFile(file.path()));
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  auto same = NewSealer(absl::HexStringToBytes(kHexKey));
  ASSERT_NE(same, nullptr);
  // The file's key is the key: each opens what the other sealed.
  absl::StatusOr<std::string> opened =
      same->Open(SealOrDie(**from_file, kPlain));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kPlain);
  opened = (*from_file)->Open(SealOrDie(*same, kPlain));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kPlain);
}

TEST(SealerTest, FromConfigWithoutAFileDrawsARandomKey) {
  absl::StatusOr<std::unique_ptr<Sealer>> one =
      Sealer::FromConfig(config::v1::Updates());
  absl::StatusOr<std::unique_ptr<Sealer>> two =
      Sealer::FromConfig(config::v1::Updates());
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok()) << two.status();
  std::string sealed = SealOrDie(**one, kPlain);
  EXPECT_TRUE((*one)->Open(sealed).ok());
  EXPECT_EQ((*two)->Open(sealed).status().code(), absl::StatusCode::kDataLoss);
}

TEST(SealerTest, FromConfigRefusesAnUnusableFileWithoutShowingIt) {
  const std::string short_key(kHexKey, 62);
  const std::string not_hex = std::string(63, 'a') + "g";
  testsupport::TempFile too_short(short_key);
  testsupport::TempFile too_long(std::string(kHexKey) + "00");
  testsupport::TempFile bad_digit(not_hex);
  testsupport::TempFile empty("");
  for (const std::string& path :
       {too_short.path(), too_long.path(), bad_digit.path(), empty.path(),
        std::string("/nonexistent/seal.key")}) {
    absl::StatusOr<std::unique_ptr<Sealer>> sealer =
        Sealer::FromConfig(WithKeyFile(path));
    EXPECT_EQ(sealer.status().code(), absl::StatusCode::kInvalidArgument)
        << path;
    std::string message(sealer.status().message());
    EXPECT_THAT(message, HasSubstr("updates.seal_key_file"));
    EXPECT_THAT(message, HasSubstr(path));
    EXPECT_THAT(message, Not(HasSubstr(short_key)));
    EXPECT_THAT(message, Not(HasSubstr(not_hex)));
  }
}

}  // namespace
}  // namespace gateway::state
