// Conformance of the sandbox to the reference (tests/testdata/openapi.json):
// a scenario reaches all 50 operations over real HTTP (conformance_scenario.h),
// then every `/api/` exchange in the sandbox's request log is checked:
//  - the logged operation is the one the reference matches for the method and
//    path;
//  - the response body has the schema the reference declares for its status
//    (errors: ApiError), strictly: a member the reference does not declare is
//    a violation unless kDiscrepancies documents it;
//  - a request body the sandbox accepted (2xx) is valid for the operation,
//    strictly too: the bodies the sandbox takes as valid are valid per the
//    reference.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/integration/sandbox/conformance_scenario.h"
#include "tests/support/openapi_checker.h"

namespace sandbox_test {
namespace {

using Kind = openapi::Violation::Kind;

// Discrepancy is a documented difference between the sandbox and the
// reference that the check accepts. `path` is the violation's path with array
// indices written `[]`.
struct Discrepancy {
  const char* operation;
  const char* path;
  Kind kind;
  const char* reason;
};

// kDiscrepancies: each entry is a decision of tests/sandbox/README.md backed
// by the reference; anything else the check finds is a sandbox bug.
constexpr Discrepancy kDiscrepancies[] = {
    {"bulkSync.list", "pagination", Kind::kUnknownField,
     "endpoints.md (Pagination): the 2025-09-18 docs say GET /api/bulk/syncs "
     "is paginated (page_token, limit, pagination.next_page_token) while the "
     "SDK's BulkSyncListEnvelope has only `data`; the sandbox follows the "
     "docs (README: Bulk syncs, \"The list always has a pagination object\")"},
    {"bulkSync.schedules.list", "data[].id", Kind::kUnknownField,
     "BulkBulkSyncSchedule has no `id`, yet /schedules/{schedule_id} needs "
     "one to address a schedule (README: Schedules)"},
    {"bulkSync.schedules.get", "data.id", Kind::kUnknownField,
     "as bulkSync.schedules.list: a schedule must be addressable"},
    {"bulkSync.schedules.create", "data.id", Kind::kUnknownField,
     "as bulkSync.schedules.list: the new schedule must be addressable"},
    {"bulkSync.schedules.update", "data.id", Kind::kUnknownField,
     "as bulkSync.schedules.list: a schedule must be addressable"},
};

std::string Indexless(const std::string& path) {
  static const std::regex kIndex("\\[[0-9]+\\]");
  return std::regex_replace(path, kIndex, "[]");
}

const Discrepancy* Documented(const std::string& operation,
                              const openapi::Violation& v) {
  for (const Discrepancy& d : kDiscrepancies) {
    if (operation == d.operation && Indexless(v.path) == d.path &&
        v.kind == d.kind) {
      return &d;
    }
  }
  return nullptr;
}

// Report is what checking a request log found.
struct Report {
  std::vector<std::string> violations;  // one line each, self-describing
  std::set<std::string> succeeded;      // operations seen with a 2xx
  std::set<const Discrepancy*> observed;
  int exchanges = 0;
};

std::string Excerpt(const Json& value) {
  std::string text = value.dump();
  return text.size() > 400 ? text.substr(0, 400) + "..." : text;
}

// CheckExchange checks one logged `/api/` exchange.
void CheckExchange(const openapi::Spec& spec, const Json& entry,
                   Report& report) {
  ++report.exchanges;
  const std::string method = entry.value("method", "");
  const std::string path = entry.value("path", "");
  const int status = entry.value("status", 0);
  const std::string logged = entry["operation"].is_string()
                                 ? entry["operation"].get<std::string>()
                                 : "(none)";
  const std::string where =
      absl::StrCat(logged, " ", status, " ", method, " ", path);
  const openapi::Operation* op = spec.Match(method, path);
  if (op == nullptr || op->id != logged) {
    report.violations.push_back(absl::StrCat(where, ": the reference matches ",
                                             op ? op->id : "no operation"));
    return;
  }
  const openapi::CheckOptions strict{/*allow_unknown_fields=*/false};
  const nlohmann::json response(entry["response"]);
  for (const openapi::Violation& v :
       spec.CheckResponse(*op, status, response, strict)) {
    if (const Discrepancy* d = Documented(op->id, v)) {
      report.observed.insert(d);
      continue;
    }
    report.violations.push_back(absl::StrCat(where, ": response ", v.message,
                                             "\n    ", Excerpt(response)));
  }
  if (status < 200 || status > 299) return;
  report.succeeded.insert(op->id);
  const Json& body = entry["body"];
  if (body.is_null()) return;
  if (!op->has_request_body) {
    report.violations.push_back(
        absl::StrCat(where, ": request body sent to an operation without one"));
    return;
  }
  for (const openapi::Violation& v :
       spec.CheckRequestBody(*op, nlohmann::json(body), strict)) {
    report.violations.push_back(absl::StrCat(
        where, ": accepted request ", v.message, "\n    ", Excerpt(body)));
  }
}

// CheckLog checks every `/api/` exchange of the request log, which must be
// complete (sequence numbers 1..n without a gap).
Report CheckLog(const Json& requests) {
  const openapi::Spec& spec = openapi::Spec::Embedded();
  Report report;
  int64_t expected_seq = 1;
  for (const Json& entry : requests) {
    if (entry.value("seq", int64_t{0}) != expected_seq++) {
      report.violations.push_back("the request log is not complete at seq " +
                                  std::to_string(expected_seq - 1));
    }
    if (!absl::StartsWith(entry.value("path", ""), "/api/")) continue;
    CheckExchange(spec, entry, report);
  }
  return report;
}

class SandboxConformanceTest : public ConformanceScenario {};

TEST_F(SandboxConformanceTest, EveryExchangeConformsToTheReference) {
  ASSERT_EQ(client().ClearRequests().status, 200);  // seq starts at 1
  RunBulkScenario();
  RunModelScenario();
  RunRejectedRequests();

  const Report report = CheckLog(client().Requests());
  EXPECT_EQ(report.exchanges, sent_);  // the log holds every exchange
  EXPECT_TRUE(report.violations.empty())
      << report.violations.size() << " violations:\n"
      << absl::StrJoin(report.violations, "\n");

  std::set<std::string> all;
  for (const openapi::Operation& op : openapi::Spec::Embedded().operations()) {
    all.insert(op.id);
  }
  ASSERT_EQ(all.size(), 50u);
  std::vector<std::string> missing;
  std::set_difference(all.begin(), all.end(), report.succeeded.begin(),
                      report.succeeded.end(), std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << "operations never answered with a 2xx: "
                               << absl::StrJoin(missing, ", ");

  // A documented discrepancy that no longer occurs must leave the table.
  for (const Discrepancy& d : kDiscrepancies) {
    EXPECT_EQ(report.observed.count(&d), 1u)
        << "documented discrepancy not observed: " << d.operation << " "
        << d.path << " (" << d.reason << ")";
  }
}

// The check flags what the reference does not allow: an upstream answer with
// an unknown enum value, a missing required member and an undeclared one.
TEST_F(SandboxConformanceTest, CheckFlagsAnswersOutsideTheReference) {
  ASSERT_EQ(client().ClearRequests().status, 200);
  const std::string path =
      "/api/bulk/syncs/" + seed_["bulk_syncs"][0].get<std::string>();
  const std::string fault =
      client().AddFault({{"operation", "bulkSync.get"},
                         {"kind", "respond"},
                         {"body",
                          {{"data",
                            {{"mode", "mirror"},
                             {"default_schedule", {{"hour", "1"}}},
                             {"colour", "red"}}}}}});
  ASSERT_FALSE(fault.empty());
  Expect(200, "GET", path);

  const Report report = CheckLog(client().Requests());
  ASSERT_EQ(report.exchanges, 1);
  EXPECT_EQ(report.violations.size(), 3u)
      << absl::StrJoin(report.violations, "\n");
  const std::string all = absl::StrJoin(report.violations, "\n");
  EXPECT_TRUE(absl::StrContains(all, "data.mode")) << all;
  EXPECT_TRUE(absl::StrContains(all, "data.default_schedule.frequency")) << all;
  EXPECT_TRUE(absl::StrContains(all, "data.colour")) << all;
  EXPECT_TRUE(absl::StrContains(all, "bulkSync.get 200 GET " + path)) << all;
}

}  // namespace
}  // namespace sandbox_test
