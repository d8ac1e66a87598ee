// Zendesk API authentication as the simulator checks it: only the
// Authorization header counts ("Basic base64(email/token:TOKEN)" or
// "Bearer TOKEN"); credentials anywhere else are ignored.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "helpdesk/text_codec.h"

namespace tierd::sim {

struct Credentials {
  std::string email;
  std::string api_token;
  std::string oauth_token;  // "" = OAuth disabled
};

// True when `authorization` (the header value, may be empty) matches.
bool is_authorized(std::string_view authorization, const Credentials& creds);

}  // namespace tierd::sim
