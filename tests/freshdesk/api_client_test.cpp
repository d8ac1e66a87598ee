// FreshdeskApiClient over loopback against a stand-in written from
// Freshdesk's API v2 documentation (developers.freshdesk.com/api): its
// ticket, conversation, group, agent and job shapes, its error bodies
// ({"description", "errors": [{"field", "message", "code"}]}), the Link
// header of lists, the 300-page cap of List All Tickets, and the
// X-RateLimit-* / Retry-After headers. Every request is recorded, so the
// tests check what the client sent as well as what it made of the answers.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "freshdesk/api_client.h"
#include "freshdesk/export_cursor.h"
#include "helpdesk/text_codec.h"

using nlohmann::json;
using namespace tierd;
using namespace tierd::freshdesk;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKey = "fd-test-key";
const Instant kEpoch = from_unix_ms(1'700'000'000'000);

struct Recorded {
  std::string method;
  std::string path;  // without the query
  std::map<std::string, std::string> query;
  json body;
};

struct ScriptedAnswer {
  std::string path_prefix;
  int status = 500;
  std::string body;
  httplib::Headers headers;
  std::chrono::milliseconds delay{0};
};

// Freshdesk as its documentation describes it, in memory.
class FreshdeskStandIn {
 public:
  FreshdeskStandIn() {
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return pre_route(req, res);
    });
    // The body is read after the pre-routing handler has run.
    server_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      std::lock_guard lock(mu_);
      if (!requests_.empty() && requests_.back().path == req.path) {
        requests_.back().body = json::parse(req.body, nullptr, false);
      }
    });
    server_.Get(R"(/api/v2/tickets/(\d+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto it = tickets_.find(std::stoll(req.matches[1]));
                  if (it == tickets_.end()) return not_found(res);
                  reply(res, 200, it->second);
                });
    server_.Put(
        R"(/api/v2/tickets/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard lock(mu_);
          auto it = tickets_.find(std::stoll(req.matches[1]));
          if (it == tickets_.end()) return not_found(res);
          json body = json::parse(req.body, nullptr, false);
          if (body.contains("group_id") && !body["group_id"].is_number_integer()) {
            return reply(res, 400,
                         {{"description", "Validation failed"},
                          {"errors",
                           {{{"field", "group_id"},
                             {"message", "Value set is of type String.It should be a/an Integer"},
                             {"code", "datatype_mismatch"}}}}});
          }
          for (const char* key : {"group_id", "responder_id", "tags", "status", "priority"}) {
            if (body.contains(key)) it->second[key] = body[key];
          }
          touch(it->second);
          reply(res, 200, it->second);
        });
    server_.Post(R"(/api/v2/tickets/(\d+)/notes)", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
      std::lock_guard lock(mu_);
      const int64_t id = std::stoll(req.matches[1]);
      auto it = tickets_.find(id);
      if (it == tickets_.end()) return not_found(res);
      json body = json::parse(req.body, nullptr, false);
      json note = {{"id", next_id_++},
                   {"body", body.value("body", "")},
                   {"body_text", body.value("body", "")},
                   {"private", body.value("private", true)},
                   {"incoming", false},
                   {"source", 2},
                   {"ticket_id", id}};
      conversations_[id].push_back(note);
      touch(it->second);
      res.set_header("Location", "http://localhost/api/v2/conversations/" + note["id"].dump());
      reply(res, 201, note);
    });
    server_.Post(R"(/api/v2/tickets/(\d+)/watch)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mu_);
                   if (!tickets_.count(std::stoll(req.matches[1]))) return not_found(res);
                   res.status = 204;
                 });
    server_.Get(R"(/api/v2/tickets/(\d+)/conversations)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  const int64_t id = std::stoll(req.matches[1]);
                  if (!tickets_.count(id)) return not_found(res);
                  list_page(req, res, conversations_[id]);
                });
    server_.Get("/api/v2/tickets", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      const std::string since = req.get_param_value("updated_since");
      auto from = parse_instant(since);
      if (!from.ok()) return validation(res, "updated_since", "invalid_value");
      if (req.get_param_value("order_by") != "updated_at" ||
          req.get_param_value("order_type") != "asc") {
        return validation(res, "order_by", "invalid_value");
      }
      // By updated_at, then id (the map's order): the same order on every page.
      std::vector<std::pair<Instant, const json*>> order;
      for (const auto& [id, t] : tickets_) {
        Instant at = *parse_instant(t["updated_at"].get_ref<const std::string&>());
        if (at >= *from) order.emplace_back(at, &t);
      }
      std::stable_sort(order.begin(), order.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      list_page(req, res, order);
    });
    server_.Post(
        "/api/v2/tickets/bulk_update", [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard lock(mu_);
          json body = json::parse(req.body, nullptr, false);
          const json action = body.value("bulk_action", json::object());
          const json ids = action.value("ids", json::array());
          const json properties = action.value("properties", json::object());
          json data = json::array();
          for (const auto& id : ids) {
            auto it = tickets_.find(id.get<int64_t>());
            if (it == tickets_.end()) {
              data.push_back({{"id", id}, {"success", false}, {"error", "Ticket not found"}});
              continue;
            }
            for (const auto& [key, value] : properties.items()) {
              it->second[key] = value;
            }
            touch(it->second);
            data.push_back({{"id", id}, {"success", true}});
          }
          const std::string job = "e4d18654f60b5204513155b26c6c" + std::to_string(next_id_++);
          jobs_[job] = {{"polls", 0}, {"data", data}};
          reply(res, 202, {{"job_id", job}, {"href", "http://localhost/api/v2/jobs/" + job}});
        });
    server_.Get(
        R"(/api/v2/jobs/([0-9a-z]+))", [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard lock(mu_);
          auto it = jobs_.find(req.matches[1]);
          if (it == jobs_.end()) return not_found(res);
          json& job = it->second;
          const int polls = job["polls"].get<int>();
          job["polls"] = polls + 1;
          // The documented first answer, then the final one a public client reads.
          if (polls == 0) return reply(res, 200, {{"id", it->first}, {"status", "IN PROGRESS"}});
          reply(res, 200, {{"id", it->first}, {"status", "COMPLETED"}, {"data", job["data"]}});
        });
    server_.Get(R"(/api/v2/groups/(\d+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto it = groups_.find(std::stoll(req.matches[1]));
                  if (it == groups_.end()) return not_found(res);
                  reply(res, 200, it->second);
                });
    server_.Get("/api/v2/agents/me", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      reply(res, 200, agents_.at(me_));
    });
    server_.Get(R"(/api/v2/agents/(\d+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto it = agents_.find(std::stoll(req.matches[1]));
                  if (it == agents_.end()) return not_found(res);
                  reply(res, 200, it->second);
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~FreshdeskStandIn() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  json& add_ticket(int64_t id, Instant updated_at) {
    std::lock_guard lock(mu_);
    json& t = tickets_[id];
    t = {{"id", id},
         {"subject", "Printer down"},
         {"description", "<div>It is down</div>"},
         {"description_text", "It is down"},
         {"status", 2},
         {"priority", 3},
         {"source", 2},
         {"type", "Incident"},
         {"group_id", 43000190413},
         {"responder_id", 43007075231},
         {"requester_id", 50000067379},
         {"company_id", nullptr},
         {"tags", {"tier1"}},
         {"custom_fields", {{"cf_route", "Tier 1"}}},
         {"created_at", "2015-08-24T11:56:51Z"},
         {"updated_at", format_instant(updated_at)}};
    return t;
  }
  json ticket(int64_t id) {
    std::lock_guard lock(mu_);
    return tickets_.at(id);
  }
  void set_updated_at(int64_t id, Instant at) {
    std::lock_guard lock(mu_);
    tickets_.at(id)["updated_at"] = format_instant(at);
  }
  void add_conversation(int64_t ticket, const std::string& body) {
    std::lock_guard lock(mu_);
    conversations_[ticket].push_back({{"id", next_id_++},
                                      {"body", "<p>" + body + "</p>"},
                                      {"body_text", body},
                                      {"private", false},
                                      {"source", 0},
                                      {"ticket_id", ticket}});
  }
  void add_group(int64_t id, std::vector<int64_t> agents) {
    std::lock_guard lock(mu_);
    groups_[id] = {{"id", id}, {"name", "Tier 2"}, {"agent_ids", agents}};
  }
  void add_agent(int64_t id, const std::string& name, bool me = false) {
    std::lock_guard lock(mu_);
    agents_[id] = {
        {"id", id},
        {"available", true},
        {"ticket_scope", 1},
        {"contact", {{"name", name}, {"email", name + "@example.com"}, {"active", true}}}};
    if (me) me_ = id;
  }
  void script(ScriptedAnswer answer) {
    std::lock_guard lock(mu_);
    scripted_.push_back(std::move(answer));
  }
  std::vector<Recorded> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void forget_requests() {
    std::lock_guard lock(mu_);
    requests_.clear();
  }

 private:
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res) {
    std::optional<ScriptedAnswer> answer;
    {
      std::lock_guard lock(mu_);
      Recorded r{req.method, req.path, {}, json()};
      for (const auto& [k, v] : req.params) r.query[k] = v;
      requests_.push_back(std::move(r));
      res.set_header("X-RateLimit-Total", "400");
      res.set_header("X-RateLimit-Remaining", std::to_string(std::max(0, 400 - ++used_)));
      res.set_header("X-RateLimit-Used-CurrentRequest", "1");
      const std::string expected = "Basic " + base64_encode(std::string(kKey) + ":X");
      if (req.get_header_value("Authorization") != expected) {
        reply(res, 401,
              {{"code", "invalid_credentials"},
               {"message", "You have to be logged in to perform this action."}});
        return httplib::Server::HandlerResponse::Handled;
      }
      for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
        if (req.path.rfind(it->path_prefix, 0) == 0) {
          answer = *it;
          scripted_.erase(it);
          break;
        }
      }
    }
    if (!answer) return httplib::Server::HandlerResponse::Unhandled;
    if (answer->delay > 0ms) std::this_thread::sleep_for(answer->delay);
    res.status = answer->status;
    for (const auto& [k, v] : answer->headers) res.set_header(k, v);
    if (!answer->body.empty()) res.set_content(answer->body, "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }

  // `per_page` up to 100, `page` from 1 and at most 300; a Link to the next
  // page while there is one.
  static const json& item(const json& j) { return j; }
  static const json& item(const std::pair<Instant, const json*>& p) { return *p.second; }
  template <typename Items>
  void list_page(const httplib::Request& req, httplib::Response& res, const Items& items) {
    const int per_page =
        req.has_param("per_page") ? std::stoi(req.get_param_value("per_page")) : 30;
    const int page = req.has_param("page") ? std::stoi(req.get_param_value("page")) : 1;
    if (per_page < 1 || per_page > 100) return validation(res, "per_page", "invalid_value");
    if (page < 1 || page > kListPageCap) return validation(res, "page", "invalid_value");
    json out = json::array();
    const size_t begin = static_cast<size_t>(page - 1) * static_cast<size_t>(per_page);
    for (size_t i = begin; i < std::min(items.size(), begin + static_cast<size_t>(per_page)); ++i) {
      out.push_back(item(items[i]));
    }
    if (begin + static_cast<size_t>(per_page) < items.size() && page < kListPageCap) {
      res.set_header("Link", "<http://localhost" + req.path + "?page=" + std::to_string(page + 1) +
                                 ">; rel=\"next\"");
    }
    reply(res, 200, out);
  }

  void touch(json& ticket) {
    ticket["updated_at"] = format_instant(*parse_instant(ticket["updated_at"].get<std::string>()) +
                                          std::chrono::seconds(1));
  }
  static void reply(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=utf-8");
  }
  static void not_found(httplib::Response& res) { res.status = 404; }  // an empty body
  static void validation(httplib::Response& res, const std::string& field,
                         const std::string& code) {
    reply(res, 400,
          {{"description", "Validation failed"},
           {"errors", {{{"field", field}, {"message", "It is not valid"}, {"code", code}}}}});
  }

  std::mutex mu_;
  std::map<int64_t, json> tickets_;
  std::map<int64_t, std::vector<json>> conversations_;
  std::map<std::string, json> jobs_;
  std::map<int64_t, json> groups_;
  std::map<int64_t, json> agents_;
  int64_t me_ = 0;
  int64_t next_id_ = 1000;
  int used_ = 0;
  std::deque<ScriptedAnswer> scripted_;
  std::vector<Recorded> requests_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A RequestPacer that lets every request go (or refuses them all) and keeps
// what it heard.
class RecordingPacer : public RequestPacer {
 public:
  Status before_request() override {
    ++asked;
    if (refuse) {
      Status s(StatusCode::kResourceExhausted, "budget used up");
      s.set_retry_after(5s);
      return s;
    }
    return Status::Ok();
  }
  Duration wait_time() override { return refuse ? Duration(5000) : Duration(0); }
  void after_answer(const RateLimitReport& report) override { reports.push_back(report); }

  bool refuse = false;
  int asked = 0;
  std::vector<RateLimitReport> reports;
};

FreshdeskApiClient make_client(const FreshdeskStandIn& fd, RequestPacer* pacer = nullptr,
                               std::string key = kKey) {
  FreshdeskApiOptions o;
  o.base_url = fd.url();
  o.api_key = std::move(key);
  o.timeout = 500ms;
  o.pacer = pacer;
  return FreshdeskApiClient(o);
}

std::vector<std::string> calls(const std::vector<Recorded>& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.method + " " + r.path);
  return out;
}

}  // namespace

