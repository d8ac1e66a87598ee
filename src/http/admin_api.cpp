#include "http/admin_api.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <system_error>

#include "core/decide.h"
#include "core/ticket.h"
#include "core/ticket_state.h"
#include "reports/explain.h"
#include "reports/report.h"
#include "zendesk/webhook_signature.h"

namespace tierd {
namespace {

using nlohmann::json;

bool same_secret(const std::string& given, const std::string& expected) {
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

// True when the request carries the token, as a bearer token or as the
// password of HTTP Basic (what a browser sends after its prompt). The scheme
// name is case-insensitive (RFC 9110 11.1).
bool authorized(const httplib::Request& req, const std::string& token) {
  const std::string header = req.get_header_value("Authorization");
  const size_t space = header.find(' ');
  if (space == std::string::npos) return false;
  const std::string scheme = ascii_lower(std::string_view(header).substr(0, space));
  const std::string credentials = header.substr(header.find_first_not_of(' ', space));
  if (scheme == "bearer") return same_secret(credentials, token);
  if (scheme == "basic") {
    const auto pair = zendesk::base64_decode(credentials);
    auto colon = pair ? pair->find(':') : std::string::npos;
    return colon != std::string::npos && same_secret(pair->substr(colon + 1), token);
  }
  return false;
}

void answer_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2, ' ', false, json::error_handler_t::replace), "application/json");
}

// Runs `handler` only for an authorized request; the others get 401 (403
// when no token is configured) and a line in the log without the token.
httplib::Server::Handler guarded(const std::string& token,
                                 const httplib::Server::Handler& handler) {
  return [token, handler](const httplib::Request& req, httplib::Response& res) {
    // No answer here is meant to be sniffed into another type by a browser.
    res.set_header("X-Content-Type-Options", "nosniff");
    if (token.empty()) {
      answer_json(res, 403,
                  {{"error",
                    "the admin API is disabled: set the environment variable named by "
                    "admin.token_env (TIERD_ADMIN_TOKEN by default) and restart tierd"}});
      return;
    }
    if (!authorized(req, token)) {
      spdlog::warn("admin: refused {} {} from {} (missing or wrong token)", req.method, req.path,
                   req.remote_addr);
      res.set_header("WWW-Authenticate", "Basic realm=\"tierd admin\", charset=\"UTF-8\"");
      answer_json(res, 401, {{"error", "admin token required (Authorization: Bearer TOKEN)"}});
      return;
    }
    handler(req, res);
  };
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string in_words(int64_t ms) {
  if (ms <= 0) return "due now";
  return "in " + format_duration(Duration(ms));
}

}  // namespace

