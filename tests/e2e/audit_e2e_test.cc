// End-to-end: the audit trail of the built polytomic-gateway, run as a
// process against the built polytomic-sandbox. The gateway is SIGKILLed in
// the middle of a stream of mutations and restarted on the same trail; the
// trail's files are tampered with and `polytomic-gateway verify` must say
// where; and no secret (the upstream key, caller tokens, write-only values)
// ever reaches the gateway's output, its audit files or an error message.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/bulk_sync_schedule.grpc.pb.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/caller_channel.h"
#include "tests/support/process.h"

namespace {

namespace v1 = polytomic::v1;
using e2e::Describe;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using testsupport::ExitStatus;
using testsupport::Process;
using testsupport::RunResult;
using testsupport::TempDir;
using Json = nlohmann::json;

constexpr char kApiKey[] = "e2e-audit-upstream-key-c4f1a7e9";
// The caller's token; the gateway's configuration holds only its SHA-256.
constexpr char kCallerToken[] = "e2e-audit-caller-token-81d2b6";
constexpr char kPrincipal[] = "e2e";
constexpr char kUpdateBulkSync[] =
    "/polytomic.v1.BulkSyncService/UpdateBulkSync";
constexpr char kCreateSchedule[] =
    "/polytomic.v1.BulkSyncScheduleService/CreateBulkSyncSchedule";
// Generous: the binaries start in well under a second, but CI machines are
// shared. Nothing waits for these unless something is broken.
using e2e::kStartTimeout;
constexpr absl::Duration kRunTimeout = absl::Seconds(60);
constexpr auto kCallTimeout = std::chrono::seconds(20);

// UniqueSuffix is 64 random bits in hex, so a secret made with it can only
// be found where the test put it.
std::string UniqueSuffix() {
  std::random_device random;
  std::mt19937_64 bits((static_cast<uint64_t>(random()) << 32) ^ random());
  std::ostringstream out;
  out << std::hex << bits();
  return out.str();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

// AuditFiles names the audit files of `directory` in chain order: the
// rotated `audit-NNNNNN.jsonl` by number, then `audit.jsonl`.
std::vector<std::string> AuditFiles(const std::string& directory) {
  std::map<long, std::string> rotated;
  const std::regex name("^audit-([0-9]+)\\.jsonl$");
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string file = entry.path().filename().string();
    std::smatch match;
    if (std::regex_match(file, match, name)) {
      rotated[std::stol(match[1])] = file;
    }
  }
  std::vector<std::string> files;
  for (const auto& [number, file] : rotated) files.push_back(file);
  if (std::filesystem::exists(directory + "/audit.jsonl")) {
    files.push_back("audit.jsonl");
  }
  return files;
}

// Lines splits a file's text into its lines (without the '\n's).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// ReadAuditTrail parses every record of `directory`, in chain order; a
// line that is not JSON is a test failure.
std::vector<Json> ReadAuditTrail(const std::string& directory) {
  std::vector<Json> records;
  for (const std::string& file : AuditFiles(directory)) {
    const std::vector<std::string> lines =
        Lines(ReadFile(directory + "/" + file));
    for (size_t i = 0; i < lines.size(); ++i) {
      Json record = Json::parse(lines[i], nullptr, false);
      if (!record.is_object()) {
        ADD_FAILURE() << file << ":" << i + 1 << " is not a JSON object";
        continue;
      }
      records.push_back(std::move(record));
    }
  }
  return records;
}

// AllAuditText is every audit file's bytes, for searching.
std::string AllAuditText(const std::string& directory) {
  std::string text;
  for (const std::string& file : AuditFiles(directory)) {
    absl::StrAppend(&text, ReadFile(directory + "/" + file));
  }
  return text;
}

// Verify runs `polytomic-gateway verify` on `directory`.
RunResult Verify(const std::string& directory) {
  absl::StatusOr<RunResult> run = testsupport::RunProcess(
      POLYTOMIC_GATEWAY_BIN, {"verify", "--audit_dir", directory}, kRunTimeout);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *run : RunResult{};
}

// Outcome is a finished call: its status and the x-request-id the gateway
// gave it ("" when none arrived).
struct Outcome {
  grpc::Status status;
  std::string request_id;
};

// Invoke makes one blocking call with a deadline.
Outcome Invoke(const std::function<grpc::Status(grpc::ClientContext*)>& call) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  Outcome outcome;
  outcome.status = call(&context);
  const auto& metadata = context.GetServerInitialMetadata();
  if (auto it = metadata.find("x-request-id"); it != metadata.end()) {
    outcome.request_id.assign(it->second.data(), it->second.size());
  }
  return outcome;
}