TEST_CASE("freshdesk: a ticket is read with Freshdesk's codes mapped", "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(82000163682, kEpoch)["status"] = 3;
  auto client = make_client(fd);
  auto t = client.get_ticket(82000163682);
  REQUIRE(t.ok());
  CHECK(t->id == 82000163682);
  CHECK(t->status == TicketStatus::kPending);
  CHECK(t->priority == Priority::kHigh);
  CHECK(t->group_id == 43000190413);
  CHECK(t->assignee_id == 43007075231);
  CHECK(t->tags == std::vector<std::string>{"tier1"});
  CHECK(t->tags_known);
  CHECK(t->updated_at == kEpoch);
  CHECK(t->channel == "portal");
  CHECK(t->description == "It is down");
  CHECK_FALSE(t->organization_id.has_value());
  auto sent = fd.requests();
  REQUIRE(sent.size() == 1);
  CHECK(calls(sent)[0] == "GET /api/v2/tickets/82000163682");
}

TEST_CASE("freshdesk: each error answer maps to the contract's Status", "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch);
  auto client = make_client(fd);

  SECTION("401: a wrong key, with what to check") {
    auto wrong = make_client(fd, nullptr, "not-the-key");
    auto t = wrong.get_ticket(20);
    CHECK(t.status().code() == StatusCode::kUnauthenticated);
    CHECK(t.status().message().find("You have to be logged in") != std::string::npos);
    CHECK(t.status().message().find("freshdesk.api_key") != std::string::npos);
    CHECK(t.status().message().find("not-the-key") == std::string::npos);
  }
  SECTION("403") {
    fd.script(
        {"/api/v2/tickets/20", 403,
         R"({"code":"access_denied","message":"You are not authorized to perform this action."})"});
    auto t = client.get_ticket(20);
    CHECK(t.status().code() == StatusCode::kPermissionDenied);
    CHECK(t.status().message().find("not authorized") != std::string::npos);
  }
  SECTION("404 with an empty body") {
    auto t = client.get_ticket(21);
    CHECK(t.status().code() == StatusCode::kNotFound);
    CHECK(t.status().message().find("/api/v2/tickets/21") != std::string::npos);
  }
  SECTION("400 validation errors name the field and the code") {
    fd.script(
        {"/api/v2/tickets/20", 400,
         R"({"description":"Validation failed","errors":[{"field":"type","message":"It should be one of these values: 'Question,Incident'","code":"invalid_value"}]})"});
    TicketUpdate u;
    u.ticket_id = 20;
    u.group_id = 7;
    auto t = client.update_ticket(u);
    CHECK(t.status().code() == StatusCode::kInvalidArgument);
    CHECK(t.status().message().find(
              "Validation failed: type: It should be one of these values: 'Question,Incident' "
              "(invalid_value)") != std::string::npos);
  }
  SECTION("429 with Retry-After") {
    fd.script({"/api/v2/tickets/20", 429, "", {{"Retry-After", "34"}}});
    auto t = client.get_ticket(20);
    CHECK(t.status().code() == StatusCode::kResourceExhausted);
    REQUIRE(t.status().retry_after().has_value());
    CHECK(*t.status().retry_after() == 34s);
  }
  SECTION("5xx") {
    fd.script({"/api/v2/tickets/20", 503, ""});
    auto t = client.get_ticket(20);
    CHECK(t.status().code() == StatusCode::kUnavailable);
  }
  SECTION("no answer within the timeout") {
    fd.script({"/api/v2/tickets/20", 200, "{}", {}, 1500ms});
    auto t = client.get_ticket(20);
    CHECK(t.status().code() == StatusCode::kDeadlineExceeded);
  }
  SECTION("a refused connection") {
    FreshdeskApiOptions o;
    o.base_url = "http://127.0.0.1:1";
    o.api_key = kKey;
    FreshdeskApiClient nowhere(o);
    CHECK(nowhere.get_ticket(20).status().code() == StatusCode::kUnavailable);
  }
}