Result<json> admin_status(Store& store, const Policy& policy, Instant now,
                          const AdminApiOptions& options) {
  const size_t tiers = policy.tiers.size();
  std::vector<int64_t> queue(tiers, 0), at_risk(tiers, 0), running(tiers, 0);
  std::map<TicketId, int> tier_of;
  int64_t unreadable = 0;
  Status scan = store.for_each_ticket([&](const TicketRow& row) {
    json doc = json::parse(row.state_json, nullptr, false);
    auto state = doc.is_discarded() ? Result<TicketState>(Status::InvalidArgument("not JSON"))
                                    : ticket_state_from_json(doc);
    if (!state.ok()) {
      ++unreadable;
      return;
    }
    const TicketStatus status = state->ticket.status;
    const int tier = state->stay.tier;
    if (state->deleted || tier < 0 || static_cast<size_t>(tier) >= tiers ||
        status == TicketStatus::kSolved || status == TicketStatus::kClosed) {
      return;
    }
    tier_of[row.id] = tier;
    ++queue[static_cast<size_t>(tier)];
    if (state->stay.at_risk) ++at_risk[static_cast<size_t>(tier)];
    if (state->stay.running_since) ++running[static_cast<size_t>(tier)];
  });
  if (!scan.ok()) return scan;

  json expiring = json::array();
  Status deadlines = store.for_each_deadline([&](TicketId id, Instant due) {
    if (expiring.size() >= options.expiring_limit) return;
    auto it = tier_of.find(id);
    if (it == tier_of.end()) return;
    expiring.push_back({{"ticket", id},
                        {"tier", policy.tiers[static_cast<size_t>(it->second)].name},
                        {"deadline", format_instant(due)},
                        {"in_ms", std::chrono::duration_cast<Duration>(due - now).count()}});
  });
  if (!deadlines.ok()) return deadlines;

  auto report = build_report(store, policy, now - options.funnel_window, now);
  if (!report.ok()) return report.status();

  json out;
  out["now"] = format_instant(now);
  out["tiers"] = json::array();
  for (size_t i = 0; i < tiers; ++i) {
    out["tiers"].push_back({{"name", policy.tiers[i].name},
                            {"queue", queue[i]},
                            {"at_risk", at_risk[i]},
                            {"running_clocks", running[i]}});
  }
  out["expiring"] = std::move(expiring);
  out["funnel_window"] = format_duration(options.funnel_window);
  out["funnel"] = json::array();
  for (const auto& line : report->tiers) {
    out["funnel"].push_back({{"name", line.name},
                             {"entered", line.entered},
                             {"solved_in_tier", line.solved_in_tier},
                             {"escalated_out", line.escalated_out}});
  }
  out["tickets"] = report->tickets;
  auto inbox = store.inbox_depth();
  auto outbox = store.outbox_depth();
  auto oldest = store.oldest_pending_outbox();
  out["inbox_depth"] = inbox.ok() ? json(*inbox) : json(nullptr);
  out["outbox_depth"] = outbox.ok() ? json(*outbox) : json(nullptr);
  out["outbox_oldest"] = oldest.ok() && *oldest ? json(format_instant(**oldest)) : json(nullptr);
  out["unreadable_tickets"] = unreadable;
  return out;
}

std::string render_status_page(const json& status) {
  std::ostringstream h;
  h << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"refresh\" content=\"30\"><title>tierd status</title><style>"
       "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
       "table{border-collapse:collapse;margin-bottom:1.5rem}"
       "td,th{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left}"
       "th{background:#f4f4f4}.num{text-align:right}.risk{color:#b00020;font-weight:600}"
       "</style></head><body>";
  h << "<h1>tierd status</h1><p id=\"now\">As of " << html_escape(status.value("now", ""))
    << "</p>";

  h << "<h2>Queues by tier</h2><table id=\"queues\"><tr><th>tier</th><th class=\"num\">open "
       "tickets</th><th class=\"num\">clocks running</th><th class=\"num\">at risk</th></tr>";
  for (const auto& t : status.at("tiers")) {
    h << "<tr data-tier=\"" << html_escape(t.value("name", "")) << "\"><td>"
      << html_escape(t.value("name", "")) << "</td><td class=\"num queue\">"
      << t.value("queue", int64_t{0}) << "</td><td class=\"num\">"
      << t.value("running_clocks", int64_t{0}) << "</td><td class=\"num"
      << (t.value("at_risk", int64_t{0}) > 0 ? " risk" : "") << "\">"
      << t.value("at_risk", int64_t{0}) << "</td></tr>";
  }
  h << "</table>";

  h << "<h2>Clocks about to run out</h2>";
  if (status.at("expiring").empty()) {
    h << "<p id=\"expiring-none\">No clock is running.</p>";
  } else {
    h << "<table id=\"expiring\"><tr><th>ticket</th><th>tier</th><th>next "
         "deadline</th><th></th></tr>";
    for (const auto& e : status.at("expiring")) {
      h << "<tr><td>#" << e.value("ticket", int64_t{0}) << "</td><td>"
        << html_escape(e.value("tier", "")) << "</td><td>" << html_escape(e.value("deadline", ""))
        << "</td><td>" << in_words(e.value("in_ms", int64_t{0})) << "</td></tr>";
    }
    h << "</table>";
  }

  // The funnel: how many tickets entered each tier, as horizontal bars.
  const json& funnel = status.at("funnel");
  int64_t widest = 1;
  for (const auto& f : funnel) widest = std::max(widest, f.value("entered", int64_t{0}));
  const int bar_height = 28, label_width = 120, chart_width = 520;
  h << "<h2>Tier funnel, last " << html_escape(status.value("funnel_window", "")) << "</h2>";
  h << "<svg id=\"funnel\" role=\"img\" aria-label=\"tickets entering each tier\" width=\""
    << label_width + chart_width + 160 << "\" height=\""
    << bar_height * std::max<size_t>(1, funnel.size()) + 8 << "\">";
  int row = 0;
  for (const auto& f : funnel) {
    const int64_t entered = f.value("entered", int64_t{0});
    const int width = static_cast<int>(chart_width * entered / widest);
    const int y = row * bar_height + 4;
    h << "<g class=\"bar\" data-tier=\"" << html_escape(f.value("name", "")) << "\" data-entered=\""
      << entered << "\"><text x=\"0\" y=\"" << y + 18 << "\">" << html_escape(f.value("name", ""))
      << "</text><rect x=\"" << label_width << "\" y=\"" << y << "\" width=\"" << std::max(width, 1)
      << "\" height=\"" << bar_height - 6 << "\" fill=\"#3b6ea5\"></rect><text x=\""
      << label_width + std::max(width, 1) + 8 << "\" y=\"" << y + 18 << "\">" << entered
      << " entered, " << f.value("solved_in_tier", int64_t{0}) << " solved</text></g>";
    ++row;
  }
  h << "</svg>";

  h << "<h2>Writer</h2><p id=\"outbox\">Writes waiting: "
    << status.value("outbox_depth", json(0)).dump();
  if (status.contains("outbox_oldest") && status.at("outbox_oldest").is_string()) {
    h << " (oldest since " << html_escape(status.at("outbox_oldest").get<std::string>()) << ")";
  }
  h << ". Deliveries not yet processed: " << status.value("inbox_depth", json(0)).dump() << ".</p>";
  h << "</body></html>\n";
  return h.str();
}

