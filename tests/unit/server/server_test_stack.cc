#include "tests/unit/server/server_test_stack.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/auth/access_policy.h"
#include "gateway/common/error_details.h"
#include "gateway/common/sha256.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace gateway::server::testing {

HttpResponse Reply(int status, std::string body) {
  return testsupport::FakeRestClient::Reply(status, std::move(body));
}

std::string Reason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return GetDetail(status, &info) ? info.reason() : "";
}

absl::Status AuditUnavailable() {
  return ErrorWithInfo(absl::StatusCode::kUnavailable,
                       "the audit trail cannot be written", "AUDIT_UNAVAILABLE",
                       {});
}

::testing::AssertionResult SameJson(const std::string& actual,
                                    const std::string& expected) {
  nlohmann::json a = nlohmann::json::parse(actual, nullptr, false);
  nlohmann::json e = nlohmann::json::parse(expected, nullptr, false);
  if (a.is_discarded()) {
    return ::testing::AssertionFailure() << "not JSON: " << actual;
  }
  if (e.is_discarded()) {
    return ::testing::AssertionFailure()
           << "expected is not JSON: " << expected;
  }
  if (a == e) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\n  actual:   " << a.dump() << "\n  expected: " << e.dump();
}

// --- FakeAuditStage ---

void FakeAuditStage::HoldIntents() {
  absl::MutexLock lock(&mu_);
  hold_ = true;
}

void FakeAuditStage::FailIntents(absl::Status status) {
  absl::MutexLock lock(&mu_);
  intent_status_ = std::move(status);
}

size_t FakeAuditStage::ReleaseIntents(absl::Status status) {
  std::vector<Done> held;
  {
    absl::MutexLock lock(&mu_);
    hold_ = false;
    held.swap(held_);
  }
  for (Done& written : held) std::move(written)(status);
  return held.size();
}

void FakeAuditStage::RefuseReads(absl::Status status) {
  absl::MutexLock lock(&mu_);
  read_status_ = std::move(status);
}

std::vector<FakeAuditStage::Event> FakeAuditStage::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::vector<FakeAuditStage::Event> FakeAuditStage::outcomes() const {
  absl::MutexLock lock(&mu_);
  std::vector<Event> outcomes;
  for (const Event& event : events_) {
    if (event.kind == Event::Kind::kOutcome) outcomes.push_back(event);
  }
  return outcomes;
}

size_t FakeAuditStage::intents() const {
  absl::MutexLock lock(&mu_);
  size_t count = 0;
  for (const Event& event : events_) {
    count += event.kind == Event::Kind::kIntent;
  }
  return count;
}

size_t FakeAuditStage::held_intents() const {
  absl::MutexLock lock(&mu_);
  return held_.size();
}

absl::Status FakeAuditStage::AdmitRead(const CallContext&) const {
  absl::MutexLock lock(&mu_);
  return read_status_;
}

void FakeAuditStage::Intent(const std::shared_ptr<CallContext>& call,
                            Done written) const {
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    events_.push_back(Event{Event::Kind::kIntent, call->route().full_method,
                            call->origin().request_id, call->principal(),
                            absl::OkStatus()});
    if (hold_) {
      held_.push_back(std::move(written));
      return;
    }
    status = intent_status_;
  }
  std::move(written)(std::move(status));
}

void FakeAuditStage::Finish(const std::shared_ptr<CallContext>& call,
                            absl::Status status, Done done) const {
  {
    absl::MutexLock lock(&mu_);
    events_.push_back(Event{Event::Kind::kOutcome, call->route().full_method,
                            call->origin().request_id, call->principal(),
                            status});
  }
  std::move(done)(std::move(status));
}

// --- ScriptedCache ---

void ScriptedCache::Read(const std::shared_ptr<CallContext>& call, Fetch fetch,
                         Answered answered) {
  ++reads;
  if (prepared != nullptr) {
    call->set_cache_status("hit");
    std::move(answered)(prepared);
    return;
  }
  ++fetches;
  call->set_cache_status("miss");
  std::move(fetch)(call, std::move(answered));
}

void ScriptedCache::Written(const CallContext&, Done done) {
  ++written;
  std::move(done)();
}

// --- Stack ---

