// fake_rest_client.h: a RestClient for unit tests that records every request
// and answers only when the test says so.
//
//   using testsupport::FakeRestClient;
//   FakeRestClient upstream;
//   ...the code under test calls upstream.Send(...)...
//   ASSERT_EQ(upstream.size(), 1u);
//   EXPECT_EQ(upstream.request(0).target, "/api/bulk/syncs/5d7c...");
//   upstream.Answer(0, FakeRestClient::Reply(200, R"({"data":{}})"));
//   upstream.AnswerFirst(
//       [](const FakeRestClient::Recorded& r) { return r.method == "PUT"; },
//       absl::UnavailableError("connection reset"));
//   upstream.AutoAnswer("GET", "/api/syncs",
//                       FakeRestClient::Reply(200, R"({"data":[]})"));
//
// Nothing is answered by itself: a request stays pending until the test
// answers it (by index or by predicate), the code under test cancels it, or
// an auto-answer rule set before it was sent matches it. So a test drives
// the code under test one step at a time, on its own thread, and every
// interleaving it checks is one it chose.
#ifndef TESTS_SUPPORT_FAKE_REST_CLIENT_H_
#define TESTS_SUPPORT_FAKE_REST_CLIENT_H_

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/rest_client.h"

namespace testsupport {

// FakeRestClient records requests in the order they were sent.
//
// Thread safety: every method may be called from any thread, including from
// inside a callback. Callbacks never run under the fake's lock: they run
// inline in Answer/AnswerFirst/AnswerAll, inline in Cancel (with CANCELLED),
// or inline in Send when an auto-answer rule matches; i.e. always on the
// thread that made the fake call, never on a thread of its own.
class FakeRestClient final : public gateway::RestClient {
 public:
  // State is where a recorded request stands.
  enum class State { kPending, kAnswered, kCancelled };

  // Recorded is one request as it was sent, and where it stands.
  struct Recorded {
    RequestId id = 0;
    std::string method;
    std::string target;
    gateway::HttpHeaders headers;
    std::string body;
    absl::Time deadline;
    std::string account;
    std::string operation;  // a copy: the request's view may dangle later
    State state = State::kPending;

    // Header returns the first value of the header named `name` (compared
    // case-insensitively), or an empty view.
    absl::string_view Header(absl::string_view name) const;
    // HeaderCount is how many headers named `name` the request carries.
    size_t HeaderCount(absl::string_view name) const;
    // Path is the target without its query string.
    absl::string_view Path() const;
  };

  using Result = absl::StatusOr<gateway::HttpResponse>;
  using Predicate = std::function<bool(const Recorded&)>;
  using Responder = std::function<Result(const Recorded&)>;

  FakeRestClient() = default;
  FakeRestClient(const FakeRestClient&) = delete;
  FakeRestClient& operator=(const FakeRestClient&) = delete;
  // Pending callbacks are dropped unanswered (tests that care answer them).
  ~FakeRestClient() override = default;

  // Reply is an answer with `status` and `body`; header names must be lower
  // case, as a transport delivers them.
  static gateway::HttpResponse Reply(int status, std::string body,
                                     gateway::HttpHeaders headers = {});

  // RestClient. Ids start at 1 and are never reused.
  RequestId Send(gateway::HttpRequest request, Callback done) override;
  // Cancel records the call; a pending request is answered with CANCELLED
  // inline, before Cancel returns. Other ids are ignored.
  void Cancel(RequestId id) override;

  // AutoAnswer answers every request sent from now on whose method and path
  // (the target without its query) are equal to these, inline in Send, with
  // what `responder` returns. Rules are tried in the order they were added.
  void AutoAnswer(std::string method, std::string path, Responder responder);
  void AutoAnswer(std::string method, std::string path, Result answer);

  // Answer answers the index-th request sent (0-based); false, and nothing
  // runs, when there is no such request or it is no longer pending.
  bool Answer(size_t index, Result answer);
  // AnswerFirst answers the first pending request `matches` accepts; false
  // if there is none.
  bool AnswerFirst(const Predicate& matches, Result answer);
  // AnswerAll answers every pending request with `answer`, oldest first,
  // including those sent while answering, and returns how many it answered.
  size_t AnswerAll(const Result& answer);

  // size is how many requests were sent; request(i) is a copy of the i-th
  // (an empty Recorded, with a test failure, when out of range).
  size_t size() const;
  Recorded request(size_t index) const;
  std::vector<Recorded> requests() const;
  // pending is how many requests await an answer.
  size_t pending() const;
  // cancels lists the ids Cancel was called with, in order, known or not.
  std::vector<RequestId> cancels() const;

 private:
  struct Rule {
    std::string method;
    std::string path;
    Responder responder;
  };
  struct Entry {
    Recorded recorded;
    Callback done;  // empty once answered
  };
  // Take moves the callback of the pending entry `index` out and marks it
  // `state`; an empty callback when it is not pending.
  Callback Take(size_t index, State state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<Rule> rules_ ABSL_GUARDED_BY(mu_);
  std::vector<RequestId> cancels_ ABSL_GUARDED_BY(mu_);
};

// PrintTo shows a state in assertion messages.
void PrintTo(FakeRestClient::State state, std::ostream* os);

}  // namespace testsupport

#endif  // TESTS_SUPPORT_FAKE_REST_CLIENT_H_
