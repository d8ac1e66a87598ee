#include <catch2/catch.hpp>

#include "sim/zendesk/ticket_change.h"

using nlohmann::json;
using namespace tierd;
using namespace tierd::sim;

namespace {

const Instant kT0 = from_unix_ms(1741597204000);  // 2025-03-10T09:00:04Z

SimState account() {
  SimState s;
  s.groups[114001] = {114001, "Tier 1", false};
  s.groups[114002] = {114002, "Tier 2", false};
  s.users[400001] = {400001, "Admin", "admin@example.com", "admin", true, {}, std::nullopt};
  s.users[500120] = {500120, "Dana", "dana@example.com", "agent", true, {}, std::nullopt};
  s.users[902001] = {902001, "Alex", "alex@example.com", "end-user", true, {}, 770010};
  s.memberships[1] = {1, 500120, 114001, true};
  return s;
}

int64_t new_ticket(SimState& s, json extra = json::object()) {
  json fields = {{"subject", "VAT"}, {"comment", {{"body", "Help"}}}, {"group_id", 114001}};
  fields.update(extra);
  auto id = create_ticket(s, fields, {902001, "web_form", WriteForm::kSingle, kT0}, nullptr);
  REQUIRE(id.ok());
  return *id;
}

WriteContext api_write(Instant now, WriteForm form = WriteForm::kSingle) {
  return {400001, "api", form, now};
}

}  // namespace

TEST_CASE("a created ticket takes the first comment as description and is new", "[sim_ticket]") {
  SimState s = account();
  TicketChanges changes;
  auto id = create_ticket(s, {{"subject", "VAT"}, {"comment", {{"body", "Help"}}}},
                          {902001, "email", WriteForm::kSingle, kT0 + Duration(450)}, &changes);
  REQUIRE(id.ok());
  const SimTicket& t = s.tickets.at(*id);
  CHECK(changes.created);
  CHECK(t.description == "Help");
  CHECK(t.status == "new");
  CHECK(t.requester_id == 902001);
  CHECK(t.organization_id == 770010);
  CHECK(t.channel == "email");
  CHECK(t.updated_at == kT0);  // whole seconds
  CHECK(t.comments.size() == 1);
  CHECK(t.comments[0].author_id == 902001);
}

TEST_CASE("a ticket without a comment cannot be created", "[sim_ticket]") {
  SimState s = account();
  auto id = create_ticket(s, {{"subject", "x"}}, api_write(kT0), nullptr);
  CHECK(id.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("an update reports each changed aspect and moves updated_at", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s, {{"tags", {"a", "b"}}});
  const Instant later = kT0 + std::chrono::seconds(5);
  auto c = apply_ticket_update(s, id,
                               {{"assignee_id", 500120},
                                {"priority", "HIGH"},
                                {"tags", {"b", "c"}},
                                {"custom_fields", {{{"id", 7}, {"value", "x"}}}},
                                {"comment", {{"body", "note"}, {"public", false}}}},
                               api_write(later));
  REQUIRE(c.ok());
  REQUIRE(c->status.has_value());
  CHECK(c->status->previous == "new");
  CHECK(c->status->current == "open");
  CHECK(c->priority->current == "high");
  CHECK(c->assignee->previous.is_null());
  CHECK(c->assignee->current == 500120);
  CHECK_FALSE(c->group.has_value());
  CHECK(c->tags_added == std::vector<std::string>{"c"});
  CHECK(c->tags_removed == std::vector<std::string>{"a"});
  REQUIRE(c->custom_fields.size() == 1);
  CHECK(c->custom_fields[0].current == "x");
  REQUIRE(c->comment_id.has_value());
  const SimTicket& t = s.tickets.at(id);
  CHECK(t.updated_at == later);
  CHECK(t.comments.back().is_public == false);
  CHECK(t.comments.back().author_id == 400001);
}

TEST_CASE("an update that changes nothing leaves updated_at alone", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s);
  auto c =
      apply_ticket_update(s, id, {{"group_id", 114001}}, api_write(kT0 + std::chrono::hours(1)));
  REQUIRE(c.ok());
  CHECK_FALSE(c->any());
  CHECK(s.tickets.at(id).updated_at == kT0);
}

