// Tests for client/ctl/command_line.h: global flags before the command,
// field flags after it, headers, durations, the caller's token and TLS files.
#include "client/ctl/command_line.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace client::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

using testsupport::TempFile;

MATCHER_P2(IsFlag, path, value, "") {
  return arg.path == path && arg.value == std::optional<std::string>(value);
}
MATCHER_P(IsBareFlag, path, "") {
  return arg.path == path && !arg.value.has_value();
}

TEST(ParseCommandLineTest, DefaultsWithoutGlobalFlags) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"list"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "list");
  EXPECT_EQ(cl->addr, "127.0.0.1:50051");
  EXPECT_EQ(cl->timeout, absl::Seconds(30));
  EXPECT_FALSE(cl->dry_run);
  EXPECT_THAT(cl->headers, IsEmpty());
  EXPECT_EQ(cl->token_file, "");
  EXPECT_EQ(cl->ca_file, "");
  EXPECT_EQ(cl->cert_file, "");
  EXPECT_EQ(cl->key_file, "");
  EXPECT_THAT(cl->positionals, IsEmpty());
  EXPECT_THAT(cl->field_flags, IsEmpty());
}

TEST(ParseCommandLineTest, GlobalFlagsInBothForms) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine(
      {"--addr", "10.0.0.1:443", "--timeout=1.5s", "--header", "X-Req=42",
       "--header=b: two", "--dry-run", "GetBulkSync"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->addr, "10.0.0.1:443");
  EXPECT_EQ(cl->timeout, absl::Milliseconds(1500));
  EXPECT_TRUE(cl->dry_run);
  EXPECT_THAT(cl->headers, ElementsAre(Pair("x-req", "42"), Pair("b", "two")));
  EXPECT_EQ(cl->command, "GetBulkSync");
}

TEST(ParseCommandLineTest,
     FlagsAfterTheCommandAreFieldsEvenIfNamedLikeGlobals) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine(
      {"--addr=a:1", "SomeMethod", "--timeout=5", "--addr=b:2", "--x.y=v=w"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->addr, "a:1");
  EXPECT_EQ(cl->timeout, absl::Seconds(30));
  EXPECT_THAT(cl->field_flags,
              ElementsAre(IsFlag("timeout", "5"), IsFlag("addr", "b:2"),
                          IsFlag("x.y", "v=w")));
}

TEST(ParseCommandLineTest, BareFieldFlagHasNoValue) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"StartBulkSync", "--test", "--id=", "--name=x"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_THAT(cl->field_flags, ElementsAre(IsBareFlag("test"), IsFlag("id", ""),
                                           IsFlag("name", "x")));
}

TEST(ParseCommandLineTest, PositionalsAndStdinDash) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"GetBulkSync", "-", "--id=1", "{\"a\":1}"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_THAT(cl->positionals, ElementsAre("-", "{\"a\":1}"));
  EXPECT_THAT(cl->field_flags, ElementsAre(IsFlag("id", "1")));
}

TEST(ParseCommandLineTest, DoubleDashEndsFlags) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"describe", "--id=1", "--", "--not-a-flag", "-"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_THAT(cl->field_flags, ElementsAre(IsFlag("id", "1")));
  EXPECT_THAT(cl->positionals, ElementsAre("--not-a-flag", "-"));
}

TEST(ParseCommandLineTest, HelpBeforeTheCommand) {
  for (const char* help : {"-h", "--help"}) {
    absl::StatusOr<CommandLine> cl =
        ParseCommandLine({"--addr=x:1", help, "GetBulkSync"});
    ASSERT_TRUE(cl.ok()) << cl.status();
    EXPECT_EQ(cl->command, "help") << help;
  }
}

TEST(ParseCommandLineTest, HelpAfterTheCommandIsAFieldFlag) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"GetBulkSync", "--help"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "GetBulkSync");
  EXPECT_THAT(cl->field_flags, ElementsAre(IsBareFlag("help")));
}

TEST(ParseCommandLineTest, NoCommandLeavesItEmpty) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"--addr=x:1"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->command, "");
}

