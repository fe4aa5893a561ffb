#include "tests/sandbox/request_log.h"

#include <utility>

namespace sandbox {

RequestLog::RequestLog(std::function<void(const std::string&)> sink)
    : sink_(std::move(sink)) {}

void RequestLog::Count(const std::string& operation) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_[operation];
}

void RequestLog::Append(nlohmann::ordered_json entry) {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::ordered_json stored;
  stored["seq"] = next_seq_++;
  for (auto& [key, value] : entry.items()) stored[key] = std::move(value);
  entries_.push_back(std::move(stored));
  while (entries_.size() > kMaxEntries) entries_.pop_front();
}

void RequestLog::Emit(const std::string& line) {
  if (!sink_) return;
  std::lock_guard<std::mutex> lock(mu_);
  sink_(line);
}

nlohmann::ordered_json RequestLog::Entries(const std::string& operation) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& e : entries_) {
    if (operation.empty() || e["operation"] == operation) list.push_back(e);
  }
  return nlohmann::ordered_json{{"requests", std::move(list)}};
}

nlohmann::ordered_json RequestLog::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::ordered_json counters = nlohmann::ordered_json::object();
  for (const auto& [op, n] : counters_) counters[op] = n;
  return counters;
}

void RequestLog::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  counters_.clear();
  next_seq_ = 1;
}

}  // namespace sandbox
