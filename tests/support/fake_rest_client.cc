#include "tests/support/fake_rest_client.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace testsupport {

absl::string_view FakeRestClient::Recorded::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

size_t FakeRestClient::Recorded::HeaderCount(absl::string_view name) const {
  size_t count = 0;
  for (const auto& header : headers) {
    if (absl::EqualsIgnoreCase(header.first, name)) ++count;
  }
  return count;
}

absl::string_view FakeRestClient::Recorded::Path() const {
  absl::string_view path = target;
  return path.substr(0, path.find('?'));
}

gateway::HttpResponse FakeRestClient::Reply(int status, std::string body,
                                            gateway::HttpHeaders headers) {
  gateway::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

gateway::RestClient::RequestId FakeRestClient::Send(
    gateway::HttpRequest request, Callback done) {
  Responder responder;
  Recorded copy;
  RequestId id = 0;
  {
    absl::MutexLock lock(&mu_);
    id = entries_.size() + 1;
    Entry entry;
    entry.recorded.id = id;
    entry.recorded.method = std::move(request.method);
    entry.recorded.target = std::move(request.target);
    entry.recorded.headers = std::move(request.headers);
    entry.recorded.body = std::move(request.body);
    entry.recorded.deadline = request.deadline;
    entry.recorded.account = std::move(request.account);
    entry.recorded.operation = std::string(request.operation);
    for (const Rule& rule : rules_) {
      if (rule.method == entry.recorded.method &&
          rule.path == entry.recorded.Path()) {
        responder = rule.responder;
        break;
      }
    }
    if (responder) {
      entry.recorded.state = State::kAnswered;
      copy = entry.recorded;
    } else {
      entry.done = std::move(done);
    }
    entries_.push_back(std::move(entry));
  }
  if (responder) std::move(done)(responder(copy));
  return id;
}

void FakeRestClient::Cancel(RequestId id) {
  Callback done;
  {
    absl::MutexLock lock(&mu_);
    cancels_.push_back(id);
    if (id == 0 || id > entries_.size()) return;
    done = Take(id - 1, State::kCancelled);
  }
  if (done) std::move(done)(absl::CancelledError("cancelled by the caller"));
}

void FakeRestClient::AutoAnswer(std::string method, std::string path,
                                Responder responder) {
  absl::MutexLock lock(&mu_);
  rules_.push_back(
      Rule{std::move(method), std::move(path), std::move(responder)});
}

void FakeRestClient::AutoAnswer(std::string method, std::string path,
                                Result answer) {
  AutoAnswer(std::move(method), std::move(path),
             [answer = std::move(answer)](const Recorded&) { return answer; });
}

bool FakeRestClient::Answer(size_t index, Result answer) {
  Callback done;
  {
    absl::MutexLock lock(&mu_);
    if (index >= entries_.size()) return false;
    done = Take(index, State::kAnswered);
  }
  if (!done) return false;
  std::move(done)(std::move(answer));
  return true;
}

bool FakeRestClient::AnswerFirst(const Predicate& matches, Result answer) {
  Callback done;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].recorded.state == State::kPending &&
          matches(entries_[i].recorded)) {
        done = Take(i, State::kAnswered);
        break;
      }
    }
  }
  if (!done) return false;
  std::move(done)(std::move(answer));
  return true;
}

size_t FakeRestClient::AnswerAll(const Result& answer) {
  size_t answered = 0;
  while (AnswerFirst([](const Recorded&) { return true; }, answer)) {
    ++answered;
  }
  return answered;
}

FakeRestClient::Callback FakeRestClient::Take(size_t index, State state) {
  Entry& entry = entries_[index];
  if (entry.recorded.state != State::kPending) return nullptr;
  entry.recorded.state = state;
  return std::move(entry.done);
}

size_t FakeRestClient::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

FakeRestClient::Recorded FakeRestClient::request(size_t index) const {
  absl::MutexLock lock(&mu_);
  if (index >= entries_.size()) {
    ADD_FAILURE() << "no request " << index << ": only " << entries_.size()
                  << " were sent";
    return Recorded();
  }
  return entries_[index].recorded;
}

std::vector<FakeRestClient::Recorded> FakeRestClient::requests() const {
  absl::MutexLock lock(&mu_);
  std::vector<Recorded> all;
  all.reserve(entries_.size());
  for (const Entry& entry : entries_) all.push_back(entry.recorded);
  return all;
}

size_t FakeRestClient::pending() const {
  absl::MutexLock lock(&mu_);
  size_t count = 0;
  for (const Entry& entry : entries_) {
    if (entry.recorded.state == State::kPending) ++count;
  }
  return count;
}

std::vector<gateway::RestClient::RequestId> FakeRestClient::cancels() const {
  absl::MutexLock lock(&mu_);
  return cancels_;
}

void PrintTo(FakeRestClient::State state, std::ostream* os) {
  switch (state) {
    case FakeRestClient::State::kPending:
      *os << "pending";
      return;
    case FakeRestClient::State::kAnswered:
      *os << "answered";
      return;
    case FakeRestClient::State::kCancelled:
      *os << "cancelled";
      return;
  }
  *os << "?";
}

}  // namespace testsupport
