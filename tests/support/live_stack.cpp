#include "support/live_stack.h"

#include <httplib.h>

#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/time.h"
#include "support/store_backends.h"

namespace tierd::testing {
namespace {

constexpr const char* kApiToken = "live-stack-token";

// Zendesk's status and priority names and Freshdesk's codes. Freshdesk has
// no "new" (a new ticket is open) and no "hold".
const std::pair<const char*, int> kStatusCodes[] = {
    {"new", 2}, {"open", 2}, {"pending", 3}, {"solved", 4}, {"closed", 5}};
const std::pair<const char*, int> kPriorityCodes[] = {
    {"low", 1}, {"normal", 2}, {"high", 3}, {"urgent", 4}};

template <size_t N>
int code_of(const std::pair<const char*, int> (&codes)[N], const nlohmann::json& name) {
  for (const auto& [n, code] : codes) {
    if (name == n) return code;
  }
  throw std::invalid_argument("no Freshdesk code for " + name.dump());
}

template <size_t N>
std::string name_of(const std::pair<const char*, int> (&codes)[N], int code) {
  for (const auto& [n, c] : codes) {
    if (c == code && std::string(n) != "new") return n;
  }
  return std::to_string(code);
}

// A scenario's Zendesk-named fields as Freshdesk's ticket fields.
nlohmann::json freshdesk_fields(const nlohmann::json& fields) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : fields.items()) {
    if (key == "assignee_id") {
      out["responder_id"] = value;
    } else if (key == "status") {
      out["status"] = code_of(kStatusCodes, value);
    } else if (key == "priority") {
      out["priority"] = code_of(kPriorityCodes, value);
    } else if (key == "subject" || key == "group_id" || key == "tags") {
      out[key] = value;
    } else if (key != "comment") {
      throw std::invalid_argument("no Freshdesk field for " + key);
    }
  }
  return out;
}

// freshdesk-sim's view of a ticket in Zendesk's names.
nlohmann::json zendesk_view(const nlohmann::json& t) {
  nlohmann::json out = t;
  out["assignee_id"] = t.at("responder_id");
  out["follower_ids"] = t.value("watcher_ids", nlohmann::json::array());
  out["status"] = name_of(kStatusCodes, t.at("status").get<int>());
  out["priority"] = name_of(kPriorityCodes, t.at("priority").get<int>());
  out["comments"] = nlohmann::json::array();
  for (const auto& note : t.value("notes", nlohmann::json::array())) {
    out["comments"].push_back(
        {{"body", note.value("body", "")}, {"public", !note.value("private", true)}});
  }
  return out;
}

}  // namespace

const char* vendor_name(Vendor vendor) {
  return vendor == Vendor::kZendesk ? "zendesk" : "freshdesk";
}

namespace {

// Random enough to tell two stacks apart; not a credential.
std::string random_secret() {
  std::random_device random;
  std::string out = "live-stack-";
  for (int i = 0; i < 4; ++i) {
    char part[16];
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(random()));
    out += part;
  }
  return out;
}

}  // namespace

LiveStack::LiveStack(LiveStackOptions options)
    : options_(std::move(options)), webhook_secret_(random_secret()) {
  tierd_port_ = free_loopback_port();
}

LiveStack::~LiveStack() {
  if (tierd_) tierd_->signal(SIGKILL);
  if (sim_) sim_->signal(SIGKILL);
}

