// The two ways Zendesk's list endpoints page, shared by the simulator's list
// handlers:
//
// - offset paging (page, per_page <= 100; next_page / previous_page links),
//   which every list endpoint accepts when page[size] is absent;
// - cursor paging (page[size] <= 100, page[after] / page[before]; the answer
//   carries meta.has_more, meta.after_cursor, meta.before_cursor and
//   links.next / links.prev), which Zendesk recommends and offers on the
//   endpoints that document it. Cursors are opaque to clients.
//
// Pure helpers; thread-safe.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/zendesk/auth.h"
#include "sim/zendesk/responses.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

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

// True when the request asks for cursor paging.
inline bool wants_cursor_paging(const SimRequest& r) {
  return r.query.count("page[size]") || r.query.count("page[after]") ||
         r.query.count("page[before]");
}

struct CursorPage {
  size_t begin = 0;
  size_t end = 0;
  nlohmann::json meta;   // {"has_more", "after_cursor", "before_cursor"}
  nlohmann::json links;  // {"next", "prev"}
  std::string error;     // why the request is refused (400); "" when it is not
};

// One page of `keys` (the listed items' stable keys, in list order) under
// the request's page[size] and page[after] / page[before]. `url` is the
// endpoint's absolute URL; the links repeat the request's other parameters.
inline CursorPage cursor_paginate(const SimRequest& r, const std::vector<std::string>& keys,
                                  const std::string& url) {
  CursorPage p;
  int64_t size = 100;
  if (r.query.count("page[size]")) {
    auto n = query_int(r, "page[size]");
    if (!n || *n < 1 || *n > 100) {
      p.error = "page[size] must be between 1 and 100";
      return p;
    }
    size = *n;
  }
  auto position_of = [&](const std::string& cursor) -> std::optional<size_t> {
    auto key = base64_decode(cursor);
    if (!key) return std::nullopt;
    auto it = std::find(keys.begin(), keys.end(), *key);
    if (it == keys.end()) return std::nullopt;
    return static_cast<size_t>(it - keys.begin());
  };
  const size_t total = keys.size();
  if (auto after = r.query.find("page[after]"); after != r.query.end()) {
    auto at = position_of(after->second);
    if (!at) {
      p.error = "page[after] is not a valid cursor";
      return p;
    }
    p.begin = *at + 1;
    p.end = std::min(total, p.begin + static_cast<size_t>(size));
  } else if (auto before = r.query.find("page[before]"); before != r.query.end()) {
    auto at = position_of(before->second);
    if (!at) {
      p.error = "page[before] is not a valid cursor";
      return p;
    }
    p.end = *at;
    p.begin = p.end > static_cast<size_t>(size) ? p.end - static_cast<size_t>(size) : 0;
  } else {
    p.end = std::min(total, static_cast<size_t>(size));
  }
  const bool has_more = p.end < total;
  std::string base = url + "?";
  for (const auto& [k, v] : r.query) {
    if (k.rfind("page[", 0) == 0) continue;
    base += percent_encode_query(k) + "=" + percent_encode_query(v) + "&";
  }
  base += "page%5Bsize%5D=" + std::to_string(size);
  nlohmann::json after_cursor = nullptr, before_cursor = nullptr;
  if (p.end > p.begin) {
    after_cursor = base64_encode(keys[p.end - 1]);
    before_cursor = base64_encode(keys[p.begin]);
  }
  p.meta = {{"has_more", has_more}, {"after_cursor", after_cursor}, {"before_cursor", before_cursor}};
  p.links = {
      {"next", has_more && after_cursor.is_string()
                   ? nlohmann::json(base + "&page%5Bafter%5D=" +
                                    percent_encode_query(after_cursor.get<std::string>()))
                   : nlohmann::json(nullptr)},
      {"prev", p.begin > 0 && before_cursor.is_string()
                   ? nlohmann::json(base + "&page%5Bbefore%5D=" +
                                    percent_encode_query(before_cursor.get<std::string>()))
                   : nlohmann::json(nullptr)}};
  return p;
}

// How a list endpoint pages when the request does not ask for cursor paging.
enum class WithoutCursor {
  kOffset,  // page / per_page, as every endpoint that documents it
  kAll,     // no paging at all: the endpoint documents cursor paging only
};

// The answer of a list endpoint: the items under `key` (`render(i)` gives the
// i-th of the listed items, whose cursor keys are `keys`), paged by cursor
// when the request asks for it, else as `without` says.
inline SimResponse list_response(const SimRequest& r, const std::string& key,
                                 const std::vector<std::string>& keys, const std::string& url,
                                 const std::function<nlohmann::json(size_t)>& render,
                                 WithoutCursor without = WithoutCursor::kOffset) {
  nlohmann::json items = nlohmann::json::array();
  if (wants_cursor_paging(r)) {
    CursorPage page = cursor_paginate(r, keys, url);
    if (!page.error.empty()) return error_response(400, "InvalidPaginationParameter", page.error);
    for (size_t i = page.begin; i < page.end; ++i) items.push_back(render(i));
    return json_response(200, {{key, items}, {"meta", page.meta}, {"links", page.links}});
  }
  Page page;
  page.end = keys.size();
  if (without == WithoutCursor::kOffset) page = paginate(r, keys.size(), url);
  for (size_t i = page.begin; i < page.end; ++i) items.push_back(render(i));
  return json_response(200, {{key, items},
                             {"next_page", page.next_page},
                             {"previous_page", page.previous_page},
                             {"count", keys.size()}});
}

// The keys cursor paging needs for items identified by a number.
template <typename T, typename IdOf>
std::vector<std::string> cursor_keys(const std::vector<T>& items, IdOf id_of) {
  std::vector<std::string> keys;
  keys.reserve(items.size());
  for (const auto& item : items) keys.push_back(std::to_string(id_of(item)));
  return keys;
}

}  // namespace tierd::sim
