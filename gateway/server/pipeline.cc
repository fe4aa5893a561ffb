#include "gateway/server/pipeline.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/fieldmask/write_only_fields.h"
#include "gateway/translate/request_builder.h"
#include "google/protobuf/field_mask.pb.h"

namespace gateway::server {
namespace {

using google::protobuf::Message;
using translate::Route;

// WrittenId is the id of the resource a write's answer holds (`data.id`,
// lower-cased like translate::ResourceId); empty when it holds none.
std::string WrittenId(const Message& response) {
  const auto* data = response.GetDescriptor()->FindFieldByName("data");
  if (data == nullptr || data->message_type() == nullptr ||
      data->is_repeated()) {
    return "";
  }
  const Message& resource =
      response.GetReflection()->GetMessage(response, data);
  const auto* id = resource.GetDescriptor()->FindFieldByName("id");
  if (id == nullptr ||
      id->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
      id->is_repeated()) {
    return "";
  }
  return absl::AsciiStrToLower(
      resource.GetReflection()->GetString(resource, id));
}

}  // namespace

void Pipeline::Run(std::shared_ptr<CallContext> call, Done done) const {
  CallContext& admitting = *call;
  stages_.access->Admit(
      admitting, [this, call = std::move(call),
                  done = std::move(done)](absl::Status admitted) mutable {
        if (!admitted.ok()) {
          return Finish(call, std::move(admitted), std::move(done));
        }
        Admitted(std::move(call), std::move(done));
      });
}

void Pipeline::Admitted(std::shared_ptr<CallContext> call, Done done) const {
  if (absl::Status valid = Validate(*call); !valid.ok()) {
    return Finish(call, std::move(valid), std::move(done));
  }
  if (call->route().IsRead()) {
    if (absl::Status admitted = stages_.audit->AdmitRead(*call);
        !admitted.ok()) {
      return Finish(call, std::move(admitted), std::move(done));
    }
    std::shared_ptr<CallContext> reading = call;
    stages_.cache->Read(
        reading,
        [this](std::shared_ptr<CallContext> on, CacheStage::Answered answered) {
          Fetch(std::move(on), std::move(answered));
        },
        [this, call,
         done = std::move(done)](absl::StatusOr<ResponseBytes> bytes) mutable {
          if (!bytes.ok()) {
            return Finish(call, std::move(bytes).status(), std::move(done));
          }
          call->set_response_bytes(*std::move(bytes));
          Finish(call, absl::OkStatus(), std::move(done));
        });
    return;
  }
  stages_.audit->Intent(call, [call](absl::Status written) {
    call->OpenWriteGate(std::move(written));
  });
  if (stages_.audit->AdmitRead(*call).ok()) {
    return Write(std::move(call), std::move(done));
  }
  // Reads fail closed and the trail is failing: not even the reads this
  // write makes (a partial update's GET) go upstream before its intent is
  // recorded.
  call->AwaitWriteGate(
      [this, call, done = std::move(done)](absl::Status recorded) mutable {
        if (!recorded.ok())
          return Finish(call, std::move(recorded), std::move(done));
        Write(std::move(call), std::move(done));
      });
}

void Pipeline::Write(std::shared_ptr<CallContext> call, Done done) const {
  std::shared_ptr<CallContext> writing = call;
  Fetch(std::move(writing), [this, call, done = std::move(done)](
                                absl::StatusOr<ResponseBytes> bytes) mutable {
    absl::Status status = bytes.status();
    if (bytes.ok()) call->set_response_bytes(*std::move(bytes));
    AfterWrite(call, [this, call, status = std::move(status),
                      done = std::move(done)](absl::Status) mutable {
      // A value that cannot be remembered or forgotten is the store's to
      // report; the caller's answer is the write's.
      Finish(call, std::move(status), std::move(done));
    });
  });
}

absl::Status Pipeline::Validate(CallContext& call) const {
  const Route& route = call.route();
  const Message& request = call.request();
  if (route.update_mask == nullptr) {
    return stages_.translator->Validate(route, request);
  }
  const auto* r = request.GetReflection();
  const auto& mask = static_cast<const google::protobuf::FieldMask&>(
      r->GetMessage(request, route.update_mask->descriptor));
  absl::StatusOr<fieldmask::MaskPlan> plan = fieldmask::PlanMask(
      mask, r->GetMessage(request, route.resource->descriptor),
      stages_.translator->routes().schema());
  if (!plan.ok()) return plan.status();
  translate::ValidationOptions options;
  options.skip_required_in_body = true;  // checked on the merged document
  if (absl::Status valid =
          stages_.translator->Validate(route, request, options);
      !valid.ok()) {
    return valid;
  }
  call.set_mask_plan(*std::move(plan));
  return absl::OkStatus();
}

void Pipeline::Fetch(std::shared_ptr<CallContext> call,
                     CacheStage::Answered answered) const {
  const Exchange& exchange = call->route().update_mask != nullptr
                                 ? *stages_.read_merge_write
                                 : *stages_.pass_through;
  std::shared_ptr<CallContext> exchanging = call;
  exchange.Run(
      std::move(exchanging), [this, call, answered = std::move(answered)](
                                 absl::StatusOr<HttpResponse> answer) mutable {
        if (!answer.ok()) {
          std::move(answered)(std::move(answer).status());
          return;
        }
        const Route& route = call->route();
        if (absl::Status translated =
                stages_.translator->FromHttp(route, *answer, &call->response());
            !translated.ok()) {
          std::move(answered)(std::move(translated));
          return;
        }
        if (!route.IsRead()) {
          call->set_answer_body(std::move(answer->body));
        }
        std::move(answered)(std::make_shared<const std::string>(
            call->response().SerializeAsString()));
      });
}

void Pipeline::AfterWrite(const std::shared_ptr<CallContext>& call,
                          Done next) const {
  using WriteOutcome = CallContext::WriteOutcome;
  const WriteOutcome outcome = call->write_outcome();
  if (outcome == WriteOutcome::kNotSent || outcome == WriteOutcome::kRejected) {
    return std::move(next)(absl::OkStatus());  // upstream state is as it was
  }
  stages_.cache->Written(*call, [this, call, next = std::move(next)]() mutable {
    RememberWriteOnly(call, std::move(next));
  });
}

void Pipeline::RememberWriteOnly(const std::shared_ptr<CallContext>& call,
                                 Done next) const {
  using WriteOutcome = CallContext::WriteOutcome;
  const WriteOutcome outcome = call->write_outcome();
  const Route& route = call->route();
  // A create's path names the collection; its answer names the resource.
  std::string id = route.http_method == "POST"
                       ? WrittenId(call->response())
                       : translate::ResourceId(route, call->request());
  if (id.empty()) return std::move(next)(absl::OkStatus());
  if (route.http_method == "DELETE") {
    // Whether or not a delete of unknown outcome happened, what is held is
    // still right for the resource if it exists.
    if (outcome != WriteOutcome::kApplied)
      return std::move(next)(absl::OkStatus());
    return stages_.write_only->Forget(id, std::move(next));
  }
  if (route.resource == nullptr || !remember_write_only_) {
    return std::move(next)(absl::OkStatus());
  }
  const WireSchema& schema = stages_.translator->routes().schema();
  std::vector<fieldmask::FieldChain> chains = fieldmask::WriteOnlyChains(
      *schema.Message(route.resource->descriptor->message_type()), schema);
  if (chains.empty()) return std::move(next)(absl::OkStatus());
  if (outcome == WriteOutcome::kUnknown) {
    // The write may or may not have replaced the values: holding none makes
    // the next partial update ask for them instead of re-sending stale ones.
    return stages_.write_only->Forget(id, std::move(next));
  }
  HeldValues sent;
  if (call->sent_write_only().has_value()) {
    sent = *call->sent_write_only();
  } else {
    const Message& request = call->request();
    sent = fieldmask::SentValues(
        chains,
        stages_.translator->codec().ToJson(request.GetReflection()->GetMessage(
            request, route.resource->descriptor)));
  }
  stages_.write_only->Remember(id, std::move(sent), std::move(next));
}

void Pipeline::Finish(const std::shared_ptr<CallContext>& call,
                      absl::Status status, Done done) const {
  call->ReleaseHeld();
  stages_.audit->Finish(call, std::move(status), std::move(done));
}

}  // namespace gateway::server
