#include "gateway/server/call_audit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/audit/changed_fields.h"
#include "gateway/audit/record_writer.h"
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

// Record writes what every record of `call` says.
void Record(const CallContext& call, const char* event,
            audit::RecordWriter& record) {
  const translate::Route& route = call.route();
  record.String("event", event)
      .String("request_id", call.origin().request_id)
      .String("trace_id", call.origin().trace.trace_id())
      .String("principal", call.principal())
      .String("peer", call.origin().peer)
      .String("method", route.full_method);
  // The ids the upstream path names, by request field.
  std::vector<std::pair<std::string, std::string>> resource;
  for (const translate::Route::PathSegment& segment : route.path) {
    if (segment.field == nullptr) continue;
    resource.emplace_back(segment.field->descriptor->name(),
                          translate::PathValue(*segment.field, call.request()));
  }
  record.Object("resource", resource).String("account", call.account());
  const Message& request = call.request();
  const auto* r = request.GetReflection();
  if (route.update_mask != nullptr) {
    const auto& mask = static_cast<const google::protobuf::FieldMask&>(
        r->GetMessage(request, route.update_mask->descriptor));
    record.Strings("update_mask", {mask.paths().begin(), mask.paths().end()});
  }
  if (route.idempotency_key != nullptr) {
    record.String("idempotency_key",
                  r->HasField(request, route.idempotency_key->descriptor)
                      ? r->GetString(request, route.idempotency_key->descriptor)
                      : call.idempotency_key());
  }
}

// IntentRecord is the record of a mutation about to write upstream.
std::string IntentRecord(const CallContext& call) {
  audit::RecordWriter record;
  Record(call, "intent", record);
  return std::move(record).Take();
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

// OutcomeRecord is the record of how `call` ended.
std::string OutcomeRecord(const CallContext& call, const absl::Status& status,
                          absl::Duration latency) {
  audit::RecordWriter record;
  Record(call, "call", record);
  record.String("code", absl::StatusCodeToString(status.code()));
  if (!status.ok()) record.String("message", status.message());
  if (int upstream_status = call.upstream_status(); upstream_status != 0) {
    record.Int("upstream_status", upstream_status);
  } else {
    record.Null("upstream_status");
  }
  record.Int("latency_us", absl::ToInt64Microseconds(latency))
      .String("cache", call.cache_status());
  if (!call.route().IsRead()) {
    record.Document("changes", audit::Redact(Changes(call)));
  }
  return std::move(record).Take();
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
  log_->AppendMade(
      [call] { return IntentRecord(*call); }, /*durable=*/true,
      [call, written = std::move(written)](absl::Status s) mutable {
        if (!s.ok()) {
          std::move(written)(
              AuditUnavailable(*call, s, "nothing was written upstream"));
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
        return OutcomeRecord(*call, status, latency);
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