// Stubs are the services the tests call, over one caller channel.
struct Stubs {
  Stubs(const std::string& address, const std::string& token) {
    std::shared_ptr<grpc::Channel> channel = testsupport::CallerChannel(
        address, token, grpc::InsecureChannelCredentials());
    bulk = v1::BulkSyncService::NewStub(channel);
    schedules = v1::BulkSyncScheduleService::NewStub(channel);
    model = v1::ModelSyncService::NewStub(channel);
  }

  Outcome RenameBulkSync(const std::string& id, const std::string& name) {
    v1::UpdateBulkSyncRequest request;
    request.set_id(id);
    request.mutable_bulk_sync()->set_name(name);
    request.mutable_update_mask()->add_paths("name");
    v1::UpdateBulkSyncResponse response;
    return Invoke([&](grpc::ClientContext* context) {
      return bulk->UpdateBulkSync(context, request, &response);
    });
  }

  Outcome AddDailySchedule(const std::string& sync_id) {
    v1::CreateBulkSyncScheduleRequest request;
    request.set_sync_id(sync_id);
    v1::BulkSyncSchedule* schedule = request.mutable_schedule();
    schedule->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
    schedule->set_hour("6");
    schedule->set_minute("45");
    v1::CreateBulkSyncScheduleResponse response;
    return Invoke([&](grpc::ClientContext* context) {
      return schedules->CreateBulkSyncSchedule(context, request, &response);
    });
  }

  Outcome GetBulkSync(const std::string& id) {
    v1::GetBulkSyncRequest request;
    request.set_id(id);
    v1::GetBulkSyncResponse response;
    return Invoke([&](grpc::ClientContext* context) {
      return bulk->GetBulkSync(context, request, &response);
    });
  }

  std::unique_ptr<v1::BulkSyncService::Stub> bulk;
  std::unique_ptr<v1::BulkSyncScheduleService::Stub> schedules;
  std::unique_ptr<v1::ModelSyncService::Stub> model;
};

