#include "http/request_head.h"

#include <algorithm>
#include <cctype>

namespace tierd {
namespace {

constexpr std::string_view kEndOfHead = "\r\n\r\n";

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> parse_length(std::string_view value) {
  value = trimmed(value);
  if (value.empty() || value.size() > 18) return std::nullopt;
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

bool names_chunked(std::string_view value) {
  // The last coding decides how the body is framed ("gzip, chunked").
  auto comma = value.rfind(',');
  if (comma != std::string_view::npos) value.remove_prefix(comma + 1);
  return same_name(trimmed(value), "chunked");
}

}  // namespace

RequestHead scan_request_head(std::string_view buffered, const HeadLimits& limits) {
  RequestHead head;
  const size_t end = buffered.find(kEndOfHead);
  const std::string_view seen =
      end == std::string_view::npos ? buffered : buffered.substr(0, end + kEndOfHead.size());
  // Lines after the request line are header fields; the blank line is not.
  const size_t lines = static_cast<size_t>(std::count(seen.begin(), seen.end(), '\n'));
  const size_t fields = end == std::string_view::npos ? (lines > 0 ? lines - 1 : 0) : lines - 2;
  if (seen.size() > limits.max_bytes || fields > limits.max_fields) {
    head.state = HeadState::kTooLarge;
    return head;
  }
  if (end == std::string_view::npos) return head;

  head.state = HeadState::kComplete;
  head.head_bytes = seen.size();
  size_t pos = seen.find("\r\n") + 2;  // past the request line
  while (pos < end) {
    size_t eol = seen.find("\r\n", pos);
    std::string_view line = seen.substr(pos, eol - pos);
    pos = eol + 2;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (same_name(name, "Content-Length")) {
      head.content_length = parse_length(value);
    } else if (same_name(name, "Transfer-Encoding")) {
      head.chunked = names_chunked(value);
    } else if (same_name(name, "Expect")) {
      head.expects_continue = same_name(trimmed(value), "100-continue");
    }
  }
  return head;
}

}  // namespace tierd
