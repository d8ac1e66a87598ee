// The transport-free request and answer the simulators' services handle
// (sim/common/http_server.h adapts them to HTTP), and the small helpers every
// route handler uses to read a query and write a JSON answer.
//
// Plain values and pure helpers; thread-safe.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tierd::sim {

struct SimRequest {
  std::string method;  // upper-case
  std::string path;    // decoded, without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

struct SimResponse {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop_connection = false;  // close the socket without answering
};

inline SimResponse json_response(int status, nlohmann::json body) {
  SimResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A query parameter as a non-negative integer; nullopt when absent or not one.
inline std::optional<int64_t> query_int(const SimRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty() || it->second.size() > 18) return std::nullopt;
  for (char c : it->second) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stoll(it->second);
}

inline std::string percent_encode_query(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

// "/api/v2/tickets/7" -> {"api", "v2", "tickets", "7"}.
inline std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(path);
  while (std::getline(in, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// Splits "http://host:port/path" into "http://host:port" and "/path".
// Returns false when the URL has no scheme.
inline bool split_url(const std::string& url, std::string& origin, std::string& path) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    origin = url;
    path = "/";
  } else {
    origin = url.substr(0, path_start);
    path = url.substr(path_start);
  }
  return !origin.empty();
}

}  // namespace tierd::sim
