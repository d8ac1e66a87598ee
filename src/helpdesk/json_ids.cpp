#include "helpdesk/json_ids.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace tierd {

using nlohmann::json;

std::optional<int64_t> int64_from_text(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::optional<int64_t> id_from_json(const json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(d) || d != std::floor(d) || d >= 9223372036854775808.0 ||
        d < -9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  if (v.is_string()) return int64_from_text(v.get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<int64_t> optional_id_from_json(const json& v) {
  auto id = id_from_json(v);
  if (id && *id == 0) return std::nullopt;
  return id;
}

std::optional<int64_t> optional_id_member(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  return it == obj.end() ? std::nullopt : optional_id_from_json(*it);
}

}  // namespace tierd
