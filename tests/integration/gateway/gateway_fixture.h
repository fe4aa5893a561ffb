// gateway_fixture.h: a fresh seeded sandbox and gateway per test, plus the
// checks every per-RPC test makes.
//
//   class BulkSyncRpcTest : public GatewayTest {};
//   TEST_F(BulkSyncRpcTest, GetBulkSync) {
//     ...call through Stub<polytomic::v1::BulkSyncService>()...
//     ExpectForwarded("bulkSync.get", "GET", "/api/bulk/syncs/" + id,
//     response);
//   }
#ifndef TESTS_INTEGRATION_GATEWAY_GATEWAY_FIXTURE_H_
#define TESTS_INTEGRATION_GATEWAY_GATEWAY_FIXTURE_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/common/sha256.h"
#include "gateway/config/v1/config.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_status_details.h"
#include "tests/support/proto_json_matcher.h"

namespace gateway_test {

using Json = nlohmann::ordered_json;

// SameJson compares JSON ignoring member order (arrays keep theirs).
inline ::testing::AssertionResult SameJson(const Json& actual,
                                           const Json& expected) {
  if (nlohmann::json::parse(actual.dump()) ==
      nlohmann::json::parse(expected.dump())) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << actual.dump() << "\n  expected " << expected.dump();
}

// UnmodelledMembers lists the paths (`data.schemas[0]`) of every message
// in `message` whose `additional_fields` holds something: members the
// gateway did not put into a typed field.
inline void UnmodelledMembers(const google::protobuf::Message& message,
                              const std::string& path,
                              std::vector<std::string>* out) {
  const google::protobuf::Reflection* r = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)
      continue;
    const std::string name =
        path.empty() ? field->json_name() : path + "." + field->json_name();
    if (field->name() == "additional_fields") {
      out->push_back((path.empty() ? std::string("(top)") : path) + ": " +
                     message.GetReflection()
                         ->GetMessage(message, field)
                         .ShortDebugString());
      continue;
    }
    const std::string type = field->message_type()->full_name();
    if (type.rfind("google.protobuf.", 0) == 0) continue;
    if (field->is_map()) {
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const auto& entry = r->GetRepeatedMessage(message, field, i);
        const auto* value = entry.GetDescriptor()->map_value();
        if (value->cpp_type() !=
                google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
            value->message_type()->full_name().rfind("google.protobuf.", 0) ==
                0) {
          continue;
        }
        const auto* key = entry.GetDescriptor()->map_key();
        UnmodelledMembers(
            entry.GetReflection()->GetMessage(entry, value),
            name + "[" + entry.GetReflection()->GetString(entry, key) + "]",
            out);
      }
    } else if (field->is_repeated()) {
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        UnmodelledMembers(r->GetRepeatedMessage(message, field, i),
                          name + "[" + std::to_string(i) + "]", out);
      }
    } else {
      UnmodelledMembers(r->GetMessage(message, field), name, out);
    }
  }
}

// FullyTyped succeeds when every member the upstream sent landed in a typed
// field: MatchesUpstreamJson also accepts members kept verbatim in
// `additional_fields`, which would hide a wrong wire name.
inline ::testing::AssertionResult FullyTyped(
    const google::protobuf::Message& message) {
  std::vector<std::string> found;
  UnmodelledMembers(message, "", &found);
  if (found.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure()
                 << "members outside typed fields:";
  for (const auto& f : found) failure << "\n  " << f;
  return failure;
}

// Completion counts finished asynchronous calls.
class Completion {
 public:
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    cv_.notify_all();
  }
  void WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int done_ = 0;
};

// HealthOf asks grpc.health.v1.Health/Check about `service` ("" = the
// server) through a generic stub (Debian's gRPC ships no health protos):
// kServing, kNotServing, or -1 when the check itself fails.
inline constexpr int kServing = 1;
inline constexpr int kNotServing = 2;
inline int HealthOf(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& service) {
  // HealthCheckRequest{service = 1}; HealthCheckResponse{status = 1}.
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0a);
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1);
  grpc::ByteBuffer out;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &in, &out, [&done](grpc::Status s) { done.set_value(s); });
  if (!done.get_future().get().ok()) return -1;
  std::vector<grpc::Slice> slices;
  out.Dump(&slices);
  std::string response;
  for (const auto& s : slices) {
    response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (response.size() != 2 || response[0] != 0x08) return -1;
  return response[1];
}

