#include "gateway/server/read_merge_write_exchange.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"
#include "gateway/common/json_cursor.h"
#include "gateway/common/status_macros.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/write_only_fields.h"
#include "gateway/translate/error_mapping.h"
#include "gateway/translate/request_builder.h"

namespace gateway::server {
namespace {

using google::protobuf::Message;
using translate::Route;

// EtagMismatch refuses an update whose etag is stale.
absl::Status EtagMismatch(const Route& route) {
  return ErrorWithInfo(
      absl::StatusCode::kAborted,
      absl::StrCat(route.operation_id, ": ", route.resource->descriptor->name(),
                   " changed since it was read (its etag no longer "
                   "matches); nothing was written: read it again and retry"),
      "ETAG_MISMATCH", {{"operation", route.operation_id}});
}

// MissingRequired refuses a merge that leaves required fields unset.
absl::Status MissingRequired(const Route& route,
                             const std::vector<std::string>& paths) {
  std::vector<google::rpc::BadRequest::FieldViolation> violations;
  for (const std::string& path : paths) {
    auto& violation = violations.emplace_back();
    violation.set_field(
        absl::StrCat(route.resource->descriptor->name(), ".", path));
    violation.set_description("is required; this update would leave it unset");
  }
  return InvalidRequest(violations);
}

}  // namespace

// Update is one partial update from its lock to its PUT's answer.
struct ReadMergeWriteExchange::Update {
  std::shared_ptr<CallContext> call;
  Done done;
  const Message* resource = nullptr;  // the request's resource
  const MessageInfo* info = nullptr;  // its type
  std::vector<fieldmask::FieldChain> write_only;
  std::string path;  // the resource's upstream path: GET and PUT
  UpdateLocks::Lease* lease = nullptr;  // held by the call
};

void ReadMergeWriteExchange::Run(std::shared_ptr<CallContext> call,
                                 Done done) const {
  const Route& route = call->route();
  const Message& request = call->request();
  const WireSchema& schema = translator_->routes().schema();
  auto update = std::make_shared<Update>();
  update->resource =
      &request.GetReflection()->GetMessage(request, route.resource->descriptor);
  update->info = schema.Message(update->resource->GetDescriptor());
  update->write_only = fieldmask::WriteOnlyChains(*update->info, schema);
  update->path = translate::PathFor(route, request);
  update->done = std::move(done);
  update->call = std::move(call);
  CallContext& c = *update->call;
  uint64_t step = c.BeginStep();
  UpdateLocks::WaitId wait = locks_->Acquire(
      translate::ResourceKey(c.route(), c.request()),
      [this, update](
          absl::StatusOr<std::unique_ptr<UpdateLocks::Lease>> lease) mutable {
        if (!lease.ok()) {
          std::move(update->done)(translator_->FromTransportError(
              update->call->route(), lease.status()));
          return;
        }
        update->lease = lease->get();
        update->call->Hold(*std::move(lease));
        Read(std::move(update));
      });
  c.TrackStep(step, [locks = locks_, wait] { locks->Abandon(wait); });
}

void ReadMergeWriteExchange::Read(std::shared_ptr<Update> update) const {
  HttpRequest get;
  get.method = "GET";
  get.target = update->path;
  const Route& read = *update->call->route().read;
  upstream_->Send(update->call, read, std::move(get),
                  [this, update](absl::StatusOr<HttpResponse> got) mutable {
                    if (!got.ok()) {
                      std::move(update->done)(got.status());
                      return;
                    }
                    Recall(std::move(update), *std::move(got));
                  });
}

void ReadMergeWriteExchange::Recall(std::shared_ptr<Update> update,
                                    HttpResponse got) const {
  if (update->write_only.empty() || !resend_held_) {
    Write(std::move(update), std::move(got), HeldValues());
    return;
  }
  write_only_->Recall(
      translate::ResourceId(update->call->route(), update->call->request()),
      [this, update,
       got = std::move(got)](absl::StatusOr<HeldValues> held) mutable {
        if (!held.ok()) {
          std::move(update->done)(translator_->FromTransportError(
              update->call->route(), held.status()));
          return;
        }
        Write(std::move(update), std::move(got), *held);
      });
}

void ReadMergeWriteExchange::Write(std::shared_ptr<Update> update,
                                   HttpResponse got,
                                   const HeldValues& held) const {
  CallContext& call = *update->call;
  const Route& route = call.route();
  const Route& read = *route.read;
  const WireSchema& schema = translator_->routes().schema();
  auto fail = [&update](absl::Status status) {
    std::move(update->done)(std::move(status));
  };
  absl::StatusOr<Json> body = translator_->ParseBody(read, got);
  if (!body.ok()) return fail(body.status());
  auto data = body->find("data");
  if (data == body->end() || !data->is_object()) {
    return fail(translate::BadUpstreamBody(read, got.status,
                                           "it has no \"data\" object"));
  }
  Json doc = std::move(*data);
  if (const FieldInfo* etag = update->info->etag()) {
    const auto* r = update->resource->GetReflection();
    if (r->HasField(*update->resource, etag->descriptor)) {
      // The etag reads return is the hash of the document's own bytes.
      absl::StatusOr<absl::string_view> raw =
          JsonCursor::FindMember(got.body, "data");
      if (!raw.ok() || r->GetString(*update->resource, etag->descriptor) !=
                           JsonCodec::Etag(*raw)) {
        return fail(EtagMismatch(route));
      }
    }
  }
  const fieldmask::MaskPlan& plan = *call.mask_plan();
  fieldmask::DropOutputOnly(doc, *update->info, schema);
  fieldmask::ApplyPlan(plan, *update->resource, translator_->codec(), doc);
  if (absl::Status restored =
          fieldmask::RestoreUnnamed(held, update->write_only, plan,
                                    route.resource->descriptor->name(), doc);
      !restored.ok()) {
    return fail(std::move(restored));
  }
  if (std::vector<std::string> missing =
          fieldmask::MissingRequired(doc, *update->info, schema);
      !missing.empty()) {
    return fail(MissingRequired(route, missing));
  }
  if (!update->write_only.empty()) {
    call.set_sent_write_only(fieldmask::SentValues(update->write_only, doc));
  }
  absl::StatusOr<HttpRequest> put = translator_->ToHttpWith(
      route, call.request(), call.idempotency_key(), std::move(doc));
  if (!put.ok()) return fail(put.status());
  call.set_before_body(std::move(got.body));
  // The lock is confirmed (still ours, its lease extended) just before the
  // PUT: an update whose lease passed to another holder writes nothing.
  update->lease->Confirm(
      [this, update, put = *std::move(put)](absl::Status held) mutable {
        if (!held.ok()) {
          std::move(update->done)(
              translator_->FromTransportError(update->call->route(), held));
          return;
        }
        upstream_->Send(update->call, update->call->route(), std::move(put),
                        std::move(update->done));
      });
}

}  // namespace gateway::server
