#include "gateway/server/keyed_serializer.h"

#include <utility>

namespace gateway::server {

void KeyedSerializer::Run(const std::string& key, Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, free] = queues_.try_emplace(key);
    if (!free) {
      it->second.push_back(std::move(task));
      return;
    }
  }
  std::move(task)(MakeRelease(key));
}

size_t KeyedSerializer::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queues_.size();
}

KeyedSerializer::Release KeyedSerializer::MakeRelease(const std::string& key) {
  return [this, key]() { Next(key); };
}

void KeyedSerializer::Next(const std::string& key) {
  Task next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = queues_.find(key);
    if (it->second.empty()) {
      queues_.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  std::move(next)(MakeRelease(key));
}

}  // namespace gateway::server
