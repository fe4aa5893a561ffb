#include "client/bench/grpc_burst.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "client/bench/grpc_load.h"
#include "client/ctl/printer.h"
#include "client/ctl/unary_call.h"

namespace client::bench {

// Call is one call's state; owned by calls_, written by its callback only
// until it counts itself answered.
struct GrpcBurst::Call {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  grpc::Status status;
  int64_t sent_nanos = 0;
  int64_t answered_nanos = 0;
};

void TallyBurst(const std::vector<BurstAnswer>& answers,
                const std::string& metadata_key, LatencyHistogram* latency,
                Report* report) {
  report->mode = "burst";
  report->concurrency = static_cast<int>(answers.size());
  report->calls = static_cast<int64_t>(answers.size());
  report->ok_calls = 0;
  report->errors.clear();
  report->warmup_calls = 0;
  report->warmup_errors.clear();
  report->metadata_key = metadata_key;
  report->metadata_counts.clear();
  int64_t first_sent = std::numeric_limits<int64_t>::max();
  int64_t last_sent = std::numeric_limits<int64_t>::min();
  int64_t first_answered = std::numeric_limits<int64_t>::max();
  int64_t last_answered = std::numeric_limits<int64_t>::min();
  absl::flat_hash_set<absl::string_view> distinct;
  for (const BurstAnswer& answer : answers) {
    latency->Record(
        absl::Nanoseconds(answer.answered_nanos - answer.sent_nanos));
    first_sent = std::min(first_sent, answer.sent_nanos);
    last_sent = std::max(last_sent, answer.sent_nanos);
    first_answered = std::min(first_answered, answer.answered_nanos);
    last_answered = std::max(last_answered, answer.answered_nanos);
    if (!metadata_key.empty()) ++report->metadata_counts[answer.metadata_value];
    if (answer.code == grpc::StatusCode::OK) {
      ++report->ok_calls;
      distinct.insert(answer.response);
    } else {
      ++report->errors[ctl::StatusCodeName(answer.code)];
    }
  }
  BurstFigures figures;
  if (!answers.empty()) {
    figures.span = absl::Nanoseconds(last_answered - first_sent);
    figures.send_span = absl::Nanoseconds(last_sent - first_sent);
    figures.first_answer = absl::Nanoseconds(first_answered - first_sent);
  }
  figures.distinct_responses = static_cast<int64_t>(distinct.size());
  report->burst = figures;
  report->window = figures.span;
  report->latency = latency;
}

GrpcBurst::GrpcBurst(GrpcBurstOptions options) : options_(std::move(options)) {}

GrpcBurst::~GrpcBurst() = default;

void GrpcBurst::OnDone(Call* call, const grpc::Status& status) {
  call->answered_nanos = MonotonicNanos();
  call->status = status;
  if (unanswered_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    absl::MutexLock lock(&done_mu_);
    done_.SignalAll();
  }
}

absl::Status GrpcBurst::Run(WindowObserver* observer, Report* report) {
  if (options_.channels < 1 || options_.calls < 1) {
    return absl::InvalidArgumentError("channels and calls must be at least 1");
  }
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> channels =
      ConnectChannels(options_.target, options_.channels,
                      options_.connect_timeout);
  if (!channels.ok()) return channels.status();
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (const auto& channel : *channels) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  // Everything a send needs is ready before the first one, so the sends
  // follow each other as closely as the library allows.
  const grpc::ByteBuffer request = ctl::ToByteBuffer(options_.request);
  for (int i = 0; i < options_.calls; ++i) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(
        absl::ToChronoTime(absl::Now() + options_.call_timeout));
    for (const auto& [key, value] : options_.metadata) {
      call->context.AddMetadata(key, value);
    }
    call->request = request;  // Shares the slices.
    calls_.push_back(std::move(call));
  }
  unanswered_.store(options_.calls, std::memory_order_relaxed);

  if (observer != nullptr) observer->OnLoadStart();
  if (observer != nullptr) observer->OnWindowStart();
  for (int i = 0; i < options_.calls; ++i) {
    Call* call = calls_[i].get();
    call->sent_nanos = MonotonicNanos();
    stubs[i % stubs.size()]->UnaryCall(
        &call->context, options_.method_path, grpc::StubOptions(),
        &call->request, &call->response,
        [this, call](grpc::Status status) { OnDone(call, status); });
  }
  {
    absl::MutexLock lock(&done_mu_);
    while (unanswered_.load(std::memory_order_acquire) != 0) {
      done_.Wait(&done_mu_);
    }
  }
  if (observer != nullptr) observer->OnWindowEnd();

  std::vector<BurstAnswer> answers(calls_.size());
  for (size_t i = 0; i < calls_.size(); ++i) {
    const Call& call = *calls_[i];
    BurstAnswer& answer = answers[i];
    answer.code = call.status.error_code();
    if (!options_.count_metadata.empty()) {
      answer.metadata_value =
          MetadataValue(call.context, options_.count_metadata);
    }
    if (call.status.ok()) answer.response = ctl::FromByteBuffer(call.response);
    answer.sent_nanos = call.sent_nanos;
    answer.answered_nanos = call.answered_nanos;
  }
  for (const BurstAnswer& answer : answers) {
    if (answer.code == grpc::StatusCode::OK) {
      first_response_ = answer.response;
      break;
    }
  }
  TallyBurst(answers, options_.count_metadata, &latency_, report);
  report->target = options_.target;
  report->connections = options_.channels;
  return absl::OkStatus();
}

}  // namespace client::bench
