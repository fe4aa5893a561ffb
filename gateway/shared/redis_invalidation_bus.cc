#include "gateway/shared/redis_invalidation_bus.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/common/json_codec.h"

namespace gateway::shared {
namespace {

constexpr char kInvalidate[] = "invalidate";

std::string AckChannel(absl::string_view replica) {
  return absl::StrCat("invalidated:", replica);
}

}  // namespace

RedisInvalidationBus::RedisInvalidationBus(RedisClient* redis,
                                           Scheduler* scheduler,
                                           std::string replica,
                                           absl::Duration timeout)
    : redis_(redis),
      scheduler_(scheduler),
      replica_(std::move(replica)),
      timeout_(timeout) {
  redis_->Subscribe(kInvalidate,
                    [this](absl::string_view message) { Received(message); });
  redis_->Subscribe(AckChannel(replica_),
                    [this](absl::string_view id) { Acknowledged(id); });
  redis_->OnConnectionChange([this](bool up) {
    if (reliability_) reliability_(up);
  });
}

RedisInvalidationBus::~RedisInvalidationBus() {
  absl::MutexLock lock(&mu_);
  for (auto& [id, sent] : sent_) scheduler_->Cancel(sent.timeout);
}

void RedisInvalidationBus::Listen(Apply apply, Reliability reliability) {
  apply_ = std::move(apply);
  reliability_ = std::move(reliability);
}

void RedisInvalidationBus::Publish(
    const std::string& account,
    const std::vector<cache::ReadCache::PathScope>& scopes, Done done) {
  if (!redis_->connected()) return std::move(done)();
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    id = next_id_++;
    Sent& sent = sent_[id];
    sent.done = std::move(done);
    sent.timeout = scheduler_->RunAt(absl::Now() + timeout_,
                                     [this, id] { Settle(id, true); });
  }
  Json message = {{"from", replica_}, {"id", id}, {"account", account}};
  Json& paths = message["scopes"] = Json::array();
  for (const auto& scope : scopes) paths.push_back({scope.path, scope.subtree});
  redis_->Command({"PUBLISH", redis_->Key(kInvalidate), Dump(message)},
                  [this, id](absl::StatusOr<RedisReply> reply) {
                    if (!reply.ok()) return Settle(id, true);
                    {
                      absl::MutexLock lock(&mu_);
                      auto it = sent_.find(id);
                      if (it == sent_.end()) return;
                      // Every subscriber but this replica answers.
                      it->second.expected =
                          static_cast<int>(reply->integer) - 1;
                    }
                    Settle(id, false);
                  });
}

void RedisInvalidationBus::Received(absl::string_view text) {
  Json message = Json::parse(text, nullptr, false);
  if (!message.is_object() || !message["from"].is_string() ||
      !message["id"].is_number_unsigned() || !message["account"].is_string() ||
      !message["scopes"].is_array()) {
    return;  // not ours
  }
  const std::string& from = message["from"].get_ref<const std::string&>();
  if (from == replica_) return;
  std::vector<cache::ReadCache::PathScope> scopes;
  for (const Json& scope : message["scopes"]) {
    if (!scope.is_array() || scope.size() != 2 || !scope[0].is_string() ||
        !scope[1].is_boolean()) {
      return;
    }
    scopes.push_back({scope[0].get<std::string>(), scope[1].get<bool>()});
  }
  if (apply_) apply_(message["account"].get<std::string>(), scopes);
  redis_->Command({"PUBLISH", redis_->Key(AckChannel(from)),
                   absl::StrCat(message["id"].get<uint64_t>())},
                  [](absl::StatusOr<RedisReply>) {});
}

void RedisInvalidationBus::Acknowledged(absl::string_view text) {
  uint64_t id;
  if (!absl::SimpleAtoi(text, &id)) return;
  {
    absl::MutexLock lock(&mu_);
    auto it = sent_.find(id);
    if (it == sent_.end()) return;
    ++it->second.acknowledged;
  }
  Settle(id, false);
}

void RedisInvalidationBus::Settle(uint64_t id, bool force) {
  Done done;
  {
    absl::MutexLock lock(&mu_);
    auto it = sent_.find(id);
    if (it == sent_.end()) return;
    Sent& sent = it->second;
    if (!force && (sent.expected < 0 || sent.acknowledged < sent.expected)) {
      return;
    }
    if (!force) scheduler_->Cancel(sent.timeout);
    done = std::move(sent.done);
    sent_.erase(it);
  }
  std::move(done)();
}

}  // namespace gateway::shared
