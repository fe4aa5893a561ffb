// server_test_stack.h: the gateway's call path assembled for unit tests:
// the real Translator, AccessControl, Upstream, both exchanges, in-memory
// state and Pipeline, over a FakeRestClient and a FakeAuditStage, driven on
// the test's own thread.
//
//   Stack s;
//   auto call = s.NewCall(request);            // as the caller kToken
//   auto outcome = s.Start(call);              // runs Pipeline::Run
//   ASSERT_EQ(s.upstream.size(), 1u);          // what went upstream
//   s.upstream.Answer(0, Reply(200, body));    // callbacks run right here
//   ASSERT_TRUE(outcome->finished());
//   EXPECT_TRUE(outcome->status.ok());
//
// Nothing runs on another thread: every callback runs inside a call the test
// makes (Start, Answer, ReleaseIntents, Cancel), so each test is one fixed
// interleaving.
#ifndef TESTS_UNIT_SERVER_SERVER_TEST_STACK_H_
#define TESTS_UNIT_SERVER_SERVER_TEST_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/update_locks.h"
#include "gateway/common/write_only_values.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/server/access_control.h"
#include "gateway/server/audit_stage.h"
#include "gateway/server/cache_stage.h"
#include "gateway/server/call_context.h"
#include "gateway/server/pass_through_exchange.h"
#include "gateway/server/pipeline.h"
#include "gateway/server/read_merge_write_exchange.h"
#include "gateway/server/upstream.h"
#include "gateway/state/in_memory_update_locks.h"
#include "gateway/state/in_memory_write_only_values.h"
#include "gateway/translate/translator.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "tests/support/fake_rest_client.h"

namespace gateway::server::testing {

// Callers: kToken is "team-a", allowed everything as account "acct-a";
// kReaderToken is "reader", allowed only Get* methods as account "acct-b".
inline constexpr char kToken[] = "token-of-team-a";
inline constexpr char kReaderToken[] = "token-of-reader";
inline constexpr char kAccount[] = "acct-a";

// Resource ids (canonical UUIDs).
inline constexpr char kBulkSyncId[] = "5d7c3a52-0000-4000-8000-000000000001";
inline constexpr char kModelSyncId[] = "6e8d4b63-0000-4000-8000-000000000002";
inline constexpr char kSourceId[] = "11111111-1111-4111-8111-111111111111";
inline constexpr char kDestinationId[] = "22222222-2222-4222-8222-222222222222";

// The fixed time of every call, and its deadline.
inline const absl::Time kNow = absl::FromUnixSeconds(1714564800);
inline const absl::Time kDeadline = kNow + absl::Seconds(30);

using Recorded = testsupport::FakeRestClient::Recorded;

// Reply is a complete upstream answer.
HttpResponse Reply(int status, std::string body);
// Reason is the ErrorInfo reason of `status` ("" when it has none).
std::string Reason(const absl::Status& status);
// AuditUnavailable is what an audit trail that cannot write says.
absl::Status AuditUnavailable();
// SameJson compares two JSON texts as values (member order ignored); the
// failure message shows both.
::testing::AssertionResult SameJson(const std::string& actual,
                                    const std::string& expected);

// FixedClock always says kNow.
class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return kNow; }
};

// FakeAuditStage records intents and outcomes in order. By default an
// intent is durable at once (inline) and reads are admitted.
//
// Thread safety: thread-safe; callbacks never run under its lock: inline in
// Intent/Finish, or in ReleaseIntents.
class FakeAuditStage final : public AuditStage {
 public:
  struct Event {
    enum class Kind { kIntent, kOutcome };
    Kind kind;
    std::string method;  // full method name
    std::string request_id;
    std::string principal;
    absl::Status status;  // outcomes only
  };

  // HoldIntents makes later intents wait for ReleaseIntents.
  void HoldIntents();
  // FailIntents makes later intents fail with `status`, inline.
  void FailIntents(absl::Status status);
  // ReleaseIntents answers every held intent with `status`, oldest first,
  // and returns how many there were.
  size_t ReleaseIntents(absl::Status status = absl::OkStatus());
  // RefuseReads makes AdmitRead answer `status`.
  void RefuseReads(absl::Status status);

