// Offset paging as Zendesk's list endpoints do it (page, per_page <= 100),
// shared by the simulator's list handlers.
//
// Pure helpers; thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

inline std::optional<int64_t> query_int(const SimRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty() || it->second.size() > 18) return std::nullopt;
  for (char c : it->second) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stoll(it->second);
}

// Offset paging as Zendesk's list endpoints do it (page, per_page <= 100).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  nlohmann::json next_page = nullptr;
  nlohmann::json previous_page = nullptr;
};

inline Page paginate(const SimRequest& r, size_t total, const std::string& url) {
  int64_t per_page = std::clamp<int64_t>(query_int(r, "per_page").value_or(100), 1, 100);
  int64_t page = std::max<int64_t>(1, query_int(r, "page").value_or(1));
  Page p;
  p.begin = std::min(total, static_cast<size_t>((page - 1) * per_page));
  p.end = std::min(total, p.begin + static_cast<size_t>(per_page));
  std::string base = url + "?per_page=" + std::to_string(per_page);
  if (auto it = r.query.find("sort_order"); it != r.query.end())
    base += "&sort_order=" + it->second;
  if (p.end < total) p.next_page = base + "&page=" + std::to_string(page + 1);
  if (page > 1) p.previous_page = base + "&page=" + std::to_string(page - 1);
  return p;
}

}  // namespace tierd::sim
