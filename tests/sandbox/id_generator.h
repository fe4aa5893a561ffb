// id_generator.h: random UUIDv4 ids and opaque tokens, plus deterministic
// UUID-shaped ids derived from a string (organization ids of API keys).
//
//   IdGenerator ids;
//   std::string id = ids.Uuid();          // "5f0c9e2a-...-4...-[89ab]..."
//   std::string token = ids.Token();      // 32 url-safe characters
//   std::string org = DerivedUuid("org:" + key);  // same input, same id
//
// Thread safety: all methods may be called concurrently.
#ifndef TESTS_SANDBOX_ID_GENERATOR_H_
#define TESTS_SANDBOX_ID_GENERATOR_H_

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace sandbox {

class IdGenerator {
 public:
  IdGenerator();

  // Uuid returns a random version-4 UUID in canonical lower-case form.
  std::string Uuid();
  // Token returns a random opaque token (page tokens, fault ids).
  std::string Token();

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
};

// DerivedUuid hashes `seed` into a UUID-shaped string (version 4 and variant
// bits set) so that a credential's organization id is stable across runs.
// The hash is one-way: the id does not reveal the seed.
std::string DerivedUuid(const std::string& seed);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_ID_GENERATOR_H_
