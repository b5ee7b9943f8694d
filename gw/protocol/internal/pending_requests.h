// PendingRequests: requests this side sent and still waits for, by serialized id, with
// their deadlines. Shared by SessionCore (server-to-client requests) and ClientSession.
// Private to gw/protocol. Thread-safety: none; the owner holds its own lock, and runs the
// callbacks it takes out after releasing it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gw/base/clock.h"
#include "gw/protocol/service.h"

namespace gw::protocol::internal {

class PendingRequests {
 public:
  struct Entry {
    std::string method;
    Clock::TimePoint deadline;
    ResponseCallback callback;
  };
  using Expired = std::vector<std::pair<std::string, ResponseCallback>>;  // method, callback

  void Add(std::string id, Entry entry) { entries_.emplace(std::move(id), std::move(entry)); }

  // The callback of `id`, removed; null if unknown.
  ResponseCallback Take(const std::string& id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return nullptr;
    ResponseCallback callback = std::move(it->second.callback);
    entries_.erase(it);
    return callback;
  }

  // Removes and returns every entry whose deadline is at or before `now`.
  Expired TakeExpired(Clock::TimePoint now) {
    Expired out;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.deadline <= now) {
        out.emplace_back(std::move(it->second.method), std::move(it->second.callback));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  Expired TakeAll() { return TakeExpired(Clock::TimePoint::max()); }
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, Entry> entries_;
};

// Fails each of `expired` with `code`: "<prefix> <method> <suffix>".
inline void FailAll(PendingRequests::Expired& expired, Code code, const std::string& prefix,
                    const std::string& suffix) {
  for (auto& [method, callback] : expired) {
    if (callback) callback(MakeError(code, prefix + " " + method + suffix));
  }
}

}  // namespace gw::protocol::internal
