// CredentialStore: Bearer and Basic headers from files and variables,
// validation, rotation by Refresh, Replace, and readers racing a rotation.
#include "gateway/auth/credential_store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace gateway::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A key that must never show up in an error message.
constexpr char kSecret[] = "sk-live-0123456789abcdef";

// WriteFile rewrites `path` in place (same inode), as an editor or a
// configuration tool might.
void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
  file.close();
  ASSERT_TRUE(file.good()) << path;
}

// ParseAccounts parses the `accounts` of a GatewayConfig in text format;
// "$DIR" stands for `dir`.
Accounts ParseAccounts(const std::string& text, const std::string& dir = "") {
  config::v1::GatewayConfig config;
  std::string expanded = absl::StrReplaceAll(text, {{"$DIR", dir}});
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(expanded, &config))
      << expanded;
  return config.accounts();
}

// kProdFromFile is one account, "prod", whose Bearer key is $DIR/prod.key.
constexpr char kProdFromFile[] = R"pb(accounts {
                                        name: "prod"
                                        bearer_key { file: "$DIR/prod.key" }
                                      })pb";

std::unique_ptr<CredentialStore> MakeStore(const Accounts& accounts) {
  auto store = CredentialStore::Create(accounts);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

std::string HeaderOf(const CredentialStore& store, absl::string_view account) {
  absl::StatusOr<std::string> header = store.Authorization(account);
  EXPECT_TRUE(header.ok()) << header.status();
  return header.ok() ? *header : "";
}

TEST(CredentialStoreTest, BearerFromFileFirstLineTrimmed) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/prod.key", absl::StrCat("  ", kSecret, " \r\nsecond\n"));
  auto store = MakeStore(ParseAccounts(kProdFromFile, dir));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(HeaderOf(*store, "prod"), absl::StrCat("Bearer ", kSecret));
}

TEST(CredentialStoreTest, BearerFromEnvironmentVariable) {
  ASSERT_EQ(setenv("CREDENTIAL_STORE_TEST_KEY", " env-key-1 ", 1), 0);
  auto store = MakeStore(
      ParseAccounts(R"pb(accounts {
                           name: "prod"
                           bearer_key { env: "CREDENTIAL_STORE_TEST_KEY" }
                         })pb"));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(HeaderOf(*store, "prod"), "Bearer env-key-1");

  // Read at Create (and Replace) only: Refresh leaves variables alone.
  ASSERT_EQ(setenv("CREDENTIAL_STORE_TEST_KEY", "env-key-2", 1), 0);
  EXPECT_THAT(store->Refresh(), IsEmpty());
  EXPECT_EQ(HeaderOf(*store, "prod"), "Bearer env-key-1");
}

TEST(CredentialStoreTest, BasicIsBase64OfOrganizationColonKey) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/acme.key", "s3cr3t\n");
  auto store = MakeStore(ParseAccounts(
      R"pb(accounts {
             name: "partner"
             basic {
               organization_id: "acme"
               key { file: "$DIR/acme.key" }
             }
           })pb",
      dir));
  ASSERT_NE(store, nullptr);
  // printf 'acme:s3cr3t' | base64
  EXPECT_EQ(HeaderOf(*store, "partner"), "Basic YWNtZTpzM2NyM3Q=");
}

TEST(CredentialStoreTest, UnknownAccountIsFailedPrecondition) {
  ASSERT_EQ(setenv("CREDENTIAL_STORE_TEST_KEY", kSecret, 1), 0);
  auto store = MakeStore(
      ParseAccounts(R"pb(accounts {
                           name: "prod"
                           bearer_key { env: "CREDENTIAL_STORE_TEST_KEY" }
                         })pb"));
  ASSERT_NE(store, nullptr);
  auto header = store->Authorization("staging");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(header.status().message(), HasSubstr("\"staging\""));
  EXPECT_THAT(header.status().message(), Not(HasSubstr(kSecret)));
}