// AddCaller binds `token` to `principal`, acting as `account` and allowed
// `patterns`.
inline void AddCaller(gateway::config::v1::GatewayConfig& config,
                      const std::string& principal, const std::string& token,
                      const std::string& account,
                      const std::vector<std::string>& patterns) {
  auto* entry = config.mutable_callers()->add_tokens();
  entry->set_principal(principal);
  entry->set_sha256(gateway::Sha256Hex(token));
  auto* policy = config.mutable_callers()->add_policies();
  policy->set_principal(principal);
  policy->set_account(account);
  for (const std::string& pattern : patterns) policy->add_allow(pattern);
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_ = testsupport::GatewayHarness::Start(HarnessOptions());
    ASSERT_NE(harness_, nullptr);
  }
  // The gateway goes first, before a suite's own members (such as the files
  // it was configured with) do.
  void TearDown() override { harness_.reset(); }
  // HarnessOptions lets a suite change the gateway configuration.
  virtual testsupport::GatewayHarness::Options HarnessOptions() { return {}; }

  template <typename Service>
  std::unique_ptr<typename Service::Stub> Stub() {
    return Service::NewStub(harness_->channel());
  }

  testsupport::SandboxClient& upstream() { return harness_->upstream(); }

  // ExpectForwarded checks the sandbox received exactly one `operation` call
  // with this method and path, answered 2xx, and that `response` carries
  // exactly what the sandbox answered, field by field. Returns the exchange.
  Json ExpectForwarded(const std::string& operation, const std::string& method,
                       const std::string& path,
                       const google::protobuf::Message& response) {
    Json exchange = harness_->LastExchange(operation);
    EXPECT_EQ(harness_->Count(operation), 1) << operation;
    EXPECT_EQ(exchange["method"], method);
    EXPECT_EQ(exchange["path"], path);
    EXPECT_GE(exchange["status"].get<int>(), 200);
    EXPECT_LT(exchange["status"].get<int>(), 300);
    EXPECT_EQ(exchange["headers"]["X-Polytomic-Version"], "2025-09-18");
    EXPECT_EQ(exchange["headers"]["Authorization"], "Bearer [redacted]");
    EXPECT_TRUE(
        testsupport::MatchesUpstreamJson(response, exchange["response"]))
        << operation;
    return exchange;
  }

  // FirstBulkSync returns a seeded bulk sync id.
  std::string FirstBulkSync() { return SeededBulkSync(0); }

  // SeededBulkSync returns the i-th seeded bulk sync: 0 Salesforce to
  // Snowflake (Account, Contact, Opportunity; three finished executions),
  // 1 PostgreSQL to Snowflake (an additional weekly refetch schedule; two
  // executions), 2 PostgreSQL to S3 (public.orders disabled; one execution).
  std::string SeededBulkSync(int i) {
    return harness_->seed()["bulk_syncs"][i].get<std::string>();
  }

  // SeededModelSync returns the i-th seeded model sync: 0 updateOrCreate to
  // Salesforce Contact, 1 append to a LinkedIn audience it created (two
  // finished executions each, the second of 1 failed).
  std::string SeededModelSync(int i) {
    return harness_->seed()["model_syncs"][i].get<std::string>();
  }

  // ForgetRequests clears the sandbox's request log and counters, so that
  // the next ExpectForwarded sees only what follows.
  void ForgetRequests() { EXPECT_EQ(upstream().ClearRequests().status, 200); }

  // FinishExecution finishes (or moves on) a running bulk or model sync
  // execution through the sandbox hook; returns the execution document.
  Json FinishExecution(const std::string& execution_id, const Json& outcome) {
    auto reply = upstream().Post(
        "/_sandbox/executions/" + execution_id + "/finish", outcome);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json;
  }

  std::unique_ptr<testsupport::GatewayHarness> harness_;
};

}  // namespace gateway_test

#endif  // TESTS_INTEGRATION_GATEWAY_GATEWAY_FIXTURE_H_
