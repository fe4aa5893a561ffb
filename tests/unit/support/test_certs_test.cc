#include "tests/support/test_certs.h"

#include <gmock/gmock.h>
#include <grpc/grpc_security_constants.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace testsupport {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kClientSpiffeId[] = "spiffe://example.org/team-a";

// ---------------------------------------------------------------------------
// The certificates themselves, checked with OpenSSL's verifier.

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free_all);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Verifies `leaf` against the single trusted root `ca` for `purpose`
// (X509_PURPOSE_SSL_SERVER or X509_PURPOSE_SSL_CLIENT); returns OpenSSL's
// verdict as text ("ok" on success).
std::string Verify(X509* ca, X509* leaf, int purpose) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(
      X509_STORE_new(), &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(
      X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  if (X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1) {
    return "setup failed";
  }
  if (X509_verify_cert(ctx.get()) == 1) return "ok";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

std::string CommonName(X509* cert) {
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name,
                            sizeof(name));
  return name;
}

TEST(TestCertsTest, CaIsASelfSignedCertificateAuthority) {
  absl::StatusOr<Pem> ca = MakeCa("Test Root");
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_THAT(ca->cert, ::testing::StartsWith("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(ca->key, ::testing::StartsWith("-----BEGIN PRIVATE KEY-----"));
  X509Ptr cert = ParseCert(ca->cert);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(CommonName(cert.get()), "Test Root");
  EXPECT_EQ(X509_check_ca(cert.get()), 1);  // basicConstraints CA:TRUE.
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(X509_get_extension_flags(cert.get()) & EXFLAG_SS);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
}

TEST(TestCertsTest, LeafVerifiesForServerAndClientAuth) {
  absl::StatusOr<Pem> ca = MakeCa("Test Root");
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<Pem> leaf =
      MakeLeaf(*ca, "leaf",
               {"DNS:localhost", "IP:127.0.0.1", "IP:::1",
                std::string("URI:") + kClientSpiffeId});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  X509Ptr ca_cert = ParseCert(ca->cert);
  X509Ptr cert = ParseCert(leaf->cert);
  ASSERT_NE(ca_cert, nullptr);
  ASSERT_NE(cert, nullptr);

  EXPECT_EQ(CommonName(cert.get()), "leaf");
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(Verify(ca_cert.get(), cert.get(), X509_PURPOSE_SSL_SERVER), "ok");
  EXPECT_EQ(Verify(ca_cert.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), "ok");
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "example.org", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);

  // From one hour ago for one day.
  int days = -1;
  int seconds = -1;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()),
                           X509_get0_notAfter(cert.get())),
            1);
  EXPECT_EQ(days, 1);
  EXPECT_EQ(seconds, 0);
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()),
                           nullptr),  // nullptr: now.
            1);
  EXPECT_EQ(days, 0);
  EXPECT_GE(seconds, 3600);
}

TEST(TestCertsTest, LeafFromAnotherCaDoesNotVerify) {
  absl::StatusOr<Pem> ca = MakeCa("Test Root");
  absl::StatusOr<Pem> other_ca = MakeCa("Test Root");  // Same name, new key.
  ASSERT_TRUE(ca.ok()) << ca.status();
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  absl::StatusOr<Pem> leaf = MakeLeaf(*other_ca, "leaf", {"DNS:localhost"});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  X509Ptr ca_cert = ParseCert(ca->cert);
  X509Ptr cert = ParseCert(leaf->cert);
  EXPECT_NE(Verify(ca_cert.get(), cert.get(), X509_PURPOSE_SSL_SERVER), "ok");
}

