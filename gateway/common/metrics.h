// metrics.h: the gateway's metrics registry (counters, gauges and
// histograms, by label) and its Prometheus text exposition (format version
// 0.0.4).
//
//   MetricsRegistry registry;  // made by the server, handed to components
//   ASSIGN_OR_RETURN(Family<Counter>* requests,
//                    registry.AddCounterFamily(
//                        "polytomic_gateway_upstream_requests_total",
//                        "Upstream HTTP requests.", {"operation", "code"}));
//   Counter* ok = requests->WithLabels({"bulkSync.get", "200"});  // once
//   ok->Increment();                                   // per event: cheap
//   RETURN_IF_ERROR(registry.AddCallbackGauge(
//       "polytomic_gateway_calls_in_flight", "Calls in flight.",
//       [&in_flight] { return in_flight.count(); }));
//   std::string text = registry.RenderText();  // for GET /metrics
//
// There are no globals: whoever owns the registry decides what shares it.
// Hot-path cost: Counter::Increment and Gauge::Set are one relaxed atomic
// operation on a handle resolved once. Resolving labels at run time
// (WithLabels) is a hash lookup under a reader lock; only a label set seen
// for the first time takes the writer lock.
//
// Label values must be bounded by design: every series lives as long as the
// registry, so callers pass only names from a fixed set (operation and method
// names, status codes), never ids, caller input, tokens or keys.
//
// A metric type provides kType, an Options struct its constructor takes (the
// bucket bounds, for a histogram) and Collect, which writes its samples
// through a SampleWriter (a histogram's `_bucket{le="..."}`, `_sum`,
// `_count`).
#ifndef GATEWAY_COMMON_METRICS_H_
#define GATEWAY_COMMON_METRICS_H_

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace gateway {

// SampleWriter appends the sample lines of one series to the exposition; a
// metric type's Collect calls it. Only the registry makes them; one borrows
// the text it appends to and lives for one series of one rendering, on the
// rendering thread (not thread-safe).
class SampleWriter {
 public:
  // Write appends `<family name><suffix>{<series labels>} <value>`.
  void Write(absl::string_view suffix, double value);
  void Write(absl::string_view suffix, uint64_t value);
  // WriteWithLabel adds one label after the series' own, e.g. a histogram's
  // `le`; `label_value` is escaped here.
  void WriteWithLabel(absl::string_view suffix, absl::string_view label_name,
                      absl::string_view label_value, double value);

 private:
  friend class MetricFamily;
  SampleWriter(absl::string_view family, absl::string_view labels,
               std::string* out)
      : family_(family), labels_(labels), out_(out) {}
  void Line(absl::string_view suffix, absl::string_view extra,
            absl::string_view value);

  absl::string_view family_;
  absl::string_view labels_;  // `a="x",b="y"`, escaped; may be empty
  std::string* out_;
};

// Counter only goes up. Thread safety: thread-safe; never blocks.
class Counter final {
 public:
  static constexpr absl::string_view kType = "counter";
  struct Options {};
  explicit Counter(const Options& = {}) {}

  void Increment(uint64_t n = 1) {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }
  void Collect(SampleWriter& out) const { out.Write("", Value()); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Gauge is a value that is set (or moved). Thread safety: thread-safe;
// never blocks (Add retries a compare-and-swap).
class Gauge final {
 public:
  static constexpr absl::string_view kType = "gauge";
  struct Options {};
  explicit Gauge(const Options& = {}) {}

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }
  void Collect(SampleWriter& out) const { out.Write("", Value()); }

 private:
  std::atomic<double> value_{0};
};

// Histogram counts observations into buckets by upper bound. Thread safety:
// thread-safe; Observe never blocks (relaxed atomic adds; the sum retries a
// compare-and-swap). A scrape concurrent with Observe may see a count one
// ahead of its buckets, which Prometheus tolerates.
class Histogram final {
 public:
  static constexpr absl::string_view kType = "histogram";
  struct Options {
    std::vector<double> bounds;  // ascending upper bounds; +Inf is implied
  };
  explicit Histogram(const Options& options);

  void Observe(double value);
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  void Collect(SampleWriter& out) const;

 private:
  const std::vector<double> bounds_;
  // Per bucket (not cumulative), the last one is +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// LatencyBounds are the bucket bounds of the gateway's duration histograms,
// in seconds: 100 us to 30 s, roughly x2.5 apart (OpenTelemetry's advice is
// in seconds too).
inline const std::vector<double>& LatencyBounds() {
  static const std::vector<double>* const kBounds = new std::vector<double>{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
  return *kBounds;
}

// MetricFamily is what every family has: name, help, type, label names, and
// its part of the exposition. The registry owns every family. Thread safety:
// thread-safe; AppendText runs gauge callbacks on the calling thread.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  absl::string_view type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // AppendText appends `# HELP`, `# TYPE` and the samples, series sorted by
  // label values; nothing when the family has no series yet.
  void AppendText(std::string* out) const;

 protected:
  MetricFamily(std::string name, std::string help, absl::string_view type,
               std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}

  // Series is one label set (values in label_names() order, copied: a
  // family's map may move its keys) and what writes its samples.
  struct Series {
    std::vector<std::string> values;
    absl::AnyInvocable<void(SampleWriter&) const> collect;
  };
  // Snapshot returns every series; called without any of the registry's
  // locks held.
  virtual std::vector<Series> Snapshot() const = 0;

 private:
  const std::string name_;
  const std::string help_;
  const absl::string_view type_;
  const std::vector<std::string> label_names_;
};

namespace metrics_internal {
// LabelValuesHash and LabelValuesEq let a family find a series by a span of
// views without building its key.
struct LabelValuesHash {
  using is_transparent = void;
  size_t operator()(absl::Span<const std::string> values) const;
  size_t operator()(absl::Span<const absl::string_view> values) const;
};
struct LabelValuesEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (absl::string_view(a[i]) != absl::string_view(b[i])) return false;
    }
    return true;
  }
};
}  // namespace metrics_internal

