// Faults queued through POST /sim/faults and applied to the next matching
// API requests: an HTTP error status (with Retry-After), a delay before the
// request is handled, or a dropped connection.
//
// Thread-safe (one internal mutex).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cctype>

#include "core/status.h"
#include "runtime/mutex.h"

namespace tierd::sim {

struct Fault {
  std::string method;       // "" matches any method
  std::string path_prefix;  // "" matches any path
  int status = 0;           // 0: answer normally (after the delay)
  int retry_after = 0;      // seconds; sent as Retry-After when > 0
  std::chrono::milliseconds delay{0};
  bool drop_connection = false;
  int count = 1;  // how many more requests this fault applies to
};

// Reads {"method","path_prefix","status","retry_after","delay_ms",
// "drop_connection","count"}; InvalidArgument naming the bad field otherwise.
Result<Fault> parse_fault(const nlohmann::json& body);
nlohmann::json fault_json(const Fault& f);

class FaultQueue {
 public:
  void add(Fault fault);
  void clear();
  // Takes one use of the first queued fault matching the request.
  std::optional<Fault> take(const std::string& method, const std::string& path);
  std::vector<Fault> pending() const;

 private:
  mutable Mutex mutex_;
  std::vector<Fault> faults_ GUARDED_BY(mutex_);
};

}  // namespace tierd::sim
