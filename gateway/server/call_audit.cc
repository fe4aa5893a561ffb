#include "gateway/server/call_audit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/audit/changed_fields.h"
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
  if (route.idempotency_key != nullptr) {
    const Message& request = call.request();
    const auto* r = request.GetReflection();
    record["idempotency_key"] =
        r->HasField(request, route.idempotency_key->descriptor)
            ? r->GetString(request, route.idempotency_key->descriptor)
            : call.idempotency_key();
  }
  return record;
}

// Data is the `data` member of an upstream answer's body; null if none.
Json Data(const std::string& body) {
  if (body.empty()) return nullptr;
  Json answer = Json::parse(body, nullptr, false);
  if (!answer.is_object()) return nullptr;
  auto data = answer.find("data");
  return data != answer.end() ? std::move(*data) : Json(nullptr);
}

// Changes is what a mutation changed: {"before": ..., "after": ...}, the
// members that differ when the document before is known (a read-merge-
// write), else the whole resource the answer holds.
Json Changes(const CallContext& call) {
  Json after = Data(call.answer_body());
  if (call.before_body().empty()) {
    Json changes = Json::object();
    changes["before"] = nullptr;
    changes["after"] = std::move(after);
    return changes;
  }
  return audit::ChangedFields(Data(call.before_body()), after);
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
  record["cache"] = std::string(call.cache_status());
  if (!call.route().IsRead()) record["changes"] = audit::Redact(Changes(call));
  return record;
}

}  // namespace

absl::Status CallAudit::AdmitRead(const CallContext& call) const {
  if (reads_fail_closed_.load() && !log_->healthy()) {
    return AuditUnavailable(call,
                            absl::UnavailableError("its last write failed"),
                            "reads fail closed");
  }
  return absl::OkStatus();
}

void CallAudit::Intent(const std::shared_ptr<CallContext>& call,
                       Done written) const {
  log_->Append(Record(*call, "intent"), /*durable=*/true,
               [call, written = std::move(written)](absl::Status s) mutable {
                 if (!s.ok()) {
                   std::move(written)(AuditUnavailable(
                       *call, s, "nothing was written upstream"));
                   return;
                 }
                 std::move(written)(absl::OkStatus());
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
