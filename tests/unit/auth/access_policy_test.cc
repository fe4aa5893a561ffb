// AccessPolicy: pattern matching, validation of the callers section,
// authentication by certificate or token, and per-method authorization.
#include "gateway/auth/access_policy.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "gateway/common/sha256.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace gateway::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBillingToken[] = "tok-billing";
// SHA-256 of kBillingToken, upper case: Create normalises it.
constexpr char kBillingHashUpper[] =
    "B5D26EF62AD160A7F50A67B03E7C1AB9F5479AE188916DA67972C3979C3A9238";

config::v1::Callers ParseCallers(const std::string& text) {
  config::v1::Callers callers;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &callers))
      << text;
  return callers;
}

const std::vector<std::string> kAccounts = {"production", "staging"};

// A valid callers section: a token principal with read-only model syncs, and
// a certificate principal that may call everything as staging.
constexpr char kCallers[] = R"pb(
  tokens {
    principal: "team-billing"
    sha256: "B5D26EF62AD160A7F50A67B03E7C1AB9F5479AE188916DA67972C3979C3A9238"
  }
  policies {
    principal: "team-billing"
    account: "production"
    allow: "polytomic.v1.ModelSyncService/Get*"
    allow: "/polytomic.v1.ModelSyncService/List*"
  }
  policies {
    principal: "spiffe://example.org/ci"
    account: "staging"
    allow: "*"
  }
)pb";

std::unique_ptr<AccessPolicy> MakePolicy() {
  auto policy = AccessPolicy::Create(ParseCallers(kCallers), kAccounts);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *std::move(policy) : nullptr;
}

TEST(MatchesPatternTest, Table) {
  struct Case {
    const char* pattern;
    const char* name;
    bool matches;
  };
  const Case cases[] = {
      {"a.S/M", "a.S/M", true},        // exact
      {"a.S/M", "a.S/Mx", false},      // exact, longer name
      {"a.S/M", "a.S/", false},        // exact, shorter name
      {"a.S/Get*", "a.S/GetX", true},  // prefix*
      {"a.S/Get*", "a.S/Get", true},   // '*' matches the empty run
      {"a.S/Get*", "a.S/ListX", false},
      {"*Sync", "a.S/GetModelSync", true},  // *suffix
      {"*Sync", "a.S/GetModelSyncs", false},
      {"a.*/Get", "a.ModelSyncService/Get", true},  // middle
      {"a.*/Get", "a.ModelSyncService/List", false},
      {"*.*Service/List*", "p.v1.ModelSyncService/ListModelSyncs", true},
      {"a*b*c", "aXbYc", true},  // multiple stars
      {"a*b*c", "abc", true},
      {"a*b*c", "aXcYb", false},
      {"a**b", "ab", true},
      {"*", "", true},  // '*' alone
      {"*", "anything/at.all", true},
      {"", "", true},  // empty
      {"", "x", false},
      {"x", "", false},
      {"a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MatchesPattern(c.pattern, c.name), c.matches)
        << "pattern \"" << c.pattern << "\" name \"" << c.name << "\"";
  }
}

TEST(MatchesPatternTest, ManyStarsAgainstLongNameIsNotExponential) {
  // Exponential backtracking would not finish; the iterative matcher does
  // |pattern| * |name| steps at most.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "a*";
  pattern += "b";
  EXPECT_FALSE(MatchesPattern(pattern, std::string(4000, 'a')));
  EXPECT_TRUE(MatchesPattern(pattern, std::string(4000, 'a') + "b"));
}

TEST(AccessPolicyCreateTest, AcceptsValidCallers) {
  EXPECT_NE(MakePolicy(), nullptr);
  EXPECT_TRUE(AccessPolicy::Create(config::v1::Callers(), {}).ok());
}

// ExpectInvalid checks that `text` is rejected with a message naming `what`.
void ExpectInvalid(const std::string& text, const std::string& what) {
  auto policy = AccessPolicy::Create(ParseCallers(text), kAccounts);
  ASSERT_FALSE(policy.ok()) << text;
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr(what));
}

TEST(AccessPolicyCreateTest, TokenWithoutPrincipal) {
  ExpectInvalid(
      R"pb(tokens {
             sha256: "b5d26ef62ad160a7f50a67b03e7c1ab9f5479ae188916da67972c3979c3a9238"
           })pb",
      "callers.tokens[0].principal: required");
}

TEST(AccessPolicyCreateTest, TokenHashNot64HexDigits) {
  ExpectInvalid(R"pb(tokens { principal: "p" sha256: "abc" })pb",
                "callers.tokens[0] (\"p\").sha256: must be 64 hex digits");
  ExpectInvalid(
      R"pb(tokens {
             principal: "p"
             sha256: "g5d26ef62ad160a7f50a67b03e7c1ab9f5479ae188916da67972c3979c3a9238"
           })pb",
      "must be 64 hex digits");
  ExpectInvalid(R"pb(tokens { principal: "p" })pb", "must be 64 hex digits");
}

TEST(AccessPolicyCreateTest, SameTokenHashTwiceEvenInOtherCase) {
  ExpectInvalid(
      R"pb(tokens {
             principal: "a"
             sha256: "b5d26ef62ad160a7f50a67b03e7c1ab9f5479ae188916da67972c3979c3a9238"
           }
           tokens {
             principal: "b"
             sha256: "B5D26EF62AD160A7F50A67B03E7C1AB9F5479AE188916DA67972C3979C3A9238"
           })pb",
      "callers.tokens[1] (\"b\").sha256: the same token as callers.tokens[0]");
}

