#include "gateway/shared/redis_update_locks.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/common/error_details.h"

namespace gateway::shared {
namespace {

// KEYS: the lock, its fencing counter. ARGV: owner, lease (ms).
// {1, token} when taken; {0, ms left on the holder's lease} otherwise.
constexpr char kAcquire[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('PTTL', KEYS[1])}
end
local token = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}
)lua";

// KEYS: the lock. ARGV: token, lease (ms). 1 when still held (renewed).
constexpr char kRenew[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

// KEYS: the lock. ARGV: token, the "unlocked" channel, the key's name.
constexpr char kRelease[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
)lua";

// A waiter behind a live lease asks again at least this often, in case the
// "unlocked" message was missed.
constexpr absl::Duration kMaxRetryWait = absl::Milliseconds(250);

constexpr char kUnlocked[] = "unlocked";

std::string Milliseconds(absl::Duration d) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

absl::Status LeaseLost() {
  return ErrorWithInfo(
      absl::StatusCode::kAborted,
      "the update lock's lease ran out before the write "
      "(shared_state.redis.lock_lease), so another replica may hold it; "
      "nothing was written: retry the update",
      "UPDATE_LOCK_LOST", {});
}

}  // namespace

struct RedisUpdateLocks::Wait {
  WaitId id = 0;
  std::string key;
  // Guarded by the locks' mu_.
  Acquired acquired;
  std::unique_ptr<Lease> local;  // this replica's lock, once granted
  UpdateLocks::WaitId local_wait = 0;
  Scheduler::TaskId retry = 0;  // a planned retry, while waiting in Redis
  bool done = false;
};

class RedisUpdateLocks::RemoteLease final : public UpdateLocks::Lease {
 public:
  RemoteLease(RedisUpdateLocks* locks, std::string key, std::string token,
              std::unique_ptr<Lease> local)
      : locks_(locks),
        state_(std::make_shared<State>()),
        key_(std::move(key)),
        token_(std::move(token)),
        local_(std::move(local)) {
    ScheduleRenewal(locks_, key_, token_, state_);
  }

  ~RemoteLease() override {
    {
      absl::MutexLock lock(&state_->mu);
      state_->released = true;
      if (state_->renewal != 0) locks_->scheduler_->Cancel(state_->renewal);
    }
    RedisClient* redis = locks_->redis_;
    // This replica's next waiter goes once Redis has let go, so it does not
    // find the key still held.
    std::shared_ptr<Lease> local(std::move(local_));
    redis->Command({"EVAL", kRelease, "1", redis->Key("lock:" + key_), token_,
                    redis->Key(kUnlocked), key_},
                   [local](absl::StatusOr<RedisReply>) {});
  }

  void Confirm(Confirmed confirmed) override {
    Renew(locks_, key_, token_,
          [confirmed =
               std::move(confirmed)](absl::StatusOr<RedisReply> reply) mutable {
            if (!reply.ok()) return std::move(confirmed)(reply.status());
            std::move(confirmed)(reply->integer == 1 ? absl::OkStatus()
                                                     : LeaseLost());
          });
  }

 private:
  struct State {
    absl::Mutex mu;
    bool released ABSL_GUARDED_BY(mu) = false;
    Scheduler::TaskId renewal ABSL_GUARDED_BY(mu) = 0;
  };

  // Renew extends the lease held with `token` to a full lease; the reply's
  // integer is 1 while it is still held, 0 once it is lost.
  static void Renew(RedisUpdateLocks* locks, const std::string& key,
                    const std::string& token, RedisClient::Reply reply) {
    RedisClient* redis = locks->redis_;
    redis->Command({"EVAL", kRenew, "1", redis->Key("lock:" + key), token,
                    Milliseconds(locks->lease_)},
                   std::move(reply));
  }

  // ScheduleRenewal renews the lease every third of it while it is held; a
  // renewal that finds the lease lost (or Redis gone) stops, and the
  // Confirm before the write decides.
  static void ScheduleRenewal(RedisUpdateLocks* locks, std::string key,
                              std::string token, std::shared_ptr<State> state) {
    absl::MutexLock lock(&state->mu);
    if (state->released) return;
    state->renewal = locks->scheduler_->RunAt(
        absl::Now() + locks->lease_ / 3, [locks, key, token, state]() mutable {
          Renew(locks, key, token,
                [locks, key, token,
                 state](absl::StatusOr<RedisReply> reply) mutable {
                  if (reply.ok() && reply->integer == 1) {
                    ScheduleRenewal(locks, std::move(key), std::move(token),
                                    std::move(state));
                  }
                });
        });
  }