// ExpectCreateFails checks that Create rejects `text` with `code` and a
// message containing `what` and never the key. "$DIR/good.key" holds kSecret.
void ExpectCreateFails(const std::string& text, absl::StatusCode code,
                       const std::string& what) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/good.key", kSecret);
  WriteFile(dir + "/empty.key", " \n");
  auto store = CredentialStore::Create(ParseAccounts(text, dir));
  ASSERT_FALSE(store.ok()) << text;
  EXPECT_EQ(store.status().code(), code) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(what));
  EXPECT_THAT(store.status().message(), Not(HasSubstr(kSecret)));
}

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kUnreadable = absl::StatusCode::kFailedPrecondition;

TEST(CredentialStoreCreateTest, EmptyName) {
  ExpectCreateFails(R"pb(accounts { bearer_key { file: "$DIR/good.key" } })pb",
                    kInvalid, "accounts[0].name: required");
}

TEST(CredentialStoreCreateTest, DuplicateName) {
  ExpectCreateFails(
      R"pb(accounts {
             name: "prod"
             bearer_key { file: "$DIR/good.key" }
           }
           accounts {
             name: "prod"
             bearer_key { file: "$DIR/good.key" }
           })pb",
      kInvalid, "accounts[1].name: duplicate account \"prod\"");
}

TEST(CredentialStoreCreateTest, NoCredentials) {
  ExpectCreateFails(
      R"pb(accounts {
             name: "prod"
             bearer_key { file: "$DIR/good.key" }
           }
           accounts { name: "staging" })pb",
      kInvalid, "accounts[1] (\"staging\"): no credentials");
}

TEST(CredentialStoreCreateTest, SecretWithoutSource) {
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           bearer_key {}
                         })pb",
                    kInvalid, "accounts[0] (\"prod\").bearer_key: no source");
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           basic { organization_id: "acme" }
                         })pb",
                    kInvalid, "accounts[0] (\"prod\").basic.key: no source");
}

TEST(CredentialStoreCreateTest, BasicWithoutOrganization) {
  ExpectCreateFails(
      R"pb(accounts {
             name: "partner"
             basic { key { file: "$DIR/good.key" } }
           })pb",
      kInvalid, "accounts[0] (\"partner\").basic.organization_id: required");
}

TEST(CredentialStoreCreateTest, UnreadableFile) {
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           bearer_key { file: "$DIR/missing.key" }
                         })pb",
                    kUnreadable, "accounts[0] (\"prod\").bearer_key: file \"");
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           bearer_key { file: "$DIR/missing.key" }
                         })pb",
                    kUnreadable, "missing.key\" cannot be read");
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           bearer_key { file: "$DIR" }
                         })pb",
                    kUnreadable, "is not a regular file");
}

TEST(CredentialStoreCreateTest, EmptyFile) {
  ExpectCreateFails(
      R"pb(accounts {
             name: "prod"
             bearer_key { file: "$DIR/good.key" }
           }
           accounts {
             name: "partner"
             basic {
               organization_id: "acme"
               key { file: "$DIR/empty.key" }
             }
           })pb",
      kUnreadable, "accounts[1] (\"partner\").basic.key: file \"");
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           bearer_key { file: "$DIR/empty.key" }
                         })pb",
                    kUnreadable, "empty.key\" is empty");
}

TEST(CredentialStoreCreateTest, UnsetOrEmptyVariable) {
  ASSERT_EQ(unsetenv("CREDENTIAL_STORE_TEST_UNSET"), 0);
  ExpectCreateFails(R"pb(accounts {
                           name: "prod"
                           bearer_key { env: "CREDENTIAL_STORE_TEST_UNSET" }
                         })pb",
                    kUnreadable,
                    "accounts[0] (\"prod\").bearer_key: environment variable "
                    "CREDENTIAL_STORE_TEST_UNSET is not set");
  ASSERT_EQ(setenv("CREDENTIAL_STORE_TEST_EMPTY", "  ", 1), 0);
  ExpectCreateFails(
      R"pb(accounts {
             name: "prod"
             bearer_key { env: "CREDENTIAL_STORE_TEST_EMPTY" }
           })pb",
      kUnreadable, "environment variable CREDENTIAL_STORE_TEST_EMPTY is empty");
}

