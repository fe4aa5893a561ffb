// Unit tests for tests/support/openapi_checker: the embedded Polytomic spec
// and small inline specs for keywords the real file does not use.
#include "tests/support/openapi_checker.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace openapi {
namespace {

using Json = nlohmann::json;
using Kind = Violation::Kind;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string KindName(Kind kind) {
  switch (kind) {
    case Kind::kMissingRequired:
      return "missing_required";
    case Kind::kWrongType:
      return "wrong_type";
    case Kind::kUnknownField:
      return "unknown_field";
    case Kind::kBadEnum:
      return "bad_enum";
  }
  return "?";
}

// Dump renders violations for failure messages and exact comparisons.
std::vector<std::string> Dump(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const Violation& v : violations) {
    out.push_back(KindName(v.kind) + " " + v.path);
  }
  return out;
}

const Operation& Op(const char* id) {
  const Operation* op = Spec::Embedded().Find(id);
  EXPECT_NE(op, nullptr) << id;
  static const Operation kMissing;
  return op == nullptr ? kMissing : *op;
}

std::vector<Violation> Request(const char* id, const Json& body,
                               bool allow_unknown = false) {
  return Spec::Embedded().CheckRequestBody(
      Op(id), body, {.allow_unknown_fields = allow_unknown});
}

std::vector<Violation> Response(const char* id, int status, const Json& body,
                                bool allow_unknown = false) {
  return Spec::Embedded().CheckResponse(
      Op(id), status, body, {.allow_unknown_fields = allow_unknown});
}

// A bulk sync create body that satisfies the spec.
Json ValidBulkCreate() {
  return Json::parse(R"({
    "name": "warehouse",
    "source_connection_id": "c-src",
    "destination_connection_id": "c-dst",
    "destination_configuration": {"schema": "polytomic", "format": {"x": [1]}},
    "default_schedule": {"frequency": "daily", "hour": "3", "minute": "0"},
    "mode": "replicate",
    "concurrency_limit": 4,
    "active": true,
    "policies": ["p1"]
  })");
}

TEST(OpenApiSpecTest, EmbeddedHasFiftyUniqueOperations) {
  const std::vector<Operation>& ops = Spec::Embedded().operations();
  ASSERT_EQ(ops.size(), 50u);
  std::set<std::string> ids;
  for (const Operation& op : ops) {
    EXPECT_FALSE(op.id.empty());
    ids.insert(op.id);
    EXPECT_EQ(Spec::Embedded().Find(op.id), &op);
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(Spec::Embedded().Find("no.such.operation"), nullptr);
}

TEST(OpenApiSpecTest, OperationFieldsComeFromTheFile) {
  const Operation& get = Op("bulkSync.get");
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.path_template, "/api/bulk/syncs/{id}");
  EXPECT_EQ(get.path_params, std::vector<std::string>{"id"});
  // The X-Polytomic-Version header comes in through a $ref and is not a
  // query parameter.
  EXPECT_EQ(get.query_params, std::vector<std::string>{"refresh_schemas"});
  EXPECT_FALSE(get.has_request_body);

  const Operation& status = Op("bulkSync.executions.listStatus");
  EXPECT_EQ(status.query_params,
            (std::vector<std::string>{"all", "active", "sync_id"}));

  const Operation& logs = Op("modelSync.executions.getLogs");
  EXPECT_EQ(logs.path_params,
            (std::vector<std::string>{"sync_id", "id", "type", "filename"}));
  EXPECT_TRUE(Op("bulkSync.update").has_request_body);
  EXPECT_EQ(Op("bulkSync.update").method, "PUT");
}

TEST(OpenApiSpecTest, MatchPrefersLiteralSegments) {
  const Spec& spec = Spec::Embedded();
  auto id = [&](const char* method, const char* path) -> std::string {
    const Operation* op = spec.Match(method, path);
    return op == nullptr ? "<none>" : op->id;
  };
  EXPECT_EQ(id("GET", "/api/bulk/syncs/status"),
            "bulkSync.executions.listStatus");
  EXPECT_EQ(id("GET", "/api/bulk/syncs/1234"), "bulkSync.get");
  EXPECT_EQ(id("PUT", "/api/bulk/syncs/1234"), "bulkSync.update");
  EXPECT_EQ(id("GET", "/api/syncs/schedules"), "modelSync.getScheduleOptions");
  EXPECT_EQ(id("GET", "/api/syncs/abc"), "modelSync.get");
  EXPECT_EQ(id("GET", "/api/syncs/s1/executions/e1/records/part-0.csv"),
            "modelSync.executions.getLogs");
  EXPECT_EQ(id("GET", "/api/syncs/s1/executions/e1/records"),
            "modelSync.executions.getLogUrls");
  EXPECT_EQ(id("GET", "/api/syncs/s1/executions/e1/consolelog"),
            "modelSync.executions.getConsoleLogs");
  EXPECT_EQ(id("GET", "/api/bulk/syncs/s1/schedules/x"),
            "bulkSync.schedules.get");
  EXPECT_EQ(id("get", "/api/bulk/syncs/1234?refresh_schemas=true"),
            "bulkSync.get");
}

