// How an HTTP answer of a helpdesk's REST API maps to the Status codes the
// HelpdeskApi contract promises (helpdesk/helpdesk_api.h), shared by every
// vendor's API client so that a 429 or a 5xx means the same to the engine
// whichever helpdesk sent it.
//
// Pure; any thread.
#pragma once

#include <string>

#include "core/status.h"

namespace tierd {

// Maps an HTTP status (with the Retry-After header value, may be empty) to
// the Status the HelpdeskApi contract promises; OK for 2xx. `what` starts
// the message ("zendesk PUT /api/v2/tickets/1.json").
Status status_from_http(int http_status, const std::string& retry_after, const std::string& what);

}  // namespace tierd