void register_admin_routes(httplib::Server& server, Store& store, const PolicySource& policy,
                           const Clock& clock, const AdminApiOptions& options) {
  const std::string token = options.token;
  server.Get(
      R"(/api/v1/tickets/(\d{1,19}))",
      guarded(token, [&store](const httplib::Request& req, httplib::Response& res) {
        const std::string digits = req.matches[1].str();
        TicketId id = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
        if (error != std::errc() || end != digits.data() + digits.size()) {
          answer_json(res, 404, {{"error", "tierd has no record of ticket " + digits}});
          return;
        }
        std::ostringstream out, err;
        int rc = print_explanation(store, id, true, out, err);
        if (rc == 0) {
          res.set_content(out.str(), "application/json");
        } else if (rc == 3) {
          answer_json(res, 404, {{"error", "tierd has no record of ticket " + std::to_string(id)}});
        } else {
          answer_json(res, 503, {{"error", err.str()}});
        }
      }));
  server.Get("/api/v1/status", guarded(token, [&store, policy, &clock, options](
                                                  const httplib::Request&, httplib::Response& res) {
               auto status = admin_status(store, *policy(), clock.now(), options);
               if (!status.ok()) {
                 answer_json(res, 503, {{"error", status.status().to_string()}});
                 return;
               }
               answer_json(res, 200, *status);
             }));
  server.Get("/", guarded(token, [&store, policy, &clock, options](const httplib::Request&,
                                                                   httplib::Response& res) {
               auto status = admin_status(store, *policy(), clock.now(), options);
               if (!status.ok()) {
                 res.status = 503;
                 res.set_content("tierd cannot read its store: " + status.status().to_string(),
                                 "text/plain");
                 return;
               }
               res.set_header("Content-Security-Policy",
                              "default-src 'none'; style-src 'unsafe-inline'");
               res.set_header("Cache-Control", "no-store");
               res.set_content(render_status_page(*status), "text/html; charset=utf-8");
             }));
}

}  // namespace tierd
