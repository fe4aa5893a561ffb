#include "gateway/shared/redis_write_only_values.h"

#include <utility>
#include <vector>

namespace gateway::shared {

RedisWriteOnlyValues::RedisWriteOnlyValues(
    RedisClient* redis, std::unique_ptr<state::Sealer> sealer)
    : redis_(redis), sealer_(std::move(sealer)) {
  redis_->OnConnectionChange([this](bool up) {
    if (up) Reconnected();
  });
}

std::string RedisWriteOnlyValues::KeyOf(const std::string& resource) const {
  return redis_->Key("write-only:" + resource);
}

void RedisWriteOnlyValues::Remember(const std::string& resource,
                                    HeldValues values, Done done) {
  std::vector<std::string> set = {"HSET", KeyOf(resource)};
  std::vector<std::string> drop = {"HDEL", KeyOf(resource)};
  for (auto& [path, value] : values) {
    absl::StatusOr<std::string> sealed = state::SealHeld(*sealer_, value);
    if (sealed.ok()) {
      set.push_back(path);
      set.push_back(*std::move(sealed));
    } else {
      drop.push_back(path);  // unknown is better than wrong
    }
  }
  // What cannot be sealed is dropped first, then the rest is set; the answer
  // is the last command's (Redis answers in order).
  if (drop.size() > 2) {
    redis_->Command(std::move(drop),
                    [this, resource](absl::StatusOr<RedisReply> reply) {
                      Settle(resource, reply.status());
                    });
  }
  if (set.size() == 2) return std::move(done)(absl::OkStatus());
  redis_->Command(std::move(set),
                  [this, resource, done = std::move(done)](
                      absl::StatusOr<RedisReply> reply) mutable {
                    Settle(resource, reply.status());
                    std::move(done)(reply.status());
                  });
}

void RedisWriteOnlyValues::Recall(const std::string& resource, Recalled done) {
  {
    absl::MutexLock lock(&mu_);
    if (unsettled_.contains(resource)) {
      return std::move(done)(HeldValues());
    }
  }
  redis_->Command(
      {"HGETALL", KeyOf(resource)},
      [this, done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) return std::move(done)(reply.status());
        HeldValues values;
        const auto& fields = reply->elements;
        for (size_t i = 0; i + 1 < fields.size(); i += 2) {
          std::optional<std::optional<Json>> held =
              state::OpenHeld(*sealer_, fields[i + 1].str);
          if (held.has_value()) {
            values.emplace(fields[i].str, *std::move(held));
          }
        }
        std::move(done)(std::move(values));
      });
}

void RedisWriteOnlyValues::Forget(const std::string& resource, Done done) {
  redis_->Command({"DEL", KeyOf(resource)},
                  [this, resource, done = std::move(done)](
                      absl::StatusOr<RedisReply> reply) mutable {
                    Settle(resource, reply.status());
                    std::move(done)(reply.status());
                  });
}

void RedisWriteOnlyValues::Settle(const std::string& resource,
                                  const absl::Status& status) {
  if (status.ok()) return;
  absl::MutexLock lock(&mu_);
  unsettled_.insert(resource);
}

void RedisWriteOnlyValues::Reconnected() {
  std::vector<std::string> resources;
  {
    absl::MutexLock lock(&mu_);
    resources.assign(unsettled_.begin(), unsettled_.end());
  }
  for (const std::string& resource : resources) {
    redis_->Command({"DEL", KeyOf(resource)},
                    [this, resource](absl::StatusOr<RedisReply> reply) {
                      if (!reply.ok()) return;
                      absl::MutexLock lock(&mu_);
                      unsettled_.erase(resource);
                    });
  }
}

}  // namespace gateway::shared
