// Partial updates end to end: a masked update keeps every field it does not
// name (the ones a full replacement would reset especially), concurrent
// updates of one resource do not lose each other's changes, etags guard
// against changes made elsewhere, write-only fields survive, and an update
// waiting for its turn can be cancelled.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/config/v1/config.pb.h"
#include "tests/integration/gateway/masked_update_fixture.h"

namespace gateway_test {
namespace {

// Extension is the name of the i-th extension member: ext_01 .. ext_50.
std::string Extension(int i) {
  return absl::StrCat("ext_", i < 10 ? "0" : "", i);
}

class MaskedUpdateE2eTest : public MaskedUpdateTest {};

// --- Changing one field leaves every other field as it was -----------------

TEST_F(MaskedUpdateE2eTest, BulkSyncNameKeepsEveryOtherField) {
  const std::string id = SeededBulkSync(1);
  Json doc = Writable(Resource::kBulkSync, Read(BulkPath(id)));
  // Non-defaults everywhere a full replacement would reset something.
  doc["mode"] = "snapshot";
  doc["automatically_add_new_objects"] = "all";
  doc["automatically_add_new_fields"] = "none";
  doc["normalize_names"] = "disabled";
  doc["disable_record_timestamps"] = true;
  doc["policies"] = Json::array({kPolicyA, kPolicyB});
  doc["source_configuration"] =
      Json{{"replication_slot", "slot_2"}, {"publication", "pub_2"}};
  doc["destination_configuration"] =
      Json{{"schema", "app"}, {"warehouse", "LOADING"}};
  doc["concurrency_limit"] = 3;
  doc["resync_concurrency_limit"] = 2;
  doc["data_cutoff_timestamp"] = "2025-01-01T00:00:00Z";
  doc["additional_schedules"].push_back(Json::parse(
      R"({"frequency": "daily", "hour": "1", "minute": "5",
          "resync_mode": "resync", "selective_mode": "nonincrementalFields",
          "schemas": ["public.users"]})"));
  WriteDirectly(BulkPath(id), doc);
  Json before = Read(BulkPath(id));
  ASSERT_EQ(before["additional_schedules"].size(), 2u);
  Json schemas_before = Read(BulkPath(id) + "/schemas");
  ForgetRequests();

  v1::UpdateBulkSyncRequest request;
  request.set_id(id);
  request.mutable_bulk_sync()->set_name("renamed");
  *request.mutable_update_mask() = Mask({"name"});
  v1::UpdateBulkSyncResponse response;
  ASSERT_GRPC_OK(UpdateBulkSync(request, &response));
  Json expected = Writable(Resource::kBulkSync, before);
  expected["name"] = "renamed";
  ExpectUpdated("bulkSync.get", "bulkSync.update", BulkPath(id), expected,
                response);

  Json after = Read(BulkPath(id));
  before["name"] = "renamed";
  EXPECT_TRUE(SameJson(WithoutStamps(after), WithoutStamps(before)));
  EXPECT_TRUE(SameJson(Read(BulkPath(id) + "/schemas"), schemas_before));
}

TEST_F(MaskedUpdateE2eTest, ModelSyncNameKeepsEveryOtherField) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  // What a full replacement would reset is all there.
  ASSERT_EQ(before["filters"].size(), 2u);
  ASSERT_EQ(before["overrides"].size(), 1u);
  ASSERT_EQ(before["override_fields"].size(), 1u);
  ASSERT_TRUE(before.contains("identity"));
  ASSERT_EQ(before["policies"].size(), 1u);
  ASSERT_EQ(before["filter_logic"], "1 AND 2");
  ASSERT_EQ(before["skip_initial_backfill"], true);
  Json state_before = HeldState(id);
  ForgetRequests();

  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->set_name("renamed");
  *request.mutable_update_mask() = Mask({"name"});
  v1::UpdateModelSyncResponse response;
  ASSERT_GRPC_OK(UpdateModelSync(request, &response));
  Json expected = Writable(Resource::kModelSync, before);
  expected["name"] = "renamed";
  expected["encryption_passphrase"] = kPassphrase;
  ExpectUpdated("modelSync.get", "modelSync.update", ModelPath(id), expected,
                response);