void LiveStack::start_sim() {
  const std::string webhook_url = "http://127.0.0.1:" + std::to_string(tierd_port_) + "/webhooks/" +
                                  vendor_name(options_.vendor);
  std::vector<std::string> argv;
  if (options_.vendor == Vendor::kFreshdesk) {
    // Retries within seconds instead of Freshdesk's minutes, for the
    // scenarios that restart tierd.
    argv = {FRESHDESK_SIM_BINARY,
            "--port",
            "0",
            "--api-key",
            kApiToken,
            "--webhook-secret",
            webhook_secret_,
            "--webhook-url",
            webhook_url,
            "--webhook-retry-delays-ms",
            "500",
            "1000",
            "2000",
            "4000"};
  } else {
    argv = {ZENDESK_SIM_BINARY,
            "--port",
            "0",
            "--token",
            kApiToken,
            "--webhook-secret",
            webhook_secret_,
            "--webhook-url",
            webhook_url,
            "--export-exclusion-seconds",
            "0"};
  }
  argv.insert(argv.end(), options_.sim_args.begin(), options_.sim_args.end());
  sim_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                      dir_.file("sim.log"));
  auto port = wait_for_listening_port(*sim_, std::chrono::seconds(10));
  if (!port) throw std::runtime_error("the simulator did not start:\n" + sim_->log());
  sim_port_ = *port;
  nlohmann::json config = {
      {"listen", {{"host", "127.0.0.1"}, {"port", tierd_port_}, {"threads", 8}}},
      {"store", {{"sqlite", {{"path", dir_.file("tierd.db")}}}}},
      {"tiers", options_.tiers},
      {"reconcile", {{"enabled", false}}},
      {"log", {{"level", "debug"}}}};
  const std::string base_url = "http://127.0.0.1:" + std::to_string(sim_port_);
  if (options_.vendor == Vendor::kFreshdesk) {
    config["freshdesk"] = {{"base_url", base_url},
                           {"api_key_env", "LIVE_STACK_TOKEN"},
                           {"webhook_secret_env", "LIVE_STACK_SECRET"}};
  } else {
    config["zendesk"] = {{"base_url", base_url},
                         {"email", "admin@example.com"},
                         {"api_token_env", "LIVE_STACK_TOKEN"},
                         {"webhook_secret_env", "LIVE_STACK_SECRET"},
                         {"timeout", "2s"}};
  }
  if (!options_.postgres_url.empty()) {
    config["store"] = {{"postgres", {{"url_env", "LIVE_STACK_POSTGRES_URL"}}}};
    config["cluster"] = {{"shards", 8}, {"lease_ttl", "3s"}};
  } else if (testing_on_postgres()) {
    // One process on a database of its own, without a cluster section: the
    // same scenarios as on SQLite. The URL is in a file, so that the tools a
    // test runs on the config (explain, report) find the store too.
    const std::string url_file = dir_.file("postgres-url");
    if (!std::filesystem::exists(url_file)) {
      write_file(url_file, fresh_postgres_database("live_stack"));
      ::chmod(url_file.c_str(), 0600);
    }
    config["store"] = {{"postgres", {{"url_file", url_file}}}};
  }
  config.merge_patch(options_.extra_config);
  config_path_ = dir_.file("tierd.json");
  write_file(config_path_, config.dump(2));
}

std::map<std::string, std::string> LiveStack::tierd_environment() const {
  return {{"LIVE_STACK_TOKEN", kApiToken}, {"LIVE_STACK_SECRET", webhook_secret_}};
}