TEST_CASE("freshdesk: an update re-reads updated_at, then PUTs, watches and notes last",
          "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch);
  auto client = make_client(fd);
  TicketUpdate u;
  u.ticket_id = 20;
  u.group_id = 43000190415;
  u.set_assignee = true;  // unassign
  u.tags = std::vector<std::string>{"tier1", "escalated_t2"};
  u.add_followers = {43007075231};
  u.internal_note = "Escalated to Tier 2 [tierd:w-1]";
  u.updated_stamp = kEpoch;

  auto stored = client.update_ticket(u);
  REQUIRE(stored.ok());
  CHECK(stored->group_id == 43000190415);
  CHECK_FALSE(stored->assignee_id.has_value());
  CHECK(stored->tags == std::vector<std::string>{"escalated_t2", "tier1"});
  // The PUT and the note each moved updated_at; the answer is the ticket after both.
  CHECK(stored->updated_at == kEpoch + 2s);

  auto sent = fd.requests();
  CHECK(calls(sent) == std::vector<std::string>{"GET /api/v2/tickets/20", "PUT /api/v2/tickets/20",
                                                "POST /api/v2/tickets/20/watch",
                                                "POST /api/v2/tickets/20/notes",
                                                "GET /api/v2/tickets/20"});
  CHECK(sent[1].body == json{{"group_id", 43000190415},
                             {"responder_id", nullptr},
                             {"tags", {"tier1", "escalated_t2"}}});
  CHECK(sent[2].body == json{{"user_id", 43007075231}});
  CHECK(sent[3].body == json{{"body", "Escalated to Tier 2 [tierd:w-1]"}, {"private", true}});
  CHECK(client.has_comment_containing(20, "[tierd:w-1]").value());
}