class AuditE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(work_dir_.path().empty());
    audit_dir_ = work_dir_.path() + "/audit";
    key_file_ = work_dir_.path() + "/api_key";
    WriteFile(key_file_, kApiKey);
    config_file_ = work_dir_.path() + "/gateway.yaml";
    // 8 KiB, the smallest allowed is 4 KiB: the trail spans several files.
    WriteFile(config_file_,
              e2e::CallerConfig(kPrincipal, kCallerToken, audit_dir_,
                                ", max_file_bytes: 8192"));
    ASSERT_NO_FATAL_FAILURE(StartSandbox());
    ASSERT_NO_FATAL_FAILURE(StartGateway());
  }

  void TearDown() override {
    if (gateway_ != nullptr) StopGateway();
    if (sandbox_ != nullptr) {
      e2e::StopAndExpectCleanExit(*sandbox_, "polytomic-sandbox");
    }
  }

  void StartSandbox() {
    absl::StatusOr<e2e::SandboxProcess> sandbox =
        e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = std::move(sandbox->process);
    sandbox_url_ = sandbox->url;
    for (const Json& id : sandbox->seed["bulk_syncs"]) {
      bulk_syncs_.push_back(id.get<std::string>());
    }
    for (const Json& id : sandbox->seed["model_syncs"]) {
      model_syncs_.push_back(id.get<std::string>());
    }
    ASSERT_GE(bulk_syncs_.size(), 2u) << sandbox->seed.dump();
    ASSERT_GE(model_syncs_.size(), 2u) << sandbox->seed.dump();
  }

  // StartGateway starts a gateway on a new port (the trail and
  // configuration are the same each time) and connects stubs_ to it.
  void StartGateway() {
    absl::StatusOr<e2e::GatewayProcess> gateway = e2e::StartGateway(
        POLYTOMIC_GATEWAY_BIN, config_file_, sandbox_url_, key_file_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(gateway->process);
    gateway_address_ = gateway->address;
    stubs_ = std::make_unique<Stubs>(gateway_address_, kCallerToken);
  }

  // StopGateway closes this test's channel, sends SIGTERM and expects a
  // clean exit; the gateway's output is kept in gateway_output_. (With a
  // caller's idle channel still open, the gateway's gRPC shutdown waits for
  // it until its 10 s grace period ends.)
  void StopGateway() {
    stubs_.reset();
    EXPECT_TRUE(gateway_->Signal(SIGTERM)) << "the gateway was already gone";
    std::optional<ExitStatus> exit = gateway_->WaitForExit(kStartTimeout);
    EXPECT_TRUE(exit.has_value() && exit->Succeeded())
        << (exit.has_value() ? exit->ToString() : "still running") << "\n"
        << gateway_->Stderr();
    absl::StrAppend(&gateway_output_, gateway_->Stdout(), gateway_->Stderr());
    gateway_.reset();
  }

  // ExpectVerifiedOk runs verify and expects "ok"; returns the record count.
  int ExpectVerifiedOk(const std::string& directory) {
    RunResult run = Verify(directory);
    EXPECT_TRUE(run.status.Succeeded()) << Describe(run);
    std::smatch ok;
    if (!std::regex_search(run.out, ok,
                           std::regex("^audit trail \\S+: ok, ([0-9]+) "
                                      "records in ([0-9]+) files"))) {
      ADD_FAILURE() << Describe(run);
      return 0;
    }
    verified_files_ = std::stoi(ok[2]);
    return std::stoi(ok[1]);
  }

  TempDir work_dir_;
  std::string audit_dir_;
  std::string key_file_;
  std::string config_file_;
  std::unique_ptr<Process> sandbox_;
  std::string sandbox_url_;
  std::vector<std::string> bulk_syncs_;
  std::vector<std::string> model_syncs_;
  std::unique_ptr<Process> gateway_;
  std::string gateway_address_;
  std::string gateway_output_;
  std::unique_ptr<Stubs> stubs_;
  int verified_files_ = 0;
};

