// HelpdeskAnswer: the last answer a loop had from the helpdesk API, so that
// the status page can say whether the helpdesk is reachable without sending a
// request of its own. Each loop that talks to the helpdesk keeps its own and
// the page shows the newest.
//
// Threads: a value type; its keeper guards it.
#pragma once

#include <string>

#include "core/status.h"
#include "core/time.h"

namespace tierd {

struct HelpdeskAnswer {
  Instant at{};
  bool ok = false;    // a 2xx, or an answer that proves the helpdesk is up (409, 404 ...)
  std::string error;  // what went wrong when !ok; never holds a credential

  // A transport failure, a 5xx, a 401/403 or a 429 says the helpdesk cannot
  // be used now; any other answer came from a working helpdesk.
  static HelpdeskAnswer of(Instant at, const Status& s) {
    switch (s.code()) {
      case StatusCode::kUnavailable:
      case StatusCode::kDeadlineExceeded:
      case StatusCode::kUnauthenticated:
      case StatusCode::kPermissionDenied:
      case StatusCode::kResourceExhausted:
        return {at, false, s.to_string()};
      default:
        return {at, true, ""};
    }
  }
};

}  // namespace tierd
