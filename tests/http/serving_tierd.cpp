#include "http/serving_tierd.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>
#include <stdexcept>

#include "zendesk/webhook_signature.h"

namespace tierd::testing {
namespace {

constexpr const char* kApiToken = "front-door-token";

}  // namespace

std::unique_ptr<Subprocess> start_simulator(const TempDir& dir, int& port) {
  // The simulator's own webhooks go nowhere: the tests send their own.
  auto sim = std::make_unique<Subprocess>(
      std::vector<std::string>{ZENDESK_SIM_BINARY, "--port", "0", "--token", kApiToken,
                               "--webhook-secret", kServingSecret, "--webhook-url",
                               "http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/"},
      std::map<std::string, std::string>{}, dir.file("sim.log"));
  auto bound = wait_for_listening_port(*sim, std::chrono::seconds(10));
  if (!bound) throw std::runtime_error("zendesk-sim did not start:\n" + sim->log());
  port = *bound;
  return sim;
}

nlohmann::json serving_config(int port, const std::string& db, int sim_port,
                              const nlohmann::json& patch) {
  nlohmann::json config = {{"listen", {{"host", "127.0.0.1"}, {"port", port}}},
                           {"store", {{"sqlite", {{"path", db}}}}},
                           {"zendesk",
                            {{"base_url", "http://127.0.0.1:" + std::to_string(sim_port)},
                             {"email", "admin@example.com"},
                             {"api_token_env", "FRONT_DOOR_TOKEN"},
                             {"webhook_secret_env", "FRONT_DOOR_SECRET"},
                             {"api_user_id", 400001},
                             {"timeout", "2s"}}},
                           {"tiers", nlohmann::json::parse(R"([
          {"name": "tier1", "groups": [114001], "escalate_after": "1h"},
          {"name": "tier2", "groups": [114002]}])")},
                           {"reconcile", {{"enabled", false}}}};
  config.merge_patch(patch);
  return config;
}

std::unique_ptr<Subprocess> start_tierd(const TempDir& dir, const std::string& name,
                                        const nlohmann::json& config) {
  write_file(dir.file(name + ".json"), config.dump(2));
  return std::make_unique<Subprocess>(
      std::vector<std::string>{TIERD_BINARY, "serve", "--config", dir.file(name + ".json")},
      std::map<std::string, std::string>{{"FRONT_DOOR_TOKEN", kApiToken},
                                         {"FRONT_DOOR_SECRET", kServingSecret}},
      dir.file(name + ".log"));
}

SignedDelivery signed_delivery(int64_t ticket, const std::string& event_id) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  const std::string id = std::to_string(ticket);
  nlohmann::json body = {{"type", "zen:event-type:ticket.created"},
                         {"account_id", 12514403},
                         {"id", event_id},
                         {"time", stamp},
                         {"zendesk_event_version", "2022-11-06"},
                         {"subject", "zen:ticket:" + id},
                         {"detail",
                          {{"actor_id", "902001"},
                           {"assignee_id", nullptr},
                           {"created_at", stamp},
                           {"group_id", "114001"},
                           {"id", id},
                           {"priority", "NORMAL"},
                           {"requester_id", "902001"},
                           {"status", "NEW"},
                           {"subject", "load"},
                           {"tags", nlohmann::json::array()},
                           {"updated_at", stamp},
                           {"via", {{"channel", "web_form"}}}}}};
  SignedDelivery d;
  d.body = body.dump();
  d.timestamp = stamp;
  d.signature = zendesk::compute_signature(kServingSecret, d.timestamp, d.body);
  return d;
}

void make_certificate(const TempDir& dir, const std::string& name) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj '/CN=127.0.0.1' -addext 'subjectAltName=IP:127.0.0.1' -keyout '" +
      dir.file(name + ".key") + "' -out '" + dir.file(name + ".crt") + "' 2>/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
}

}  // namespace tierd::testing