TEST(CredentialStoreCreateTest, KeyWithControlCharacters) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  std::string key = absl::StrCat(kSecret, "\x01", kSecret);
  WriteFile(dir + "/bad.key", key);
  auto store = CredentialStore::Create(
      ParseAccounts(R"pb(accounts {
                           name: "prod"
                           bearer_key { file: "$DIR/bad.key" }
                         })pb",
                    dir));
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("control characters"));
  EXPECT_THAT(store.status().message(), Not(HasSubstr(kSecret)));
}

TEST(CredentialStoreRefreshTest, UnchangedFileReportsNothing) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/prod.key", "key-one");
  auto store = MakeStore(ParseAccounts(kProdFromFile, dir));
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Refresh(), IsEmpty());
  EXPECT_EQ(HeaderOf(*store, "prod"), "Bearer key-one");
}

TEST(CredentialStoreRefreshTest, PicksUpRewrittenFile) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/prod.key", "key-one");
  WriteFile(dir + "/staging.key", "key-staging");
  auto store = MakeStore(ParseAccounts(
      R"pb(accounts {
             name: "prod"
             bearer_key { file: "$DIR/prod.key" }
           }
           accounts {
             name: "staging"
             bearer_key { file: "$DIR/staging.key" }
           })pb",
      dir));
  ASSERT_NE(store, nullptr);
  WriteFile(dir + "/prod.key", "key-two-longer\n");
  EXPECT_THAT(store->Refresh(), ElementsAre("prod"));
  EXPECT_EQ(HeaderOf(*store, "prod"), "Bearer key-two-longer");
  EXPECT_EQ(HeaderOf(*store, "staging"), "Bearer key-staging");
  EXPECT_THAT(store->Refresh(), IsEmpty());
}

TEST(CredentialStoreRefreshTest, PicksUpSameSizeRewriteWithOldModifiedTime) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  std::string path = dir + "/prod.key";
  WriteFile(path, "key-aaa");
  struct stat before {};
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  auto store = MakeStore(ParseAccounts(kProdFromFile, dir));
  ASSERT_NE(store, nullptr);
  // Same size, same inode, and the modification time put back: only the
  // change time (or the racy-stamp rule) can tell.
  WriteFile(path, "key-bbb");
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_THAT(store->Refresh(), ElementsAre("prod"));
  EXPECT_EQ(HeaderOf(*store, "prod"), "Bearer key-bbb");
}

TEST(CredentialStoreRefreshTest, EmptiedOrRemovedFileKeepsOldKey) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  std::string path = dir + "/partner.key";
  WriteFile(path, "old-key");
  auto store = MakeStore(ParseAccounts(
      R"pb(accounts {
             name: "partner"
             basic {
               organization_id: "acme"
               key { file: "$DIR/partner.key" }
             }
           })pb",
      dir));
  ASSERT_NE(store, nullptr);
  std::string old_header = HeaderOf(*store, "partner");
  ASSERT_THAT(old_header, HasSubstr("Basic "));

  WriteFile(path, "");
  EXPECT_THAT(store->Refresh(), IsEmpty());
  EXPECT_EQ(HeaderOf(*store, "partner"), old_header);

  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_THAT(store->Refresh(), IsEmpty());
  EXPECT_EQ(HeaderOf(*store, "partner"), old_header);

  WriteFile(path, "new-key\n");
  EXPECT_THAT(store->Refresh(), ElementsAre("partner"));
  // printf 'acme:new-key' | base64
  EXPECT_EQ(HeaderOf(*store, "partner"), "Basic YWNtZTpuZXcta2V5");
}

