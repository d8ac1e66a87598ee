#include "http/admin_stack.h"

#include <stdexcept>

namespace tierd::testing {

using nlohmann::json;
using namespace std::chrono_literals;

LiveStackOptions admin_stack_options(const TempDir& dir, int admin_port) {
  write_file(dir.file("admin.token"), std::string(kAdminToken) + "\n");
  LiveStackOptions o;
  o.tiers = json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "1h", "priority_budgets": {"urgent": "2s"}},
    {"name": "tier2", "groups": [114002], "escalate_after": "1h"},
    {"name": "tier3", "groups": [114003]}])");
  o.extra_config = json::parse(R"({
    "review": {"groups": [114000], "reviewers": [500777], "assign_reviewer": true,
               "escalate_after": "1h"}})");
  o.extra_config["admin"] = {{"token_file", dir.file("admin.token")}};
  if (admin_port != 0) {
    o.extra_config["admin_listen"] = {{"host", "127.0.0.1"}, {"port", admin_port}};
  }
  return o;
}

StatusScene make_status_scene(LiveStack& stack) {
  stack.seed_org();
  stack.sim("POST", "/sim/users",
            {{"users",
              {{{"id", kReviewer}, {"name", kReviewerName}, {"role", "agent"}},
               {{"id", kNamedAgent}, {"name", kNamedAgentName}, {"role", "agent"}}}}});
  stack.start_tierd();
  StatusScene scene;
  scene.escalated = stack.create_ticket(
      {{"subject", "urgent, moves up"}, {"group_id", 114001}, {"priority", "urgent"}});
  scene.running = stack.create_ticket({{"subject", "clock running"}, {"group_id", 114001}});
  stack.agent_update(scene.running, {{"assignee_id", kNamedAgent}, {"status", "open"}},
                     kNamedAgent);
  scene.in_review = stack.create_ticket({{"subject", "which team?"}, {"group_id", 114000}});
  scene.solved = stack.create_ticket({{"subject", "quick one"}, {"group_id", 114001}});
  stack.agent_update(scene.solved, {{"assignee_id", 500120}}, 500120);
  stack.agent_update(scene.solved, {{"status", "solved"}}, 500120);

  const bool acted = LiveStack::eventually(
      [&] {
        if (stack.group_of(scene.escalated) != 114002) return false;
        const json t = stack.ticket(scene.in_review);
        return !t.at("assignee_id").is_null() && t.at("assignee_id").get<int64_t>() == kReviewer;
      },
      20s);
  if (!acted) throw std::runtime_error("tierd did not act on the scene:\n" + stack.tierd_log());
  return scene;
}

SceneStack::SceneStack()
    : admin_port(free_loopback_port()), stack(admin_stack_options(dir, admin_port)) {
  stack.start_sim();
  scene = make_status_scene(stack);
}

httplib::Result admin_get(int port, const std::string& path, const std::string& authorization) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  httplib::Headers headers;
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  return client.Get(path.c_str(), headers);
}

std::string admin_bearer() {
  return std::string("Bearer ") + kAdminToken;
}

std::string base64(const std::string& in) {
  static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(chars[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(chars[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

json admin_status_json(int port) {
  auto res = admin_get(port, "/api/v1/status", admin_bearer());
  if (!res || res->status != 200) throw std::runtime_error("GET /api/v1/status failed");
  return json::parse(res->body);
}

json status_with_names(int port) {
  json status;
  const bool named = LiveStack::eventually(
      [&] {
        status = admin_status_json(port);
        return status["review"]["tickets"].size() == 1 &&
               status["review"]["tickets"][0]["reviewer"]["name"].is_string();
      },
      15s);
  if (!named) throw std::runtime_error("no names on the status: " + status.dump());
  return status;
}

}  // namespace tierd::testing