TEST(AccessPolicyCreateTest, PolicyWithoutPrincipal) {
  ExpectInvalid(R"pb(policies { account: "production" allow: "*" })pb",
                "callers.policies[0].principal: required");
}

TEST(AccessPolicyCreateTest, TwoPoliciesForOnePrincipal) {
  ExpectInvalid(
      R"pb(policies { principal: "p" account: "production" allow: "*" }
           policies { principal: "p" account: "staging" allow: "*" })pb",
      "callers.policies[1] (\"p\").principal: a principal has at "
      "most one policy");
}

TEST(AccessPolicyCreateTest, PolicyWithUnknownAccount) {
  ExpectInvalid(
      R"pb(policies { principal: "p" account: "prod" allow: "*" })pb",
      "callers.policies[0] (\"p\").account: unknown account \"prod\"");
  ExpectInvalid(R"pb(policies { principal: "p" allow: "*" })pb",
                "callers.policies[0] (\"p\").account: required");
}

TEST(AccessPolicyCreateTest, PolicyWithoutPatterns) {
  ExpectInvalid(R"pb(policies { principal: "p" account: "production" })pb",
                "callers.policies[0] (\"p\").allow: at least one");
}

TEST(AccessPolicyCreateTest, EmptyPattern) {
  ExpectInvalid(R"pb(policies {
                       principal: "p"
                       account: "production"
                       allow: "*"
                       allow: ""
                     })pb",
                "callers.policies[0] (\"p\").allow[1]: empty pattern");
  ExpectInvalid(
      R"pb(policies { principal: "p" account: "production" allow: "/" })pb",
      "allow[0]: empty pattern");
}

TEST(AccessPolicyAuthenticateTest, UriSanPreferredOverDnsSanAndToken) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  PeerIdentity peer{{"spiffe://example.org/ci", "spiffe://example.org/other"},
                    {"ci.example.org"}};
  auto caller = policy->Authenticate(peer, kBillingToken);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->principal, "spiffe://example.org/ci");
  EXPECT_EQ(caller->via, Caller::Via::kCertificate);
}

TEST(AccessPolicyAuthenticateTest, DnsSanWhenNoUriSan) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  auto caller =
      policy->Authenticate(PeerIdentity{{}, {"ci.example.org", "b.org"}}, "");
  ASSERT_TRUE(caller.ok()) << caller.status();
  // Not named by any policy: identified all the same; Authorize denies.
  EXPECT_EQ(caller->principal, "ci.example.org");
  EXPECT_EQ(caller->via, Caller::Via::kCertificate);
  EXPECT_EQ(policy->Authorize(caller->principal, "/a.S/M").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicyAuthenticateTest, KnownTokenGivesItsPrincipal) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  ASSERT_EQ(Sha256Hex(kBillingToken), absl::AsciiStrToLower(kBillingHashUpper));
  auto caller = policy->Authenticate(PeerIdentity{}, kBillingToken);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->principal, "team-billing");
  EXPECT_EQ(caller->via, Caller::Via::kToken);
}

TEST(AccessPolicyAuthenticateTest, UnknownTokenIsUnauthenticatedWithoutToken) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  const std::string token = "tok-guessed-by-someone";
  auto caller = policy->Authenticate(PeerIdentity{}, token);
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(caller.status().message(), "unknown bearer token");
  EXPECT_THAT(caller.status().message(), Not(HasSubstr(token)));
  EXPECT_THAT(caller.status().message(), Not(HasSubstr(Sha256Hex(token))));
}

TEST(AccessPolicyAuthenticateTest, MissingCredentialsIsUnauthenticated) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  auto caller = policy->Authenticate(PeerIdentity{{""}, {""}}, "");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(caller.status().message(), HasSubstr("missing credentials"));
}

TEST(AccessPolicyAuthorizeTest, ReadOnlyModelSyncs) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  auto get = policy->Authorize("team-billing",
                               "/polytomic.v1.ModelSyncService/GetModelSync");
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(*get, "production");
  auto list = policy->Authorize(
      "team-billing", "/polytomic.v1.ModelSyncService/ListModelSyncs");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(*list, "production");

  auto update = policy->Authorize(
      "team-billing", "/polytomic.v1.ModelSyncService/UpdateModelSync");
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(update.status().message(),
            "team-billing may not call "
            "polytomic.v1.ModelSyncService/UpdateModelSync");
  EXPECT_EQ(policy
                ->Authorize("team-billing",
                            "/polytomic.v1.BulkSyncService/GetBulkSync")
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicyAuthorizeTest, LeadingSlashOptionalOnBothSides) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  // "Get*" is configured without the slash, "List*" with it.
  for (const char* method : {"/polytomic.v1.ModelSyncService/GetModelSync",
                             "polytomic.v1.ModelSyncService/GetModelSync",
                             "/polytomic.v1.ModelSyncService/ListModelSyncs",
                             "polytomic.v1.ModelSyncService/ListModelSyncs"}) {
    EXPECT_TRUE(policy->Authorize("team-billing", method).ok()) << method;
  }
}

TEST(AccessPolicyAuthorizeTest, StarAllowsEverythingAsItsAccount) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  auto account =
      policy->Authorize("spiffe://example.org/ci",
                        "/polytomic.v1.BulkSyncService/DeleteBulkSync");
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(*account, "staging");
}

TEST(AccessPolicyAuthorizeTest, UnknownPrincipalDenied) {
  auto policy = MakePolicy();
  ASSERT_NE(policy, nullptr);
  auto account = policy->Authorize(
      "nobody", "/polytomic.v1.ModelSyncService/GetModelSync");
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(account.status().message(),
            "nobody may not call polytomic.v1.ModelSyncService/GetModelSync");
}

}  // namespace
}  // namespace gateway::auth
