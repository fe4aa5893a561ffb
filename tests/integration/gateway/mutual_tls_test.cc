// Mutual TLS: the gateway requires client certificates from its configured
// CA and takes the caller's principal from the certificate's SAN.

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"
#include "tests/support/caller_channel.h"
#include "tests/support/temp_files.h"
#include "tests/support/test_certs.h"

namespace gateway_test {
namespace {

namespace v1 = polytomic::v1;
using testsupport::Pem;

constexpr char kTeamA[] = "spiffe://example.org/team-a";

class MutualTlsTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    ca_ = *testsupport::MakeCa("gateway test CA");
    Pem server = *testsupport::MakeLeaf(ca_, "gateway",
                                        {"DNS:localhost", "IP:127.0.0.1"});
    testsupport::GatewayHarness::Options options;
    options.configure = [this,
                         server](gateway::config::v1::GatewayConfig& config) {
      auto* tls = config.mutable_listener()->mutable_tls();
      tls->set_cert_file(server_cert_.emplace(server.cert).path());
      tls->set_key_file(server_key_.emplace(server.key).path());
      tls->set_client_ca_file(clients_ca_.emplace(ca_.cert).path());
      auto* policy = config.mutable_callers()->add_policies();
      policy->set_principal(kTeamA);
      policy->set_account("default");
      policy->add_allow("polytomic.v1.BulkSyncService/List*");
    };
    return options;
  }

  // ListAs lists bulk syncs presenting `client` (none when null) and
  // trusting the gateway's CA.
  grpc::Status ListAs(const Pem* client, const std::string& token = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_.cert;
    if (client != nullptr) {
      options.pem_cert_chain = client->cert;
      options.pem_private_key = client->key;
    }
    auto channel = testsupport::CallerChannel(
        harness_->gateway().address(), token, grpc::SslCredentials(options));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::ListBulkSyncsRequest request;
    v1::ListBulkSyncsResponse response;
    return v1::BulkSyncService::NewStub(channel)->ListBulkSyncs(
        &context, request, &response);
  }

  Pem ca_;
  std::optional<testsupport::TempFile> server_cert_;
  std::optional<testsupport::TempFile> server_key_;
  std::optional<testsupport::TempFile> clients_ca_;
};

TEST_F(MutualTlsTest, ACertificateFromTheCaIsAcceptedAsItsUriSan) {
  Pem client =
      *testsupport::MakeLeaf(ca_, "team-a", {std::string("URI:") + kTeamA});
  ASSERT_GRPC_OK(ListAs(&client));
  EXPECT_EQ(harness_->Count("bulkSync.list"), 1);
  harness_->gateway().FlushAudit();
  std::ifstream file(harness_->audit_dir() + "/audit.jsonl");
  std::string line;
  std::string last;
  while (std::getline(file, line)) last = line;
  EXPECT_EQ(Json::parse(last)["principal"], kTeamA);
}

TEST_F(MutualTlsTest, TheCertificateDecidesNotAToken) {
  // A DNS-named caller with no policy: authenticated, then denied, even
  // though it also sends the harness's valid token.
  Pem batch = *testsupport::MakeLeaf(ca_, "batch", {"DNS:batch.internal"});
  grpc::Status status = ListAs(&batch, harness_->caller_token());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << testsupport::Describe(status);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("batch.internal"));
  EXPECT_EQ(harness_->Count("bulkSync.list"), 0);
}

TEST_F(MutualTlsTest, NoCertificateIsRejectedAtTheHandshake) {
  grpc::Status status = ListAs(nullptr, harness_->caller_token());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << testsupport::Describe(status);
  EXPECT_EQ(harness_->Count("bulkSync.list"), 0);
}

TEST_F(MutualTlsTest, ACertificateFromAnotherCaIsRejected) {
  Pem other_ca = *testsupport::MakeCa("gateway test CA");  // same name
  Pem impostor = *testsupport::MakeLeaf(other_ca, "team-a",
                                        {std::string("URI:") + kTeamA});
  grpc::Status status = ListAs(&impostor);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << testsupport::Describe(status);
  EXPECT_EQ(harness_->Count("bulkSync.list"), 0);
}

}  // namespace
}  // namespace gateway_test
