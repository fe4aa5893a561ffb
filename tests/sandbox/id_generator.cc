#include "tests/sandbox/id_generator.h"

#include <cstdio>

namespace sandbox {
namespace {

std::string FormatUuid(uint64_t hi, uint64_t lo) {
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

uint64_t Fnv1a(const std::string& text, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

IdGenerator::IdGenerator() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  rng_.seed(seq);
}

std::string IdGenerator::Uuid() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t hi = rng_();
  uint64_t lo = rng_();
  return FormatUuid(hi, lo);
}

std::string IdGenerator::Token() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::lock_guard<std::mutex> lock(mu_);
  std::string token;
  for (int i = 0; i < 32; ++i) token += kAlphabet[rng_() % 64];
  return token;
}

std::string DerivedUuid(const std::string& seed) {
  return FormatUuid(Fnv1a(seed, 0xcbf29ce484222325ULL),
                    Fnv1a(seed + "#", 0x84222325cbf29ce4ULL));
}

}  // namespace sandbox