// Family is the series of one metric type, one per label set. The registry
// owns it; pointers it returns stay valid as long as the registry.
//
// Thread safety: thread-safe. WithLabels takes a reader lock (a writer lock
// the first time a label set is seen); the metrics it returns never lock.
template <typename Metric>
class Family final : public MetricFamily {
 public:
  // WithLabels returns the series of `values`, one per label name in
  // order, creating it on first use; never null. Resolve it once and keep
  // it where the label set is known in advance. A wrong number of values is
  // a bug: debug builds assert; release builds pad with "" or drop the extra
  // values so that the exposition stays well-formed.
  Metric* WithLabels(absl::Span<const absl::string_view> values);

 private:
  friend class MetricsRegistry;
  Family(std::string name, std::string help,
         std::vector<std::string> label_names, typename Metric::Options options)
      : MetricFamily(std::move(name), std::move(help), Metric::kType,
                     std::move(label_names)),
        options_(std::move(options)) {
    // A family without labels has its one series from the start (at 0).
    if (this->label_names().empty()) WithLabels({});
  }
  std::vector<Series> Snapshot() const override;

  const typename Metric::Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::vector<std::string>, std::unique_ptr<Metric>,
                      metrics_internal::LabelValuesHash,
                      metrics_internal::LabelValuesEq>
      series_ ABSL_GUARDED_BY(mu_);
};

// MetricsRegistry holds the metric families of one gateway and renders
// them. Made by the server and handed (borrowed) to components, which
// register their families at construction; it must outlive them and every
// pointer it returned.
//
// Names: a family name matches [a-zA-Z_:][a-zA-Z0-9_:]*, a label name
// [a-zA-Z_][a-zA-Z0-9_]* and does not start with "__"; label names of a
// family are distinct. Registering a family again with the same type, help
// and label names returns the existing one (components may share a family);
// anything else under a taken name is ALREADY_EXISTS.
//
// Thread safety: thread-safe. RenderText runs gauge callbacks on the calling
// thread, without holding the registry's locks.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  absl::StatusOr<Family<Counter>*> AddCounterFamily(
      absl::string_view name, absl::string_view help,
      std::vector<std::string> label_names);
  absl::StatusOr<Family<Gauge>*> AddGaugeFamily(
      absl::string_view name, absl::string_view help,
      std::vector<std::string> label_names);
  absl::StatusOr<Family<Histogram>*> AddHistogramFamily(
      absl::string_view name, absl::string_view help,
      std::vector<std::string> label_names, std::vector<double> bounds);
  // AddCallbackGauge adds an unlabelled gauge whose value `read` returns at
  // each RenderText, on the rendering thread (possibly several at once: it
  // must be thread-safe and must not block). Whatever it reads must outlive
  // the registry, or the registry must no longer be rendered.
  absl::Status AddCallbackGauge(absl::string_view name, absl::string_view help,
                                absl::AnyInvocable<double() const> read);

  // RenderText is every family in the Prometheus text format 0.0.4, sorted
  // by name (series by label values): the same state renders the same bytes.
  std::string RenderText() const;

 private:
  template <typename Metric>
  absl::StatusOr<Family<Metric>*> AddFamily(
      absl::string_view name, absl::string_view help,
      std::vector<std::string> label_names, typename Metric::Options options);
  // Check validates the names, and finds what is already registered under
  // `name` (null if nothing).
  absl::StatusOr<MetricFamily*> Check(
      absl::string_view name, const std::vector<std::string>& label_names)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, MetricFamily*> by_name_ ABSL_GUARDED_BY(mu_);
};

// The template parts.

template <typename Metric>
Metric* Family<Metric>::WithLabels(absl::Span<const absl::string_view> values) {
  const size_t want = label_names().size();
  std::vector<absl::string_view> fixed;
  if (values.size() != want) {
    assert(values.size() == want && "WithLabels: one value per label name");
    fixed.assign(values.begin(),
                 values.begin() + std::min(want, values.size()));
    fixed.resize(want);
    values = fixed;
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return it->second.get();
  }
  absl::MutexLock lock(&mu_);
  auto it = series_.find(values);
  if (it == series_.end()) {
    it = series_
             .emplace(std::vector<std::string>(values.begin(), values.end()),
                      std::make_unique<Metric>(options_))
             .first;
  }
  return it->second.get();
}

template <typename Metric>
std::vector<MetricFamily::Series> Family<Metric>::Snapshot() const {
  std::vector<Series> all;
  absl::ReaderMutexLock lock(&mu_);
  all.reserve(series_.size());
  for (const auto& [values, metric] : series_) {
    const Metric* m = metric.get();
    all.push_back({values, [m](SampleWriter& out) { m->Collect(out); }});
  }
  return all;
}

}  // namespace gateway

#endif  // GATEWAY_COMMON_METRICS_H_
