#include "tests/sandbox/idempotency.h"

#include "absl/strings/ascii.h"

namespace sandbox {

bool IdempotencyStore::IsValidKey(const std::string& key) {
  if (key.size() < 8 || key.size() > 255) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

IdempotencyStore::Claim IdempotencyStore::TryClaim(
    const std::string& organization_id, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = entries_.try_emplace({organization_id, key});
  if (inserted) return Claim{kClaimed, {}};
  if (!it->second.done) return Claim{kInFlight, {}};
  return Claim{kReplay, it->second.reply};
}

void IdempotencyStore::Complete(const std::string& organization_id,
                                const std::string& key, const Reply& reply) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[{organization_id, key}];
  e.done = true;
  e.reply = reply;
}

void IdempotencyStore::Abandon(const std::string& organization_id,
                               const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find({organization_id, key});
  if (it != entries_.end() && !it->second.done) entries_.erase(it);
}

void IdempotencyStore::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace sandbox