TEST(OpenApiSpecTest, MatchReturnsNullForUnknownPathsAndMethods) {
  const Spec& spec = Spec::Embedded();
  EXPECT_EQ(spec.Match("GET", "/api/nope"), nullptr);
  EXPECT_EQ(spec.Match("GET", "/api/bulk/syncs/1/2/3/4/5/6/7"), nullptr);
  EXPECT_EQ(spec.Match("GET", "/api/bulk/syncs/"), nullptr);  // empty {id}
  EXPECT_EQ(spec.Match("GET", "api/bulk/syncs"), nullptr);
  EXPECT_EQ(spec.Match("PATCH", "/api/syncs/abc"), nullptr);
  EXPECT_EQ(spec.Match("DELETE", "/api/syncs"), nullptr);
  EXPECT_NE(spec.Match("DELETE", "/api/syncs/abc"), nullptr);
}

TEST(OpenApiCheckTest, ValidRequestHasNoViolations) {
  EXPECT_THAT(Dump(Request("bulkSync.create", ValidBulkCreate())), IsEmpty());
}

TEST(OpenApiCheckTest, ReportsEveryMissingRequiredField) {
  Json body = ValidBulkCreate();
  body.erase("name");
  body.erase("source_connection_id");
  std::vector<Violation> v = Request("bulkSync.create", body);
  EXPECT_EQ(Dump(v), (std::vector<std::string>{
                         "missing_required name",
                         "missing_required source_connection_id"}));
  ASSERT_FALSE(v.empty());
  EXPECT_THAT(v[0].message, StartsWith("name: "));

  Json schedule = Json::parse(R"({"schedule": {"frequency": "daily"}})");
  schedule["schedule"].erase("frequency");
  EXPECT_EQ(Dump(Request("bulkSync.schedules.create", schedule)),
            std::vector<std::string>{"missing_required schedule.frequency"});
}

TEST(OpenApiCheckTest, WrongTypesAreReportedForEveryKind) {
  struct Case {
    const char* field;
    Json wrong;
  };
  // One property of each type the file uses, each given other kinds.
  const std::vector<Case> cases = {
      {"name", 5},
      {"name", true},
      {"name", Json::object()},
      {"concurrency_limit", "4"},
      {"concurrency_limit", false},
      {"active", "true"},
      {"active", 1},
      {"destination_configuration", Json::array()},
      {"destination_configuration", "x"},
      {"policies", "p1"},
      {"policies", Json::object()},
  };
  for (const Case& c : cases) {
    Json body = ValidBulkCreate();
    body[c.field] = c.wrong;
    std::vector<Violation> v = Request("bulkSync.create", body);
    EXPECT_EQ(Dump(v),
              std::vector<std::string>{std::string("wrong_type ") + c.field})
        << c.field << " = " << c.wrong.dump();
  }
  Json body = ValidBulkCreate();
  body["policies"] = Json::array({"ok", 7});
  EXPECT_EQ(Dump(Request("bulkSync.create", body)),
            std::vector<std::string>{"wrong_type policies[1]"});
}

TEST(OpenApiCheckTest, IntegerMustBeIntegral) {
  for (const char* text : {"3.5", "3.0", "1e3"}) {
    Json body = ValidBulkCreate();
    body["concurrency_limit"] = Json::parse(text);
    std::vector<Violation> v = Request("bulkSync.create", body);
    EXPECT_EQ(Dump(v), std::vector<std::string>{"wrong_type concurrency_limit"})
        << text;
  }
  for (const char* text : {"0", "-2", "18446744073709551615"}) {
    Json body = ValidBulkCreate();
    body["concurrency_limit"] = Json::parse(text);
    EXPECT_THAT(Dump(Request("bulkSync.create", body)), IsEmpty()) << text;
  }
}

