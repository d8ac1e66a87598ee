#include "support/live_stack.h"

#include <httplib.h>

#include <csignal>
#include <stdexcept>
#include <thread>

namespace tierd::testing {
namespace {

constexpr const char* kWebhookSecret = "live-stack-secret";
constexpr const char* kApiToken = "live-stack-token";

}  // namespace

LiveStack::LiveStack(LiveStackOptions options) : options_(std::move(options)) {
  tierd_port_ = free_loopback_port();
}

LiveStack::~LiveStack() {
  if (tierd_) tierd_->signal(SIGKILL);
  if (sim_) sim_->signal(SIGKILL);
}

void LiveStack::start_sim() {
  std::vector<std::string> argv = {
      ZENDESK_SIM_BINARY,
      "--port",
      "0",
      "--token",
      kApiToken,
      "--webhook-secret",
      kWebhookSecret,
      "--webhook-url",
      "http://127.0.0.1:" + std::to_string(tierd_port_) + "/webhooks/zendesk",
      "--export-exclusion-seconds",
      "0"};
  argv.insert(argv.end(), options_.sim_args.begin(), options_.sim_args.end());
  sim_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                      dir_.file("sim.log"));
  auto port = wait_for_listening_port(*sim_, std::chrono::seconds(10));
  if (!port) throw std::runtime_error("zendesk-sim did not start:\n" + sim_->log());
  sim_port_ = *port;
  nlohmann::json config = {
      {"listen", {{"host", "127.0.0.1"}, {"port", tierd_port_}, {"threads", 8}}},
      {"store", {{"sqlite", {{"path", dir_.file("tierd.db")}}}}},
      {"zendesk",
       {{"base_url", "http://127.0.0.1:" + std::to_string(sim_port_)},
        {"email", "admin@example.com"},
        {"api_token_env", "LIVE_STACK_TOKEN"},
        {"webhook_secret_env", "LIVE_STACK_SECRET"},
        {"timeout", "2s"}}},
      {"tiers", options_.tiers},
      {"reconcile", {{"enabled", false}}},
      {"log", {{"level", "debug"}}}};
  config.merge_patch(options_.extra_config);
  config_path_ = dir_.file("tierd.json");
  write_file(config_path_, config.dump(2));
}

void LiveStack::start_tierd() {
  ++tierd_starts_;
  tierd_ = std::make_unique<Subprocess>(
      std::vector<std::string>{TIERD_BINARY, "serve", "--config", config_path_},
      std::map<std::string, std::string>{{"LIVE_STACK_TOKEN", kApiToken},
                                         {"LIVE_STACK_SECRET", kWebhookSecret}},
      dir_.file("tierd.log"));
  if (!wait_for_http(tierd_port_, "/healthz", std::chrono::seconds(15))) {
    throw std::runtime_error("tierd did not become ready:\n" + tierd_->log());
  }
}

void LiveStack::stop_tierd(int signal) {
  if (!tierd_) return;
  tierd_->signal(signal);
  tierd_->wait(std::chrono::seconds(30));
}

void LiveStack::signal_tierd(int signal) {
  if (tierd_) tierd_->signal(signal);
}

int64_t LiveStack::group_of(int64_t id) {
  auto g = ticket(id).at("group_id");
  return g.is_null() ? 0 : g.get<int64_t>();
}

bool LiveStack::tierd_running() {
  return tierd_ && tierd_->running();
}

std::string LiveStack::tierd_log() const {
  return tierd_ ? tierd_->log() : "";
}

nlohmann::json LiveStack::sim(const std::string& method, const std::string& path,
                              const nlohmann::json& body) {
  httplib::Client client("127.0.0.1", sim_port_);
  client.set_read_timeout(std::chrono::seconds(10));
  std::string payload = body.is_null() ? "" : body.dump();
  auto send = [&]() -> httplib::Result {
    if (method == "POST") return client.Post(path, payload, "application/json");
    if (method == "PUT") return client.Put(path, payload, "application/json");
    if (method == "DELETE") return client.Delete(path);
    return client.Get(path);
  };
  httplib::Result res = send();
  if (!res) throw std::runtime_error("sim " + method + " " + path + ": no answer");
  if (res->status >= 300) {
    throw std::runtime_error("sim " + method + " " + path + ": HTTP " +
                             std::to_string(res->status) + " " + res->body);
  }
  return res->body.empty() ? nlohmann::json() : nlohmann::json::parse(res->body);
}

void LiveStack::seed_org() {
  sim("POST", "/sim/groups",
      {{"groups",
        {{{"id", 114000}, {"name", "Review"}},
         {{"id", 114001}, {"name", "Tier 1"}},
         {{"id", 114002}, {"name", "Tier 2"}},
         {{"id", 114003}, {"name", "Tier 3"}},
         {{"id", 114009}, {"name", "Review leads"}}}}});
  nlohmann::json users = nlohmann::json::array();
  for (int64_t id : {500120, 500121, 500122, 500123, 500124, 500125, 500777}) {
    users.push_back({{"id", id}, {"name", "Agent " + std::to_string(id)}, {"role", "agent"}});
  }
  sim("POST", "/sim/users", {{"users", users}});
  nlohmann::json memberships = nlohmann::json::array();
  const std::pair<int64_t, int64_t> pairs[] = {{500120, 114001}, {500121, 114001}, {500122, 114002},
                                               {500123, 114002}, {500124, 114003}, {500125, 114003},
                                               {500777, 114000}};
  for (const auto& [user, group] : pairs)
    memberships.push_back({{"user_id", user}, {"group_id", group}});
  sim("POST", "/sim/memberships", {{"memberships", memberships}});
}

int64_t LiveStack::create_ticket(const nlohmann::json& fields) {
  nlohmann::json ticket = fields;
  // Like Zendesk, the simulator needs the first comment (the description).
  if (!ticket.contains("comment"))
    ticket["comment"] = {{"body", "Please help: " + ticket.value("subject", "")}};
  auto answer = sim("POST", "/sim/tickets", {{"ticket", ticket}});
  return answer.at("ticket").at("id").get<int64_t>();
}

void LiveStack::agent_update(int64_t id, const nlohmann::json& fields, int64_t agent) {
  sim("PUT", "/sim/tickets/" + std::to_string(id), {{"ticket", fields}, {"actor_id", agent}});
}

nlohmann::json LiveStack::ticket(int64_t id) {
  return sim("GET", "/sim/tickets/" + std::to_string(id)).at("ticket");
}

std::vector<std::string> LiveStack::tierd_notes(int64_t id) {
  std::vector<std::string> notes;
  const nlohmann::json t = ticket(id);
  for (const auto& c : t.at("comments")) {
    std::string body = c.value("body", "");
    if (body.find("[tierd ref ") != std::string::npos) notes.push_back(body);
  }
  return notes;
}

bool LiveStack::eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace tierd::testing
