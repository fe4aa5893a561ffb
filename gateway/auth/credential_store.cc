#include "gateway/auth/credential_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/common/status_macros.h"

namespace gateway::auth {
namespace {

using config::v1::Account;
using config::v1::Secret;

// A key file longer than this is not a key file; reading stops there.
constexpr size_t kMaxKeyFileBytes = 64 * 1024;

// A file modified less than this long before it was read may be rewritten
// again within the same file-system timestamp tick with the same size and
// inode. Such a "racy" stamp does not prove the file unchanged, so the file is
// re-read until its stamp is older than this at read time (git's "racy clean"
// rule).
constexpr int64_t kRacyWindowNanos = 1'000'000'000;

int64_t Nanos(const timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Real time, not an injected clock: it is compared with file-system stamps.
int64_t NowNanos() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return Nanos(now);
}

// FileStamp says a key file changed without reading it. The ctime catches a
// rewrite that restores the old mtime (cp -p, tar, rsync -t).
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtime_nanos = 0;
  int64_t ctime_nanos = 0;

  bool operator==(const FileStamp& other) const {
    return device == other.device && inode == other.inode &&
           size == other.size && mtime_nanos == other.mtime_nanos &&
           ctime_nanos == other.ctime_nanos;
  }
};

FileStamp StampOf(const struct stat& st) {
  return FileStamp{st.st_dev, st.st_ino, st.st_size, Nanos(st.st_mtim),
                   Nanos(st.st_ctim)};
}

absl::Status FileError(const std::string& path, absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("file \"", path, "\" ", what));
}

absl::Status FileErrno(const std::string& path, int error) {
  return FileError(path, absl::StrCat("cannot be read: ",
                                      std::generic_category().message(error)));
}

// KeyFile is one read of a key file: its trimmed first line, the stamp it had
// before the read (so a write racing the read shows up as a change next time
// rather than being missed) and when it was read.
struct KeyFile {
  std::string key;
  FileStamp stamp;
  int64_t read_at_nanos = 0;
};

// ReadKeyFile reads the first line of `path`, trimmed. Errors name the file;
// they never contain its contents.
absl::StatusOr<KeyFile> ReadKeyFile(const std::string& path) {
  KeyFile result;
  result.read_at_nanos = NowNanos();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return FileErrno(path, errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int error = errno;
    close(fd);
    return FileErrno(path, error);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return FileError(path, "is not a regular file");
  }
  result.stamp = StampOf(st);
  std::string text;
  char buffer[4096];
  while (text.size() < kMaxKeyFileBytes &&
         text.find('\n') == std::string::npos) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return FileErrno(path, error);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  absl::string_view first_line(text);
  first_line = first_line.substr(0, first_line.find('\n'));
  result.key = std::string(absl::StripAsciiWhitespace(first_line));
  if (result.key.empty()) return FileError(path, "is empty");
  return result;
}

absl::StatusOr<std::string> ReadEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("environment variable ", name, " is not set"));
  }
  std::string key(absl::StripAsciiWhitespace(value));
  if (key.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("environment variable ", name, " is empty"));
  }
  return key;
}

// HasControlCharacters says whether `key` cannot go into a header verbatim.
bool HasControlCharacters(absl::string_view key) {
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

const Secret& SecretOf(const Account& account) {
  return account.has_basic() ? account.basic().key() : account.bearer_key();
}

std::string SecretField(const Account& account) {
  return account.has_basic() ? "basic.key" : "bearer_key";
}

// Entry is one account as of one snapshot.
struct Entry {
  Account account;
  std::string header;
  // For file secrets: the file as of the read `header` came from.
  FileStamp stamp;
  int64_t read_at_nanos = 0;
};

// ReadEntry reads the secret of `entry.account` and sets the rest of `entry`.
// Errors name the file or variable, never the key.
absl::Status ReadEntry(Entry& entry) {
  const Secret& secret = SecretOf(entry.account);
  std::string key;
  if (secret.has_file()) {
    ASSIGN_OR_RETURN(KeyFile file, ReadKeyFile(secret.file()));
    key = std::move(file.key);
    entry.stamp = file.stamp;
    entry.read_at_nanos = file.read_at_nanos;
  } else {
    ASSIGN_OR_RETURN(key, ReadEnv(secret.env()));
  }
  if (HasControlCharacters(key)) {
    return absl::FailedPreconditionError(absl::StrCat(
        secret.has_file() ? absl::StrCat("file \"", secret.file(), "\"")
                          : absl::StrCat("environment variable ", secret.env()),
        ": the key contains control characters"));
  }
  if (entry.account.has_basic()) {
    entry.header = absl::StrCat(
        "Basic ", absl::Base64Escape(absl::StrCat(
                      entry.account.basic().organization_id(), ":", key)));
  } else {
    entry.header = absl::StrCat("Bearer ", key);
  }
  return absl::OkStatus();
}

// Validate checks the shape of `account` (the `index`th); errors name it.
absl::Status Validate(const Account& account, int index) {
  std::string where = absl::StrCat("accounts[", index, "]");
  if (account.name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".name: required"));
  }
  absl::StrAppend(&where, " (\"", account.name(), "\")");
  switch (account.credentials_case()) {
    case Account::kBearerKey:
      break;
    case Account::kBasic:
      if (account.basic().organization_id().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".basic.organization_id: required"));
      }
      // RFC 7617: the user-id of Basic credentials cannot contain a colon.
      if (account.basic().organization_id().find(':') != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".basic.organization_id: must not contain ':'"));
      }
      break;
    case Account::CREDENTIALS_NOT_SET:
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no credentials: set bearer_key or basic"));
  }
  const Secret& secret = SecretOf(account);
  std::string field = absl::StrCat(where, ".", SecretField(account));
  switch (secret.source_case()) {
    case Secret::kFile:
      if (secret.file().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".file: empty"));
      }
      break;
    case Secret::kEnv:
      if (secret.env().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".env: empty"));
      }
      break;
    case Secret::SOURCE_NOT_SET:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": no source: set file or env"));
  }
  return absl::OkStatus();
}

