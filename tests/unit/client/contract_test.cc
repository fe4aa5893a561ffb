// Tests for client/ctl/contract.h: finding methods and messages of the
// contract, and the `list` / `describe` texts.
#include "client/ctl/contract.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/options.pb.h"

namespace client::ctl {
namespace {

using ::google::protobuf::MethodDescriptor;
using ::testing::HasSubstr;
using ::testing::Not;

// The contract has 50 RPCs, one per operation of the Polytomic API it covers.
constexpr int kContractMethods = 50;

class ContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Contract> loaded = Contract::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    contract_.emplace(*std::move(loaded));
  }

  std::vector<const MethodDescriptor*> AllMethods() const {
    std::vector<const MethodDescriptor*> methods;
    for (const auto* service : contract_->services()) {
      for (int i = 0; i < service->method_count(); ++i) {
        methods.push_back(service->method(i));
      }
    }
    return methods;
  }

  std::optional<Contract> contract_;
};

const MethodDescriptor* GetBulkSyncDescriptor() {
  return polytomic::v1::GetBulkSyncRequest::descriptor()
      ->file()
      ->FindServiceByName("BulkSyncService")
      ->FindMethodByName("GetBulkSync");
}

TEST_F(ContractTest, LoadsEveryServiceOfTheContract) {
  std::set<std::string> services;
  for (const auto* service : contract_->services()) {
    EXPECT_EQ(service->file()->package(), "polytomic.v1");
    services.insert(service->name());
  }
  EXPECT_EQ(services.size(), contract_->services().size());
  EXPECT_TRUE(services.count("BulkSyncService"));
  EXPECT_TRUE(services.count("ModelSyncService"));
  EXPECT_EQ(AllMethods().size(), kContractMethods);
}

TEST_F(ContractTest, FindMethodAcceptsEveryNameForm) {
  const MethodDescriptor* want = GetBulkSyncDescriptor();
  ASSERT_NE(want, nullptr);
  for (const char* name : {
           "GetBulkSync",
           "BulkSyncService/GetBulkSync",
           "polytomic.v1.BulkSyncService/GetBulkSync",
           "/polytomic.v1.BulkSyncService/GetBulkSync",
           "polytomic.v1.BulkSyncService.GetBulkSync",
           "  GetBulkSync\n",
       }) {
    absl::StatusOr<const MethodDescriptor*> found = contract_->FindMethod(name);
    ASSERT_TRUE(found.ok()) << name << ": " << found.status();
    EXPECT_EQ(*found, want) << name;
  }
}

TEST_F(ContractTest, EveryMethodResolvesByEveryForm) {
  for (const MethodDescriptor* method : AllMethods()) {
    const std::string service = method->service()->full_name();
    for (const std::string& name : {
             method->name(),
             method->service()->name() + "/" + method->name(),
             service + "/" + method->name(),
             GrpcMethodPath(*method),
             method->full_name(),
         }) {
      absl::StatusOr<const MethodDescriptor*> found =
          contract_->FindMethod(name);
      ASSERT_TRUE(found.ok()) << name << ": " << found.status();
      EXPECT_EQ(*found, method) << name;
    }
  }
}

TEST_F(ContractTest, FindMethodSuggestsTheRightCase) {
  absl::StatusOr<const MethodDescriptor*> found =
      contract_->FindMethod("getbulksync");
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(found.status().message(), HasSubstr("'getbulksync'"));
  EXPECT_THAT(found.status().message(), HasSubstr("did you mean GetBulkSync?"));
}

TEST_F(ContractTest, FindMethodUnknownPointsAtList) {
  for (const char* name :
       {"NoSuchMethod", "BulkSyncService/NoSuch", "Other/GetBulkSync",
        "polytomic.v2.BulkSyncService/GetBulkSync", ""}) {
    absl::StatusOr<const MethodDescriptor*> found = contract_->FindMethod(name);
    EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << name;
    EXPECT_THAT(found.status().message(), HasSubstr("polytomicctl list"));
    EXPECT_THAT(found.status().message(), Not(HasSubstr("did you mean")));
  }
}

TEST_F(ContractTest, FindMessageByFullOrPackageRelativeName) {
  EXPECT_EQ(contract_->FindMessage("polytomic.v1.BulkSync"),
            polytomic::v1::BulkSync::descriptor());
  EXPECT_EQ(contract_->FindMessage("BulkSync"),
            polytomic::v1::BulkSync::descriptor());
  EXPECT_EQ(contract_->FindMessage("google.protobuf.Struct"),
            google::protobuf::Struct::descriptor());
  EXPECT_EQ(contract_->FindMessage("NoSuchMessage"), nullptr);
}

TEST_F(ContractTest, RouteAndPathOfAMethod) {
  EXPECT_EQ(RestRouteText(*GetBulkSyncDescriptor()),
            "GET /api/bulk/syncs/{id}");
  EXPECT_EQ(GrpcMethodPath(*GetBulkSyncDescriptor()),
            "/polytomic.v1.BulkSyncService/GetBulkSync");
}