TEST(CredentialStoreReplaceTest, SwapsAccountsAndKeepsOldOnError) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/prod.key", kSecret);
  WriteFile(dir + "/staging.key", "key-staging");
  auto store = MakeStore(ParseAccounts(kProdFromFile, dir));
  ASSERT_NE(store, nullptr);

  absl::Status bad = store->Replace(ParseAccounts(
      R"pb(accounts {
             name: "staging"
             bearer_key { file: "$DIR/staging.key" }
           }
           accounts {
             name: "staging"
             bearer_key { file: "$DIR/prod.key" }
           })pb",
      dir));
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), Not(HasSubstr(kSecret)));
  EXPECT_EQ(HeaderOf(*store, "prod"), absl::StrCat("Bearer ", kSecret));
  EXPECT_FALSE(store->Authorization("staging").ok());

  ASSERT_TRUE(store
                  ->Replace(ParseAccounts(
                      R"pb(accounts {
                             name: "staging"
                             bearer_key { file: "$DIR/staging.key" }
                           })pb",
                      dir))
                  .ok());
  EXPECT_EQ(HeaderOf(*store, "staging"), "Bearer key-staging");
  EXPECT_EQ(store->Authorization("prod").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CredentialStoreReplaceTest, UnchangedAccountMidRotationKeepsItsKey) {
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/prod.key", "key-one");
  WriteFile(dir + "/staging.key", "key-staging");
  const std::string prod = kProdFromFile;
  auto store = MakeStore(ParseAccounts(prod, dir));
  ASSERT_NE(store, nullptr);
  WriteFile(dir + "/prod.key", "");  // caught mid-rotation
  ASSERT_TRUE(store
                  ->Replace(ParseAccounts(
                      prod + R"pb(accounts {
                                    name: "staging"
                                    bearer_key { file: "$DIR/staging.key" }
                                  })pb",
                      dir))
                  .ok());
  EXPECT_EQ(HeaderOf(*store, "prod"), "Bearer key-one");
  EXPECT_EQ(HeaderOf(*store, "staging"), "Bearer key-staging");
  // A new account has no previous key to keep: its empty file is an error.
  absl::Status status =
      store->Replace(ParseAccounts(R"pb(accounts {
                                          name: "other"
                                          bearer_key { file: "$DIR/prod.key" }
                                        })pb",
                                   dir));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("is empty"));
}

TEST(CredentialStoreConcurrencyTest, ReadersOnlySeeWholeKeysDuringRotation) {
  constexpr int kRotations = 200;
  constexpr int kReaders = 4;
  testsupport::TempDir temp;
  const std::string& dir = temp.path();
  std::string path = dir + "/prod.key";
  std::vector<std::string> keys;
  absl::flat_hash_set<std::string> valid_headers;
  for (int i = 0; i <= kRotations; ++i) {
    // Consecutive keys differ in length, so every rewrite changes the size.
    keys.push_back(absl::StrCat("key-", i, std::string(i % 3, 'x')));
    valid_headers.insert(absl::StrCat("Bearer ", keys.back()));
  }
  WriteFile(path, keys[0]);
  auto store = MakeStore(ParseAccounts(kProdFromFile, dir));
  ASSERT_NE(store, nullptr);

  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::atomic<int> invalid{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      bool counted = false;
      while (!stop.load()) {
        absl::StatusOr<std::string> header = store->Authorization("prod");
        if (!header.ok() || !valid_headers.contains(*header)) ++invalid;
        ++reads;
        if (!counted) {
          counted = true;
          ++started;
        }
      }
    });
  }
  while (started.load() < kReaders) std::this_thread::yield();

  int reported = 0;
  for (int i = 1; i <= kRotations; ++i) {
    if (i % 2 == 0) {
      WriteFile(path, "");  // caught mid-rotation: keeps the previous key
      EXPECT_THAT(store->Refresh(), IsEmpty());
    }
    WriteFile(path, keys[i] + "\n");
    std::vector<std::string> changed = store->Refresh();
    if (changed == std::vector<std::string>{"prod"}) ++reported;
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();

  EXPECT_EQ(invalid.load(), 0);
  EXPECT_GE(reads.load(), kReaders);
  EXPECT_EQ(reported, kRotations);
  EXPECT_EQ(HeaderOf(*store, "prod"), absl::StrCat("Bearer ", keys.back()));
}

}  // namespace
}  // namespace gateway::auth
