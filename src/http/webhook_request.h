// A webhook delivery and the answer to it as plain data, so that the
// handler (webhook_handler.h) and each vendor's part of it
// (webhook_vendor.h) are unit-tested without HTTP.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tierd {

// ASCII case-insensitive ordering: HTTP header names are case-insensitive.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;

struct WebhookRequest {
  HeaderMap headers;  // including Content-Type and the vendor's own headers
  std::string body;   // exactly as received: a signature covers these bytes
};

struct WebhookResponse {
  int status = 200;
  std::string body;  // always a JSON object
  std::string content_type = "application/json";
  std::optional<int> retry_after_seconds;  // set on 503
};

// The value of header `name`, or "" when absent.
std::string_view header_value(const HeaderMap& headers, std::string_view name);

}  // namespace tierd
