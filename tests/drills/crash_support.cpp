#include "drills/crash_support.h"

#include <httplib.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "core/time.h"
#include "freshdesk/webhook_payload.h"
#include "support/process_harness.h"

namespace tierd::testing {

using nlohmann::json;

namespace {

// Runs `sql` on a read-only connection, calling `row` for each result row.
void query_readonly(const std::string& db_path, const std::string& sql,
                    const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3* raw = nullptr;
  // Read-only and without creating: the harness must never touch tierd's file.
  int rc = sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK)
    throw std::runtime_error("sqlite open " + db_path + ": " + sqlite3_errstr(rc));
  // tierd may be writing at the same moment; wait for its lock.
  sqlite3_busy_timeout(db.get(), 5000);
  sqlite3_stmt* raw_stmt = nullptr;
  rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_stmt, nullptr);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw_stmt, &sqlite3_finalize);
  if (rc != SQLITE_OK)
    throw std::runtime_error("sqlite prepare: " + std::string(sqlite3_errmsg(db.get())));
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) row(stmt.get());
  if (rc != SQLITE_DONE)
    throw std::runtime_error("sqlite step: " + std::string(sqlite3_errmsg(db.get())));
}

std::string column_text(sqlite3_stmt* stmt, int i) {
  const unsigned char* text = sqlite3_column_text(stmt, i);
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace

bool has_tag(const json& ticket, const std::string& tag) {
  for (const auto& t : ticket.at("tags")) {
    if (t.get<std::string>() == tag) return true;
  }
  return false;
}

int64_t group_of(LiveStack& stack, int64_t ticket_id) {
  auto g = stack.ticket(ticket_id).at("group_id");
  return g.is_null() ? 0 : g.get<int64_t>();
}

std::vector<std::string> note_keys(const std::vector<std::string>& notes) {
  static const std::string kOpen = "[tierd ref ";
  std::vector<std::string> keys;
  for (const auto& note : notes) {
    size_t at = 0;
    while ((at = note.find(kOpen, at)) != std::string::npos) {
      size_t start = at + kOpen.size();
      size_t end = note.find(']', start);
      if (end == std::string::npos) break;
      keys.push_back(note.substr(start, end - start));
      at = end;
    }
  }
  return keys;
}

int count_containing(const std::vector<std::string>& notes, const std::string& text) {
  int n = 0;
  for (const auto& note : notes) n += note.find(text) != std::string::npos ? 1 : 0;
  return n;
}

bool is_ticket_path(const std::string& path, int64_t ticket_id) {
  const std::string base = "/api/v2/tickets/" + std::to_string(ticket_id);
  if (path.rfind(base, 0) != 0) return false;
  std::string rest = path.substr(base.size());
  return rest.empty() || rest == ".json";
}

json sim_requests(LiveStack& stack) {
  return stack.sim("GET", "/sim/requests").at("requests");
}

std::vector<json> requests_matching(const json& log, const std::string& method,
                                    const std::string& prefix, std::optional<int> status) {
  std::vector<json> out;
  for (const auto& r : log) {
    if (r.value("method", "") != method) continue;
    if (r.value("path", "").rfind(prefix, 0) != 0) continue;
    if (status && r.value("status", -1) != *status) continue;
    out.push_back(r);
  }
  return out;
}

int successful_single_writes(const json& log, int64_t ticket_id) {
  int n = 0;
  for (const auto& r : log) {
    if (r.value("method", "") == "PUT" && is_ticket_path(r.value("path", ""), ticket_id) &&
        r.value("status", 0) == 200) {
      ++n;
    }
  }
  return n;
}

std::string describe_writes(const json& log, int64_t ticket_id) {
  std::string out;
  for (const auto& r : log) {
    if (r.value("method", "") != "PUT") continue;
    const std::string path = r.value("path", "");
    json body = r.value("body", json());
    if (path.rfind("/api/v2/tickets/update_many", 0) == 0 && body.contains("tickets")) {
      json mine;
      for (const auto& t : body["tickets"]) {
        if (t.value("id", int64_t{0}) == ticket_id) mine = t;
      }
      if (mine.is_null()) continue;
      body = mine;
    } else if (!is_ticket_path(path, ticket_id)) {
      continue;
    }
    out += r.value("time", "") + " " + std::to_string(r.value("status", 0)) + " " + path + " " +
           body.dump() + "\n";
  }
  return out;
}

int64_t request_time_ms(const json& request) {
  auto t = parse_instant(request.value("time", ""));
  if (!t.ok()) throw std::runtime_error("unreadable request time: " + request.dump());
  return to_unix_ms(*t);
}

namespace {

// An acknowledged delivery's event id, and whether it announced a new ticket.
struct AcknowledgedEvent {
  std::string event_id;
  bool created = false;
};

AcknowledgedEvent acknowledged_event(Vendor vendor, const json& d) {
  if (vendor == Vendor::kZendesk) {
    return {d.value("event_id", ""), d.value("type", "") == "zen:event-type:ticket.created"};
  }
  // freshdesk-sim's rules send tierd's README body, which names no event id:
  // tierd derives it from the body, and the harness asks the same parser.
  // The id does not depend on when the body was received.
  auto parsed = freshdesk::parse_webhook_delivery(d.value("body", ""), Instant{});
  if (!parsed.ok() || !parsed->event) {
    throw std::runtime_error("a delivery tierd acknowledged does not map to an event: " + d.dump());
  }
  return {parsed->event->event_id, d.value("rule", "") == "create"};
}

}  // namespace

DeliveryTally tally_deliveries(LiveStack& stack) {
  DeliveryTally tally;
  const json answer = stack.sim("GET", "/sim/webhooks");
  for (const auto& d : answer.at("deliveries")) {
    const std::string outcome = d.value("outcome", "");
    const int status = d.value("http_status", 0);
    if (status >= 200 && status < 300) {
      const AcknowledgedEvent event = acknowledged_event(stack.vendor(), d);
      tally.acknowledged.insert(event.event_id);
      if (event.created) tally.created_acknowledged.insert(d.value("ticket_id", int64_t{0}));
    } else if (outcome == "failed") {
      ++tally.failed;
    } else if (outcome == "dropped") {
      ++tally.dropped;
    } else {
      ++tally.pending;
    }
  }
  return tally;
}

std::map<std::string, InboxRow> read_inbox(const std::string& db_path) {
  std::map<std::string, InboxRow> rows;
  query_readonly(db_path, "SELECT event_id, processed FROM inbox", [&](sqlite3_stmt* stmt) {
    rows[column_text(stmt, 0)] = InboxRow{sqlite3_column_int(stmt, 1) != 0};
  });
  return rows;
}

std::map<std::string, int> outbox_states(const std::string& db_path) {
  std::map<std::string, int> states;
  query_readonly(
      db_path, "SELECT state, COUNT(*) FROM outbox GROUP BY state",
      [&](sqlite3_stmt* stmt) { states[column_text(stmt, 0)] = sqlite3_column_int(stmt, 1); });
  return states;
}

std::vector<std::string> outbox_kinds_in_state(const std::string& db_path,
                                               const std::string& state) {
  std::vector<std::string> kinds;
  // `state` is one of the fixed state names, never outside input.
  query_readonly(db_path, "SELECT kind FROM outbox WHERE state = '" + state + "'",
                 [&](sqlite3_stmt* stmt) { kinds.push_back(column_text(stmt, 0)); });
  return kinds;
}

std::string store_path(const LiveStack& stack) {
  const json config = json::parse(read_file(stack.config_path()));
  return config.at("store").at("sqlite").at("path").get<std::string>();
}

std::optional<double> scrape_metric(int port, const std::string& name) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  std::istringstream lines(res->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) != 0) continue;
    return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return std::nullopt;
}

std::string explain_ticket(const LiveStack& stack, int64_t ticket_id) {
  const std::string command = std::string(TIERD_BINARY) + " explain --config " +
                              stack.config_path() + " " + std::to_string(ticket_id) + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "(could not run tierd explain)";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  long parsed = std::strtol(value, &end, 10);
  if (*end != '\0' || parsed <= 0 || parsed > 1000000) return fallback;
  return static_cast<int>(parsed);
}

}  // namespace tierd::testing
