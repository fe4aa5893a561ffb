#include "gateway/state/in_memory_write_only_values.h"

#include <utility>

#include "gateway/common/status_macros.h"

namespace gateway::state {

absl::StatusOr<std::unique_ptr<InMemoryWriteOnlyValues>>
InMemoryWriteOnlyValues::Create(const config::v1::Updates& updates) {
  ASSIGN_OR_RETURN(std::unique_ptr<Sealer> sealer, Sealer::FromConfig(updates));
  return std::make_unique<InMemoryWriteOnlyValues>(std::move(sealer));
}

void InMemoryWriteOnlyValues::Remember(const std::string& resource,
                                       HeldValues values, Done done) {
  Sealed sealed;
  std::vector<std::string> unsealable;
  for (auto& [path, value] : values) {
    absl::StatusOr<std::string> s = SealHeld(*sealer_, value);
    if (s.ok()) {
      sealed.emplace(path, *std::move(s));
    } else {
      unsealable.push_back(path);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    Sealed& held = held_[resource];
    for (auto& [path, value] : sealed) held[path] = std::move(value);
    for (const std::string& path : unsealable) held.erase(path);
  }
  std::move(done)(absl::OkStatus());
}

void InMemoryWriteOnlyValues::Recall(const std::string& resource,
                                     Recalled done) {
  Sealed sealed;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = held_.find(resource); it != held_.end()) sealed = it->second;
  }
  HeldValues values;
  for (const auto& [path, value] : sealed) {
    std::optional<std::optional<Json>> held = OpenHeld(*sealer_, value);
    if (held.has_value()) values.emplace(path, *std::move(held));
  }
  std::move(done)(std::move(values));
}

void InMemoryWriteOnlyValues::Forget(const std::string& resource, Done done) {
  {
    absl::MutexLock lock(&mu_);
    held_.erase(resource);
  }
  std::move(done)(absl::OkStatus());
}

size_t InMemoryWriteOnlyValues::resources() const {
  absl::MutexLock lock(&mu_);
  return held_.size();
}

}  // namespace gateway::state
