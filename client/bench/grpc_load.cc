#include "client/bench/grpc_load.h"

#include <time.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "client/ctl/printer.h"
#include "client/ctl/unary_call.h"

namespace client::bench {

int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> ConnectChannels(
    const std::string& target, int count, absl::Duration timeout) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Channels with equal arguments share one subchannel, i.e. one TCP
    // connection; a distinct argument and a local subchannel pool keep
    // every channel on its own connection.
    args.SetInt("polytomic.bench.channel_index", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + timeout))) {
      return absl::UnavailableError(
          absl::StrCat("channel ", i, " could not connect to ", target,
                       " within ", absl::FormatDuration(timeout)));
    }
    channels.push_back(std::move(channel));
  }
  return channels;
}

std::string MetadataValue(const grpc::ClientContext& context,
                          const std::string& key) {
  for (const auto* metadata : {&context.GetServerInitialMetadata(),
                               &context.GetServerTrailingMetadata()}) {
    auto it = metadata->find(key);
    if (it != metadata->end()) {
      return std::string(it->second.data(), it->second.size());
    }
  }
  return kNoMetadataValue;
}

void SleepUntilNanos(int64_t deadline) {
  timespec ts;
  ts.tv_sec = deadline / 1000000000;
  ts.tv_nsec = deadline % 1000000000;
  // Absolute sleeps do not drift, and EINTR just sleeps again.
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

// Call is one call's state, from StartCall to OnDone.
struct GrpcLoadGenerator::Call {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  int64_t intended_nanos = 0;
  int channel = 0;
};

GrpcLoadGenerator::GrpcLoadGenerator(GrpcLoadOptions options)
    : options_(std::move(options)),
      closed_loop_(options_.rate <= 0),
      request_(ctl::ToByteBuffer(options_.request)) {}

void GrpcLoadGenerator::StartCall(int channel, int64_t intended_nanos) {
  auto* call = new Call;
  call->intended_nanos = intended_nanos;
  call->channel = channel;
  call->context.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.call_timeout));
  for (const auto& [key, value] : options_.metadata) {
    call->context.AddMetadata(key, value);
  }
  call->request = request_;  // Shares the slices; no copy of the bytes.
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  stubs_[channel]->UnaryCall(
      &call->context, options_.method_path, grpc::StubOptions(), &call->request,
      &call->response,
      [this, call](grpc::Status status) { OnDone(call, status); });
}

void GrpcLoadGenerator::OnDone(Call* call, const grpc::Status& status) {
  const int64_t now = MonotonicNanos();
  const bool measured = call->intended_nanos >= window_start_nanos_ &&
                        call->intended_nanos < window_end_nanos_;
  const int code = static_cast<int>(status.error_code());
  const size_t index = code >= 0 && code < 17 ? static_cast<size_t>(code) : 17;
  if (measured) {
    latency_.Record(absl::Nanoseconds(now - call->intended_nanos));
    by_code_[index].fetch_add(1, std::memory_order_relaxed);
    if (!options_.count_metadata.empty()) {
      std::string value = MetadataValue(call->context, options_.count_metadata);
      absl::MutexLock lock(&metadata_mu_);
      ++metadata_counts_[value];
    }
  } else {
    warmup_by_code_[index].fetch_add(1, std::memory_order_relaxed);
  }
  // Start the successor before this call leaves in_flight_, so in_flight_
  // reaches zero only once no call will follow.
  if (closed_loop_ && now < window_end_nanos_) StartCall(call->channel, now);
  delete call;
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    absl::MutexLock lock(&drained_mu_);
    drained_.SignalAll();
  }
}

void GrpcLoadGenerator::RunClosedLoop(WindowObserver* observer) {
  for (int i = 0; i < options_.concurrency; ++i) {
    StartCall(i % options_.channels, MonotonicNanos());
  }
  SleepUntilNanos(window_start_nanos_);
  if (observer != nullptr) observer->OnWindowStart();
  SleepUntilNanos(window_end_nanos_);
  if (observer != nullptr) observer->OnWindowEnd();
}

