#include "gateway/common/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gateway {
namespace {

// FormatDouble writes a sample value as Prometheus reads it: the shortest
// of %.15g and %.17g that reads back as the same double, and "NaN", "+Inf",
// "-Inf".
std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  }
  return buffer;
}

// AppendEscaped appends `text` with `\` and newline escaped and, in label
// values (`quote`), `"` too: the exposition format's only escapes.
void AppendEscaped(absl::string_view text, bool quote, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        out->append(quote ? "\\\"" : "\"");
        break;
      default:
        out->push_back(c);
    }
  }
}

bool IsNameChar(char c, bool first, bool colon) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         (colon && c == ':') ||
         (!first && absl::ascii_isdigit(static_cast<unsigned char>(c)));
}

// ValidName checks a family name (`colon`) or a label name.
bool ValidName(absl::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

// CallbackGauge is a gauge family of one unlabelled series read at
// rendering time.
class CallbackGauge final : public MetricFamily {
 public:
  CallbackGauge(std::string name, std::string help,
                absl::AnyInvocable<double() const> read)
      : MetricFamily(std::move(name), std::move(help), Gauge::kType, {}),
        read_(std::move(read)) {}

 private:
  std::vector<Series> Snapshot() const override {
    std::vector<Series> one;
    one.push_back({{}, [this](SampleWriter& out) { out.Write("", read_()); }});
    return one;
  }

  const absl::AnyInvocable<double() const> read_;
};

}  // namespace

void SampleWriter::Write(absl::string_view suffix, double value) {
  Line(suffix, "", FormatDouble(value));
}

void SampleWriter::Write(absl::string_view suffix, uint64_t value) {
  Line(suffix, "", absl::AlphaNum(value).Piece());
}

void SampleWriter::WriteWithLabel(absl::string_view suffix,
                                  absl::string_view label_name,
                                  absl::string_view label_value, double value) {
  std::string extra = absl::StrCat(label_name, "=\"");
  AppendEscaped(label_value, /*quote=*/true, &extra);
  extra.push_back('"');
  Line(suffix, extra, FormatDouble(value));
}

void SampleWriter::Line(absl::string_view suffix, absl::string_view extra,
                        absl::string_view value) {
  absl::StrAppend(out_, family_, suffix);
  if (!labels_.empty() || !extra.empty()) {
    absl::StrAppend(out_, "{", labels_,
                    !labels_.empty() && !extra.empty() ? "," : "", extra, "}");
  }
  absl::StrAppend(out_, " ", value, "\n");
}

void Gauge::Add(double delta) {
  double current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + delta,
                                       std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(const Options& options)
    : bounds_(options.bounds),
      buckets_(new std::atomic<uint64_t>[options.bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) -
      bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  double current = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(current, current + value,
                                     std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Collect(SampleWriter& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out.WriteWithLabel(
        "_bucket", "le",
        i < bounds_.size() ? absl::StrCat(bounds_[i]) : std::string("+Inf"),
        static_cast<double>(cumulative));
  }
  out.Write("_sum", sum_.load(std::memory_order_relaxed));
  out.Write("_count", cumulative);
}

void MetricFamily::AppendText(std::string* out) const {
  std::vector<Series> series = Snapshot();
  if (series.empty()) return;
  std::sort(series.begin(), series.end(), [](const Series& a, const Series& b) {
    return a.values < b.values;
  });
  absl::StrAppend(out, "# HELP ", name_, " ");
  AppendEscaped(help_, /*quote=*/false, out);
  absl::StrAppend(out, "\n# TYPE ", name_, " ", type_, "\n");
  std::string labels;
  for (const Series& one : series) {
    labels.clear();
    for (size_t i = 0; i < label_names_.size(); ++i) {
      absl::StrAppend(&labels, i == 0 ? "" : ",", label_names_[i], "=\"");
      AppendEscaped(one.values[i], /*quote=*/true, &labels);
      labels.push_back('"');
    }
    SampleWriter writer(name_, labels, out);
    one.collect(writer);
  }
}

namespace metrics_internal {

size_t LabelValuesHash::operator()(absl::Span<const std::string> values) const {
  size_t hash = values.size();
  for (const std::string& value : values) {
    hash = absl::HashOf(hash, absl::string_view(value));
  }
  return hash;
}

size_t LabelValuesHash::operator()(
    absl::Span<const absl::string_view> values) const {
  size_t hash = values.size();
  for (absl::string_view value : values) hash = absl::HashOf(hash, value);
  return hash;
}

}  // namespace metrics_internal

absl::StatusOr<MetricFamily*> MetricsRegistry::Check(
    absl::string_view name, const std::vector<std::string>& label_names) {
  if (!ValidName(name, /*colon=*/true)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metric name \"", name, "\" is not [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!ValidName(label, /*colon=*/false) || absl::StartsWith(label, "__")) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": label name \"", label,
                       "\" is not [a-zA-Z_][a-zA-Z0-9_]* or starts with __"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": label name \"", label, "\" appears twice"));
      }
    }
  }
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