// Mutations from several threads; SIGKILL while they run; a restart on the
// same trail. Every mutation a caller was told succeeded has its intent and
// its OK outcome on disk, and the chain verifies across the crash.
TEST_F(AuditE2eTest, CrashDuringMutations) {
  constexpr int kThreads = 4;
  constexpr size_t kAcknowledgedBeforeKill = 100;
  absl::Mutex mu;
  std::vector<std::string> acknowledged;  // Request ids of OK mutations.
  std::vector<std::string> failures;      // Unexpected outcomes.
  bool killed = false;
  bool stop = false;

  auto worker = [&](int thread) {
    for (int i = 0;; ++i) {
      {
        absl::MutexLock lock(&mu);
        if (stop) return;
      }
      const std::string& sync = bulk_syncs_[(thread + i) % bulk_syncs_.size()];
      Outcome outcome = i % 2 == 0
                            ? stubs_->RenameBulkSync(
                                  sync, absl::StrCat("crash-", thread, "-", i))
                            : stubs_->AddDailySchedule(sync);
      absl::MutexLock lock(&mu);
      if (outcome.status.ok()) {
        if (outcome.request_id.size() != 32) {
          failures.push_back(
              absl::StrCat("bad x-request-id \"", outcome.request_id, "\""));
        }
        acknowledged.push_back(outcome.request_id);
      } else if (!killed) {
        // Before the kill nothing may fail. After it, calls fail (usually
        // UNAVAILABLE; how a cut connection surfaces is gRPC's business).
        failures.push_back(
            absl::StrCat(static_cast<int>(outcome.status.error_code()), " ",
                         outcome.status.error_message()));
        stop = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);

  {
    absl::MutexLock lock(&mu);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return acknowledged.size() >= kAcknowledgedBeforeKill ||
             !failures.empty();
    };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&enough), kRunTimeout))
        << acknowledged.size() << " acknowledged";
    killed = true;
  }
  // The threads are still calling: whatever is in flight is cut off. They
  // are joined before any assertion can return.
  const bool signalled = gateway_->Signal(SIGKILL);
  std::optional<ExitStatus> exit = gateway_->WaitForExit(kStartTimeout);
  {
    absl::MutexLock lock(&mu);
    stop = true;
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(signalled) << "the gateway was already gone";
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGKILL) << exit->ToString();
  EXPECT_THAT(failures, ::testing::IsEmpty());
  ASSERT_GE(acknowledged.size(), kAcknowledgedBeforeKill);
  const size_t before_restart = acknowledged.size();

  // The restarted gateway recovers the trail and continues its chain.
  gateway_.reset();
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  for (int i = 0; i < 6; ++i) {
    const std::string& sync = bulk_syncs_[i % bulk_syncs_.size()];
    Outcome outcome = i % 2 == 0 ? stubs_->RenameBulkSync(
                                       sync, absl::StrCat("after-crash-", i))
                                 : stubs_->AddDailySchedule(sync);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
    acknowledged.push_back(outcome.request_id);
  }
  StopGateway();

  const int verified = ExpectVerifiedOk(audit_dir_);
  EXPECT_GE(verified_files_, 2) << "max_file_bytes did not rotate the trail";

  std::vector<Json> records = ReadAuditTrail(audit_dir_);
  EXPECT_EQ(records.size(), static_cast<size_t>(verified));
  // seq runs 1, 2, 3, ... across every file.
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].value("seq", int64_t{-1}), static_cast<int64_t>(i + 1))
        << records[i].dump();
  }
  struct Trail {
    int64_t intent_seq = 0;
    int64_t call_seq = 0;
    Json call;
  };
  std::map<std::string, Trail> by_request;
  for (const Json& record : records) {
    const std::string event = record.value("event", "");
    if (event != "intent" && event != "call") continue;
    Trail& trail = by_request[record.value("request_id", "")];
    (event == "intent" ? trail.intent_seq : trail.call_seq) =
        record["seq"].get<int64_t>();
    if (event == "call") trail.call = record;
  }
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("acknowledged mutation ", i, " (",
                              i < before_restart ? "before" : "after",
                              " the restart) ", acknowledged[i]));
    auto it = by_request.find(acknowledged[i]);
    ASSERT_NE(it, by_request.end()) << "no record at all";
    const Trail& trail = it->second;
    EXPECT_GT(trail.intent_seq, 0) << "no intent";
    ASSERT_GT(trail.call_seq, trail.intent_seq) << "no outcome after intent";
    EXPECT_EQ(trail.call.value("code", ""), "OK") << trail.call.dump();
    EXPECT_EQ(trail.call.value("principal", ""), kPrincipal);
    const std::string method = trail.call.value("method", "");
    EXPECT_TRUE(method == kUpdateBulkSync || method == kCreateSchedule)
        << method;
    EXPECT_TRUE(trail.call.contains("changes")) << trail.call.dump();
  }
  // Only the calls in flight at the kill (one per thread) may have an
  // intent and no outcome.
  int unfinished = 0;
  for (const auto& [request_id, trail] : by_request) {
    if (trail.call_seq == 0) ++unfinished;
  }
  EXPECT_LE(unfinished, kThreads);
}

