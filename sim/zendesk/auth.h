// Zendesk API authentication as the simulator checks it: only the
// Authorization header counts ("Basic base64(email/token:TOKEN)" or
// "Bearer TOKEN"); credentials anywhere else are ignored.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "zendesk/webhook_signature.h"

namespace tierd::sim {

struct Credentials {
  std::string email;
  std::string api_token;
  std::string oauth_token;  // "" = OAuth disabled
};

// The simulator decodes with the same base64 as the webhook signer encodes.
using zendesk::base64_decode;

// True when `authorization` (the header value, may be empty) matches.
bool is_authorized(std::string_view authorization, const Credentials& creds);

}  // namespace tierd::sim