TEST_CASE("freshdesk: a ticket changed since updated_stamp is a conflict and is not written",
          "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch + 5s);
  auto client = make_client(fd);
  TicketUpdate u;
  u.ticket_id = 20;
  u.group_id = 7;
  u.internal_note = "note [tierd:w-2]";
  u.updated_stamp = kEpoch;
  auto stored = client.update_ticket(u);
  CHECK(stored.status().code() == StatusCode::kConflict);
  CHECK(stored.status().message().find(format_instant(kEpoch + 5s)) != std::string::npos);
  CHECK(calls(fd.requests()) == std::vector<std::string>{"GET /api/v2/tickets/20"});
  CHECK(fd.ticket(20)["group_id"] == 43000190413);
}

namespace {

// Sends ticket 20 (stamped kEpoch) to group 7 with `tags` and `note`, and
// has the helpdesk refuse the note (503) after the PUT went through: the
// attempt a retry then meets. Returns the update, to be sent again.
TicketUpdate write_cut_before_its_note(FreshdeskStandIn& fd, FreshdeskApiClient& client,
                                       std::vector<std::string> tags, std::string note,
                                       std::vector<std::string> tags_removed = {}) {
  TicketUpdate u;
  u.ticket_id = 20;
  u.group_id = 7;
  u.tags = std::move(tags);
  u.tags_removed = std::move(tags_removed);
  u.internal_note = std::move(note);
  u.updated_stamp = kEpoch;
  fd.script({"/api/v2/tickets/20/notes", 503, ""});
  CHECK(client.update_ticket(u).status().code() == StatusCode::kUnavailable);
  return u;
}

}  // namespace