// One changed character or one missing line anywhere in the trail makes
// verify fail, naming the file and line; the untouched trail verifies.
TEST_F(AuditE2eTest, TamperingIsFound) {
  for (int i = 0; i < 16; ++i) {
    const std::string& sync = bulk_syncs_[i % bulk_syncs_.size()];
    Outcome outcome =
        i % 4 == 0 ? stubs_->RenameBulkSync(sync, absl::StrCat("tamper-", i))
                   : stubs_->GetBulkSync(sync);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  }
  StopGateway();
  const int records = ExpectVerifiedOk(audit_dir_);
  ASSERT_GE(records, 20);

  // The target: the middle line of the file with the most lines.
  std::string file;
  std::vector<std::string> lines;
  int records_before = 0;  // In the files before `file`.
  int counted = 0;
  for (const std::string& name : AuditFiles(audit_dir_)) {
    std::vector<std::string> these = Lines(ReadFile(audit_dir_ + "/" + name));
    if (these.size() > lines.size()) {
      file = name;
      lines = these;
      records_before = counted;
    }
    counted += static_cast<int>(these.size());
  }
  ASSERT_GE(lines.size(), 3u) << file;
  const size_t middle = lines.size() / 2;  // 0-based, never the first/last.
  const int line_number = static_cast<int>(middle) + 1;
  const std::string where =
      absl::StrCat(": BROKEN at ", file, ":", line_number, ": ");

  {
    SCOPED_TRACE("one character of the principal changed");
    const std::string copy = work_dir_.path() + "/altered";
    std::filesystem::copy(audit_dir_, copy);
    std::vector<std::string> altered = lines;
    const std::string principal =
        absl::StrCat("\"principal\":\"", kPrincipal, "\"");
    const size_t at = altered[middle].find(principal);
    ASSERT_NE(at, std::string::npos) << altered[middle];
    altered[middle][at + principal.size() - 2] ^= 1;  // e2e -> e2d
    WriteFile(copy + "/" + file, absl::StrJoin(altered, "\n") + "\n");
    RunResult run = Verify(copy);
    EXPECT_EQ(run.status.code, 1) << Describe(run);
    EXPECT_TRUE(run.status.exited) << Describe(run);
    EXPECT_THAT(run.out, HasSubstr(where)) << Describe(run);
    EXPECT_THAT(run.out,
                HasSubstr(absl::StrCat("(after ", records_before + middle,
                                       " good records)")))
        << Describe(run);
  }
  {
    SCOPED_TRACE("one line deleted");
    const std::string copy = work_dir_.path() + "/truncated";
    std::filesystem::copy(audit_dir_, copy);
    std::vector<std::string> shortened = lines;
    const int64_t deleted_seq =
        Json::parse(shortened[middle]).value("seq", int64_t{0});
    ASSERT_GT(deleted_seq, 0);
    shortened.erase(shortened.begin() + static_cast<long>(middle));
    WriteFile(copy + "/" + file, absl::StrJoin(shortened, "\n") + "\n");
    RunResult run = Verify(copy);
    EXPECT_EQ(run.status.code, 1) << Describe(run);
    EXPECT_TRUE(run.status.exited) << Describe(run);
    // The line that now holds the next record is where the gap shows.
    EXPECT_THAT(run.out, HasSubstr(where)) << Describe(run);
    EXPECT_THAT(run.out, ContainsRegex(absl::StrCat("seq (", deleted_seq, "|",
                                                    deleted_seq + 1, ")\\b")))
        << Describe(run);
  }
  // The copies were changed, the original was not.
  EXPECT_EQ(ExpectVerifiedOk(audit_dir_), records);
}