TEST(TestCertsTest, RejectsBadInput) {
  absl::StatusOr<Pem> ca = MakeCa("Test Root");
  absl::StatusOr<Pem> other_ca = MakeCa("Other Root");
  ASSERT_TRUE(ca.ok()) << ca.status();
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  auto code_of = [](const absl::StatusOr<Pem>& pem) {
    return pem.status().code();
  };
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

  EXPECT_EQ(code_of(MakeCa("")), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(*ca, "", {})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(*ca, "leaf", {"email:a@example.org"})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(*ca, "leaf", {"localhost"})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(*ca, "leaf", {"DNS:"})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(*ca, "leaf", {"IP:not-an-address"})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(Pem{"garbage", ca->key}, "leaf", {})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(Pem{ca->cert, "garbage"}, "leaf", {})), kInvalid);
  EXPECT_EQ(code_of(MakeLeaf(Pem{ca->cert, other_ca->key}, "leaf", {})),
            kInvalid);
  // A failure leaves nothing behind that breaks the next call.
  EXPECT_TRUE(MakeLeaf(*ca, "leaf", {"DNS:localhost"}).ok());
}

// ---------------------------------------------------------------------------
// A real gRPC mTLS handshake with the certificates.

using AuthProperties = std::multimap<std::string, std::string>;

// Returns the properties of `context` except the PEM copies of the
// certificates (null: none).
AuthProperties PropertiesOf(const grpc::AuthContext* context) {
  AuthProperties properties;
  if (context == nullptr) return properties;
  for (const grpc::AuthProperty& property : *context) {
    std::string name(property.first.begin(), property.first.end());
    if (name == GRPC_X509_PEM_CERT_PROPERTY_NAME ||
        name == GRPC_X509_PEM_CERT_CHAIN_PROPERTY_NAME) {
      continue;
    }
    properties.emplace(std::move(name), std::string(property.second.begin(),
                                                    property.second.end()));
  }
  return properties;
}

std::vector<std::string> ValuesOf(const AuthProperties& properties,
                                  const std::string& name) {
  std::vector<std::string> values;
  auto [begin, end] = properties.equal_range(name);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

// What the server saw of the caller of a call that reached it.
struct Caller {
  AuthProperties properties;
  std::string peer_identity_property_name;
  std::vector<std::string> peer_identity;
};

// RecordingService answers every method with an empty message and records
// the caller's auth context; calls whose handshake fails never reach it.
// Thread-safe.
class RecordingService : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
    Caller caller{PropertiesOf(auth.get()), "", {}};
    if (auth != nullptr) {
      caller.peer_identity_property_name = auth->GetPeerIdentityPropertyName();
      for (const grpc::string_ref& value : auth->GetPeerIdentity()) {
        caller.peer_identity.emplace_back(value.begin(), value.end());
      }
    }
    absl::MutexLock lock(&mu_);
    ++calls_;
    last_caller_ = std::move(caller);
    return new EmptyReply();
  }

  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

  std::optional<Caller> last_caller() const {
    absl::MutexLock lock(&mu_);
    return last_caller_;
  }

 private:
  // Reads the one request, then writes an empty reply and finishes OK.
  class EmptyReply : public grpc::ServerGenericBidiReactor {
   public:
    EmptyReply() { StartRead(&request_); }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        return;
      }
      grpc::Slice empty("");
      response_ = grpc::ByteBuffer(&empty, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<Caller> last_caller_ ABSL_GUARDED_BY(mu_);
};

// The outcome of one call: its status and what the client saw of the server.
struct CallResult {
  grpc::Status status;
  AuthProperties server_properties;
};

class TestCertsGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Pem> ca = MakeCa("test_certs test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    absl::StatusOr<Pem> server =
        MakeLeaf(ca_, "server", {"DNS:localhost", "IP:127.0.0.1"});
    ASSERT_TRUE(server.ok()) << server.status();
    absl::StatusOr<Pem> client =
        MakeLeaf(ca_, "team-a", {std::string("URI:") + kClientSpiffeId});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);

    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = ca_.cert;
    options.pem_key_cert_pairs.push_back({server->key, server->cert});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options),
                             &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Calls the server over TLS trusting `roots` and presenting `identity` if
  // set. `target_name`, if set, replaces the address (127.0.0.1) as the name
  // checked against the server's certificate.
  CallResult Call(const std::optional<Pem>& identity, const std::string& roots,
                  const std::string& target_name = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = roots;
    if (identity.has_value()) {
      options.pem_private_key = identity->key;
      options.pem_cert_chain = identity->cert;
    }
    grpc::ChannelArguments args;
    if (!target_name.empty()) args.SetSslTargetNameOverride(target_name);
    grpc::GenericStub stub(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_),
                                  grpc::SslCredentials(options), args));
    grpc::ClientContext context;
    // A bound, not a timing assertion: a hung handshake fails, not hangs.
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    absl::Notification done;
    CallResult result;
    stub.UnaryCall(&context, "/testsupport.Test/Call", grpc::StubOptions(),
                   &request, &response, [&](grpc::Status status) {
                     result.status = std::move(status);
                     done.Notify();
                   });
    done.WaitForNotification();
    result.server_properties = PropertiesOf(context.auth_context().get());
    return result;
  }

  Pem ca_;
  Pem client_;
  RecordingService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(TestCertsGrpcTest, ClientWithCertSucceedsAndServerSeesItsUriSan) {
  CallResult result = Call(client_, ca_.cert);
  ASSERT_TRUE(result.status.ok())
      << result.status.error_code() << ": " << result.status.error_message();
  std::optional<Caller> caller = service_.last_caller();
  ASSERT_TRUE(caller.has_value());
  const AuthProperties& seen = caller->properties;
  EXPECT_THAT(ValuesOf(seen, GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME),
              ElementsAre("ssl"));
  // A URI SAN appears, without its "URI:" type, in the generic SAN property
  // (which is also the peer identity), in peer_uri, and, being a SPIFFE ID,
  // in peer_spiffe_id.
  EXPECT_THAT(ValuesOf(seen, GRPC_X509_SAN_PROPERTY_NAME),
              ElementsAre(kClientSpiffeId));
  EXPECT_THAT(ValuesOf(seen, GRPC_PEER_URI_PROPERTY_NAME),
              ElementsAre(kClientSpiffeId));
  EXPECT_THAT(ValuesOf(seen, GRPC_PEER_SPIFFE_ID_PROPERTY_NAME),
              ElementsAre(kClientSpiffeId));
  EXPECT_THAT(ValuesOf(seen, GRPC_PEER_DNS_PROPERTY_NAME), ElementsAre());
  EXPECT_THAT(ValuesOf(seen, GRPC_X509_CN_PROPERTY_NAME),
              ElementsAre("team-a"));
  EXPECT_EQ(caller->peer_identity_property_name, GRPC_X509_SAN_PROPERTY_NAME);
  EXPECT_THAT(caller->peer_identity, ElementsAre(kClientSpiffeId));

  // The client sees the server's DNS and IP SANs the same way: both in the
  // generic SAN property, each also in its own typed property.
  const AuthProperties& server = result.server_properties;
  EXPECT_THAT(ValuesOf(server, GRPC_X509_SAN_PROPERTY_NAME),
              UnorderedElementsAre("localhost", "127.0.0.1"));
  EXPECT_THAT(ValuesOf(server, GRPC_PEER_DNS_PROPERTY_NAME),
              ElementsAre("localhost"));
  EXPECT_THAT(ValuesOf(server, GRPC_PEER_IP_PROPERTY_NAME),
              ElementsAre("127.0.0.1"));
  EXPECT_THAT(ValuesOf(server, GRPC_PEER_URI_PROPERTY_NAME), ElementsAre());
}

TEST_F(TestCertsGrpcTest, ServerDnsSanIsCheckedByTheClient) {
  EXPECT_TRUE(Call(client_, ca_.cert, "localhost").status.ok());
  EXPECT_EQ(Call(client_, ca_.cert, "other.example").status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_.calls(), 1);
}

TEST_F(TestCertsGrpcTest, ClientWithoutCertFails) {
  CallResult result = Call(std::nullopt, ca_.cert);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << result.status.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(TestCertsGrpcTest, ClientWithCertFromAnotherCaFails) {
  absl::StatusOr<Pem> other_ca = MakeCa("test_certs test CA");  // Same name.
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  absl::StatusOr<Pem> impostor =
      MakeLeaf(*other_ca, "team-a", {std::string("URI:") + kClientSpiffeId});
  ASSERT_TRUE(impostor.ok()) << impostor.status();
  // The client trusts the real CA, so only the server's check can fail.
  CallResult result = Call(*impostor, ca_.cert);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << result.status.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

}  // namespace
}  // namespace testsupport
