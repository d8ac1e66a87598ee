#include "helpdesk/http_status.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>

namespace tierd {

Status status_from_http(int http_status, const std::string& retry_after, const std::string& what) {
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  std::string message = what + ": HTTP " + std::to_string(http_status);
  StatusCode code = StatusCode::kInvalidArgument;
  if (http_status == 401)
    code = StatusCode::kUnauthenticated;
  else if (http_status == 403)
    code = StatusCode::kPermissionDenied;
  else if (http_status == 404)
    code = StatusCode::kNotFound;
  else if (http_status == 409)
    code = StatusCode::kConflict;
  else if (http_status == 429)
    code = StatusCode::kResourceExhausted;
  else if (http_status >= 500)
    code = StatusCode::kUnavailable;
  Status s(code, message);
  if (!retry_after.empty()) {
    char* end = nullptr;
    double seconds = std::strtod(retry_after.c_str(), &end);
    if (end != retry_after.c_str() && seconds >= 0) {
      s.set_retry_after(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
    }
  }
  return s;
}

Status status_from_no_answer(const NoAnswer& failure, Duration timeout, const std::string& what) {
  if (failure.tls_refused) {
    return Status(StatusCode::kPermissionDenied,
                  what + ": the server's TLS certificate failed verification");
  }
  if (failure.read_failed && failure.waited >= timeout - std::chrono::milliseconds(50)) {
    return Status(StatusCode::kDeadlineExceeded, what + ": no answer within the timeout");
  }
  return Status::Unavailable(what + ": " + failure.error);
}

}  // namespace tierd
