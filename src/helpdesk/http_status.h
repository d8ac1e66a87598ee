// How an HTTP answer of a helpdesk's REST API maps to the Status codes the
// HelpdeskApi contract promises (helpdesk/helpdesk_api.h), shared by every
// vendor's API client so that a 429 or a 5xx means the same to the engine
// whichever helpdesk sent it.
//
// Pure; any thread.
#pragma once

#include <string>

#include "core/status.h"
#include "core/time.h"

namespace tierd {

// Maps an HTTP status (with the Retry-After header value, may be empty) to
// the Status the HelpdeskApi contract promises; OK for 2xx. `what` starts
// the message ("zendesk PUT /api/v2/tickets/1.json").
Status status_from_http(int http_status, const std::string& retry_after, const std::string& what);

// A request that got no HTTP answer, as the client's transport reported it.
struct NoAnswer {
  std::string error;         // the transport's words for it ("Read", "Connection", ...)
  bool tls_refused = false;  // the server's certificate failed verification
  bool read_failed = false;  // the connection ended while the answer was awaited
  Duration waited{};         // from sending the request to the failure
};

// Maps a request without an answer to the HelpdeskApi contract's Status: a
// refused certificate is kPermissionDenied (never retried without
// verification), a read that failed at the request's `timeout` is
// kDeadlineExceeded (the write may have applied), anything else kUnavailable.
// A transport reports a read timeout and a closed connection alike; the time
// waited tells them apart.
Status status_from_no_answer(const NoAnswer& failure, Duration timeout, const std::string& what);

}  // namespace tierd
