// polytomic-replicas-probe: how long after one gateway replica acknowledges
// a write another replica still serves the old answer (issue 15, replicas
// sharing state through Redis). For client/bench/replicas_bench.sh.
//
//   polytomic-replicas-probe --writer 127.0.0.1:15051
//       --reader 127.0.0.1:15052 --reader 127.0.0.1:15053
//       --id 0b7d8f6e-... --token_file caller-token --rounds 200 [--json]
//
// Each round warms every reader's cache for the bulk sync (a read with
// `cache-control: no-cache`, then reads until one is a hit), renames it through the writer (a masked
// UpdateBulkSync, mask "name"), and, from the moment the writer's answer
// arrives, reads through one reader (round-robin) until the new name comes
// back. Reported: that span's p50/p99/max ("invalidation"), the share of
// rounds whose first read was already fresh, the reads needed at most, the
// update's p50, a cache hit's p50 and an upstream read's p50 (the floor of
// the span: the first read after an invalidation goes upstream).
// A round whose reader still serves the old name after --give_up counts as
// stale and ends the run with exit code 1.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/bench/flag_set.h"
#include "client/bench/histogram.h"
#include "client/ctl/command_line.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"

namespace client::bench {
namespace {

namespace v1 = polytomic::v1;

int UsageError(absl::string_view message) {
  std::cerr << "polytomic-replicas-probe: " << message << " (see --help)\n";
  return 2;
}

// Replica is one gateway's stub and the caller's metadata.
class Replica {
 public:
  Replica(const std::string& target, std::pair<std::string, std::string> auth)
      : target_(target),
        stub_(v1::BulkSyncService::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))),
        auth_(std::move(auth)) {}

  const std::string& target() const { return target_; }

  // Get reads the bulk sync; with `no_cache`, afresh from the upstream.
  grpc::Status Get(const std::string& id, v1::BulkSync* sync,
                   std::string* cache_status, bool no_cache = false) {
    grpc::ClientContext context;
    Prepare(context);
    if (no_cache) context.AddMetadata("cache-control", "no-cache");
    v1::GetBulkSyncRequest request;
    request.set_id(id);
    v1::GetBulkSyncResponse response;
    grpc::Status status = stub_->GetBulkSync(&context, request, &response);
    *sync = response.data();
    auto metadata = context.GetServerInitialMetadata();
    auto it = metadata.find("x-cache-status");
    cache_status->assign(it == metadata.end() ? ""
                                              : std::string(it->second.data(),
                                                            it->second.size()));
    return status;
  }

  grpc::Status Rename(const std::string& id, const std::string& name) {
    grpc::ClientContext context;
    Prepare(context);
    v1::UpdateBulkSyncRequest request;
    request.set_id(id);
    request.mutable_bulk_sync()->set_name(name);
    request.mutable_update_mask()->add_paths("name");
    v1::UpdateBulkSyncResponse response;
    return stub_->UpdateBulkSync(&context, request, &response);
  }

 private:
  void Prepare(grpc::ClientContext& context) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!auth_.first.empty()) context.AddMetadata(auth_.first, auth_.second);
  }

  std::string target_;
  std::unique_ptr<v1::BulkSyncService::Stub> stub_;
  std::pair<std::string, std::string> auth_;
};

std::string Us(absl::Duration d) {
  return absl::StrFormat("%.0f", absl::ToDoubleMicroseconds(d));
}