void GrpcLoadGenerator::RunFixedRate(WindowObserver* observer, int64_t start) {
  const double period_nanos = 1e9 / options_.rate;
  bool window_started = false;
  for (int64_t i = 0;; ++i) {
    const int64_t intended =
        start + static_cast<int64_t>(std::llround(i * period_nanos));
    if (intended >= window_end_nanos_) break;
    if (!window_started && intended >= window_start_nanos_) {
      window_started = true;
      if (observer != nullptr) observer->OnWindowStart();
    }
    SleepUntilNanos(intended);
    while (in_flight_.load(std::memory_order_relaxed) >=
           options_.max_in_flight) {
      SleepUntilNanos(MonotonicNanos() + 50000);
    }
    const int64_t lag = MonotonicNanos() - intended;
    if (intended >= window_start_nanos_) {
      if (lag > absl::ToInt64Nanoseconds(kBehindThreshold)) ++behind_schedule_;
      max_lag_nanos_ = std::max(max_lag_nanos_, lag);
    }
    StartCall(static_cast<int>(i % options_.channels), intended);
  }
  SleepUntilNanos(window_end_nanos_);
  if (observer != nullptr) observer->OnWindowEnd();
}

absl::Status GrpcLoadGenerator::Run(WindowObserver* observer, Report* report) {
  if (options_.channels < 1 || (closed_loop_ && options_.concurrency < 1)) {
    return absl::InvalidArgumentError(
        "channels and concurrency must be at least 1");
  }
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> channels =
      ConnectChannels(options_.target, options_.channels,
                      options_.connect_timeout);
  if (!channels.ok()) return channels.status();
  channels_ = *std::move(channels);
  for (const auto& channel : channels_) {
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
  }

  if (observer != nullptr) observer->OnLoadStart();
  const int64_t start = MonotonicNanos();
  window_start_nanos_ = start + absl::ToInt64Nanoseconds(options_.warmup);
  window_end_nanos_ =
      window_start_nanos_ + absl::ToInt64Nanoseconds(options_.duration);
  if (closed_loop_) {
    RunClosedLoop(observer);
  } else {
    RunFixedRate(observer, start);
  }
  {
    absl::MutexLock lock(&drained_mu_);
    while (in_flight_.load(std::memory_order_acquire) != 0) {
      drained_.Wait(&drained_mu_);
    }
  }

  report->target = options_.target;
  report->mode = closed_loop_ ? "closed-loop" : "fixed-rate";
  report->connections = options_.channels;
  report->concurrency = closed_loop_ ? options_.concurrency : 0;
  report->rate = options_.rate;
  report->window = options_.duration;
  report->calls = 0;
  report->errors.clear();
  report->warmup_calls = 0;
  report->warmup_errors.clear();
  for (size_t code = 0; code < by_code_.size(); ++code) {
    const std::string name =
        code < 17 ? ctl::StatusCodeName(static_cast<grpc::StatusCode>(code))
                  : "NON_CANONICAL_CODE";
    const int64_t count = by_code_[code].load(std::memory_order_relaxed);
    const int64_t warmup =
        warmup_by_code_[code].load(std::memory_order_relaxed);
    report->calls += count;
    report->warmup_calls += warmup;
    if (code == 0) {
      report->ok_calls = count;
      continue;
    }
    if (count > 0) report->errors[name] = count;
    if (warmup > 0) report->warmup_errors[name] = warmup;
  }
  report->metadata_key = options_.count_metadata;
  {
    absl::MutexLock lock(&metadata_mu_);
    report->metadata_counts = metadata_counts_;
  }
  report->behind_schedule = behind_schedule_;
  report->max_send_lag = absl::Nanoseconds(max_lag_nanos_);
  report->latency = &latency_;
  return absl::OkStatus();
}

}  // namespace client::bench
