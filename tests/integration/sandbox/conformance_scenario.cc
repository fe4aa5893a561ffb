#include "tests/integration/sandbox/conformance_scenario.h"

#include <utility>

namespace sandbox_test {
namespace {

constexpr char kPolicy[] = "0c9a3c1e-6b7d-4f0a-8e2b-5d4c3b2a1f00";
constexpr char kDbtConnection[] = "5e2d8f1a-9c4b-4a3e-b6d7-1f0e2c3b4a59";
constexpr char kSyncs[] = "/api/bulk/syncs";
constexpr char kModelSyncs[] = "/api/syncs";
constexpr char kConnections[] = "/api/connections/";

std::string DataId(const testsupport::SandboxClient::Reply& r) {
  if (!r.json.is_object() || !r.json.contains("data")) return "";
  return r.json["data"].value("id", "");
}

}  // namespace

void ConformanceScenario::SetUp() {
  ModelSyncFixture::SetUp();
  if (HasFatalFailure()) return;
  seed_ = client().Seed();
  ASSERT_TRUE(seed_.is_object());
  ASSERT_EQ(seed_["bulk_syncs"].size(), 3u) << seed_.dump();
  ASSERT_EQ(seed_["model_syncs"].size(), 2u) << seed_.dump();
  organization_ = seed_["organization_id"];
  seeded_bulk_sync_ = seed_["bulk_syncs"][1];
  seeded_model_sync_ = seed_["model_syncs"][0];
}

ConformanceScenario::Reply ConformanceScenario::Expect(
    int status, const std::string& method, const std::string& path,
    const Json& body, httplib::Headers headers) {
  headers.emplace("Authorization", std::string("Bearer ") + kKey);
  return ExpectRaw(status, method, path, body, std::move(headers));
}

ConformanceScenario::Reply ConformanceScenario::ExpectRaw(
    int status, const std::string& method, const std::string& path,
    const Json& body, httplib::Headers headers) {
  if (!body.is_null()) headers.emplace("Content-Type", "application/json");
  ++sent_;
  Reply r =
      client().Raw(method, path, body.is_null() ? "" : body.dump(), headers);
  EXPECT_EQ(r.status, status) << method << " " << path << "\n"
                              << body.dump() << "\n-> " << r.body;
  return r;
}

Json ConformanceScenario::FullBulkSyncBody() const {
  return Json{
      {"name", "Salesforce to Snowflake"},
      {"organization_id", organization_},
      {"active", true},
      {"mode", "replicate"},
      {"source_connection_id", salesforce_},
      {"source_configuration", {{"fetch_mode", "incremental"}}},
      {"destination_connection_id", snowflake_},
      {"destination_configuration",
       {{"schema", "salesforce_raw"}, {"warehouse", "LOADING"}}},
      {"default_schedule",
       {{"frequency", "daily"}, {"hour", "2"}, {"minute", "30"}}},
      {"additional_schedules",
       Json::array({{{"frequency", "weekly"},
                     {"day_of_week", "sunday"},
                     {"hour", "4"},
                     {"minute", "0"},
                     {"resync_mode", "refetch"},
                     {"selective_mode", "incrementalFields"},
                     {"schemas", {"Account"}}},
                    {{"id", "00000000-0000-4000-8000-000000000001"},
                     {"frequency", "custom"},
                     {"minute", "0"},
                     {"hour", "1"},
                     {"day_of_month", "1"},
                     {"month", "1"},
                     {"day_of_week", "monday"},
                     {"resync_mode", "resync"},
                     {"selective_mode", "none"},
                     {"schemas", Json::array()}}})},
      {"automatically_add_new_fields", "onlyIncremental"},
      {"automatically_add_new_objects", "none"},
      {"concurrency_limit", 4},
      {"resync_concurrency_limit", 2},
      {"data_cutoff_timestamp", "2025-01-01T00:00:00Z"},
      {"disable_record_timestamps", true},
      {"normalize_names", "enabled"},
      {"policies", {kPolicy}},
      {"schemas",
       Json::array(
           {"Opportunity",
            {{"id", "Account"},
             {"enabled", true},
             {"tracking_field", "SystemModstamp"},
             {"partition_key", "BillingCountry"},
             {"data_cutoff_timestamp", "2025-06-01T00:00:00Z"},
             {"disable_data_cutoff", false},
             {"fields", Json::array({"Id",
                                     "Name",
                                     {{"id", "AnnualRevenue"},
                                      {"enabled", true},
                                      {"obfuscate", true}},
                                     {{"id", "Industry"}}})},
             {"filters",
              Json::array({{{"field_id", "IsDeleted"}, {"function", "False"}},
                           {{"field_id", "Industry"},
                            {"function", "StringOneOf"},
                            {"value", {"Technology", "Finance"}}}})}},
            {{"id", "Contact"}, {"enabled", true}}})}};
}

Json ConformanceScenario::FullModelSyncBody() const {
  return Json{
      {"name", "Users to Salesforce contacts"},
      {"organization_id", organization_},
      {"active", true},
      {"mode", "updateOrCreate"},
      {"target",
       {{"connection_id", salesforce_},
        {"object", "Contact"},
        {"configuration", {{"batch_size", 200}}},
        {"filter_logic", "1"},
        {"new_name", "Contact"},
        {"search_values", {{"RecordTypeId", "012000000000000AAA"}}}}},
      {"fields",
       Json::array({{{"source", Source("first_name")},
                     {"target", "FirstName"},
                     {"sync_mode", "updateOrCreate"},
                     {"new", false},
                     {"encryption_enabled", false}},
                    {{"source", Source("last_name")}, {"target", "LastName"}},
                    {{"source", Source("phone")},
                     {"target", "Phone"},
                     {"encryption_enabled", true}},
                    {{"target", "Title"},
                     {"override_value", "Customer"},
                     {"sync_mode", "create"}}})},
      {"override_fields",
       Json::array({{{"source", Source("company_id")},
                     {"target", "AccountId"},
                     {"override_value", "001000000000001AAA"},
                     {"sync_mode", "create"},
                     {"new", false},
                     {"encryption_enabled", false}}})},
      {"identity",
       {{"source", Source("email")},
        {"target", "Email"},
        {"function", "Equality"},
        {"new_field", false},
        {"remote_field_type_id", "email"}}},
      {"filters", Json::array({{{"field", Source("plan")},
                                {"field_type", "Model"},
                                {"function", "StringOneOf"},
                                {"label", "Paying plans"},
                                {"value", {"pro", "enterprise"}}},
                               {{"field_id", "Email"},
                                {"field_type", "Target"},
                                {"function", "IsNotNull"},
                                {"label", "Has an email"}}})},
      {"filter_logic", "1 AND 2"},
      {"overrides", Json::array({{{"field", Source("plan")},
                                  {"function", "Equality"},
                                  {"value", "trial"},
                                  {"override", "free"}},
                                 {{"field_id", "Title"},
                                  {"function", "IsNull"},
                                  {"override", "Customer"}}})},
      {"policies", {kPolicy}},
      {"schedule",
       {{"frequency", "runafter"},
        {"run_after",
         {{"bulk_sync_ids", {seeded_bulk_sync_}},
          {"sync_ids", {seeded_model_sync_}}}},
        {"run_after_success_only", true}}},
      {"encryption_passphrase", "correct horse battery staple"},
      {"only_enrich_updates", false},
      {"skip_initial_backfill", true},
      {"sync_all_records", false}};
}

void ConformanceScenario::RunBulkScenario() {
  const std::string conn = kConnections;
  Expect(200, "GET", conn + salesforce_ + "/bulksync/source");
  Expect(200, "GET",
         conn + salesforce_ + "/bulksync/source?include_fields=true");
  Expect(200, "GET", conn + postgres_ + "/bulksync/source?include_fields=true");
  Expect(200, "GET", conn + snowflake_ + "/bulksync/target");
  Expect(200, "GET", conn + s3_ + "/bulksync/target");

  // Created once, then replayed with the same Idempotency-Key.
  const httplib::Headers key = {{"Idempotency-Key", "conformance-bulk-1"}};
  Reply created = Expect(200, "POST", kSyncs, FullBulkSyncBody(), key);
  Expect(200, "POST", kSyncs, FullBulkSyncBody(), key);
  bulk_sync_ = DataId(created);
  ASSERT_FALSE(bulk_sync_.empty());
  const Json sync = created.json["data"];
  const std::string path = std::string(kSyncs) + "/" + bulk_sync_;

  // A CDC source (PostgreSQL replication slot) into S3.
  Reply cdc = Expect(
      200, "POST", kSyncs,
      Json{{"name", "Postgres to S3"},
           {"mode", "snapshot"},
           {"active", true},
           {"source_connection_id", postgres_},
           {"source_configuration",
            {{"replication_slot", "polytomic"},
             {"publication", "polytomic_pub"}}},
           {"destination_connection_id", s3_},
           {"destination_configuration",
            {{"format", "parquet"}, {"path_prefix", "exports/"}}},
           {"default_schedule", {{"frequency", "continuous"}}},
           {"normalize_names", "legacy"},
           {"automatically_add_new_objects", "onlyNonIncremental"},
           {"automatically_add_new_fields", "none"},
           {"schemas",
            Json::array(
                {"public.users",
                 {{"id", "public.orders"},
                  {"fields", Json::array({{{"id", "id"}},
                                          {{"id", "total_cents"},
                                           {"enabled", true},
                                           {"obfuscate", false}}})}}})}});
  const std::string cdc_sync = DataId(cdc);

  Expect(200, "GET", kSyncs);
  Expect(200, "GET", std::string(kSyncs) + "?active=true");
  Expect(200, "GET", path + "?refresh_schemas=true");

  // Full replacement keeping the schedules by id.
  Json put = FullBulkSyncBody();
  put["name"] = "Salesforce to Snowflake (nightly)";
  put["active"] = false;
  put["default_schedule"] = {{"id", sync["default_schedule"]["id"]},
                             {"frequency", "custom"},
                             {"minute", "30"},
                             {"hour", "2"},
                             {"day_of_month", "15"},
                             {"month", "6"},
                             {"day_of_week", "tuesday"}};
  put["additional_schedules"][0]["id"] = sync["additional_schedules"][0]["id"];
  put["additional_schedules"].erase(1);
  put["schemas"][2] = {{"id", "Contact"},
                       {"fields", Json::array({"Id", "Email", "AccountId"})}};
  Expect(200, "PUT", path, put);
  Expect(200, "POST", path + "/activate", {{"active", true}});

  // Schemas.
  Expect(200, "GET", path + "/schemas");
  Expect(200, "GET",
         path + "/schemas?filters=" + UrlEncode(R"({"enabled":"true"})"));
  Expect(
      200, "PATCH", path + "/schemas",
      {{"schemas",
        Json::array({{{"id", "Contact"},
                      {"enabled", true},
                      {"output_name", "contact"},
                      {"user_output_name", "people"},
                      {"partition_key", "AccountId"},
                      {"tracking_field", "LastModifiedDate"},
                      {"data_cutoff_timestamp", "2025-03-01T00:00:00Z"},
                      {"disable_data_cutoff", false},
                      {"fields",
                       Json::array({{{"id", "Id"},
                                     {"enabled", true},
                                     {"obfuscated", false},
                                     {"output_name", "id"},
                                     {"user_output_name", "contact_id"}},
                                    {{"id", "Email"}, {"obfuscated", true}}})},
                      {"filters", Json::array({{{"field_id", "Email"},
                                                {"function", "StringEndsWith"},
                                                {"value", "@example.com"}}})}},
                     {{"id", "Opportunity"}, {"enabled", false}}})}});
  Expect(200, "GET", path + "/schemas/Contact");
  Expect(200, "PUT", path + "/schemas/Account",
         {{"enabled", true},
          {"user_output_name", "accounts"},
          {"partition_key", "BillingCountry"},
          {"tracking_field", "LastModifiedDate"},
          {"data_cutoff_timestamp", "2024-01-01T00:00:00Z"},
          {"disable_data_cutoff", true},
          {"fields",
           Json::array({{{"id", "Id"}, {"enabled", true}},
                        {{"id", "Name"},
                         {"enabled", true},
                         {"obfuscated", false},
                         {"user_output_name", "account_name"}},
                        {{"id", "AnnualRevenue"}, {"obfuscated", true}}})},
          {"filters",
           Json::array({{{"field_id", "IsDeleted"}, {"function", "False"}},
                        {{"field_id", "AnnualRevenue"},
                         {"function", "GreaterThan"},
                         {"value", 1000000}}})}});

  // Schedules (camelCase).
  const std::string schedules = path + "/schedules";
  Expect(200, "GET", schedules);
  Reply added = Expect(200, "POST", schedules,
                       {{"schedule",
                         {{"frequency", "custom"},
                          {"minute", "15"},
                          {"hour", "6"},
                          {"dayOfMonth", "1"},
                          {"month", "3"},
                          {"dayOfWeek", "monday"},
                          {"selectiveMode", "nonincrementalFields"}}}});
  const std::string schedule = schedules + "/" + DataId(added);
  Expect(200, "GET", schedule);
  Expect(200, "GET",
         schedules + "/" + sync["default_schedule"]["id"].get<std::string>());
  Expect(200, "PUT", schedule,
         {{"schedule",
           {{"frequency", "weekly"},
            {"dayOfWeek", "friday"},
            {"hour", "22"},
            {"minute", "0"},
            {"selectiveMode", "incrementalFields"}}}});
  Expect(200, "DELETE", schedule);

  // An execution, followed while it runs, then finished through the hook.
  Reply started = Expect(200, "POST", path + "/executions",
                         {{"fetch_mode", "incremental"},
                          {"resync_mode", "refetch"},
                          {"schemas", {"Account", "Contact"}},
                          {"test", false}});
  const std::string execution = DataId(started);
  const std::string e = path + "/executions/" + execution;
  Expect(409, "POST", path + "/executions", {{"fetch_mode", "full"}});
  Expect(200, "GET", path + "/status");
  Expect(200, "GET",
         std::string(kSyncs) + "/status?sync_id=" + bulk_sync_ +
             "&sync_id=" + cdc_sync);
  Expect(200, "GET", e);
  Reply log = Expect(200, "GET", e + "/consolelog?limit=2");
  Expect(200, "GET",
         e + "/consolelog?limit=5&after=" +
             log.json["data"].value("next_cursor", ""));
  Expect(200, "GET", e + "/schemas/Account/consolelog?limit=10");
  Expect(200, "POST", path + "/schemas/Contact/cancel");
  Reply exporting = Finish(execution, {{"status", "exporting"}});
  EXPECT_EQ(exporting.status, 200) << exporting.body;
  Expect(200, "GET", path + "/status");
  Reply finished = Finish(execution, {{"status", "completed"},
                                      {"record_count", 1200},
                                      {"error_count", 3},
                                      {"warning_count", 2},
                                      {"status_message", "Synced 1200 rows"}});
  EXPECT_EQ(finished.status, 200) << finished.body;
  Expect(200, "GET", path + "/status");
  Expect(200, "GET", e);
  Expect(200, "GET", e + "/consolelog");
  Expect(200, "GET", e + "/logs");
  Expect(200, "POST", e + "/logs/export?notify=false");
  Expect(200, "POST", e + "/cancel");  // finished: a message, no change

  // A resync cancelled on its own, a test run cancelled with its sync.
  Reply resync = Expect(200, "POST", path + "/executions",
                        {{"resync_mode", "rebuild"}, {"schemas", {"Account"}}});
  Expect(200, "POST", path + "/executions/" + DataId(resync) + "/cancel");
  Expect(200, "POST", path + "/executions", {{"test", true}});
  Expect(200, "POST", path + "/cancel");
  Expect(200, "POST", path + "/cancel");  // nothing running

  Reply page =
      Expect(200, "GET",
             path + "/executions?limit=1&only_terminal=true&ascending=true");
  Json pagination = page.json.value("pagination", Json::object());
  Expect(
      200, "GET",
      path +
          "/executions?limit=1&only_terminal=true&ascending=true&page_token=" +
          UrlEncode(pagination.value("next_page_token", "")));
  Expect(200, "GET", path + "/executions");

  // Seeded syncs: finished executions, a failed one, an extra schedule.
  const std::string seeded = std::string(kSyncs) + "/" + seeded_bulk_sync_;
  Reply history = Expect(200, "GET", seeded + "/executions");
  Expect(200, "GET", seeded + "/schedules");
  Expect(200, "GET", seeded + "/status");
  for (const Json& old : history.json.value("data", Json::array())) {
    const std::string old_path = seeded + "/executions/" + old.value("id", "");
    Expect(200, "GET", old_path);
    Expect(200, "GET", old_path + "/logs");
  }
  Expect(200, "GET", std::string(kSyncs) + "/status?all=true");
  Expect(200, "GET", std::string(kSyncs) + "/status?active=true");

  Expect(200, "POST", path + "/activate", {{"active", false}});
  Expect(200, "DELETE", std::string(kSyncs) + "/" + cdc_sync);
}

void ConformanceScenario::RunModelScenario() {
  const std::string conn = kConnections;
  const std::string source = conn + postgres_ + "/modelsync/source";
  Expect(200, "GET", std::string(kModelSyncs) + "/schedules");
  Expect(200, "GET", source);
  Expect(200, "GET",
         source + "?params=" + UrlEncode(R"({"schema":["public"]})"));
  Expect(200, "GET",
         source + "?params=" +
             UrlEncode(R"({"schema":["public"],"table":["public.users"]})"));
  Expect(
      200, "GET",
      source + "/fields?params=" + UrlEncode(R"({"table":["public.users"]})"));
  Expect(200, "GET", conn + salesforce_ + "/modelsync/targetobjects");
  Expect(200, "GET", conn + linkedin_ + "/modelsync/targetobjects");
  Expect(200, "GET",
         conn + salesforce_ + "/modelsync/target/fields?target=Contact");
  Expect(
      200, "GET",
      conn + salesforce_ + "/modelsync/target/fields?target=Lead&refresh=true");
  for (const char* property : {"account", "audience_type", "name"}) {
    Expect(
        200, "GET",
        conn + linkedin_ + "/modelsync/targetobjects/properties/" + property);
  }

  // A fully populated sync, replaced with a custom schedule.
  Reply created = Expect(200, "POST", kModelSyncs, FullModelSyncBody(),
                         {{"Idempotency-Key", "conformance-model-1"}});
  const std::string id = DataId(created);
  ASSERT_FALSE(id.empty());
  const std::string path = std::string(kModelSyncs) + "/" + id;
  Expect(200, "GET", path);
  Json put = FullModelSyncBody();
  put["name"] = "Users to Salesforce contacts (nightly)";
  put["schedule"] = {{"frequency", "custom"}, {"minute", "0"},
                     {"hour", "3"},           {"day_of_month", "1"},
                     {"month", "2"},          {"day_of_week", "wednesday"}};
  Expect(200, "PUT", path, put);

  // A LinkedIn audience created through target.create.
  Expect(
      200, "POST", kModelSyncs,
      Json{{"name", "Trial users audience"},
           {"active", true},
           {"mode", "append"},
           {"target",
            {{"connection_id", linkedin_},
             {"create",
              {{"account", "urn:li:sponsoredAccount:507404993"},
               {"audience_type", "contact"},
               {"name", "Trial users"}}}}},
           {"fields",
            Json::array({{{"source", Source("email")}, {"target", "email"}}})},
           {"schedule",
            {{"frequency", "daily"}, {"hour", "5"}, {"minute", "0"}}}});
  // A sync run by a dbt Cloud job, deleted at the end.
  Reply dbt = Expect(
      200, "POST", kModelSyncs,
      Json{{"name", "Orders to leads"},
           {"mode", "create"},
           {"target", {{"connection_id", salesforce_}, {"object", "Lead"}}},
           {"fields",
            Json::array(
                {{{"source", Source("last_name")}, {"target", "LastName"}},
                 {{"source", Source("company")}, {"target", "Company"}}})},
           {"schedule",
            {{"frequency", "dbtcloud"},
             {"connection_id", kDbtConnection},
             {"job_id", 42}}}});

  Expect(200, "GET", kModelSyncs);
  Reply page =
      Expect(200, "GET", std::string(kModelSyncs) + "?active=true&limit=1");
  Json pagination = page.json.value("pagination", Json::object());
  Expect(200, "GET",
         std::string(kModelSyncs) + "?active=true&limit=1&page_token=" +
             UrlEncode(pagination.value("next_page_token", "")));
  Expect(200, "GET",
         std::string(kModelSyncs) +
             "?mode=updateOrCreate&mode=create&target_connection_id=" +
             salesforce_);

  // An execution followed while it runs, then finished through the hook.
  Expect(200, "POST", path + "/activate", {{"active", true}});
  Reply started = Expect(200, "POST", path + "/executions",
                         {{"identities", {"ada@example.com"}},
                          {"resync", false},
                          {"test", false}});
  const std::string execution = DataId(started);
  const std::string e = ExecutionPath(id, execution);
  Expect(409, "POST", path + "/executions", Json::object());
  Expect(200, "GET", path + "/status");
  Expect(200, "GET", e);
  Reply log = Expect(200, "GET", e + "/consolelog?limit=1");
  Expect(200, "GET",
         e + "/consolelog?limit=10&after=" +
             log.json["data"].value("next_cursor", ""));
  Reply finished =
      Finish(execution,
             {{"status", "completed"},
              {"counts",
               {{"insert", 10}, {"update", 5}, {"delete", 1}, {"warnings", 1}}},
              {"error_count", 2},
              {"errors", {"Email: invalid email address"}}});
  EXPECT_EQ(finished.status, 200) << finished.body;
  Expect(200, "GET", path + "/status");
  Expect(200, "GET", e);
  Expect(200, "GET", e + "/consolelog");
  Expect(200, "GET", path + "/executions?only_completed=true&ascending=true");
  Expect(200, "GET", path + "/executions");
  for (const char* type :
       {"records", "errors", "warnings", "inserts", "updates", "deletes"}) {
    Expect(200, "GET", e + "/" + type);
  }
  Expect(200, "GET", e + "/records/records-00000.jsonl");
  Expect(200, "GET", e + "/errors/errors-00000.jsonl");
  Expect(400, "POST", e + "/cancel");  // finished

  // A resync cancelled on its own, a test run cancelled with its sync.
  Reply resync = Expect(200, "POST", path + "/executions", {{"resync", true}});
  Expect(200, "POST", ExecutionPath(id, DataId(resync)) + "/cancel");
  Expect(200, "POST", path + "/executions", {{"test", true}});
  Expect(200, "POST", path + "/cancel");
  Expect(200, "POST", path + "/cancel");  // nothing running

  // Seeded syncs: finished executions (one failed) and their logs.
  for (const Json& seeded : seed_["model_syncs"]) {
    const std::string seeded_path =
        std::string(kModelSyncs) + "/" + seeded.get<std::string>();
    Expect(200, "GET", seeded_path);
    Expect(200, "GET", seeded_path + "/status");
    Reply history = Expect(200, "GET", seeded_path + "/executions");
    for (const Json& old : history.json.value("data", Json::array())) {
      const std::string old_path =
          ExecutionPath(seeded.get<std::string>(), old.value("id", ""));
      Expect(200, "GET", old_path);
      Expect(200, "GET", old_path + "/consolelog");
      Expect(200, "GET", old_path + "/records");
    }
  }

  Expect(200, "POST", path + "/activate", {{"active", false}});
  // Never run: a status without executions.
  const std::string dbt_path = std::string(kModelSyncs) + "/" + DataId(dbt);
  Expect(200, "GET", dbt_path + "/status");
  Expect(200, "GET", dbt_path + "/executions");
  Expect(200, "DELETE", dbt_path);
}

void ConformanceScenario::RunRejectedRequests() {
  const std::string bulk = std::string(kSyncs) + "/" + bulk_sync_;
  // 401: no credential, an unknown key, a Basic pair that is not configured.
  ExpectRaw(401, "GET", kSyncs, Json(), {});
  ExpectRaw(401, "GET", kModelSyncs, Json(),
            {{"Authorization", "Bearer not-a-key"}});
  ExpectRaw(401, "POST", kSyncs, FullBulkSyncBody(),
            {{"Authorization", BasicAuth(kPartnerOrg, "wrong")}});
  // 400: headers, types, enums, page tokens, semantic checks outside create.
  Expect(400, "GET", kSyncs, Json(), {{"X-Polytomic-Version", "2020-01-01"}});
  Expect(400, "POST", bulk + "/activate", {{"active", true}},
         {{"Idempotency-Key", "short"}});
  Json bad_enum = FullBulkSyncBody();
  bad_enum["mode"] = "mirror";
  Expect(400, "POST", kSyncs, bad_enum);
  Expect(400, "PUT", bulk, {{"name", 1}});
  Expect(400, "GET", std::string(kSyncs) + "?page_token=forged");
  Expect(400, "GET", bulk + "/schemas?filters=enabled");
  Expect(400, "POST", bulk + "/executions",
         {{"test", true}, {"resync_mode", "resync"}});
  Expect(400, "PATCH", bulk + "/schemas", {{"schemas", {{{"id", "Lead"}}}}});
  Expect(400, "POST", bulk + "/schedules",
         {{"schedule", {{"frequency", "daily"}, {"hour", "25"}}}});
  Expect(400, "GET", kConnections + snowflake_ + "/bulksync/source");
  Expect(400, "GET", kConnections + postgres_ + "/modelsync/source/fields");
  Expect(400, "POST",
         std::string(kModelSyncs) + "/" + seeded_model_sync_ + "/executions",
         {{"identities", {1}}});
  // 503: an injected upstream failure is an ApiError too.
  ASSERT_FALSE(client()
                   .AddFault({{"operation", "modelSync.get"},
                              {"kind", "status"},
                              {"status", 503},
                              {"retry_after", "2"}})
                   .empty());
  Expect(503, "GET", std::string(kModelSyncs) + "/" + seeded_model_sync_);
  // 404: unknown ids.
  Expect(404, "GET",
         std::string(kSyncs) + "/00000000-0000-4000-8000-00000000dead");
  Expect(404, "GET", bulk + "/schemas/Lead");
  Expect(404, "GET", bulk + "/schedules/00000000-0000-4000-8000-00000000dead");
  Expect(404, "GET", bulk + "/executions/00000000-0000-4000-8000-00000000dead");
  Expect(404, "GET",
         std::string(kModelSyncs) + "/00000000-0000-4000-8000-00000000dead");
  Expect(404, "GET",
         kConnections + std::string("00000000-0000-4000-8000-00000000dead") +
             "/modelsync/targetobjects");
  Expect(404, "GET",
         kConnections + salesforce_ + "/modelsync/target/fields?target=Nope");
  // 422: validation on the creates and the model sync PUT.
  Expect(422, "POST", kSyncs, Json::object());
  Expect(422, "POST", kModelSyncs, Json::object());
  Json no_identity = FullModelSyncBody();
  no_identity.erase("identity");
  Expect(422, "PUT", std::string(kModelSyncs) + "/" + seeded_model_sync_,
         no_identity);
}

}  // namespace sandbox_test