int Main(int argc, char** argv) {
  std::string writer_target;
  std::vector<std::string> reader_targets;
  std::string id;
  std::string token_file;
  int rounds = 200;
  absl::Duration give_up = absl::Seconds(5);
  bool json = false;
  FlagSet flags(
      "polytomic-replicas-probe: write through one replica, time until the "
      "others serve it.\n"
      "  polytomic-replicas-probe --writer HOST:PORT --reader HOST:PORT "
      "[--reader ...] --id BULK_SYNC_ID [--token_file FILE]");
  flags.String("writer", &writer_target, "replica the renames go through");
  flags.Repeated("reader", &reader_targets, "replica read from; repeatable");
  flags.String("id", &id, "bulk sync to rename (it must exist upstream)");
  flags.String("token_file", &token_file, "caller's bearer token");
  flags.Int("rounds", &rounds, "renames");
  flags.Duration("give_up", &give_up,
                 "a reader still stale this long after the ack fails the run");
  flags.Bool("json", &json, "one JSON object instead of text");
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::Status parsed = flags.Parse(args);
  if (absl::IsCancelled(parsed)) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) return UsageError(parsed.message());
  if (writer_target.empty() || reader_targets.empty() || id.empty()) {
    return UsageError("--writer, --reader and --id are required");
  }
  if (rounds < 1) return UsageError("--rounds must be at least 1");
  std::pair<std::string, std::string> auth;
  if (!token_file.empty()) {
    absl::StatusOr<std::string> token = ctl::ReadTokenFile(token_file);
    if (!token.ok()) return UsageError(token.status().message());
    auth = ctl::BearerMetadata(*token);
  }
  Replica writer(writer_target, auth);
  std::vector<std::unique_ptr<Replica>> readers;
  for (const std::string& target : reader_targets) {
    readers.push_back(std::make_unique<Replica>(target, auth));
  }

  LatencyHistogram invalidation;
  LatencyHistogram update;
  LatencyHistogram warm_read;
  LatencyHistogram upstream_read;
  int fresh_first = 0;
  int most_reads = 0;
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  for (int round = 0; round < rounds; ++round) {
    v1::BulkSync sync;
    std::string cache_status;
    // Each reader: a read from the upstream (timed: what a read after an
    // invalidation costs), then reads until one is a cache hit (the last
    // timed: the cost of a stale answer, had the invalidation not come).
    for (auto& reader : readers) {
      for (int i = 0; i < 3; ++i) {
        const absl::Time start = absl::Now();
        grpc::Status status = reader->Get(id, &sync, &cache_status, i == 0);
        const absl::Duration took = absl::Now() - start;
        if (!status.ok()) {
          std::cerr << "polytomic-replicas-probe: read through "
                    << reader->target() << ": " << status.error_message()
                    << "\n";
          return 1;
        }
        if (i == 0) upstream_read.Record(took);
        if (i > 0 && cache_status == "hit") {
          warm_read.Record(took);
          break;
        }
        if (i == 2) {
          std::cerr << "polytomic-replicas-probe: " << reader->target()
                    << " does not cache the bulk sync (x-cache-status "
                    << cache_status << "): nothing to invalidate\n";
          return 1;
        }
      }
    }
    const std::string name = absl::StrCat("probe ", run, " ", round);
    const absl::Time sent = absl::Now();
    grpc::Status renamed = writer.Rename(id, name);
    const absl::Time acked = absl::Now();
    if (!renamed.ok()) {
      std::cerr << "polytomic-replicas-probe: rename through " << writer_target
                << ": " << renamed.error_code() << " "
                << renamed.error_message() << "\n";
      return 1;
    }
    update.Record(acked - sent);
    Replica& reader = *readers[round % readers.size()];
    int reads = 0;
    while (true) {
      ++reads;
      grpc::Status status = reader.Get(id, &sync, &cache_status);
      if (status.ok() && sync.name() == name) break;
      if (absl::Now() - acked > give_up) {
        std::cerr << "polytomic-replicas-probe: " << reader.target()
                  << " still serves the old name " << give_up
                  << " after the ack (round " << round << ")\n";
        return 1;
      }
    }
    invalidation.Record(absl::Now() - acked);
    if (reads == 1) ++fresh_first;
    most_reads = std::max(most_reads, reads);
  }

  if (json) {
    std::cout << "{\"rounds\":" << rounds
              << ",\"invalidation_p50_us\":" << Us(invalidation.Percentile(50))
              << ",\"invalidation_p99_us\":" << Us(invalidation.Percentile(99))
              << ",\"invalidation_max_us\":" << Us(invalidation.Max())
              << ",\"fresh_first_read\":" << fresh_first
              << ",\"most_reads\":" << most_reads
              << ",\"update_p50_us\":" << Us(update.Percentile(50))
              << ",\"warm_read_p50_us\":" << Us(warm_read.Percentile(50))
              << ",\"upstream_read_p50_us\":"
              << Us(upstream_read.Percentile(50)) << "}\n";
  } else {
    std::cout << "rounds " << rounds << "; ack to fresh read: p50 "
              << Us(invalidation.Percentile(50)) << " us, p99 "
              << Us(invalidation.Percentile(99)) << " us, max "
              << Us(invalidation.Max()) << " us; first read fresh "
              << fresh_first << "/" << rounds << " (most reads " << most_reads
              << "); update p50 " << Us(update.Percentile(50))
              << " us; warm read p50 " << Us(warm_read.Percentile(50))
              << " us; upstream read p50 " << Us(upstream_read.Percentile(50))
              << " us\n";
  }
  return 0;
}

}  // namespace
}  // namespace client::bench

int main(int argc, char** argv) { return client::bench::Main(argc, argv); }