// Table is the content of a snapshot.
struct Table {
  std::vector<Entry> entries;  // in configuration order
  absl::flat_hash_map<std::string, size_t> index_by_name;
};

// Build validates and reads every account of `accounts`. A key file that
// cannot be read keeps the entry of `previous` (may be null) when that has the
// same account, unchanged: a configuration reload that meets a rotation
// midway is not a configuration error.
absl::StatusOr<Table> Build(const Accounts& accounts, const Table* previous) {
  Table table;
  table.entries.reserve(accounts.size());
  for (int i = 0; i < accounts.size(); ++i) {
    const Account& account = accounts[i];
    RETURN_IF_ERROR(Validate(account, i));
    auto [it, inserted] =
        table.index_by_name.emplace(account.name(), table.entries.size());
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("accounts[", i, "].name: duplicate account \"",
                       account.name(), "\" (also accounts[", it->second, "])"));
    }
    Entry entry;
    entry.account = account;
    absl::Status read = ReadEntry(entry);
    if (!read.ok()) {
      const Entry* old = nullptr;
      if (previous != nullptr && SecretOf(account).has_file()) {
        auto found = previous->index_by_name.find(account.name());
        if (found != previous->index_by_name.end() &&
            previous->entries[found->second].account.SerializeAsString() ==
                account.SerializeAsString()) {
          old = &previous->entries[found->second];
        }
      }
      if (old == nullptr) {
        return absl::Status(
            read.code(),
            absl::StrCat("accounts[", i, "] (\"", account.name(), "\").",
                         SecretField(account), ": ", read.message()));
      }
      entry = *old;
    }
    table.entries.push_back(std::move(entry));
  }
  return table;
}

}  // namespace

struct CredentialStore::Snapshot {
  Table table;
};

CredentialStore::CredentialStore() = default;
CredentialStore::~CredentialStore() = default;

absl::StatusOr<std::unique_ptr<CredentialStore>> CredentialStore::Create(
    const Accounts& accounts) {
  ASSIGN_OR_RETURN(Table table, Build(accounts, nullptr));
  auto store = absl::WrapUnique(new CredentialStore());
  store->Install(std::make_shared<const Snapshot>(Snapshot{std::move(table)}));
  return store;
}

std::shared_ptr<const CredentialStore::Snapshot> CredentialStore::Current()
    const {
  return std::atomic_load(&snapshot_);
}

void CredentialStore::Install(std::shared_ptr<const Snapshot> snapshot) {
  std::atomic_store(&snapshot_, std::move(snapshot));
}

absl::StatusOr<std::string> CredentialStore::Authorization(
    absl::string_view account) const {
  std::shared_ptr<const Snapshot> snapshot = Current();
  const Table& table = snapshot->table;
  auto it = table.index_by_name.find(account);
  if (it == table.index_by_name.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no upstream account \"", account, "\" is configured"));
  }
  return table.entries[it->second].header;
}

std::vector<std::string> CredentialStore::Refresh() {
  absl::MutexLock lock(&write_mu_);
  std::shared_ptr<const Snapshot> current = Current();
  std::shared_ptr<Snapshot> next;  // a copy, made on the first re-read
  std::vector<std::string> changed;
  const std::vector<Entry>& entries = current->table.entries;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    const Secret& secret = SecretOf(entry.account);
    if (!secret.has_file()) continue;  // variables are read at start only
    struct stat st {};
    // A file missing mid-rotation fails the read below, keeping the key.
    if (stat(secret.file().c_str(), &st) == 0 && StampOf(st) == entry.stamp &&
        entry.stamp.mtime_nanos < entry.read_at_nanos - kRacyWindowNanos) {
      continue;
    }
    Entry fresh = entry;
    // Empty or unreadable: keep the old key and stamp; try again next time.
    if (!ReadEntry(fresh).ok()) continue;
    if (next == nullptr) next = std::make_shared<Snapshot>(*current);
    if (fresh.header != entry.header) changed.push_back(entry.account.name());
    next->table.entries[i] = std::move(fresh);
  }
  if (next != nullptr) Install(std::move(next));
  return changed;
}

absl::Status CredentialStore::Replace(const Accounts& accounts) {
  absl::MutexLock lock(&write_mu_);
  std::shared_ptr<const Snapshot> current = Current();
  ASSIGN_OR_RETURN(Table table, Build(accounts, &current->table));
  Install(std::make_shared<const Snapshot>(Snapshot{std::move(table)}));
  return absl::OkStatus();
}

}  // namespace gateway::auth
