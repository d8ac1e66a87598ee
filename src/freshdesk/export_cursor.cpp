#include "freshdesk/export_cursor.h"

#include <algorithm>
#include <chrono>

#include "helpdesk/json_ids.h"

namespace tierd::freshdesk {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t end = text.find(sep, pos);
    parts.push_back(text.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) return parts;
    pos = end + 1;
  }
}

bool contains(const std::vector<TicketId>& ids, TicketId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

ExportCursor ExportCursor::starting_at(Instant since) {
  ExportCursor c;
  c.since = std::chrono::floor<std::chrono::seconds>(since);
  return c;
}

std::string ExportCursor::encode() const {
  std::string out = "fd1;" + std::to_string(to_unix_ms(since)) + ";" + std::to_string(page) + ";";
  if (boundary) out += std::to_string(to_unix_ms(*boundary));
  out += ";";
  for (size_t i = 0; i < boundary_ids.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(boundary_ids[i]);
  }
  return out;
}

Result<ExportCursor> ExportCursor::decode(std::string_view text) {
  const auto parts = split(text, ';');
  if (parts.size() != 5 || parts[0] != "fd1") {
    return Status::InvalidArgument("freshdesk export cursor: expected fd1;since;page;boundary;ids");
  }
  ExportCursor c;
  auto since = int64_from_text(parts[1]);
  auto page = int64_from_text(parts[2]);
  if (!since || !page || *page < 1 || *page > kListPageCap) {
    return Status::InvalidArgument("freshdesk export cursor: bad since or page");
  }
  c.since = from_unix_ms(*since);
  c.page = static_cast<int>(*page);
  if (!parts[3].empty()) {
    auto boundary = int64_from_text(parts[3]);
    if (!boundary) return Status::InvalidArgument("freshdesk export cursor: bad boundary");
    c.boundary = from_unix_ms(*boundary);
  }
  if (!parts[4].empty()) {
    for (std::string_view id : split(parts[4], ',')) {
      auto n = int64_from_text(id);
      if (!n || *n <= 0) return Status::InvalidArgument("freshdesk export cursor: bad ticket id");
      c.boundary_ids.push_back(*n);
    }
  }
  return c;
}

ExportStep fold_export_page(const ExportCursor& at, std::vector<TicketSnapshot> tickets,
                            bool has_next) {
  ExportStep step;
  step.next = at;
  ExportCursor& next = step.next;
  for (auto& t : tickets) {
    if (t.updated_at && next.boundary && *t.updated_at == *next.boundary &&
        contains(next.boundary_ids, t.id)) {
      continue;  // returned already, by an earlier listing of this second
    }
    if (t.updated_at) {
      if (!next.boundary || *t.updated_at > *next.boundary) {
        next.boundary = *t.updated_at;
        next.boundary_ids = {t.id};
      } else if (*t.updated_at == *next.boundary) {
        next.boundary_ids.push_back(t.id);
      }
    }
    step.tickets.push_back(std::move(t));
  }
  if (has_next && at.page < kListPageCap) {
    next.page = at.page + 1;
    return step;
  }
  // Past the cap, or at the end: the next listing starts at the boundary.
  if (next.boundary) next.since = std::chrono::floor<std::chrono::seconds>(*next.boundary);
  next.page = 1;
  step.end_of_stream = !has_next;
  return step;
}

}  // namespace tierd::freshdesk
