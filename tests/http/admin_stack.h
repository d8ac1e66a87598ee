// A running tierd + zendesk-sim pair with the admin surface on its own
// loopback listener, and a scene for the status page: an escalated ticket, a
// clock running for a named agent, a ticket waiting for review, a solve, and
// agents whose names need escaping. Shared by the admin API tests and the
// headless-browser check of the status page.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "support/live_stack.h"
#include "support/process_harness.h"

namespace tierd::testing {

inline constexpr const char* kAdminToken = "admin-token-for-tests";
inline constexpr int64_t kReviewer = 500777;
inline constexpr const char* kReviewerName = "Robin O'Hara <Reviews & Triage>";
inline constexpr int64_t kNamedAgent = 500121;
inline constexpr const char* kNamedAgentName = "Dana Reyes";

// Tiers of 1 h (urgent tickets 2 s in tier 1), a review group (114000,
// reviewer 500777), the admin token in a file, and admin_listen on
// `admin_port` when it is not 0.
LiveStackOptions admin_stack_options(const TempDir& dir, int admin_port);

// What the scene created.
struct StatusScene {
  int64_t escalated = 0;  // urgent, moved to tier 2
  int64_t running = 0;    // tier 1, its clock running, assigned to kNamedAgent
  int64_t in_review = 0;  // in the review group, given to kReviewer
  int64_t solved = 0;     // solved by its assignee 500120
};

// Seeds the organisation (with the names above), creates the scene's
// tickets and waits until tierd has acted on them.
StatusScene make_status_scene(LiveStack& stack);

// The scene on a started stack with an admin listener.
struct SceneStack {
  SceneStack();
  TempDir dir;
  int admin_port;
  LiveStack stack;
  StatusScene scene;
};

httplib::Result admin_get(int port, const std::string& path, const std::string& authorization = "");
std::string admin_bearer();
std::string base64(const std::string& in);

// GET /api/v1/status on `port`, parsed; throws when it does not answer 200.
nlohmann::json admin_status_json(int port);
// The status once the scene's reviewer shows by name (the first answer
// shows ids and has the names read); throws after 15 s.
nlohmann::json status_with_names(int port);

}  // namespace tierd::testing
