// URL splitting and loopback detection for the config loader.
#include <algorithm>
#include <charconv>

#include "config/config_sections.h"
#include "core/ticket.h"

namespace tierd::config_detail {
namespace {

bool is_ipv4_loopback(std::string_view host) {
  int parts = 0;
  size_t pos = 0;
  int first = -1;
  while (pos <= host.size()) {
    size_t dot = host.find('.', pos);
    if (dot == std::string_view::npos) dot = host.size();
    std::string_view part = host.substr(pos, dot - pos);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || end != part.data() + part.size() || value > 255) return false;
    if (parts == 0) first = value;
    ++parts;
    pos = dot + 1;
  }
  return parts == 4 && first == 127;
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  if (ascii_lower(host) == "localhost") return true;
  if (host == "::1" || host == "[::1]") return true;
  return is_ipv4_loopback(host);
}

std::variant<UrlParts, std::string> split_url(std::string_view url) {
  UrlParts parts;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return std::string("expected an absolute URL like \"https://host.example.com\"");
  }
  parts.scheme = ascii_lower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return "unsupported scheme \"" + parts.scheme + "\"; use https://";
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return std::string("must not have a query or fragment");
  }
  if (std::any_of(rest.begin(), rest.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return std::string("must not contain spaces");
  }
  size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) parts.path = std::string(rest.substr(path_start));
  if (authority.find('@') != std::string_view::npos) {
    return std::string("must not contain credentials; they come from the environment");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("unterminated IPv6 address");
    parts.host = std::string(authority.substr(0, close + 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string("unexpected text after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return std::string("empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    parts.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::string("empty port");
    }
  }
  if (parts.host.empty() || parts.host == "[]") return std::string("missing host");
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return "invalid port \"" + std::string(port_text) + "\"";
    }
    parts.port = port;
  }
  return parts;
}

}  // namespace tierd::config_detail