// The upstream key, caller tokens (right and wrong) and write-only values
// never appear in the gateway's stdout or stderr, its audit files or any
// error a caller gets, whatever the call. (The gateway has no metrics
// endpoint yet; when it gets one, its output belongs in this search too.)
TEST_F(AuditE2eTest, SecretsNeverLeak) {
  const std::string passphrase = "e2e-passphrase-" + UniqueSuffix();
  const std::string config_secret = "e2e-config-password-" + UniqueSuffix();
  std::vector<std::string> wrong_tokens;
  std::vector<Outcome> outcomes;  // Every call made.
  auto record = [&](Outcome outcome) {
    outcomes.push_back(outcome);
    return outcome.status;
  };
  const std::string& model_sync = model_syncs_[0];

  // Reads and a masked update.
  EXPECT_TRUE(record(stubs_->GetBulkSync(bulk_syncs_[0])).ok());
  EXPECT_TRUE(record(stubs_->RenameBulkSync(bulk_syncs_[1], "secrets")).ok());
  v1::GetModelSyncResponse current;
  {
    v1::GetModelSyncRequest request;
    request.set_id(model_sync);
    EXPECT_TRUE(record(Invoke([&](grpc::ClientContext* context) {
                  return stubs_->model->GetModelSync(context, request,
                                                     &current);
                })).ok());
  }
  // UpdateModelSync with the passphrase (and a secret in the target's
  // configuration), through `stubs`, with `paths` as the mask.
  auto set_passphrase = [&](Stubs& stubs, const std::string& id,
                            std::vector<std::string> paths) {
    v1::UpdateModelSyncRequest request;
    request.set_id(id);
    v1::ModelSync* sync = request.mutable_model_sync();
    sync->set_encryption_passphrase(passphrase);
    *sync->mutable_target() = current.data().target();
    (*sync->mutable_target()
          ->mutable_configuration()
          ->mutable_fields())["api_password"]
        .set_string_value(config_secret);
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    v1::UpdateModelSyncResponse response;
    return record(Invoke([&](grpc::ClientContext* context) {
      return stubs.model->UpdateModelSync(context, request, &response);
    }));
  };
  const std::vector<std::string> passphrase_mask = {
      "encryption_passphrase", "target.configuration", "target.create"};
  grpc::Status set = set_passphrase(*stubs_, model_sync, passphrase_mask);
  EXPECT_TRUE(set.ok()) << set.error_message();
  // A rename makes the gateway re-send the passphrase it holds.
  auto rename_model_sync = [&](const std::string& id) {
    v1::UpdateModelSyncRequest request;
    request.set_id(id);
    request.mutable_model_sync()->set_name("renamed-" + UniqueSuffix());
    request.mutable_update_mask()->add_paths("name");
    v1::UpdateModelSyncResponse response;
    return record(Invoke([&](grpc::ClientContext* context) {
      return stubs_->model->UpdateModelSync(context, request, &response);
    }));
  };
  grpc::Status renamed = rename_model_sync(model_sync);
  EXPECT_TRUE(renamed.ok()) << renamed.error_message();

  // Failures: an invalid mask and an unknown sync (upstream 404), both
  // carrying the passphrase; a rename of a sync whose passphrase the gateway
  // does not hold; an id that is not a UUID.
  EXPECT_FALSE(set_passphrase(*stubs_, model_sync,
                              {"encryption_passphrase", "no_such_field"})
                   .ok());
  EXPECT_FALSE(set_passphrase(*stubs_, "00000000-0000-4000-8000-00000000e2e0",
                              passphrase_mask)
                   .ok());
  EXPECT_FALSE(rename_model_sync(model_syncs_[1]).ok());
  EXPECT_FALSE(record(stubs_->GetBulkSync("not-a-uuid")).ok());
  EXPECT_FALSE(record(stubs_->RenameBulkSync("not-a-uuid", "x")).ok());

  // Unknown tokens, each unique, on reads and on a mutation with the
  // passphrase; and no token at all.
  for (int i = 0; i < 3; ++i) {
    wrong_tokens.push_back(
        absl::StrCat("e2e-wrong-token-", i, "-", UniqueSuffix()));
    Stubs wrong(gateway_address_, wrong_tokens.back());
    EXPECT_EQ(record(wrong.GetBulkSync(bulk_syncs_[0])).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(set_passphrase(wrong, model_sync, passphrase_mask).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    Stubs anonymous(gateway_address_, "");
    EXPECT_EQ(record(anonymous.GetBulkSync(bulk_syncs_[0])).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(
        record(anonymous.RenameBulkSync(bulk_syncs_[0], "x")).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }
  StopGateway();

  // Every call is in the trail, so there was something to search.
  std::map<std::string, int> outcome_records;
  for (const Json& r : ReadAuditTrail(audit_dir_)) {
    if (r.value("event", "") == "call") {
      ++outcome_records[r.value("request_id", "")];
    }
  }
  for (const Outcome& outcome : outcomes) {
    ASSERT_EQ(outcome.request_id.size(), 32u)
        << "no x-request-id: " << outcome.status.error_message();
    EXPECT_EQ(outcome_records[outcome.request_id], 1)
        << outcome.request_id << " " << outcome.status.error_message();
  }
  EXPECT_EQ(ExpectVerifiedOk(audit_dir_),
            static_cast<int>(ReadAuditTrail(audit_dir_).size()));

  std::vector<std::pair<std::string, std::string>> places = {
      {"the gateway's stdout and stderr", gateway_output_},
      {"the audit files", AllAuditText(audit_dir_)}};
  std::string errors;
  for (const Outcome& outcome : outcomes) {
    absl::StrAppend(&errors, outcome.status.error_message(), "\n",
                    outcome.status.error_details(), "\n");
  }
  places.emplace_back("the callers' errors", errors);
  ASSERT_FALSE(places[1].second.empty());
  std::vector<std::string> secrets = {kApiKey, kCallerToken, passphrase,
                                      config_secret};
  secrets.insert(secrets.end(), wrong_tokens.begin(), wrong_tokens.end());
  for (const auto& [place, text] : places) {
    for (const std::string& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos)
          << "\"" << secret << "\" found in " << place;
    }
  }
}

}  // namespace