TEST_CASE("safe_update with a stale stamp is a conflict and changes nothing", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s);
  auto stale = apply_ticket_update(
      s, id,
      {{"priority", "low"}, {"safe_update", true}, {"updated_stamp", "2025-03-10T09:00:03Z"}},
      api_write(kT0 + std::chrono::seconds(9)));
  CHECK(stale.status().code() == StatusCode::kConflict);
  CHECK(s.tickets.at(id).priority.empty());
  auto fresh = apply_ticket_update(
      s, id,
      {{"priority", "low"}, {"safe_update", "true"}, {"updated_stamp", "2025-03-10T09:00:04Z"}},
      api_write(kT0 + std::chrono::seconds(9)));
  CHECK(fresh.ok());
  CHECK(s.tickets.at(id).priority == "low");
}

TEST_CASE("invalid values are refused without a change", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s);
  auto code = [&](json update) {
    return apply_ticket_update(s, id, update, api_write(kT0)).status().code();
  };
  CHECK(code({{"group_id", 99}}) == StatusCode::kInvalidArgument);
  CHECK(code({{"status", "asleep"}}) == StatusCode::kInvalidArgument);
  CHECK(code({{"priority", "meh"}}) == StatusCode::kInvalidArgument);
  CHECK(code({{"assignee_id", 902001}}) == StatusCode::kInvalidArgument);  // not an agent
  CHECK(code({{"group_id", 114002}, {"assignee_id", 500120}}) == StatusCode::kInvalidArgument);
  CHECK(code({{"followers", {{{"user_id", 902001}}}}}) == StatusCode::kInvalidArgument);
  CHECK(apply_ticket_update(s, 777, {{"status", "open"}}, api_write(kT0)).status().code() ==
        StatusCode::kNotFound);
  CHECK(s.tickets.at(id).group_id == 114001);
}

TEST_CASE("a closed ticket cannot be updated", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s);
  REQUIRE(apply_ticket_update(s, id, {{"status", "closed"}}, api_write(kT0)).ok());
  CHECK(apply_ticket_update(s, id, {{"priority", "low"}}, api_write(kT0)).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("assigning an agent without a group puts the ticket in the agent's group",
          "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s);
  REQUIRE(apply_ticket_update(s, id, {{"group_id", nullptr}}, api_write(kT0)).ok());
  REQUIRE(apply_ticket_update(s, id, {{"assignee_id", 500120}}, api_write(kT0)).ok());
  CHECK(s.tickets.at(id).group_id == 114001);
}

TEST_CASE("a requester's public reply reopens a pending ticket", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s);
  REQUIRE(apply_ticket_update(s, id, {{"status", "pending"}}, api_write(kT0)).ok());
  auto c = apply_ticket_update(s, id, {{"comment", {{"body", "any news?"}}}},
                               {902001, "email", WriteForm::kSingle, kT0});
  REQUIRE(c.ok());
  CHECK(s.tickets.at(id).status == "open");
  CHECK(c->status->previous == "pending");
}

TEST_CASE("additional_tags and remove_tags work in bulk and are ignored in batch", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s, {{"tags", {"keep", "drop"}}});
  REQUIRE(apply_ticket_update(s, id, {{"additional_tags", {"New"}}, {"remove_tags", "drop"}},
                              api_write(kT0, WriteForm::kBulk))
              .ok());
  CHECK(s.tickets.at(id).tags == std::vector<std::string>{"keep", "new"});
  auto batch =
      apply_ticket_update(s, id, {{"additional_tags", {"x"}}}, api_write(kT0, WriteForm::kBatch));
  REQUIRE(batch.ok());
  CHECK_FALSE(batch->any());
}

TEST_CASE("the tags endpoints' edits add, remove and set", "[sim_ticket]") {
  SimState s = account();
  const int64_t id = new_ticket(s, {{"tags", {"a"}}});
  REQUIRE(apply_tag_edit(s, id, TagEdit::kAdd, {{"tags", {"b"}}}, api_write(kT0)).ok());
  REQUIRE(apply_tag_edit(s, id, TagEdit::kRemove, {{"tags", {"a"}}}, api_write(kT0)).ok());
  CHECK(s.tickets.at(id).tags == std::vector<std::string>{"b"});
  REQUIRE(apply_tag_edit(s, id, TagEdit::kSet, {{"tags", {"z", "y"}}}, api_write(kT0)).ok());
  CHECK(s.tickets.at(id).tags == std::vector<std::string>{"y", "z"});
}

TEST_CASE("tags are read from arrays or space-separated text, lower-cased", "[sim_ticket]") {
  CHECK(read_tags(json("Billing  vip")) == std::vector<std::string>{"billing", "vip"});
  CHECK(read_tags(json({"B", "a b"})) == std::vector<std::string>{"a", "b"});
  CHECK(read_tags(json(42)).empty());
}
