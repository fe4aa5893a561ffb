#include "gateway/server/update_flow.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/audit/changed_fields.h"
#include "gateway/common/error_details.h"
#include "gateway/common/status_macros.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/translate/error_mapping.h"
#include "gateway/translate/request_builder.h"
#include "google/protobuf/field_mask.pb.h"

namespace gateway::server {

using google::protobuf::Message;
using translate::Route;

struct UpdateFlow::Turn {
  std::shared_ptr<CallContext> call;
  const Message* resource = nullptr;  // the request's resource
  const MessageInfo* info = nullptr;  // its type
  fieldmask::MaskPlan plan;
  std::vector<fieldmask::FieldChain> write_only;
  std::string path;  // upstream path of the resource (the serializer key)
  std::string resource_key;  // write-only store key
  KeyedSerializer::Release release;
  Done done;

  // Finish gives the resource's turn to the next update, then answers.
  void Finish(absl::Status status) {
    std::move(release)();
    std::move(done)(std::move(status));
  }
};

void UpdateFlow::Run(std::shared_ptr<CallContext> call, Done done) {
  const Route& route = call->route();
  const Message& request = call->request();
  const auto* r = request.GetReflection();
  const WireSchema& schema = translator_->routes().schema();
  auto turn = std::make_shared<Turn>();
  turn->resource = &r->GetMessage(request, route.resource->descriptor);
  turn->info = schema.Message(turn->resource->GetDescriptor());
  const auto& mask = static_cast<const google::protobuf::FieldMask&>(
      r->GetMessage(request, route.update_mask->descriptor));
  absl::StatusOr<fieldmask::MaskPlan> plan =
      fieldmask::PlanMask(mask, *turn->resource, schema);
  if (!plan.ok()) {
    std::move(done)(plan.status());
    return;
  }
  translate::ValidationOptions options;
  options.skip_required_in_body = true;  // checked on the merged document
  if (absl::Status valid = translator_->Validate(route, request, options);
      !valid.ok()) {
    std::move(done)(std::move(valid));
    return;
  }
  turn->plan = *std::move(plan);
  turn->write_only = fieldmask::WriteOnlyChains(*turn->info, schema);
  turn->path = translate::PathFor(route, request);
  turn->done = std::move(done);
  turn->call = std::move(call);
  std::shared_ptr<CallContext> audited = turn->call;
  audit_->BeforeUpstream(audited, [this, turn](absl::Status cleared) mutable {
    if (!cleared.ok()) {
      std::move(turn->done)(std::move(cleared));
      return;
    }
    std::string key = turn->path;
    serializer_.Run(key,
                    [this, turn](KeyedSerializer::Release release) mutable {
                      turn->release = std::move(release);
                      Read(std::move(turn));
                    });
  });
}

void UpdateFlow::Read(std::shared_ptr<Turn> turn) const {
  HttpRequest get;
  get.method = "GET";
  get.target = turn->path;
  if (absl::Status prepared = upstream_->Prepare(*turn->call, get);
      !prepared.ok()) {
    turn->Finish(std::move(prepared));
    return;
  }
  upstream_->Send(
      turn->call, std::move(get),
      [this, turn](absl::StatusOr<HttpResponse> answer) mutable {
        const Route& read = *turn->call->route().read;
        if (!answer.ok()) {
          turn->Finish(translator_->FromTransportError(read, answer.status()));
          return;
        }
        absl::StatusOr<Json> body =
            translator_->ParseBody(read, *answer, clock_->Now());
        if (!body.ok()) {
          turn->Finish(body.status());
          return;
        }
        auto data = body->find("data");
        if (data == body->end() || !data->is_object()) {
          turn->Finish(translate::BadUpstreamBody(read, answer->status,
                                                  "it has no \"data\" object"));
          return;
        }
        Write(std::move(turn), std::move(*data));
      });
}

absl::Status UpdateFlow::Merge(Turn& turn, Json& doc) const {
  const Route& route = turn.call->route();
  const WireSchema& schema = translator_->routes().schema();
  auto id = doc.find("id");
  turn.resource_key = fieldmask::ResourceKey(
      *turn.info,
      id != doc.end() && id->is_string() ? id->get<std::string>() : turn.path);
  if (const FieldInfo* etag = turn.info->etag()) {
    const auto* r = turn.resource->GetReflection();
    if (r->HasField(*turn.resource, etag->descriptor) &&
        r->GetString(*turn.resource, etag->descriptor) !=
            JsonCodec::Etag(doc)) {
      return ErrorWithInfo(
          absl::StatusCode::kAborted,
          absl::StrCat(
              route.operation_id, ": ", route.resource->descriptor->name(),
              " changed since it was read (its etag no longer "
              "matches); nothing was written: read it again and retry"),
          "ETAG_MISMATCH", {{"operation", route.operation_id}});
    }
  }
  fieldmask::DropOutputOnly(doc, *turn.info, schema);
  fieldmask::ApplyPlan(turn.plan, *turn.resource, translator_->codec(), doc);
  RETURN_IF_ERROR(fieldmask::RestoreUnnamed(
      policy_, *store_, turn.resource_key, turn.write_only, turn.plan,
      route.resource->descriptor->name(), doc));
  std::vector<google::rpc::BadRequest::FieldViolation> violations;
  for (const std::string& path :
       fieldmask::MissingRequired(doc, *turn.info, schema)) {
    auto& violation = violations.emplace_back();
    violation.set_field(
        absl::StrCat(route.resource->descriptor->name(), ".", path));
    violation.set_description("is required; this update would leave it unset");
  }
  if (!violations.empty()) return InvalidRequest(violations);
  return absl::OkStatus();
}

void UpdateFlow::Write(std::shared_ptr<Turn> turn, Json doc) const {
  Json before = doc;  // for the audit record's changed fields
  if (absl::Status merged = Merge(*turn, doc); !merged.ok()) {
    turn->Finish(std::move(merged));
    return;
  }
  const Route& route = turn->call->route();
  absl::StatusOr<HttpRequest> put =
      translator_->ToHttp(route, turn->call->request());
  if (!put.ok()) {
    turn->Finish(put.status());
    return;
  }
  if (route.body == Route::Body::kField) {
    put->body = Dump(doc);
  } else {
    // A "*" body wraps the resource (e.g. {"schedule": {...}}); other body
    // members the caller sent stay as built.
    Json body = Json::parse(put->body, nullptr, false);
    if (!body.is_object()) body = Json::object();
    body[route.resource->wire_name] = doc;
    put->body = Dump(body);
  }
  if (absl::Status prepared = upstream_->Prepare(*turn->call, *put);
      !prepared.ok()) {
    turn->Finish(std::move(prepared));
    return;
  }
  upstream_->Send(
      turn->call, *std::move(put),
      [this, turn, before = std::move(before),
       sent = std::move(doc)](absl::StatusOr<HttpResponse> answer) mutable {
        const Route& route = turn->call->route();
        if (!answer.ok()) {
          turn->Finish(translator_->FromTransportError(route, answer.status()));
          return;
        }
        absl::StatusOr<Json> body = translator_->FromHttp(
            route, *answer, &turn->call->response(), clock_->Now());
        if (!body.ok()) {
          turn->Finish(body.status());
          return;
        }
        fieldmask::RememberSent(policy_, *store_, turn->resource_key,
                                turn->write_only, sent);
        auto after = body->find("data");
        turn->call->set_changes(audit::ChangedFields(
            before, after != body->end() ? *after : Json(nullptr)));
        turn->Finish(absl::OkStatus());
      });
}

void UpdateFlow::RememberWrite(const Route& route, const Json& sent,
                               const std::string& id) const {
  if (route.resource == nullptr || id.empty()) return;
  const WireSchema& schema = translator_->routes().schema();
  const MessageInfo* info =
      schema.Message(route.resource->descriptor->message_type());
  std::vector<fieldmask::FieldChain> chains =
      fieldmask::WriteOnlyChains(*info, schema);
  if (chains.empty()) return;
  fieldmask::RememberSent(policy_, *store_, fieldmask::ResourceKey(*info, id),
                          chains, sent);
}

}  // namespace gateway::server