TEST_F(ContractTest, ListMethodsShowsAllMethodsWithTheirRoutes) {
  const std::string text = contract_->ListMethods();
  const std::vector<std::string> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  // Service lines are not indented; method lines are.
  std::vector<std::string> method_lines;
  int service_lines = 0;
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, "  ")) {
      method_lines.push_back(line);
    } else {
      ++service_lines;
    }
  }
  EXPECT_EQ(service_lines, contract_->services().size());
  ASSERT_EQ(method_lines.size(), kContractMethods) << text;

  const std::vector<const MethodDescriptor*> methods = AllMethods();
  for (size_t i = 0; i < methods.size(); ++i) {
    const polytomic::v1::RestRoute& route =
        methods[i]->options().GetExtension(polytomic::v1::rest);
    ASSERT_FALSE(route.path().empty()) << methods[i]->full_name();
    // "  pkg.Service/Method   VERB   /path", columns padded.
    const std::vector<std::string> columns =
        absl::StrSplit(method_lines[i], ' ', absl::SkipEmpty());
    ASSERT_EQ(columns.size(), 3) << method_lines[i];
    EXPECT_EQ(columns[0],
              methods[i]->service()->full_name() + "/" + methods[i]->name());
    EXPECT_EQ(absl::StrCat(columns[1], " ", columns[2]),
              RestRouteText(*methods[i]));
  }
}

TEST_F(ContractTest, ListMethodsAlignsThePaths) {
  std::set<size_t> path_columns;
  for (absl::string_view line :
       absl::StrSplit(contract_->ListMethods(), '\n')) {
    if (absl::StartsWith(line, "  ")) path_columns.insert(line.find(" /api"));
  }
  EXPECT_EQ(path_columns.size(), 1);
}

TEST_F(ContractTest, DescribeMethodShowsRouteFieldsAndRules) {
  absl::StatusOr<const MethodDescriptor*> method =
      contract_->FindMethod("CreateBulkSync");
  ASSERT_TRUE(method.ok()) << method.status();
  const std::string text = DescribeMethod(**method);
  EXPECT_THAT(text, HasSubstr("polytomic.v1.BulkSyncService/CreateBulkSync\n"
                              "  REST: POST /api/bulk/syncs  body: bulk_sync"
                              "  operation: bulkSync.create\n"));
  EXPECT_THAT(text, HasSubstr("request polytomic.v1.CreateBulkSyncRequest\n"));
  EXPECT_THAT(text, HasSubstr("  bulk_sync: polytomic.v1.BulkSync  "
                              "[required]\n"));
  EXPECT_THAT(text, HasSubstr("    name: optional string  [required]\n"));
  EXPECT_THAT(text, HasSubstr("    source_connection_id: optional string  "
                              "[required, format=uuid]\n"));
  EXPECT_THAT(text, HasSubstr("    mode: enum polytomic.v1.BulkSyncMode "
                              "(snapshot | replicate)\n"));
  EXPECT_THAT(text, HasSubstr("    data_cutoff_timestamp: "
                              "google.protobuf.Timestamp (RFC 3339"));
  EXPECT_THAT(text, HasSubstr("    policies: repeated string\n"));
  EXPECT_THAT(text, HasSubstr("  idempotency_key: optional string  "
                              "[format=idempotency-key, "
                              "header=Idempotency-Key]\n"));
  // A request ignores output-only fields: not expanded.
  EXPECT_THAT(text, HasSubstr("    created_by: polytomic.v1.OutputActor  "
                              "[output-only]\n    updated_at"));
  // Nested messages are expanded two spaces deeper.
  EXPECT_THAT(text, HasSubstr("      frequency: enum "
                              "polytomic.v1.ScheduleFrequency"));
  EXPECT_THAT(text, HasSubstr("response polytomic.v1.CreateBulkSyncResponse"));
}

TEST_F(ContractTest, DescribeMethodMarksPathParameters) {
  const std::string text = DescribeMethod(*GetBulkSyncDescriptor());
  EXPECT_THAT(text, HasSubstr("  id: string  [format=uuid]  (in the path)\n"));
  EXPECT_THAT(text, HasSubstr("  refresh_schemas: optional bool\n"));
}

TEST_F(ContractTest, DescribeMessageExpandsOutputOnlyFields) {
  const std::string text =
      DescribeMessage(*polytomic::v1::BulkSync::descriptor(), 2);
  EXPECT_THAT(text, HasSubstr("  created_by: polytomic.v1.OutputActor  "
                              "[output-only]\n    id:"));
  // Without an explicit json_name, the JSON name is protobuf's lowerCamel.
  EXPECT_THAT(text, HasSubstr("\n  additional_fields (json: additionalFields): "
                              "google.protobuf.Struct (JSON object)  "
                              "[unmodeled members]\n"));
}

TEST_F(ContractTest, EveryMethodCanBeDescribed) {
  for (const MethodDescriptor* method : AllMethods()) {
    const std::string text = DescribeMethod(*method);
    EXPECT_THAT(text, HasSubstr("REST: " + RestRouteText(*method)));
    EXPECT_THAT(text,
                HasSubstr("request " + method->input_type()->full_name()));
    EXPECT_THAT(text,
                HasSubstr("response " + method->output_type()->full_name()));
  }
}

}  // namespace
}  // namespace client::ctl