TEST(OpenApiCheckTest, EnumValuesMustMatchExactly) {
  Json body = ValidBulkCreate();
  body["mode"] = "Replicate";
  body["default_schedule"]["frequency"] = "fortnightly";
  std::vector<Violation> v = Request("bulkSync.create", body);
  EXPECT_EQ(Dump(v),
            (std::vector<std::string>{"bad_enum default_schedule.frequency",
                                      "bad_enum mode"}));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_THAT(v[0].message, StartsWith("default_schedule.frequency: "));
  EXPECT_THAT(v[0].message, HasSubstr("fortnightly"));
}

TEST(OpenApiCheckTest, UnknownFieldsFlaggedUnlessAllowed) {
  Json body = ValidBulkCreate();
  body["nmae"] = "typo";
  body["default_schedule"]["every"] = "day";
  EXPECT_EQ(Dump(Request("bulkSync.create", body)),
            (std::vector<std::string>{"unknown_field default_schedule.every",
                                      "unknown_field nmae"}));
  EXPECT_THAT(Dump(Request("bulkSync.create", body, /*allow_unknown=*/true)),
              IsEmpty());
}

TEST(OpenApiCheckTest, AdditionalPropertiesMaps) {
  // additionalProperties: true accepts anything, even with unknowns flagged.
  Json body = ValidBulkCreate();
  body["source_configuration"] =
      Json::parse(R"({"slot": "s", "n": 1.5, "deep": {"a": [null, {}]}})");
  EXPECT_THAT(Dump(Request("bulkSync.create", body)), IsEmpty());

  // A schema under additionalProperties is applied to every value.
  Json sync = Json::parse(R"({
    "name": "n", "mode": "create", "fields": [], "schedule": {"frequency": "manual"},
    "target": {"connection_id": "c", "create": {"a": "x", "b": 2}}
  })");
  EXPECT_EQ(Dump(Request("modelSync.create", sync)),
            std::vector<std::string>{"wrong_type target.create.b"});
}

TEST(OpenApiCheckTest, PathsThroughNestedArrays) {
  Json patch = Json::parse(R"({"schemas": [
    {"id": "a"}, {"id": "b"},
    {"id": "c", "fields": [{"id": "f", "enabled": "yes"}]}]})");
  EXPECT_EQ(
      Dump(Request("bulkSync.schemas.patch", patch)),
      std::vector<std::string>{"wrong_type schemas[2].fields[0].enabled"});

  Json list = Json::parse(R"({"data": [{}, {}, {}, {"id": 7}]})");
  std::vector<Violation> v = Response("bulkSync.list", 200, list);
  EXPECT_EQ(Dump(v), std::vector<std::string>{"wrong_type data[3].id"});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, StartsWith("data[3].id: expected string"));
}

TEST(OpenApiCheckTest, OneOfStringOrObjectItems) {
  Json body = ValidBulkCreate();
  body["schemas"] = Json::parse(R"([
    "users",
    {"id": "orders", "enabled": true, "fields": ["a", {"id": "b", "obfuscate": true}]}
  ])");
  EXPECT_THAT(Dump(Request("bulkSync.create", body)), IsEmpty());

  // No branch matches: one violation at the union, naming the alternatives.
  body["schemas"] = Json::parse(R"(["users", 42])");
  std::vector<Violation> v = Request("bulkSync.create", body);
  EXPECT_EQ(Dump(v), std::vector<std::string>{"wrong_type schemas[1]"});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message,
              HasSubstr("matches none of string | SchemaConfiguration"));

  // A fault deep inside the object branch is still reported once, at the
  // union, with the inner path quoted.
  body["schemas"] = Json::parse(R"([{"id": "x"}, {"id": "y", "fields": [7]}])");
  v = Request("bulkSync.create", body);
  EXPECT_EQ(Dump(v), std::vector<std::string>{"wrong_type schemas[1]"});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("as SchemaConfiguration"));
  EXPECT_THAT(v[0].message, HasSubstr("schemas[1].fields[0]"));
}

TEST(OpenApiCheckTest, UndeclaredStatusUsesApiError) {
  // bulkSync.get declares 200 and 404 only.
  Json error = Json::parse(R"({"status": 500, "message": "boom", "key": "k",
                              "metadata": {"anything": [1]}})");
  EXPECT_THAT(Dump(Response("bulkSync.get", 500, error)), IsEmpty());
  EXPECT_THAT(Dump(Response("bulkSync.get", 404, error)), IsEmpty());
  Json bad = Json::parse(R"({"status": "500", "detail": "x"})");
  EXPECT_EQ(
      Dump(Response("bulkSync.get", 503, bad)),
      (std::vector<std::string>{"unknown_field detail", "wrong_type status"}));
  // 200 is declared, so an error body is checked against the envelope.
  EXPECT_EQ(
      Dump(Response("bulkSync.get", 200, Json::parse(R"({"message": "m"})"))),
      std::vector<std::string>{"unknown_field message"});
}

