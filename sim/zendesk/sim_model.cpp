#include "sim/zendesk/sim_model.h"

#include <array>

namespace tierd::sim {

const SimUser* SimState::find_user(int64_t id) const {
  auto it = users.find(id);
  return it == users.end() ? nullptr : &it->second;
}

const SimUser* SimState::find_user_by_email(const std::string& email) const {
  for (const auto& [id, user] : users) {
    if (user.email == email) return &user;
  }
  return nullptr;
}

bool SimState::is_member(int64_t user_id, int64_t group_id) const {
  for (const auto& [id, m] : memberships) {
    if (m.user_id == user_id && m.group_id == group_id) return true;
  }
  return false;
}

std::optional<int64_t> SimState::default_group_of(int64_t user_id) const {
  std::optional<int64_t> first;
  for (const auto& [id, m] : memberships) {
    if (m.user_id != user_id) continue;
    if (m.is_default) return m.group_id;
    if (!first) first = m.group_id;
  }
  return first;
}

Instant whole_seconds(Instant t) {
  return Instant(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()));
}

namespace {
constexpr std::array<const char*, 6> kStatuses = {"new",  "open",   "pending",
                                                  "hold", "solved", "closed"};
constexpr std::array<const char*, 4> kPriorities = {"low", "normal", "high", "urgent"};
constexpr std::array<const char*, 4> kTypes = {"problem", "incident", "question", "task"};

template <size_t N>
bool contains(const std::array<const char*, N>& values, const std::string& s) {
  for (const char* v : values) {
    if (s == v) return true;
  }
  return false;
}
}  // namespace

int64_t custom_status_id(const std::string& status) {
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (status == kStatuses[i]) return 18000001 + static_cast<int64_t>(i);
  }
  return 18000000;
}

bool is_valid_status(const std::string& s) {
  return contains(kStatuses, s);
}
bool is_valid_priority(const std::string& s) {
  return contains(kPriorities, s);
}
bool is_valid_type(const std::string& s) {
  return contains(kTypes, s);
}

}  // namespace tierd::sim