  RedisUpdateLocks* const locks_;
  const std::shared_ptr<State> state_;
  const std::string key_;
  const std::string token_;
  std::unique_ptr<Lease> local_;
};

RedisUpdateLocks::RedisUpdateLocks(RedisClient* redis, Scheduler* scheduler,
                                   absl::Duration lease, std::string owner)
    : redis_(redis),
      scheduler_(scheduler),
      lease_(lease),
      owner_(std::move(owner)) {
  redis_->Subscribe(kUnlocked,
                    [this](absl::string_view key) { Woken(std::string(key)); });
}

RedisUpdateLocks::~RedisUpdateLocks() {
  std::vector<Scheduler::TaskId> retries;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, wait] : waits_) {
      if (wait->retry != 0) retries.push_back(wait->retry);
    }
  }
  for (Scheduler::TaskId retry : retries) scheduler_->Cancel(retry);
}

UpdateLocks::WaitId RedisUpdateLocks::Acquire(const std::string& key,
                                              Acquired acquired) {
  auto wait = std::make_shared<Wait>();
  wait->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  wait->key = key;
  wait->acquired = std::move(acquired);
  {
    absl::MutexLock lock(&mu_);
    waits_.emplace(wait->id, wait);
  }
  UpdateLocks::WaitId local = local_.Acquire(
      key, [this, wait](absl::StatusOr<std::unique_ptr<Lease>> lease) {
        if (!lease.ok()) return Finish(wait, lease.status());
        {
          absl::MutexLock lock(&mu_);
          if (wait->done) return;  // abandoned: the local lease goes now
          wait->local = *std::move(lease);
        }
        TryRemote(wait);
      });
  {
    absl::MutexLock lock(&mu_);
    wait->local_wait = local;
  }
  return wait->id;
}

void RedisUpdateLocks::Abandon(WaitId id) {
  std::shared_ptr<Wait> wait;
  UpdateLocks::WaitId local;
  {
    absl::MutexLock lock(&mu_);
    auto it = waits_.find(id);
    if (it == waits_.end()) return;
    wait = it->second;
    local = wait->local_wait;
  }
  local_.Abandon(local);  // still queued here: CANCELLED through Finish
  Finish(wait, absl::CancelledError("stopped waiting for the lock"));
}

void RedisUpdateLocks::TryRemote(const std::shared_ptr<Wait>& wait) {
  {
    absl::MutexLock lock(&mu_);
    if (wait->done) return;
    wait->retry = 0;
  }
  redis_->Command(
      {"EVAL", kAcquire, "2", redis_->Key("lock:" + wait->key),
       redis_->Key("fence:" + wait->key), owner_, Milliseconds(lease_)},
      [this, wait](absl::StatusOr<RedisReply> reply) {
        if (!reply.ok()) return Finish(wait, reply.status());
        if (reply->elements.size() != 2) {
          return Finish(wait, SharedStateUnavailable(
                                  "the lock script answered unexpectedly"));
        }
        if (reply->elements[0].integer == 1) {
          std::unique_ptr<Lease> local;
          {
            absl::MutexLock lock(&mu_);
            local = std::move(wait->local);
          }
          return Finish(wait, std::make_unique<RemoteLease>(
                                  this, wait->key, reply->elements[1].str,
                                  std::move(local)));
        }
        absl::Duration left = absl::Milliseconds(reply->elements[1].integer);
        absl::MutexLock lock(&mu_);
        if (wait->done) return;
        wait->retry = scheduler_->RunAt(
            absl::Now() +
                std::clamp(left, absl::Milliseconds(1), kMaxRetryWait),
            [this, wait] { TryRemote(wait); });
      });
}

void RedisUpdateLocks::Woken(const std::string& key) {
  std::vector<std::shared_ptr<Wait>> woken;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, wait] : waits_) {
      if (wait->key == key && wait->retry != 0 &&
          scheduler_->Cancel(wait->retry)) {
        wait->retry = 0;
        woken.push_back(wait);
      }
    }
  }
  for (const auto& wait : woken) TryRemote(wait);
}

void RedisUpdateLocks::Finish(const std::shared_ptr<Wait>& wait,
                              absl::StatusOr<std::unique_ptr<Lease>> result) {
  Acquired acquired;
  std::unique_ptr<Lease> local;
  Scheduler::TaskId retry;
  {
    absl::MutexLock lock(&mu_);
    if (wait->done) return;  // an abandoned grant is released right here
    wait->done = true;
    acquired = std::move(wait->acquired);
    local = std::move(wait->local);
    retry = wait->retry;
    waits_.erase(wait->id);
  }
  if (retry != 0) scheduler_->Cancel(retry);
  std::move(acquired)(std::move(result));
}

}  // namespace gateway::shared