TEST_CASE("freshdesk: a write cut before its note is completed when sent again, not doubled",
          "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch);
  auto client = make_client(fd);
  const TicketUpdate u =
      write_cut_before_its_note(fd, client, {"Tierd_Tier2", "vip"}, "note [tierd:w-3]");
  // The marker check says "not applied", so the write is sent again. Its own
  // PUT moved updated_at, but the ticket holds just what the write sets:
  // the note is written, without a second PUT.
  CHECK_FALSE(client.has_comment_containing(20, "[tierd:w-3]").value());
  fd.forget_requests();
  auto stored = client.update_ticket(u);
  REQUIRE(stored.ok());
  CHECK(stored->group_id == 7);
  CHECK(calls(fd.requests()) == std::vector<std::string>{"GET /api/v2/tickets/20",
                                                         "POST /api/v2/tickets/20/notes",
                                                         "GET /api/v2/tickets/20"});
  CHECK(client.has_comment_containing(20, "[tierd:w-3]").value());

  SECTION("unless a change since overwrote one of its fields") {
    // An agent's change after the note was written; updated_at moves again.
    TicketUpdate agent;
    agent.ticket_id = 20;
    agent.tags = std::vector<std::string>{"vip", "urgent"};  // tierd_tier2 taken off
    REQUIRE(client.update_ticket(agent).ok());
    TicketUpdate again = u;
    again.internal_note = "note [tierd:w-4]";
    CHECK(client.update_ticket(again).status().code() == StatusCode::kConflict);
    CHECK_FALSE(client.has_comment_containing(20, "[tierd:w-4]").value());
  }
}