  Json after = Read(ModelPath(id));
  before["name"] = "renamed";
  EXPECT_TRUE(SameJson(WithoutStamps(after), WithoutStamps(before)));
  Json state_after = HeldState(id);
  EXPECT_EQ(state_after["encryption_passphrase"], kPassphrase);
  EXPECT_EQ(state_after.contains("target") &&
                state_after["target"].contains("create"),
            state_before.contains("target") &&
                state_before["target"].contains("create"));
}

TEST_F(MaskedUpdateE2eTest, ScheduleHourKeepsEveryOtherField) {
  // Seeded sync 0's extra schedule syncs incremental fields of Opportunity.
  const std::string sync = SeededBulkSync(0);
  const std::string schedule = AdditionalScheduleId(0);
  const std::string path = SchedulePath(sync, schedule);
  Json before = Read(path);
  ASSERT_EQ(before["selectiveMode"], "incrementalFields");
  ASSERT_EQ(before["schemas"], Json::array({"Opportunity"}));
  ForgetRequests();

  v1::UpdateBulkSyncScheduleRequest request;
  request.set_sync_id(sync);
  request.set_schedule_id(schedule);
  request.mutable_schedule()->set_minute("40");
  *request.mutable_update_mask() = Mask({"minute"});
  v1::UpdateBulkSyncScheduleResponse response;
  ASSERT_GRPC_OK(UpdateSchedule(request, &response));
  Json expected = Writable(Resource::kSchedule, before);
  expected["minute"] = "40";
  ExpectUpdated("bulkSync.schedules.get", "bulkSync.schedules.update", path,
                Json{{"schedule", expected}}, response);

  Json after = Read(path);
  before["minute"] = "40";
  EXPECT_TRUE(SameJson(WithoutStamps(after), WithoutStamps(before)));
  Json in_sync = Read(BulkPath(sync))["additional_schedules"][0];
  EXPECT_EQ(in_sync["selective_mode"], "incrementalFields");
  EXPECT_EQ(in_sync["minute"], "40");
}

TEST_F(MaskedUpdateE2eTest, SchemaPartitionKeyKeepsEveryOtherField) {
  const std::string sync = SeededBulkSync(0);
  const std::string path = SchemaPath(sync, "Account");
  WriteDirectly(path, Json::parse(R"({
      "enabled": true, "user_output_name": "accounts",
      "tracking_field": "LastModifiedDate",
      "data_cutoff_timestamp": "2025-06-01T00:00:00Z",
      "disable_data_cutoff": true,
      "fields": [{"id": "Id", "enabled": true},
                 {"id": "Name", "enabled": true, "obfuscated": true,
                  "user_output_name": "account_name"}],
      "filters": [{"field_id": "Type", "function": "Equality",
                   "value": "Customer"}]})"));
  Json before = Read(path);
  ForgetRequests();

  v1::UpdateBulkSyncSchemaRequest request;
  request.set_id(sync);
  request.set_schema_id("Account");
  request.mutable_schema()->set_partition_key("BillingCountry");
  *request.mutable_update_mask() = Mask({"partition_key"});
  v1::UpdateBulkSyncSchemaResponse response;
  ASSERT_GRPC_OK(UpdateSchema(request, &response));
  Json expected = Writable(Resource::kSchema, before);
  expected["partition_key"] = "BillingCountry";
  ExpectUpdated("bulkSync.schemas.get", "bulkSync.schemas.update", path,
                expected, response);

  Json after = Read(path);
  before["partition_key"] = "BillingCountry";
  EXPECT_TRUE(SameJson(after, before));
}

// --- Concurrency -------------------------------------------------------------

TEST_F(MaskedUpdateE2eTest, FiftyConcurrentDisjointUpdatesAllLand) {
  // Each update changes its own member. Without per-resource serialisation
  // the updates' GETs would interleave: several would read the same document
  // and each PUT, a full replacement, would write back the others' members
  // as they were when it read them, undoing the updates that landed in
  // between (lost updates). One at a time, each GET sees every earlier PUT.
  constexpr int kUpdates = 50;
  for (int i = 1; i <= kUpdates; ++i) {
    Extend("bulk_sync", Extension(i), "");
  }
  const std::string id = SeededBulkSync(0);
  ForgetRequests();

  struct Call {
    grpc::ClientContext context;
    v1::UpdateBulkSyncRequest request;
    v1::UpdateBulkSyncResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  Completion completion;
  for (int i = 1; i <= kUpdates; ++i) {
    auto call = std::make_unique<Call>();
    const std::string member = Extension(i);
    call->request.set_id(id);
    (*call->request.mutable_bulk_sync()
          ->mutable_additional_fields()
          ->mutable_fields())[member]
        .set_string_value(absl::StrCat("value ", i));
    *call->request.mutable_update_mask() =
        Mask({absl::StrCat("additional_fields.", member)});
    calls.push_back(std::move(call));
  }
  for (auto& call : calls) {
    Call* c = call.get();
    bulk_->async()->UpdateBulkSync(&c->context, &c->request, &c->response,
                                   [c, &completion](grpc::Status status) {
                                     c->status = std::move(status);
                                     completion.Done();
                                   });
  }
  completion.WaitFor(kUpdates);

  for (const auto& call : calls) {
    EXPECT_TRUE(call->status.ok()) << testsupport::Describe(call->status);
  }
  EXPECT_EQ(upstream().Counter("bulkSync.get"), kUpdates);
  EXPECT_EQ(upstream().Counter("bulkSync.update"), kUpdates);
  Json after = Read(BulkPath(id));
  for (int i = 1; i <= kUpdates; ++i) {
    EXPECT_EQ(after[Extension(i)], absl::StrCat("value ", i)) << Extension(i);
  }
}

// --- Etags
// ---------------------------------------------------------------------

TEST_F(MaskedUpdateE2eTest, StaleEtagIsAbortedWithoutWriting) {
  const std::string id = SeededBulkSync(0);
  grpc::ClientContext get_context;
  v1::GetBulkSyncRequest get;
  get.set_id(id);
  v1::GetBulkSyncResponse read;
  ASSERT_GRPC_OK(bulk_->GetBulkSync(&get_context, get, &read));
  const std::string first_etag = read.data().etag();
  ASSERT_FALSE(first_etag.empty());

  // The etag just read: the update goes through and answers a new one.
  ForgetRequests();
  v1::UpdateBulkSyncRequest request;
  request.set_id(id);
  request.mutable_bulk_sync()->set_name("renamed");
  request.mutable_bulk_sync()->set_etag(first_etag);
  *request.mutable_update_mask() = Mask({"name"});
  v1::UpdateBulkSyncResponse updated;
  ASSERT_GRPC_OK(UpdateBulkSync(request, &updated));
  ExpectOneReadOneWrite("bulkSync.get", "bulkSync.update");
  ExpectForwarded("bulkSync.update", "PUT", BulkPath(id), updated);
  const std::string second_etag = updated.data().etag();
  EXPECT_FALSE(second_etag.empty());
  EXPECT_NE(second_etag, first_etag);

  // Changed elsewhere: the etag from the update is stale now.
  Json doc = Writable(Resource::kBulkSync, Read(BulkPath(id)));
  doc["name"] = "changed elsewhere";
  Json changed = WriteDirectly(BulkPath(id), doc);
  ForgetRequests();
  request.mutable_bulk_sync()->set_name("never written");
  request.mutable_bulk_sync()->set_etag(second_etag);
  v1::UpdateBulkSyncResponse stale;
  grpc::Status status = UpdateBulkSync(request, &stale);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
      << testsupport::Describe(status);
  EXPECT_EQ(testsupport::ErrorInfoOf(status).reason(), "ETAG_MISMATCH");
  ExpectReadOnly("bulkSync.get");
  EXPECT_EQ(upstream().Counter("bulkSync.update"), 0);
  EXPECT_TRUE(SameJson(Read(BulkPath(id)), changed));
}

// --- Write-only fields
// ---------------------------------------------------------

TEST_F(MaskedUpdateE2eTest, HeldPassphraseIsResentAndNeverReturned) {
  const std::string id = CreateModelSync(NewModelSync());
  ASSERT_EQ(HeldState(id)["encryption_passphrase"], kPassphrase);
  ForgetRequests();
  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->set_name("renamed");
  *request.mutable_update_mask() = Mask({"name"});
  v1::UpdateModelSyncResponse response;
  ASSERT_GRPC_OK(UpdateModelSync(request, &response));
  EXPECT_EQ(PutBody("modelSync.update")["encryption_passphrase"], kPassphrase);
  EXPECT_EQ(HeldState(id)["encryption_passphrase"], kPassphrase);
  // Never returned: not by the update, not by a read through the gateway.
  EXPECT_FALSE(response.data().has_encryption_passphrase());
  grpc::ClientContext context;
  v1::GetModelSyncRequest get;
  get.set_id(id);
  v1::GetModelSyncResponse read;
  ASSERT_GRPC_OK(models_->GetModelSync(&context, get, &read));
  EXPECT_FALSE(read.data().has_encryption_passphrase());
  EXPECT_FALSE(
      read.data().additional_fields().fields().count("encryption_passphrase"));
  for (const Json& exchange : upstream().Requests()) {
    EXPECT_FALSE(exchange["response"].dump().find(kPassphrase) !=
                 std::string::npos)
        << exchange["operation"];
  }
}

// A model sync the gateway never wrote (seeded by the sandbox): it holds
// neither write-only field, so an update must name both, and the first
// refusal should tell which.
TEST_F(MaskedUpdateE2eTest, UnknownSyncRefusalNamesThePassphrase) {
  const std::string id = SeededModelSync(0);
  ASSERT_TRUE(HeldState(id).contains("encryption_passphrase"));
  Json before = Read(ModelPath(id));
  ForgetRequests();
  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->set_name("renamed");
  *request.mutable_update_mask() = Mask({"name"});
  v1::UpdateModelSyncResponse response;
  grpc::Status status = UpdateModelSync(request, &response);
  ExpectWriteOnlyUnknown(status, "model_sync.encryption_passphrase");
  ExpectReadOnly("modelSync.get");
  EXPECT_TRUE(SameJson(Read(ModelPath(id)), before));
  EXPECT_TRUE(HeldState(id).contains("encryption_passphrase"));
}

TEST_F(MaskedUpdateE2eTest,
       UnknownSyncIsWrittenOnceItsWriteOnlyFieldsAreNamed) {
  const std::string id = SeededModelSync(0);
  Json before = Read(ModelPath(id));
  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->set_name("renamed");
  request.mutable_model_sync()->set_encryption_passphrase("new-passphrase");
  v1::UpdateModelSyncResponse response;

  // The passphrase named, target.create not: still refused, nothing written.
  ForgetRequests();
  *request.mutable_update_mask() = Mask({"name", "encryption_passphrase"});
  ExpectWriteOnlyUnknown(UpdateModelSync(request, &response),
                         "model_sync.target.create");
  ExpectReadOnly("modelSync.get");
  EXPECT_TRUE(SameJson(Read(ModelPath(id)), before));

  // Both named: written; the passphrase is the new one, the create map is
  // named and unset, so sent empty (a named map is replaced whole).
  ForgetRequests();
  *request.mutable_update_mask() =
      Mask({"name", "encryption_passphrase", "target.create"});
  ASSERT_GRPC_OK(UpdateModelSync(request, &response));
  Json expected = Writable(Resource::kModelSync, before);
  expected["name"] = "renamed";
  expected["encryption_passphrase"] = "new-passphrase";
  expected["target"]["create"] = Json::object();
  ExpectUpdated("modelSync.get", "modelSync.update", ModelPath(id), expected,
                response);
  EXPECT_EQ(HeldState(id)["encryption_passphrase"], "new-passphrase");

  // The gateway holds both now: `name` alone re-sends them.
  Json renamed = Read(ModelPath(id));
  ForgetRequests();
  v1::UpdateModelSyncRequest again;
  again.set_id(id);
  again.mutable_model_sync()->set_name("renamed again");
  *again.mutable_update_mask() = Mask({"name"});
  ASSERT_GRPC_OK(UpdateModelSync(again, &response));
  expected = Writable(Resource::kModelSync, renamed);
  expected["name"] = "renamed again";
  expected["encryption_passphrase"] = "new-passphrase";
  expected["target"]["create"] = Json::object();
  ExpectUpdated("modelSync.get", "modelSync.update", ModelPath(id), expected,
                response);
  EXPECT_EQ(Read(ModelPath(id))["name"], "renamed again");
  EXPECT_EQ(HeldState(id)["encryption_passphrase"], "new-passphrase");
}

TEST_F(MaskedUpdateE2eTest, TargetCreateIsKeptAcrossAnUnrelatedUpdate) {
  v1::ModelSync sync;
  sync.set_name("Target accounts to LinkedIn");
  sync.set_mode(v1::MODEL_SYNC_MODE_APPEND);
  auto* field = sync.add_fields();
  SetSource(field->mutable_source(), "company");
  field->set_target("company_name");
  sync.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_MANUAL);
  sync.mutable_target()->set_connection_id(harness_->Connection("linkedinads"));
  auto& create = *sync.mutable_target()->mutable_create();
  create["account"] = "urn:li:sponsoredAccount:508112240";
  create["audience_type"] = "company";
  create["name"] = "Target accounts Q3";
  const std::string id = CreateModelSync(sync);
  Json state_before = HeldState(id);
  ASSERT_TRUE(state_before["target"].contains("create"));
  Json before = Read(ModelPath(id));
  ForgetRequests();

  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->mutable_schedule()->set_frequency(
      v1::SCHEDULE_FREQUENCY_DAILY);
  *request.mutable_update_mask() = Mask({"schedule.frequency"});
  v1::UpdateModelSyncResponse response;
  ASSERT_GRPC_OK(UpdateModelSync(request, &response));
  Json expected = Writable(Resource::kModelSync, before);
  expected["schedule"]["frequency"] = "daily";
  expected["target"]["create"] = state_before["target"]["create"];
  ExpectUpdated("modelSync.get", "modelSync.update", ModelPath(id), expected,
                response);
  EXPECT_EQ(response.data().target().create_size(), 0);
  Json state_after = HeldState(id);
  EXPECT_TRUE(SameJson(state_after["target"]["create"],
                       state_before["target"]["create"]));
  // The same create map: the audience it created is kept, no new one.
  EXPECT_EQ(Read(ModelPath(id))["target"]["object"],
            before["target"]["object"]);
}

class MaskedUpdateRefuseTest : public MaskedUpdateTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [](gateway::config::v1::GatewayConfig& config) {
      config.mutable_updates()->set_write_only_policy(
          gateway::config::v1::Updates::WRITE_ONLY_POLICY_REFUSE);
    };
    return options;
  }
};