TEST(OpenApiCheckTest, VoidResponsesAcceptOnlyAnEmptyBody) {
  EXPECT_THAT(Dump(Response("bulkSync.delete", 200, Json())), IsEmpty());
  std::vector<Violation> v = Response("bulkSync.delete", 200, Json::object());
  EXPECT_EQ(Dump(v), std::vector<std::string>{"wrong_type "});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, StartsWith("(body): expected no body"));
  // A declared error status of the same operation still has its schema.
  EXPECT_EQ(Dump(Response("bulkSync.delete", 404, Json())),
            std::vector<std::string>{"wrong_type "});
}

TEST(OpenApiCheckTest, RequestBodyPresenceFollowsTheOperation) {
  EXPECT_THAT(Dump(Request("bulkSync.cancel", Json())), IsEmpty());
  EXPECT_EQ(Dump(Request("bulkSync.cancel", Json::object())),
            std::vector<std::string>{"wrong_type "});
  EXPECT_EQ(Dump(Request("bulkSync.activate", Json())),
            std::vector<std::string>{"wrong_type "});
  EXPECT_THAT(Dump(Request("bulkSync.activate", {{"active", false}})),
              IsEmpty());
}

TEST(OpenApiCheckTest, NullAcceptedOnlyForOptionalProperties) {
  Json body = ValidBulkCreate();
  body["data_cutoff_timestamp"] = nullptr;
  body["concurrency_limit"] = nullptr;
  EXPECT_THAT(Dump(Request("bulkSync.create", body)), IsEmpty());
  body["name"] = nullptr;
  body["policies"] = Json::array({nullptr});
  EXPECT_EQ(
      Dump(Request("bulkSync.create", body)),
      (std::vector<std::string>{"wrong_type name", "wrong_type policies[0]"}));
}

TEST(OpenApiCheckTest, RealisticBulkSyncEnvelopePasses) {
  Json envelope = Json::parse(R"({"data": {
    "id": "248df4b7-aa70-47b8-a036-33ac447e668d",
    "name": "Warehouse replication",
    "active": true,
    "mode": "replicate",
    "organization_id": "org-1",
    "source_connection_id": "c-pg",
    "destination_connection_id": "c-sf",
    "source_configuration": {"replication_slot": "polytomic"},
    "destination_configuration": {"schema": "raw", "advanced": {"empty_strings_null": true}},
    "automatically_add_new_fields": "all",
    "automatically_add_new_objects": "onlyIncremental",
    "normalize_names": "enabled",
    "disable_record_timestamps": false,
    "concurrency_limit": 2,
    "resync_concurrency_limit": 1,
    "data_cutoff_timestamp": null,
    "policies": [],
    "default_schedule": {
      "id": "sch-1", "frequency": "daily", "hour": "4", "minute": "30",
      "created_at": "2024-01-02T03:04:05Z", "updated_at": null,
      "created_by": {"id": "u1", "name": "Ada", "type": "user"}, "updated_by": null
    },
    "additional_schedules": [{
      "id": "sch-2", "frequency": "weekly", "day_of_week": "monday",
      "resync_mode": "resync", "selective_mode": "incrementalFields",
      "schemas": ["public.users"]
    }],
    "created_at": "2024-01-02T03:04:05Z",
    "created_by": {"id": "u1", "name": "Ada", "type": "user"},
    "updated_at": "2024-02-02T03:04:05.123Z",
    "updated_by": null
  }})");
  EXPECT_THAT(Dump(Response("bulkSync.get", 200, envelope)), IsEmpty());
  EXPECT_THAT(Dump(Response("bulkSync.update", 200, envelope)), IsEmpty());
  // And the same document breaks as soon as one nested value is wrong.
  envelope["data"]["additional_schedules"][0]["resync_mode"] = "full";
  EXPECT_EQ(Dump(Response("bulkSync.get", 200, envelope)),
            std::vector<std::string>{
                "bad_enum data.additional_schedules[0].resync_mode"});
}