void LiveStack::start_tierd() {
  ++tierd_starts_;
  auto environment = tierd_environment();
  if (!options_.postgres_url.empty())
    environment["LIVE_STACK_POSTGRES_URL"] = options_.postgres_url;
  tierd_ = std::make_unique<Subprocess>(
      std::vector<std::string>{TIERD_BINARY, "serve", "--config", config_path_}, environment,
      dir_.file("tierd.log"));
  // Its own line first: a /healthz answer alone could come from another
  // test's tierd on the port.
  const std::string listening = "listening on 127.0.0.1:" + std::to_string(tierd_port_) + " ";
  if (!tierd_->wait_for_log(listening, std::chrono::seconds(15)) ||
      !wait_for_http(tierd_port_, "/healthz", std::chrono::seconds(15)) || !tierd_->running()) {
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
  const int64_t agents[] = {500120, 500121, 500122, 500123, 500124, 500125, 500777};
  const std::pair<int64_t, int64_t> pairs[] = {{500120, 114001}, {500121, 114001}, {500122, 114002},
                                               {500123, 114002}, {500124, 114003}, {500125, 114003},
                                               {500777, 114000}};
  const std::pair<int64_t, const char*> groups[] = {{114000, "Review"},
                                                    {114001, "Tier 1"},
                                                    {114002, "Tier 2"},
                                                    {114003, "Tier 3"},
                                                    {114009, "Review leads"}};
  if (options_.vendor == Vendor::kFreshdesk) {
    nlohmann::json agent_list = nlohmann::json::array();
    for (int64_t id : agents)
      agent_list.push_back({{"id", id}, {"name", "Agent " + std::to_string(id)}});
    sim("POST", "/sim/agents", agent_list);
    nlohmann::json group_list = nlohmann::json::array();
    for (const auto& [id, name] : groups) {
      nlohmann::json members = nlohmann::json::array();
      for (const auto& [user, group] : pairs) {
        if (group == id) members.push_back(user);
      }
      group_list.push_back({{"id", id}, {"name", name}, {"agent_ids", members}});
    }
    sim("POST", "/sim/groups", group_list);
    return;
  }
  sim("POST", "/sim/groups",
      {{"groups",
        {{{"id", 114000}, {"name", "Review"}},
         {{"id", 114001}, {"name", "Tier 1"}},
         {{"id", 114002}, {"name", "Tier 2"}},
         {{"id", 114003}, {"name", "Tier 3"}},
         {{"id", 114009}, {"name", "Review leads"}}}}});
  nlohmann::json users = nlohmann::json::array();
  for (int64_t id : agents) {
    users.push_back({{"id", id}, {"name", "Agent " + std::to_string(id)}, {"role", "agent"}});
  }
  sim("POST", "/sim/users", {{"users", users}});
  nlohmann::json memberships = nlohmann::json::array();
  for (const auto& [user, group] : pairs)
    memberships.push_back({{"user_id", user}, {"group_id", group}});
  sim("POST", "/sim/memberships", {{"memberships", memberships}});
}

int64_t LiveStack::create_ticket(const nlohmann::json& fields) {
  if (options_.vendor == Vendor::kFreshdesk) {
    return sim("POST", "/sim/tickets", freshdesk_fields(fields)).at("id").get<int64_t>();
  }
  nlohmann::json ticket = fields;
  // Like Zendesk, the simulator needs the first comment (the description).
  if (!ticket.contains("comment"))
    ticket["comment"] = {{"body", "Please help: " + ticket.value("subject", "")}};
  auto answer = sim("POST", "/sim/tickets", {{"ticket", ticket}});
  return answer.at("ticket").at("id").get<int64_t>();
}

void LiveStack::agent_update(int64_t id, const nlohmann::json& fields, int64_t agent) {
  if (options_.vendor == Vendor::kFreshdesk) {
    nlohmann::json plain = fields;
    if (fields.contains("additional_tags") || fields.contains("remove_tags")) {
      // Freshdesk has no tag delta: the agent's form sends the whole list.
      const nlohmann::json before = ticket(id);
      auto tags = before.value("tags", std::vector<std::string>{});
      // A tag-only change reaches tierd only through its listing of changed
      // tickets, whose updated_at has whole seconds: one in the second of
      // the ticket's last change may be taken for that change (and left out
      // as listed). An agent's edit comes later than that.
      const auto last_change = parse_instant(before.value("updated_at", ""));
      if (last_change.ok()) {
        eventually(
            [&] {
              return std::chrono::system_clock::now() >= *last_change + std::chrono::seconds(1);
            },
            std::chrono::seconds(2));
      }
      for (const auto& tag : fields.value("additional_tags", std::vector<std::string>{})) {
        if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
      }
      for (const auto& tag : fields.value("remove_tags", std::vector<std::string>{})) {
        tags.erase(std::remove(tags.begin(), tags.end(), tag), tags.end());
      }
      plain.erase("additional_tags");
      plain.erase("remove_tags");
      plain["tags"] = tags;
    }
    sim("PUT", "/sim/tickets/" + std::to_string(id), freshdesk_fields(plain));
    return;
  }
  sim("PUT", "/sim/tickets/" + std::to_string(id), {{"ticket", fields}, {"actor_id", agent}});
}

nlohmann::json LiveStack::ticket(int64_t id) {
  if (options_.vendor == Vendor::kFreshdesk) {
    return zendesk_view(sim("GET", "/sim/tickets/" + std::to_string(id)));
  }
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