TEST_CASE("freshdesk: a tag an agent added after the cut-off write stays, and the note is written",
          "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch);
  auto client = make_client(fd);
  const TicketUpdate u = write_cut_before_its_note(fd, client, {"tierd_tier2", "vip"},
                                                   "note [tierd:w-5]", {"tierd_tier1"});
  TicketUpdate agent;
  agent.ticket_id = 20;
  SECTION("an added tag is the agent's own") {
    agent.tags = std::vector<std::string>{"tierd_tier2", "vip", "urgent"};
    REQUIRE(client.update_ticket(agent).ok());
    fd.forget_requests();
    REQUIRE(client.update_ticket(u).ok());
    CHECK(client.has_comment_containing(20, "[tierd:w-5]").value());
    CHECK(fd.ticket(20)["tags"] == json::array({"tierd_tier2", "vip", "urgent"}));
    for (const std::string& call : calls(fd.requests())) CHECK(call.rfind("PUT ", 0) != 0);
  }
  SECTION("a tag the write takes away, back again, is a change to decide on") {
    agent.tags = std::vector<std::string>{"tierd_tier2", "vip", "tierd_tier1"};
    REQUIRE(client.update_ticket(agent).ok());
    CHECK(client.update_ticket(u).status().code() == StatusCode::kConflict);
    CHECK_FALSE(client.has_comment_containing(20, "[tierd:w-5]").value());
  }
}

TEST_CASE("freshdesk: the note marker is found across conversation pages", "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch);
  for (int i = 0; i < 150; ++i) fd.add_conversation(20, "reply " + std::to_string(i));
  auto client = make_client(fd);
  TicketUpdate u;
  u.ticket_id = 20;
  u.internal_note = "Forwarded [tierd:w-4]";
  REQUIRE(client.update_ticket(u).ok());
  fd.forget_requests();

  CHECK(client.has_comment_containing(20, "[tierd:w-4]").value());
  auto sent = fd.requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].path == "/api/v2/tickets/20/conversations");
  CHECK(sent[0].query["per_page"] == "100");
  CHECK(sent[1].query["page"] == "2");

  fd.forget_requests();
  CHECK_FALSE(client.has_comment_containing(20, "[tierd:w-5]").value());
  CHECK(fd.requests().size() == 2);  // both pages, then no Link
  CHECK(client.has_comment_containing(21, "x").status().code() == StatusCode::kNotFound);
}

TEST_CASE("freshdesk: a bulk update is one job with the same properties for every ticket",
          "[freshdesk][api]") {
  FreshdeskStandIn fd;
  for (int64_t id : {1, 2, 3}) fd.add_ticket(id, kEpoch);
  auto client = make_client(fd);
  std::vector<TicketUpdate> updates;
  for (int64_t id : {1, 2, 4}) {
    TicketUpdate u;
    u.ticket_id = id;
    u.group_id = 99;
    u.tags = std::vector<std::string>{"tierd_t2"};
    updates.push_back(u);
  }
  auto job = client.update_many(updates);
  REQUIRE(job.ok());
  auto sent = fd.requests();
  REQUIRE(sent.size() == 1);
  CHECK(calls(sent)[0] == "POST /api/v2/tickets/bulk_update");
  CHECK(sent[0].body ==
        json{{"bulk_action",
              {{"ids", {1, 2, 4}}, {"properties", {{"group_id", 99}, {"tags", {"tierd_t2"}}}}}}});

  auto first = client.job_status(*job);
  REQUIRE(first.ok());
  CHECK(first->status == "working");
  CHECK_FALSE(first->finished());
  auto done = client.job_status(*job);
  REQUIRE(done.ok());
  CHECK(done->id == *job);
  CHECK(done->finished());
  CHECK(done->status == "completed");
  REQUIRE(done->results.size() == 3);
  CHECK(done->results[0].ticket_id == 1);
  CHECK(done->results[0].success);
  CHECK(done->results[2].ticket_id == 4);
  CHECK_FALSE(done->results[2].success);
  CHECK(done->results[2].error == "Ticket not found");
  CHECK(fd.ticket(2)["group_id"] == 99);
  CHECK(client.job_status("unknown0").status().code() == StatusCode::kNotFound);

  SECTION("updates that differ, or carry what bulk_update cannot, are refused unsent") {
    fd.forget_requests();
    auto differing = updates;
    differing[1].group_id = 98;
    CHECK(client.update_many(differing).status().code() == StatusCode::kInvalidArgument);
    auto noted = updates;
    noted[2].internal_note = "note";
    CHECK(client.update_many(noted).status().code() == StatusCode::kInvalidArgument);
    CHECK(client.update_many({}).status().code() == StatusCode::kInvalidArgument);
    CHECK(fd.requests().empty());
  }
}

