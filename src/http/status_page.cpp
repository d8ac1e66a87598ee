#include "http/status_page.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "core/time.h"

namespace tierd {
namespace {

using nlohmann::json;

int64_t int_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string text_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string age(int64_t ms) {
  return format_duration(Duration(std::max<int64_t>(ms, 0)));
}

std::string in_words(int64_t ms) {
  if (ms <= 0) return "due now";
  return "in " + format_duration(Duration(ms));
}

// "#7" linked to the helpdesk's page of the ticket when there is one.
std::string ticket_cell(const json& t) {
  std::string number = "#" + std::to_string(int_at(t, "id"));
  const std::string url = text_at(t, "url");
  if (url.empty()) return number;
  return "<a class=\"ticket\" href=\"" + html_escape(url) + "\">" + number + "</a>";
}

// "Dana Reyes (500120)", or "user 500120" when the name is not known.
std::string user_cell(const json& user) {
  if (!user.is_object()) return "<span class=\"muted\">nobody</span>";
  const std::string id = std::to_string(int_at(user, "id"));
  const std::string name = text_at(user, "name");
  if (name.empty()) return "<span class=\"user\">user " + id + "</span>";
  return "<span class=\"user\">" + html_escape(name) + " <span class=\"muted\">(" + id +
         ")</span></span>";
}

void header(std::ostringstream& h, const json& status) {
  const std::string mode = text_at(status, "mode");
  h << "<h1>tierd status</h1><p class=\"summary\"><span id=\"mode\" class=\"badge "
    << (mode == "live" ? "live" : "shadow") << "\">" << html_escape(mode) << "</span> "
    << (mode == "live" ? "tierd writes its decisions to the helpdesk."
                       : "tierd decides and explains, and writes nothing.")
    << " <span id=\"version\">tierd " << html_escape(text_at(status, "version"))
    << "</span> · <span id=\"now\">as of " << html_escape(text_at(status, "now")) << "</span></p>";
}

void health(std::ostringstream& h, const json& status) {
  const json& health = status.at("health");
  h << "<h2>Health</h2>";
  if (health.value("ok", false)) {
    h << "<p id=\"health\" class=\"ok\">Everything is working.</p>";
  } else {
    h << "<ul id=\"health\" class=\"problems\">";
    for (const auto& p : health.at("problems")) {
      h << "<li>" << html_escape(p.get<std::string>()) << "</li>";
    }
    h << "</ul>";
  }
  h << "<table id=\"health-detail\"><tr><th>part</th><th>state</th></tr>"
       "<tr><td>store</td><td>readable</td></tr>";
  for (const auto& loop : health.at("loops")) {
    const std::string state = text_at(loop, "state");
    const bool bad = !loop.value("running", false) || loop.value("stuck", false);
    h << "<tr><td>" << html_escape(text_at(loop, "name")) << " loop</td><td"
      << (bad ? " class=\"risk\"" : "") << ">" << html_escape(state);
    if (loop.value("running", false)) h << " for " << age(int_at(loop, "for_ms"));
    h << "</td></tr>";
  }
  const json& helpdesk = health.at("helpdesk");
  h << "<tr><td>helpdesk</td><td id=\"helpdesk\"";
  if (!helpdesk.value("known", false)) {
    h << ">not asked anything yet";
  } else {
    const bool reachable = helpdesk.value("reachable", false);
    h << (reachable ? ">reachable"
                    : " class=\"risk\">failing: " + html_escape(text_at(helpdesk, "error")))
      << " (last answer " << age(int_at(helpdesk, "last_answer_age_ms")) << " ago)";
  }
  if (helpdesk.value("auth_failed", false)) h << "; credentials refused, writing paused";
  h << "</td></tr>";
  const json& dead = health.at("dead_letters");
  h << "<tr><td>dead letters</td><td id=\"dead-letters\"";
  if (dead.at("count").is_number() && int_at(dead, "count") > 0) {
    h << " class=\"risk\">" << (dead.value("at_least", false) ? "at least " : "")
      << int_at(dead, "count") << ", the newest for ticket #" << int_at(dead, "newest_ticket")
      << ": " << html_escape(text_at(dead, "newest_error"));
  } else {
    h << ">none";
  }
  h << "</td></tr><tr><td>writes waiting</td><td id=\"outbox\">"
    << status.value("outbox_depth", json(0)).dump();
  if (status.contains("outbox_oldest") && status.at("outbox_oldest").is_string()) {
    h << ", the oldest pending for <span id=\"outbox-oldest\">"
      << age(int_at(status, "outbox_oldest_age_ms")) << "</span> (since "
      << html_escape(text_at(status, "outbox_oldest")) << ")";
  }
  h << "</td></tr><tr><td>deliveries not yet processed</td><td id=\"inbox\">"
    << status.value("inbox_depth", json(0)).dump() << "</td></tr></table>";
}

void review(std::ostringstream& h, const json& status) {
  const json& review = status.at("review");
  const int64_t waiting = int_at(review, "waiting");
  h << "<h2>Review queue</h2><p id=\"review-summary\">";
  if (waiting == 0) {
    h << "No ticket is waiting for review.</p>";
    return;
  }
  h << waiting << (waiting == 1 ? " ticket waits" : " tickets wait")
    << " for review; the oldest for <span id=\"review-oldest\">"
    << age(int_at(review, "oldest_wait_ms")) << "</span>.</p>";
  h << "<table id=\"review\"><tr><th>ticket</th><th>waiting for</th><th>reviewer</th></tr>";
  for (const auto& t : review.at("tickets")) {
    h << "<tr><td>" << ticket_cell(t) << "</td><td>" << age(int_at(t, "wait_ms")) << "</td><td>"
      << user_cell(t.at("reviewer")) << "</td></tr>";
  }
  h << "</table>";
}

void queues(std::ostringstream& h, const json& status) {
  h << "<h2>Queues by tier</h2><table id=\"queues\"><tr><th>tier</th><th class=\"num\">open "
       "tickets</th><th class=\"num\">clocks running</th><th class=\"num\">at risk</th></tr>";
  for (const auto& t : status.at("tiers")) {
    const int64_t risk = int_at(t, "at_risk");
    h << "<tr data-tier=\"" << html_escape(text_at(t, "name")) << "\"><td>"
      << html_escape(text_at(t, "name")) << "</td><td class=\"num queue\">" << int_at(t, "queue")
      << "</td><td class=\"num\">" << int_at(t, "running_clocks") << "</td><td class=\"num"
      << (risk > 0 ? " risk" : "") << "\">" << risk << "</td></tr>";
  }
  h << "</table>";

  h << "<h2>Clocks about to run out</h2>";
  if (status.at("expiring").empty()) {
    h << "<p id=\"expiring-none\">No clock is running.</p>";
    return;
  }
  h << "<table id=\"expiring\"><tr><th>ticket</th><th>tier</th><th>assignee</th><th>next "
       "deadline</th><th></th></tr>";
  for (const auto& e : status.at("expiring")) {
    h << "<tr><td>" << ticket_cell(e) << "</td><td>" << html_escape(text_at(e, "tier"))
      << "</td><td>" << user_cell(e.at("assignee")) << "</td><td>"
      << html_escape(text_at(e, "deadline")) << "</td><td>" << in_words(int_at(e, "in_ms"))
      << "</td></tr>";
  }
  h << "</table>";
}

std::string percent(double share) {
  std::ostringstream s;
  s.precision(3);
  s << share * 100 << "%";
  return s.str();
}

void funnel(std::ostringstream& h, const json& status) {
  const json& funnel = status.at("funnel");
  int64_t widest = 1;
  for (const auto& f : funnel) widest = std::max(widest, int_at(f, "entered"));
  h << "<h2>Tier funnel, last " << html_escape(text_at(status, "funnel_window")) << "</h2>";
  // The bar and its words are separate cells: the words take the room they need.
  h << "<table id=\"funnel\" class=\"funnel\"><tr><th>tier</th><th class=\"bars\"></th>"
       "<th>tickets</th><th class=\"num\">by timer</th><th class=\"num\">by tag</th>"
       "<th class=\"num\">by review budget</th><th class=\"num\">moved up by hand</th>"
       "<th class=\"num\">moved down by hand</th><th class=\"num\">reopen rate</th></tr>";
  for (const auto& f : funnel) {
    const int64_t entered = int_at(f, "entered");
    const int64_t width = entered * 100 / widest;
    const json& flow = f.at("flow");
    const json& by = flow.at("escalated_by");
    h << "<tr class=\"bar\" data-tier=\"" << html_escape(text_at(f, "name")) << "\" data-entered=\""
      << entered << "\"><td>" << html_escape(text_at(f, "name"))
      << "</td><td class=\"bars\"><div class=\"bar\" style=\"width:" << std::max<int64_t>(width, 1)
      << "%\"></div></td><td class=\"words\">" << entered << " entered, "
      << int_at(f, "solved_in_tier") << " solved, " << int_at(f, "escalated_out")
      << " escalated</td><td class=\"num\">" << int_at(by, "timer") << "</td><td class=\"num\">"
      << int_at(by, "manual_tag") << "</td><td class=\"num\">" << int_at(by, "review_budget")
      << "</td><td class=\"num\">" << int_at(by, "agent_move") << "</td><td class=\"num\">"
      << int_at(flow, "bounced_back") << "</td><td class=\"num\">"
      << (int_at(flow, "solves") > 0 ? percent(flow.value("reopen_rate", 0.0)) : "–")
      << "</td></tr>";
  }
  h << "</table>";

  if (!status.at("routes").empty()) {
    h << "<h2>Routes, last " << html_escape(text_at(status, "funnel_window"))
      << "</h2><table id=\"routes\"><tr><th>route</th><th class=\"num\">forwarded</th>"
         "<th class=\"num\">misroutes</th><th class=\"num\">escalated</th></tr>";
    for (const auto& r : status.at("routes")) {
      const json& by = r.at("flow").at("escalated_by");
      h << "<tr><td>" << html_escape(text_at(r, "name")) << "</td><td class=\"num\">"
        << int_at(r, "forwarded") << "</td><td class=\"num"
        << (int_at(r, "misroutes") ? " risk" : "") << "\">" << int_at(r, "misroutes")
        << "</td><td class=\"num\">"
        << int_at(by, "timer") + int_at(by, "manual_tag") + int_at(by, "review_budget") +
               int_at(by, "agent_move")
        << "</td></tr>";
    }
    h << "</table>";
  }
}

void agents(std::ostringstream& h, const json& status) {
  h << "<h2>Agents, last " << html_escape(text_at(status, "funnel_window")) << "</h2>";
  if (status.at("agents").empty()) {
    h << "<p id=\"agents-none\">No agent solved, reviewed or forwarded a ticket.</p>";
    return;
  }
  h << "<table id=\"agents\"><tr><th>agent</th><th class=\"num\">solved</th><th "
       "class=\"num\">assisted</th><th class=\"num\">reviewed</th><th "
       "class=\"num\">forwarded</th></tr>";
  for (const auto& a : status.at("agents")) {
    h << "<tr><td>" << user_cell(a) << "</td><td class=\"num\">" << int_at(a, "solved")
      << "</td><td class=\"num\">" << int_at(a, "assisted") << "</td><td class=\"num\">"
      << int_at(a, "reviewed") << "</td><td class=\"num\">" << int_at(a, "forwarded")
      << "</td></tr>";
  }
  h << "</table>";
  if (int_at(status, "unassigned_solves") > 0) {
    h << "<p>Solved with nobody assigned: " << int_at(status, "unassigned_solves") << ".</p>";
  }
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
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
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_status_page(const json& status) {
  std::ostringstream h;
  h << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta http-equiv=\"refresh\" content=\"30\"><title>tierd status</title><style>"
       "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}"
       "table{border-collapse:collapse;margin-bottom:1.5rem}"
       "td,th{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left;"
       "vertical-align:middle}"
       "th{background:#f4f4f4}.num{text-align:right}.risk{color:#b00020;font-weight:600}"
       ".muted{color:#666}.ok{color:#1b5e20}.problems{color:#b00020;font-weight:600}"
       ".badge{display:inline-block;padding:.1rem .6rem;border-radius:.8rem;color:#fff;"
       "font-weight:600;text-transform:uppercase;letter-spacing:.05em}"
       ".live{background:#1b5e20}.shadow{background:#5d4037}"
       "td.bars{width:16rem;min-width:8rem}div.bar{height:1.1rem;background:#3b6ea5}"
       "td.words{white-space:nowrap}a.ticket{color:#0b57d0}"
       "</style></head><body>";
  header(h, status);
  health(h, status);
  review(h, status);
  queues(h, status);
  funnel(h, status);
  agents(h, status);
  h << "</body></html>\n";
  return h.str();
}

}  // namespace tierd