TEST(ParseCommandLineTest, UsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {"--verbose", "list"},         // Unknown global flag.
      {"-v", "list"},                // Unknown short flag.
      {"--addr"},                    // Missing value.
      {"--addr=", "list"},           // Empty address.
      {"--timeout=soon", "list"},    // Bad duration.
      {"--timeout=0s", "list"},      // Not positive.
      {"--header=novalue", "list"},  // No separator.
      {"--dry-run=yes", "list"},     // dry-run takes no value.
      {"GetBulkSync", "--=x"},       // Empty field path.
      {"--token_file"},              // Missing value.
      {"--token_file=", "list"},     // Empty path.
      {"--ca_file=", "list"},        // Empty path.
      {"--tokenfile=t", "list"},     // Unknown global flag.
  };
  for (const std::vector<std::string>& args : bad) {
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args);
    EXPECT_EQ(cl.status().code(), absl::StatusCode::kInvalidArgument)
        << args.front() << " " << (args.size() > 1 ? args[1] : "");
  }
}

TEST(ParseCommandLineTest, UnknownGlobalFlagPointsAtFieldFlags) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"--id=1", "GetBulkSync"});
  EXPECT_THAT(cl.status().message(), HasSubstr("after the method name"));
}

TEST(ParseHeaderTest, EqualsOrColonWhicheverComesFirst) {
  EXPECT_EQ(*ParseHeader("X-Request-Id=42"),
            std::make_pair(std::string("x-request-id"), std::string("42")));
  EXPECT_EQ(
      *ParseHeader("Authorization: Bearer a=b"),
      std::make_pair(std::string("authorization"), std::string("Bearer a=b")));
  EXPECT_EQ(*ParseHeader("k=v:w"),
            std::make_pair(std::string("k"), std::string("v:w")));
  EXPECT_EQ(*ParseHeader("  k  =  v "),
            std::make_pair(std::string("k"), std::string("v ")));
  EXPECT_EQ(*ParseHeader("k="),
            std::make_pair(std::string("k"), std::string("")));
}

TEST(ParseHeaderTest, Errors) {
  EXPECT_EQ(ParseHeader("novalue").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHeader("=v").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHeader(" : v").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseDurationFlagTest, AbslDurationsAndBareSeconds) {
  EXPECT_EQ(*ParseDurationFlag("30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseDurationFlag("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDurationFlag("2m"), absl::Minutes(2));
  EXPECT_EQ(*ParseDurationFlag("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationFlag("1.5"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDurationFlag("7"), absl::Seconds(7));
}

TEST(ParseDurationFlagTest, RejectsBadAndNonPositive) {
  // "nan" once became an infinite deadline.
  for (const char* text :
       {"", "abc", "5 s", "0", "0s", "-1s", "-3", "nan", "NaN", "-nan"}) {
    EXPECT_EQ(ParseDurationFlag(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "'" << text << "'";
  }
}

TEST(ParseCommandLineTest, TokenAndTlsFlagsInBothForms) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--token_file", "/t/token", "--ca_file=/t/ca.pem",
                        "--cert_file", "/t/me.pem", "--key_file=/t/me.key",
                        "GetBulkSync", "--token_file=field"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->token_file, "/t/token");
  EXPECT_EQ(cl->ca_file, "/t/ca.pem");
  EXPECT_EQ(cl->cert_file, "/t/me.pem");
  EXPECT_EQ(cl->key_file, "/t/me.key");
  // After the command it is a request field, as every flag there.
  EXPECT_THAT(cl->field_flags, ElementsAre(IsFlag("token_file", "field")));
}

TEST(ParseCommandLineTest, CaFileAloneIsServerAuthenticatedTls) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--ca_file=/t/ca.pem", "list"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->ca_file, "/t/ca.pem");
  EXPECT_EQ(cl->cert_file, "");
}

TEST(ParseCommandLineTest, ClientCertificateNeedsItsKeyAndTheCa) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--ca_file=ca", "--cert_file=c", "list"}, "go together"},
      {{"--ca_file=ca", "--key_file=k", "list"}, "go together"},
      {{"--cert_file=c", "--key_file=k", "list"}, "need --ca_file"},
      // Checked even without a command.
      {{"--cert_file=c"}, "go together"},
  };
  for (const auto& [args, message] : bad) {
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args);
    EXPECT_EQ(cl.status().code(), absl::StatusCode::kInvalidArgument)
        << args.front();
    EXPECT_THAT(cl.status().message(), HasSubstr(message)) << args.front();
  }
}

TEST(ReadTokenFileTest, FirstLineTrimmed) {
  TempFile file(" \tsecret-token.0123/+=_~ \r\nsecond line\n");
  ASSERT_FALSE(file.path().empty());
  absl::StatusOr<std::string> token = ReadTokenFile(file.path());
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "secret-token.0123/+=_~");

  TempFile no_newline("abc");
  EXPECT_EQ(ReadTokenFile(no_newline.path()).value_or(""), "abc");
}

