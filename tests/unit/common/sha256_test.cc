// Sha256Hex against the FIPS 180-2 test vectors; Sha256 against Sha256Hex.
#include "gateway/common/sha256.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace gateway {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, PiecesHashLikeTheirConcatenation) {
  Sha256 hasher;
  hasher.Update("a");
  hasher.Update("");
  hasher.Update("bc");
  Sha256 moved = std::move(hasher);
  EXPECT_EQ(std::move(moved).HexDigest(), Sha256Hex("abc"));
  EXPECT_EQ(Sha256().HexDigest(), Sha256Hex(""));
  std::string long_text(1000, 'x');
  Sha256 many;
  for (char c : long_text) many.Update(absl::string_view(&c, 1));
  EXPECT_EQ(std::move(many).HexDigest(), Sha256Hex(long_text));
}

}  // namespace
}  // namespace gateway
