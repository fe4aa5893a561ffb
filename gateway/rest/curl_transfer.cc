#include "gateway/rest/curl_transfer.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gateway/common/error_details.h"

namespace gateway::rest {
std::string Describe(const HttpRequest& request) {
  absl::string_view path = request.target;
  path = path.substr(0, path.find_first_of("?#"));
  return absl::StrCat(request.method, " ", path);
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string& body = transfer->response.body;
  if (static_cast<std::int64_t>(body.size() + size * count) >
      transfer->max_response_bytes) {
    transfer->response_too_large = true;
    return 0;  // not what curl offered: it fails with CURLE_WRITE_ERROR
  }
  body.append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  absl::string_view line(data, size * count);
  line = absl::StripTrailingAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    transfer->response.headers.clear();
  } else if (size_t colon = line.find(':'); colon != line.npos) {
    transfer->response.headers.emplace_back(
        absl::AsciiStrToLower(line.substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return size * count;
}

int OnPrerequest(void* user, char* /*remote_ip*/, char* /*local_ip*/,
                 int /*remote_port*/, int /*local_port*/) {
  auto* transfer = static_cast<Transfer*>(user);
  return ++transfer->send_attempts == 1 ? CURL_PREREQFUNC_OK
                                        : CURL_PREREQFUNC_ABORT;
}

absl::Status TransportError(CURLcode code, const Transfer& transfer) {
  const HttpRequest& request = transfer.request;
  std::string message = absl::StrCat("upstream ", Describe(request), ": ");
  bool sent = transfer.send_attempts > 0;
  if (code == CURLE_FILESIZE_EXCEEDED ||
      (code == CURLE_WRITE_ERROR && transfer.response_too_large)) {
    return ErrorWithInfo(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat(request.operation, ": ", message,
                     "the answer is larger than upstream.max_response_bytes (",
                     transfer.max_response_bytes, " bytes)"),
        "UPSTREAM_RESPONSE_TOO_LARGE",
        {{"operation", std::string(request.operation)},
         {"limit", absl::StrCat(transfer.max_response_bytes)}});
  }
  if (code == CURLE_ABORTED_BY_CALLBACK && transfer.send_attempts > 1) {
    return absl::UnavailableError(absl::StrCat(
        message,
        "the connection closed before an answer; the request may have reached "
        "the upstream and was not re-sent"));
  }
  absl::StrAppend(&message, curl_easy_strerror(code));
  if (code == CURLE_OPERATION_TIMEDOUT) {
    if (!sent && absl::Now() < request.deadline) {
      return MarkNotSent(absl::UnavailableError(absl::StrCat(
          message,
          " (no connection within the connect timeout; the request "
          "was not sent)")));
    }
    return absl::DeadlineExceededError(message);
  }
  if (!sent) {
    absl::StrAppend(&message, " (the request was not sent)");
    return MarkNotSent(absl::UnavailableError(message));
  }
  absl::StrAppend(&message, " (the request may have reached the upstream)");
  return absl::UnavailableError(message);
}

}  // namespace gateway::rest