  std::vector<Event> events() const;
  std::vector<Event> outcomes() const;
  size_t intents() const;
  size_t held_intents() const;

  absl::Status AdmitRead(const CallContext& call) const override;
  void Intent(const std::shared_ptr<CallContext>& call,
              Done written) const override;
  void Finish(const std::shared_ptr<CallContext>& call, absl::Status status,
              Done done) const override;

 private:
  mutable absl::Mutex mu_;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status intent_status_ ABSL_GUARDED_BY(mu_);
  absl::Status read_status_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<Done> held_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
};

// ScriptedCache is a CacheStage that answers reads with `prepared` when set
// (cache_status "hit") and fetches otherwise ("miss"), and counts what it
// heard.
//
// Thread safety: none; the tests drive it on their one thread.
class ScriptedCache final : public CacheStage {
 public:
  ResponseBytes prepared;
  int reads = 0;
  int fetches = 0;
  int written = 0;

  void Read(const std::shared_ptr<CallContext>& call, Fetch fetch,
            Answered answered) override;
  void Written(const CallContext& call, Done done) override;
};

// CallOutcome is what a call's `done` was given.
struct CallOutcome {
  int calls = 0;  // how many times done ran: 0, then exactly 1
  absl::Status status;
  bool finished() const { return calls > 0; }
};

// StackOptions replace parts of the stack; null means the default (a
// ScriptedCache with nothing prepared, InMemoryUpdateLocks,
// InMemoryWriteOnlyValues).
struct StackOptions {
  config::v1::Updates updates;
  CacheStage* cache = nullptr;
  UpdateLocks* locks = nullptr;
  WriteOnlyValues* write_only = nullptr;
};

// Stack is one gateway call path; it owns every part but those given in
// StackOptions, which must outlive it. Declared first in a test, it outlives
// the calls the test makes; its destructor ends the calls still in flight
// (held intents fail, pending requests are cancelled) while every part is
// still alive.
//
// Thread safety: none beyond that of its parts; the tests drive it on one
// thread.
class Stack {
 public:
  explicit Stack(StackOptions options = {});
  ~Stack();

  // NewCall makes a call of the RPC whose input is `request`'s type, from
  // the caller presenting `token` (none when empty), as unary_call.cc does;
  // each call gets its own request id.
  std::shared_ptr<CallContext> NewCall(const google::protobuf::Message& request,
                                       const std::string& token = kToken);
  // Start runs the pipeline on `call`.
  std::shared_ptr<CallOutcome> Start(const std::shared_ptr<CallContext>& call);
  // Run is NewCall then Start.
  std::shared_ptr<CallOutcome> Run(const google::protobuf::Message& request,
                                   const std::string& token = kToken);
  // StartPassThrough runs the PassThroughExchange alone, whatever the call's
  // route, on the call admitted as kToken's (as AccessControl would) with its
  // write gate open; the outcome is the exchange's.
  std::shared_ptr<CallOutcome> StartPassThrough(
      const std::shared_ptr<CallContext>& call);

  // Parts a test looks at or steers (declared so that the fake upstream's
  // pending callbacks, which hold calls and leases, go before the locks).
  FixedClock clock;
  std::unique_ptr<translate::Translator> translator;
  state::InMemoryUpdateLocks default_locks;
  std::unique_ptr<state::InMemoryWriteOnlyValues> default_write_only;
  ScriptedCache default_cache;
  UpdateLocks* locks;
  WriteOnlyValues* write_only;
  CacheStage* cache;
  FakeAuditStage audit;
  testsupport::FakeRestClient upstream;

 private:
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<Upstream> upstream_stage_;
  std::unique_ptr<PassThroughExchange> pass_through_;
  std::unique_ptr<ReadMergeWriteExchange> read_merge_write_;
  std::unique_ptr<Pipeline> pipeline_;
  int calls_ = 0;
};

}  // namespace gateway::server::testing

#endif  // TESTS_UNIT_SERVER_SERVER_TEST_STACK_H_