// A small spec for the keywords the Polytomic file does not use.
constexpr char kMiniSpec[] = R"({
  "openapi": "3.0.3",
  "paths": {
    "/things/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true,
                      "schema": {"type": "string"}}],
      "put": {
        "operationId": "things.put",
        "requestBody": {"content": {"application/json": {"schema": {
          "$ref": "#/components/schemas/Thing"}}}},
        "responses": {"2XX": {"$ref": "#/components/responses/Ok"},
                      "default": {"description": "x", "content": {
                        "application/json": {"schema": {"type": "string"}}}}}
      }
    }
  },
  "components": {
    "responses": {"Ok": {"description": "ok", "content": {
      "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
    "schemas": {
      "Thing": {"type": "object", "additionalProperties": false,
        "required": ["ratio"],
        "properties": {
          "ratio": {"type": "number"},
          "note": {"type": "string", "nullable": true},
          "any": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]}
        }}
    }
  }
})";

TEST(OpenApiMiniSpecTest, KeywordsOutsideThePolytomicFile) {
  absl::StatusOr<std::unique_ptr<Spec>> spec = Spec::FromJson(kMiniSpec);
  ASSERT_TRUE(spec.ok()) << spec.status();
  const Operation* op = (*spec)->Match("PUT", "/things/7");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->path_params, std::vector<std::string>{"id"});
  CheckOptions lenient{.allow_unknown_fields = true};

  auto check = [&](const char* text) {
    return Dump((*spec)->CheckRequestBody(*op, Json::parse(text), lenient));
  };
  EXPECT_THAT(check(R"({"ratio": 1})"), IsEmpty());
  EXPECT_THAT(check(R"({"ratio": 1.5, "any": true})"), IsEmpty());
  EXPECT_EQ(check(R"({"ratio": "1"})"),
            std::vector<std::string>{"wrong_type ratio"});
  // additionalProperties: false wins over allow_unknown_fields.
  EXPECT_EQ(check(R"({"ratio": 1, "extra": 1})"),
            std::vector<std::string>{"unknown_field extra"});
  EXPECT_EQ(check(R"({"ratio": 1, "any": "x"})"),
            std::vector<std::string>{"wrong_type any"});
  // nullable admits null explicitly.
  EXPECT_THAT(check(R"({"ratio": 1, "note": null})"), IsEmpty());

  // 2XX range via a $ref'd response, then default for everything else.
  EXPECT_THAT(Dump((*spec)->CheckResponse(*op, 201, {{"ratio", 2}}, {})),
              IsEmpty());
  EXPECT_EQ(
      Dump((*spec)->CheckResponse(*op, 201, {{"r", 2}}, {})),
      (std::vector<std::string>{"missing_required ratio", "unknown_field r"}));
  EXPECT_THAT(Dump((*spec)->CheckResponse(*op, 500, "oops", {})), IsEmpty());
  EXPECT_EQ(Dump((*spec)->CheckResponse(*op, 500, 5, {})),
            std::vector<std::string>{"wrong_type "});
}

TEST(OpenApiMiniSpecTest, MalformedDocumentsAreErrors) {
  EXPECT_EQ(Spec::FromJson("{not json").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Spec::FromJson("{}").status().code(),
            absl::StatusCode::kInvalidArgument);
  const char* dangling = R"({"paths": {"/a": {"get": {"operationId": "a",
      "responses": {"200": {"content": {"application/json": {"schema":
      {"$ref": "#/components/schemas/Nope"}}}}}}}}})";
  EXPECT_EQ(Spec::FromJson(dangling).status().code(),
            absl::StatusCode::kInvalidArgument);
  const char* duplicate = R"({"paths": {
      "/a": {"get": {"operationId": "x", "responses": {}}},
      "/b": {"get": {"operationId": "x", "responses": {}}}}})";
  EXPECT_THAT(std::string(Spec::FromJson(duplicate).status().message()),
              HasSubstr("duplicate operationId x"));
  const char* cycle = R"({"paths": {"/a": {"get": {"operationId": "a",
      "responses": {"200": {"content": {"application/json": {"schema":
      {"$ref": "#/components/schemas/A"}}}}}}}},
      "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"},
                                 "B": {"$ref": "#/components/schemas/A"}}}})";
  EXPECT_EQ(Spec::FromJson(cycle).status().code(),
            absl::StatusCode::kInvalidArgument);
  const char* bad_type = R"({"paths": {"/a": {"get": {"operationId": "a",
      "responses": {"200": {"content": {"application/json": {"schema":
      {"type": "uuid"}}}}}}}}})";
  EXPECT_EQ(Spec::FromJson(bad_type).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openapi