namespace {

std::unique_ptr<const auth::AccessPolicy> Policy() {
  config::v1::Callers callers;
  auto* team = callers.add_tokens();
  team->set_principal("team-a");
  team->set_sha256(Sha256Hex(kToken));
  auto* reader = callers.add_tokens();
  reader->set_principal("reader");
  reader->set_sha256(Sha256Hex(kReaderToken));
  auto* all = callers.add_policies();
  all->set_principal("team-a");
  all->set_account(kAccount);
  all->add_allow("*");
  auto* reads = callers.add_policies();
  reads->set_principal("reader");
  reads->set_account("acct-b");
  reads->add_allow("polytomic.v1.*/Get*");
  absl::StatusOr<std::unique_ptr<auth::AccessPolicy>> policy =
      auth::AccessPolicy::Create(callers, {kAccount, "acct-b"});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *std::move(policy) : nullptr;
}

std::unique_ptr<translate::Translator> NewTranslator() {
  auto services = translate::ContractServices();
  EXPECT_TRUE(services.ok()) << services.status();
  if (!services.ok()) return nullptr;
  auto translator = translate::Translator::Create(*services);
  EXPECT_TRUE(translator.ok()) << translator.status();
  return translator.ok() ? *std::move(translator) : nullptr;
}

std::unique_ptr<state::InMemoryWriteOnlyValues> NewValues(
    const config::v1::Updates& updates) {
  auto values = state::InMemoryWriteOnlyValues::Create(updates);
  EXPECT_TRUE(values.ok()) << values.status();
  return values.ok() ? *std::move(values) : nullptr;
}

std::shared_ptr<CallOutcome> NewOutcome() {
  return std::make_shared<CallOutcome>();
}

}  // namespace

Stack::Stack(StackOptions options)
    : translator(NewTranslator()),
      default_write_only(NewValues(options.updates)),
      locks(options.locks != nullptr ? options.locks : &default_locks),
      write_only(options.write_only != nullptr ? options.write_only
                                               : default_write_only.get()),
      cache(options.cache != nullptr ? options.cache : &default_cache) {
  // A broken stack fails the test in the helpers above; the tests then stop
  // at their first ASSERT instead of crashing here.
  if (translator == nullptr || write_only == nullptr) return;
  access_ = std::make_unique<AccessControl>(
      Policy(), nullptr, gateway::config::v1::Callers(), &clock);
  upstream_stage_ =
      std::make_unique<Upstream>(&upstream, translator.get(), &clock);
  pass_through_ = std::make_unique<PassThroughExchange>(translator.get(),
                                                        upstream_stage_.get());
  read_merge_write_ = std::make_unique<ReadMergeWriteExchange>(
      translator.get(), upstream_stage_.get(), locks, write_only,
      options.updates);
  Pipeline::Stages stages;
  stages.translator = translator.get();
  stages.access = access_.get();
  stages.audit = &audit;
  stages.cache = cache;
  stages.pass_through = pass_through_.get();
  stages.read_merge_write = read_merge_write_.get();
  stages.write_only = write_only;
  pipeline_ = std::make_unique<Pipeline>(stages, options.updates);
}

Stack::~Stack() {
  // End every call still in flight while all the parts are alive: a call
  // that ends releases its lock, which may start a queued one.
  while (audit.held_intents() > 0 || upstream.pending() > 0) {
    audit.ReleaseIntents(AuditUnavailable());
    upstream.AnswerAll(absl::CancelledError("the test is over"));
  }
}

std::shared_ptr<CallContext> Stack::NewCall(
    const google::protobuf::Message& request, const std::string& token) {
  const translate::Route* route = nullptr;
  for (const auto& candidate : translator->routes().routes()) {
    if (candidate->method->input_type() == request.GetDescriptor()) {
      route = candidate.get();
      break;
    }
  }
  if (route == nullptr) {
    ADD_FAILURE() << "no route takes " << request.GetTypeName();
    return nullptr;
  }
  Origin origin;
  origin.request_id = absl::StrCat("request-id-", ++calls_);
  origin.peer = "ipv4:127.0.0.1:41234";
  origin.bearer_token = token;
  auto call =
      std::make_shared<CallContext>(route, kNow, kDeadline, std::move(origin));
  call->mutable_request()->CopyFrom(request);
  return call;
}

std::shared_ptr<CallOutcome> Stack::Start(
    const std::shared_ptr<CallContext>& call) {
  auto outcome = NewOutcome();
  if (call == nullptr || pipeline_ == nullptr) {
    ADD_FAILURE() << "no call or no pipeline";
    return outcome;
  }
  pipeline_->Run(call, [outcome](absl::Status status) {
    ++outcome->calls;
    outcome->status = std::move(status);
  });
  return outcome;
}

std::shared_ptr<CallOutcome> Stack::Run(
    const google::protobuf::Message& request, const std::string& token) {
  return Start(NewCall(request, token));
}

std::shared_ptr<CallOutcome> Stack::StartPassThrough(
    const std::shared_ptr<CallContext>& call) {
  auto outcome = NewOutcome();
  if (call == nullptr || pass_through_ == nullptr) {
    ADD_FAILURE() << "no call or no exchange";
    return outcome;
  }
  call->set_principal("team-a");
  call->set_account(kAccount);
  call->OpenWriteGate(absl::OkStatus());
  pass_through_->Run(call, [outcome](absl::StatusOr<HttpResponse> answer) {
    ++outcome->calls;
    outcome->status = answer.status();
  });
  return outcome;
}

}  // namespace gateway::server::testing