TEST_CASE("freshdesk: the export pages by updated_at and carries on past the page cap",
          "[freshdesk][api][export]") {
  FreshdeskStandIn fd;
  // 30,050 tickets, ten to a second: more than one listing holds, and the
  // second at the cap spans its last page and the next listing's first.
  constexpr int kTickets = 30'050;
  for (int i = 0; i < kTickets; ++i) {
    fd.add_ticket(100'000 + i, kEpoch + std::chrono::seconds(i / 10) + 0s);
  }
  auto client = make_client(fd);

  // Start two pages before the cap, as a cursor the export itself wrote.
  ExportCursor start = ExportCursor::starting_at(kEpoch);
  start.page = kListPageCap - 1;
  std::string cursor = start.encode();
  std::vector<TicketId> seen;
  bool end = false;
  for (int call = 0; call < 20 && !end; ++call) {
    auto page = client.export_tickets(cursor, kEpoch);
    REQUIRE(page.ok());
    for (const auto& t : page->tickets) seen.push_back(t.id);
    cursor = page->after_cursor;
    end = page->end_of_stream;
  }
  CHECK(end);
  std::vector<TicketId> expected;
  for (int i = (kListPageCap - 2) * 100; i < kTickets; ++i) expected.push_back(100'000 + i);
  std::vector<TicketId> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == expected);  // each once: the second at the cap was not returned twice
  CHECK(seen.size() == expected.size());

  auto sent = fd.requests();
  REQUIRE(sent.size() >= 3);
  CHECK(sent[0].query["page"] == "299");
  CHECK(sent[1].query["page"] == "300");
  // Past the cap: page 1 of a listing from the last updated_at returned.
  CHECK(sent[2].query["page"] == "1");
  CHECK(sent[2].query["updated_since"] == format_instant(kEpoch + 2999s));
  for (auto r : sent) {
    CHECK(r.query["per_page"] == "100");
    CHECK(r.query["order_by"] == "updated_at");
    CHECK(r.query["order_type"] == "asc");
  }

  // The end's cursor is where the next run starts: nothing new, nothing repeated.
  auto again = client.export_tickets(cursor, kEpoch);
  REQUIRE(again.ok());
  CHECK(again->tickets.empty());
  CHECK(again->end_of_stream);
  fd.set_updated_at(100'007, kEpoch + 4000s);
  auto changed = client.export_tickets(again->after_cursor, kEpoch);
  REQUIRE(changed.ok());
  REQUIRE(changed->tickets.size() == 1);
  CHECK(changed->tickets[0].id == 100'007);
}

TEST_CASE("freshdesk: a first export starts at start_time and a bad cursor is refused",
          "[freshdesk][api][export]") {
  FreshdeskStandIn fd;
  fd.add_ticket(1, kEpoch - 10s);
  fd.add_ticket(2, kEpoch + 1s);
  auto client = make_client(fd);
  auto page = client.export_tickets("", kEpoch + 250ms);
  REQUIRE(page.ok());
  REQUIRE(page->tickets.size() == 1);
  CHECK(page->tickets[0].id == 2);
  CHECK(page->end_of_stream);
  CHECK(fd.requests()[0].query["updated_since"] == format_instant(kEpoch));
  CHECK(client.export_tickets("not-a-cursor", kEpoch).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("freshdesk: group members, the key's own agent and agents by id", "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_group(43000190415, {43007075231, 43007075232});
  fd.add_agent(43007075231, "Ann", true);
  fd.add_agent(43007075232, "Bo");
  auto client = make_client(fd);

  auto members = client.group_memberships(43000190415);
  REQUIRE(members.ok());
  REQUIRE(members->size() == 2);
  CHECK((*members)[1].user_id == 43007075232);
  CHECK((*members)[1].group_id == 43000190415);
  CHECK(client.group_memberships(1).status().code() == StatusCode::kNotFound);

  auto me = client.current_user();
  REQUIRE(me.ok());
  CHECK(me->id == 43007075231);
  CHECK(me->name == "Ann");
  CHECK(me->role == "agent");

  auto users = client.users_by_ids({43007075232, 5});
  REQUIRE(users.ok());
  REQUIRE(users->size() == 1);  // the unknown id is left out
  CHECK((*users)[0].name == "Bo");
  CHECK((*users)[0].active);
}

TEST_CASE("freshdesk: every request is paced and its rate-limit headers reported",
          "[freshdesk][api]") {
  FreshdeskStandIn fd;
  fd.add_ticket(20, kEpoch);
  RecordingPacer pacer;
  auto client = make_client(fd, &pacer);
  REQUIRE(client.get_ticket(20).ok());
  fd.script({"/api/v2/tickets/20", 429, "", {{"Retry-After", "34"}}});
  CHECK(client.get_ticket(20).status().code() == StatusCode::kResourceExhausted);
  CHECK(pacer.asked == 2);
  REQUIRE(pacer.reports.size() == 2);
  CHECK(pacer.reports[0].limit == 400);
  CHECK(pacer.reports[0].remaining == 399);
  CHECK_FALSE(pacer.reports[0].refused);
  CHECK(pacer.reports[1].refused);
  CHECK(pacer.reports[1].retry_after == Duration(34s));

  SECTION("a refusal by the budget sends nothing") {
    pacer.refuse = true;
    fd.forget_requests();
    auto t = client.get_ticket(20);
    CHECK(t.status().code() == StatusCode::kResourceExhausted);
    CHECK(t.status().retry_after() == Duration(5s));
    CHECK(fd.requests().empty());
    CHECK(client.pacing_wait() == Duration(5s));
  }
}

TEST_CASE("freshdesk: error bodies, Link headers and job shapes read tolerantly",
          "[freshdesk][api]") {
  CHECK(freshdesk_error_text("") == "");
  CHECK(freshdesk_error_text("<html>") == "");
  CHECK(
      freshdesk_error_text(
          R"({"description":"Validation failed","errors":[{"field":"email","message":"It should be a valid email","code":"invalid_value"},{"message":"x","code":"missing_field"}]})") ==
      "Validation failed: email: It should be a valid email (invalid_value); x (missing_field)");
  CHECK(freshdesk_error_text(std::string(R"({"message":")") + std::string(2000, 'a') + "\"}")
            .size() <= 500);
  CHECK(link_has_next(R"(<https://d.freshdesk.com/api/v2/tickets?page=2>; rel="next")"));
  CHECK_FALSE(link_has_next(""));
  CHECK(parse_freshdesk_job({{"id", "a"}, {"status", "IN_PROGRESS"}})->status == "working");
  CHECK(parse_freshdesk_job({{"id", "a"}, {"status", "FAILED"}})->finished());
  auto odd = parse_freshdesk_job({{"status", "PAUSED"}, {"data", {{{"id", 1}}}}});
  REQUIRE(odd.ok());
  CHECK_FALSE(odd->finished());
  REQUIRE(odd->results.size() == 1);
  CHECK_FALSE(odd->results[0].success);  // no "success": true, so not taken for one
}

TEST_CASE("freshdesk: export cursors round-trip and refuse what they did not write",
          "[freshdesk][export]") {
  ExportCursor c = ExportCursor::starting_at(kEpoch + 1500ms);
  CHECK(c.since == kEpoch + 1s);
  c.page = 7;
  c.boundary = kEpoch + 9s;
  c.boundary_ids = {5, 6};
  auto back = ExportCursor::decode(c.encode());
  REQUIRE(back.ok());
  CHECK(back->since == c.since);
  CHECK(back->page == 7);
  CHECK(back->boundary == c.boundary);
  CHECK(back->boundary_ids == c.boundary_ids);
  for (const char* bad : {"", "fd1;1;0;;", "fd1;1;301;;", "fd1;x;1;;", "fd1;1;1;;a", "zz;1;1;;"}) {
    CHECK_FALSE(ExportCursor::decode(bad).ok());
  }
}
