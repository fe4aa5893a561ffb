#include "gateway/server/call_context.h"

#include <utility>

namespace gateway::server {
namespace {

google::protobuf::ArenaOptions FirstBlock(char* block, size_t size) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = size;
  return options;
}

google::protobuf::Message* NewOn(google::protobuf::Arena* arena,
                                 const google::protobuf::Descriptor* type) {
  return google::protobuf::MessageFactory::generated_factory()
      ->GetPrototype(type)
      ->New(arena);
}

}  // namespace

CallContext::CallContext(const translate::Route* route, absl::Time started,
                         absl::Time deadline, Origin origin)
    : route_(route),
      arena_(FirstBlock(first_block_, sizeof(first_block_))),
      request_(NewOn(&arena_, route->method->input_type())),
      response_(NewOn(&arena_, route->method->output_type())),
      started_(started),
      deadline_(deadline),
      origin_(std::move(origin)) {}

void CallContext::OpenWriteGate(absl::Status status) {
  absl::AnyInvocable<void(absl::Status) &&> waiter;
  {
    absl::MutexLock lock(&mu_);
    gate_ = status;
    waiter = std::move(gate_waiter_);
  }
  if (waiter) std::move(waiter)(std::move(status));
}

void CallContext::AwaitWriteGate(
    absl::AnyInvocable<void(absl::Status) &&> next) {
  absl::Status open;
  {
    absl::MutexLock lock(&mu_);
    if (!gate_.has_value()) {
      gate_waiter_ = std::move(next);
      return;
    }
    open = *gate_;
  }
  std::move(next)(std::move(open));
}

uint64_t CallContext::BeginStep() {
  absl::MutexLock lock(&mu_);
  cancel_step_ = nullptr;
  return ++step_;
}

void CallContext::TrackStep(uint64_t step, absl::AnyInvocable<void()> cancel) {
  {
    absl::MutexLock lock(&mu_);
    if (step != step_) return;
    if (!cancelled_) {
      cancel_step_ = std::move(cancel);
      return;
    }
  }
  cancel();
}

void CallContext::Cancel() {
  absl::AnyInvocable<void()> cancel;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    cancel = std::move(cancel_step_);
  }
  // Outside the lock: cancelling may finish the step inline, and the
  // pipeline then begins the next one.
  if (cancel) cancel();
}

bool CallContext::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

}  // namespace gateway::server