template <typename Metric>
absl::StatusOr<Family<Metric>*> MetricsRegistry::AddFamily(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names, typename Metric::Options options) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<MetricFamily*> existing = Check(name, label_names);
  if (!existing.ok()) return existing.status();
  if (*existing != nullptr) {
    auto* same = dynamic_cast<Family<Metric>*>(*existing);
    if (same == nullptr || same->help() != help ||
        same->label_names() != label_names) {
      return absl::AlreadyExistsError(absl::StrCat(
          "metric ", name,
          " is already registered with another type, help or labels"));
    }
    return same;
  }
  auto* family = new Family<Metric>(std::string(name), std::string(help),
                                    std::move(label_names), std::move(options));
  families_.emplace_back(family);
  by_name_.emplace(family->name(), family);
  return family;
}

absl::StatusOr<Family<Counter>*> MetricsRegistry::AddCounterFamily(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names) {
  return AddFamily<Counter>(name, help, std::move(label_names), {});
}

absl::StatusOr<Family<Gauge>*> MetricsRegistry::AddGaugeFamily(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names) {
  return AddFamily<Gauge>(name, help, std::move(label_names), {});
}

absl::StatusOr<Family<Histogram>*> MetricsRegistry::AddHistogramFamily(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names, std::vector<double> bounds) {
  if (!std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric ", name, ": bucket bounds must ascend"));
  }
  for (const std::string& label : label_names) {
    if (label == "le") {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": a histogram has no label \"le\""));
    }
  }
  return AddFamily<Histogram>(name, help, std::move(label_names),
                              {std::move(bounds)});
}

absl::Status MetricsRegistry::AddCallbackGauge(
    absl::string_view name, absl::string_view help,
    absl::AnyInvocable<double() const> read) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<MetricFamily*> existing = Check(name, {});
  if (!existing.ok()) return existing.status();
  if (*existing != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("metric ", name, " is already registered"));
  }
  auto* family =
      new CallbackGauge(std::string(name), std::string(help), std::move(read));
  families_.emplace_back(family);
  by_name_.emplace(family->name(), family);
  return absl::OkStatus();
}

std::string MetricsRegistry::RenderText() const {
  std::vector<const MetricFamily*> families;
  {
    absl::ReaderMutexLock lock(&mu_);
    families.reserve(families_.size());
    for (const auto& family : families_) families.push_back(family.get());
  }
  // Families are never removed, so they can be rendered unlocked (and a
  // gauge callback may even register a family).
  std::sort(families.begin(), families.end(),
            [](const MetricFamily* a, const MetricFamily* b) {
              return a->name() < b->name();
            });
  std::string text;
  for (const MetricFamily* family : families) family->AppendText(&text);
  return text;
}

}  // namespace gateway
