#include "gateway/server/call_audit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/audit/redaction.h"
#include "gateway/common/error_details.h"
#include "gateway/translate/request_builder.h"
#include "google/protobuf/field_mask.pb.h"

namespace gateway::server {
namespace {

using google::protobuf::Message;

// AuditUnavailable refuses a call the audit trail cannot record.
absl::Status AuditUnavailable(const CallContext& call,
                              const absl::Status& written,
                              absl::string_view consequence) {
  return ErrorWithInfo(absl::StatusCode::kUnavailable,
                       absl::StrCat(call.route().operation_id,
                                    ": the audit trail is unavailable (",
                                    written.message(), "); ", consequence),
                       "AUDIT_UNAVAILABLE",
                       {{"operation", call.route().operation_id}});
}

// Resource lists the ids the upstream path names, by request field.
Json Resource(const CallContext& call) {
  Json resource = Json::object();
  for (const translate::Route::PathSegment& segment : call.route().path) {
    if (segment.field == nullptr) continue;
    resource[segment.field->descriptor->name()] =
        translate::PathValue(*segment.field, call.request());
  }
  return resource;
}

// Record holds what every record of `call` says.
Json Record(const CallContext& call, const char* event) {
  Json record = Json::object();
  record["event"] = event;
  record["request_id"] = call.origin().request_id;
  record["principal"] = call.principal();
  record["peer"] = call.origin().peer;
  record["method"] = call.route().full_method;
  record["resource"] = Resource(call);
  record["account"] = call.account();
  const translate::Route& route = call.route();
  if (route.update_mask != nullptr) {
    const Message& request = call.request();
    const auto& mask = static_cast<const google::protobuf::FieldMask&>(
        request.GetReflection()->GetMessage(request,
                                            route.update_mask->descriptor));
    Json paths = Json::array();
    for (const std::string& path : mask.paths()) paths.push_back(path);
    record["update_mask"] = std::move(paths);
  }
  return record;
}

// Outcome is the record of how `call` ended.
Json Outcome(const CallContext& call, const absl::Status& status,
             absl::Duration latency) {
  Json record = Record(call, "call");
  record["code"] = absl::StatusCodeToString(status.code());
  if (!status.ok()) record["message"] = std::string(status.message());
  int upstream_status = call.upstream_status();
  record["upstream_status"] =
      upstream_status == 0 ? Json(nullptr) : Json(upstream_status);
  record["latency_us"] = absl::ToInt64Microseconds(latency);
  record["cache"] = "miss";
  if (!call.route().IsRead()) {
    record["changes"] = audit::Redact(call.changes());
  }
  return record;
}

}  // namespace

void CallAudit::BeforeUpstream(const std::shared_ptr<CallContext>& call,
                               Done next) const {
  if (call->route().IsRead()) {
    if (reads_fail_closed_.load() && !log_->healthy()) {
      std::move(next)(AuditUnavailable(
          *call, absl::UnavailableError("its last write failed"),
          "reads fail closed"));
      return;
    }
    std::move(next)(absl::OkStatus());
    return;
  }
  log_->Append(Record(*call, "intent"), /*durable=*/true,
               [call, next = std::move(next)](absl::Status written) mutable {
                 if (!written.ok()) {
                   std::move(next)(AuditUnavailable(
                       *call, written, "nothing was sent upstream"));
                   return;
                 }
                 std::move(next)(absl::OkStatus());
               });
}

void CallAudit::Finish(const std::shared_ptr<CallContext>& call,
                       absl::Status status, Done done) const {
  // The writer thread builds the record, off the answer's path.
  audit::AuditLog::RecordMaker outcome =
      [call, status, latency = clock_->Now() - call->started()] {
        return Outcome(*call, status, latency);
      };
  if (call->route().IsRead() && !reads_fail_closed_.load()) {
    // A read that fails open need not wait for its record: answering does
    // not depend on it, and waiting would cost a thread hand-off.
    log_->AppendMade(std::move(outcome), /*durable=*/false, nullptr);
    std::move(done)(std::move(status));
    return;
  }
  bool fail_closed = call->route().IsRead();
  log_->AppendMade(std::move(outcome), /*durable=*/false,
                   [call, fail_closed, status = std::move(status),
                    done = std::move(done)](absl::Status written) mutable {
                     if (!written.ok() && fail_closed) {
                       std::move(done)(AuditUnavailable(*call, written,
                                                        "reads fail closed"));
                       return;
                     }
                     std::move(done)(std::move(status));
                   });
}

}  // namespace gateway::server