TEST(ReadTokenFileTest, ErrorsNameTheFileNeverTheToken) {
  const std::string missing = ::testing::TempDir() + "no-such-token-file";
  absl::StatusOr<std::string> token = ReadTokenFile(missing);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr(missing));
  EXPECT_THAT(token.status().message(), HasSubstr("--token_file"));

  // A directory opens but does not read.
  token = ReadTokenFile(::testing::TempDir());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr(::testing::TempDir()));

  for (const char* contents : {"", "\n", "  \t\r\n", "\nthe token on line 2"}) {
    TempFile file(contents);
    token = ReadTokenFile(file.path());
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << contents << "'";
    EXPECT_THAT(token.status().message(), HasSubstr(file.path()));
    EXPECT_THAT(token.status().message(), HasSubstr("no token"));
  }

  // Bytes metadata cannot carry: refused before gRPC could quote them.
  for (const char* contents :
       {"two words", "tab\tinside", "ctl\x01secret", "utf8-\xc3\xa9secret"}) {
    TempFile file(contents);
    token = ReadTokenFile(file.path());
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << contents << "'";
    EXPECT_THAT(token.status().message(), HasSubstr(file.path()));
    EXPECT_THAT(token.status().message(), Not(HasSubstr("secret")));
    EXPECT_THAT(token.status().message(), Not(HasSubstr("words")));
  }
}

TEST(ResolveTokenTest, FileWinsOverTheEnvironment) {
  TempFile file("from-file\n");
  CommandLine cl;
  cl.token_file = file.path();
  EXPECT_EQ(ResolveToken(cl, "from-env").value_or("?"), "from-file");
  EXPECT_EQ(ResolveToken(cl, nullptr).value_or("?"), "from-file");
}

TEST(ResolveTokenTest, EnvironmentTrimmedOrNoToken) {
  CommandLine cl;
  EXPECT_EQ(ResolveToken(cl, " from-env\n").value_or("?"), "from-env");
  EXPECT_EQ(ResolveToken(cl, nullptr).value_or("?"), "");
  EXPECT_EQ(ResolveToken(cl, "").value_or("?"), "");
  EXPECT_EQ(ResolveToken(cl, " \n").value_or("?"), "");
  absl::StatusOr<std::string> token = ResolveToken(cl, "two secret words");
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr("POLYTOMIC_GATEWAY_TOKEN"));
  EXPECT_THAT(token.status().message(), Not(HasSubstr("secret")));
}

TEST(ResolveTokenTest, AnAuthorizationHeaderWinsOverTheEnvironment) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"--header=Authorization: Bearer h", "list"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(ResolveToken(*cl, "from-env").value_or("?"), "");

  TempFile file("from-file\n");
  cl->token_file = file.path();
  EXPECT_EQ(ResolveToken(*cl, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ResolveTokenTest, AMissingFileIsAnErrorEvenWithTheEnvironmentSet) {
  CommandLine cl;
  cl.token_file = ::testing::TempDir() + "no-such-token-file";
  EXPECT_EQ(ResolveToken(cl, "from-env").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BearerMetadataTest, AuthorizationBearer) {
  EXPECT_THAT(BearerMetadata("t0k"), Pair("authorization", "Bearer t0k"));
}

TEST(ReadFlagFileTest, WholeFileOrAnErrorNamingFlagAndFile) {
  TempFile file("-----BEGIN CERTIFICATE-----\nline\n");
  EXPECT_EQ(ReadFlagFile("ca_file", file.path()).value_or("?"),
            "-----BEGIN CERTIFICATE-----\nline\n");
  const std::string missing = ::testing::TempDir() + "no-such.pem";
  absl::StatusOr<std::string> pem = ReadFlagFile("ca_file", missing);
  EXPECT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pem.status().message(), HasSubstr("--ca_file"));
  EXPECT_THAT(pem.status().message(), HasSubstr(missing));
}

TEST(UsageTextTest, NamesEveryGlobalFlagAndTheExitCodes) {
  const std::string usage = UsageText();
  for (const char* flag :
       {"--addr", "--timeout", "--header", "--dry-run", "--token_file",
        "--ca_file", "--cert_file", "--key_file", "POLYTOMIC_GATEWAY_TOKEN"}) {
    EXPECT_THAT(usage, HasSubstr(flag));
  }
  EXPECT_THAT(usage, HasSubstr("exit 2"));
}

}  // namespace
}  // namespace client::ctl