TEST_F(MaskedUpdateRefuseTest, WriteOnlyFieldsMustBeNamed) {
  // Created through the gateway, but REFUSE holds nothing.
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->set_name("renamed");
  request.mutable_model_sync()->set_encryption_passphrase("another-one");
  *request.mutable_update_mask() = Mask({"name"});
  v1::UpdateModelSyncResponse response;
  grpc::Status status = UpdateModelSync(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << testsupport::Describe(status);
  EXPECT_EQ(testsupport::ErrorInfoOf(status).reason(),
            "WRITE_ONLY_FIELD_UNKNOWN");
  EXPECT_FALSE(WriteOnlyNamed(status).empty());
  ExpectReadOnly("modelSync.get");

  // Even a field the gateway itself sent is not held.
  ForgetRequests();
  *request.mutable_update_mask() = Mask({"name", "target.create"});
  ExpectWriteOnlyUnknown(UpdateModelSync(request, &response),
                         "model_sync.encryption_passphrase");
  ExpectReadOnly("modelSync.get");
  ForgetRequests();
  *request.mutable_update_mask() = Mask({"name", "encryption_passphrase"});
  ExpectWriteOnlyUnknown(UpdateModelSync(request, &response),
                         "model_sync.target.create");
  ExpectReadOnly("modelSync.get");
  EXPECT_TRUE(SameJson(Read(ModelPath(id)), before));
  EXPECT_EQ(HeldState(id)["encryption_passphrase"], kPassphrase);

  // Both named: written.
  ForgetRequests();
  *request.mutable_update_mask() =
      Mask({"name", "encryption_passphrase", "target.create"});
  ASSERT_GRPC_OK(UpdateModelSync(request, &response));
  Json expected = Writable(Resource::kModelSync, before);
  expected["name"] = "renamed";
  expected["encryption_passphrase"] = "another-one";
  expected["target"]["create"] = Json::object();
  ExpectUpdated("modelSync.get", "modelSync.update", ModelPath(id), expected,
                response);
  EXPECT_EQ(HeldState(id)["encryption_passphrase"], "another-one");

  // And nothing is held afterwards either.
  ForgetRequests();
  *request.mutable_update_mask() = Mask({"name"});
  EXPECT_EQ(UpdateModelSync(request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(upstream().Counter("modelSync.update"), 0);
}

// --- Cancellation while waiting for the resource's turn ---------------------

class MaskedUpdateQueueTest : public MaskedUpdateTest {
 protected:
  void TearDown() override {
    // A failed assertion may leave the first update held: let it finish
    // before the gateway and its context go away.
    if (started_ && harness_ != nullptr) {
      upstream().Release();
      first_done_.WaitFor(1);
    }
    MaskedUpdateTest::TearDown();
  }

  // HoldFirstUpdate starts an update of `id` (name "first") whose PUT the
  // sandbox holds, and returns once it is held.
  void HoldFirstUpdate(const std::string& id) {
    ASSERT_FALSE(upstream()
                     .AddFault({{"operation", "bulkSync.update"},
                                {"kind", "hold"},
                                {"count", 1}})
                     .empty());
    first_.request.set_id(id);
    first_.request.mutable_bulk_sync()->set_name("first");
    *first_.request.mutable_update_mask() = Mask({"name"});
    started_ = true;
    bulk_->async()->UpdateBulkSync(&first_.context, &first_.request,
                                   &first_.response,
                                   [this](grpc::Status status) {
                                     first_.status = std::move(status);
                                     first_done_.Done();
                                   });
    ASSERT_TRUE(upstream().WaitHeld("bulkSync.update", 1));
  }

  // Finish releases the first update, waits for it, then runs a third
  // update (active: false) behind whatever was queued, so that everything
  // queued has had its turn when it returns.
  void Finish(const std::string& id) {
    EXPECT_EQ(upstream().Release("bulkSync.update"), 1);
    first_done_.WaitFor(1);
    EXPECT_TRUE(first_.status.ok()) << testsupport::Describe(first_.status);
    v1::UpdateBulkSyncRequest third;
    third.set_id(id);
    *third.mutable_update_mask() = Mask({"active"});
    v1::UpdateBulkSyncResponse response;
    ASSERT_GRPC_OK(UpdateBulkSync(third, &response));
    // The first and the third read and wrote; the abandoned one did not.
    EXPECT_EQ(upstream().Counter("bulkSync.get"), 2);
    EXPECT_EQ(upstream().Counter("bulkSync.update"), 2);
    Json after = Read(BulkPath(id));
    EXPECT_EQ(after["name"], "first");
    EXPECT_EQ(after["active"], false);
  }

  v1::UpdateBulkSyncRequest Second(const std::string& id) {
    v1::UpdateBulkSyncRequest request;
    request.set_id(id);
    request.mutable_bulk_sync()->set_name("second, abandoned");
    *request.mutable_update_mask() = Mask({"name"});
    return request;
  }

  struct {
    grpc::ClientContext context;
    v1::UpdateBulkSyncRequest request;
    v1::UpdateBulkSyncResponse response;
    grpc::Status status;
  } first_;
  bool started_ = false;
  Completion first_done_;
};

// Both tests wait on the gateway's own count of calls in flight, not on the
// client: a client-side cancel or deadline completes at once on the client,
// before the gateway may have seen the call at all.
TEST_F(MaskedUpdateQueueTest, DeadlineWhileQueuedIssuesNoRead) {
  const std::string id = SeededBulkSync(0);
  ForgetRequests();
  HoldFirstUpdate(id);
  ASSERT_EQ(upstream().Counter("bulkSync.get"), 1);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  v1::UpdateBulkSyncRequest second = Second(id);
  v1::UpdateBulkSyncResponse response;
  grpc::Status status;
  Completion done;
  bulk_->async()->UpdateBulkSync(&context, &second, &response,
                                 [&](grpc::Status s) {
                                   status = std::move(s);
                                   done.Done();
                                 });
  ASSERT_TRUE(harness_->gateway().AwaitCallsInFlight(2, absl::Seconds(30)));
  done.WaitFor(1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << testsupport::Describe(status);
  // The gateway ended the queued update at its deadline, while the first
  // still held the resource: it never read.
  ASSERT_TRUE(harness_->gateway().AwaitCallsInFlight(1, absl::Seconds(30)));
  EXPECT_EQ(upstream().Counter("bulkSync.get"), 1);
  Finish(id);
}

TEST_F(MaskedUpdateQueueTest, CancelWhileQueuedIssuesNoRead) {
  const std::string id = SeededBulkSync(0);
  ForgetRequests();
  HoldFirstUpdate(id);

  grpc::ClientContext context;
  v1::UpdateBulkSyncRequest second = Second(id);
  v1::UpdateBulkSyncResponse response;
  grpc::Status status;
  Completion done;
  bulk_->async()->UpdateBulkSync(&context, &second, &response,
                                 [&](grpc::Status s) {
                                   status = std::move(s);
                                   done.Done();
                                 });
  ASSERT_TRUE(harness_->gateway().AwaitCallsInFlight(2, absl::Seconds(30)));
  context.TryCancel();
  done.WaitFor(1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
      << testsupport::Describe(status);
  ASSERT_TRUE(harness_->gateway().AwaitCallsInFlight(1, absl::Seconds(30)));
  EXPECT_EQ(upstream().Counter("bulkSync.get"), 1);
  Finish(id);
}

}  // namespace
}  // namespace gateway_test
