// Small conversions both SQL stores make when binding parameters.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "store/store.h"

namespace tierd::sql {

// A row limit as the signed 64-bit parameter SQL takes, capped, never negative.
inline int64_t limit_param(size_t limit) {
  return static_cast<int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// finished_at_ms is informational (when a record left the queue, for later
// housekeeping); the Store interface carries no time for it, so it is the
// wall clock.
inline int64_t wall_clock_ms() {
  return to_unix_ms(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
}

// The kinds an audit query selects as a JSON array (both stores expand it in
// SQL), or "" when it selects every kind.
inline std::string audit_kinds_json(const AuditQuery& query) {
  if (query.kinds.empty()) return {};
  return nlohmann::json(query.kinds).dump();
}

}  // namespace tierd::sql
