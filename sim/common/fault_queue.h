// Faults queued through POST /sim/faults and applied to the next matching
// API requests: an HTTP error status (with Retry-After), a delay before the
// request is handled, a dropped connection, or a connection dropped after the
// request was applied (the client cannot tell whether its write happened).
//
// Thread-safe (one internal mutex).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cctype>

#include "core/status.h"
#include "runtime/mutex.h"
#include "sim/common/sim_http.h"

namespace tierd::sim {

struct Fault {
  std::string method;       // "" matches any method
  std::string path_prefix;  // "" matches any path
  int status = 0;           // 0: answer normally (after the delay)
  int retry_after = 0;      // seconds; sent as Retry-After when > 0
  std::chrono::milliseconds delay{0};
  bool drop_connection = false;
  bool drop_after_apply = false;  // handle the request, then drop the answer
  int count = 1;                  // how many more requests this fault applies to
};

// Reads {"method","path_prefix","status","retry_after","delay_ms",
// "drop_connection","drop_after_apply","count"}; InvalidArgument naming the bad field otherwise.
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

// What the fault taken for one request does, once its delay has passed.
struct AppliedFault {
  std::optional<SimResponse> answer;  // set: the request is not handled, this answers (or drops) it
  bool drop_after_apply = false;      // handle the request, then drop its answer
};

// Takes the first queued fault matching the request, sleeps its delay and
// says what follows. `error_answer(status)` is the vendor's answer for an
// injected status; Retry-After is added to it here.
AppliedFault apply_fault(FaultQueue& faults, const SimRequest& request,
                         const std::function<SimResponse(int status)>& error_answer);

}  // namespace tierd::sim
