#include "sim/zendesk/ticket_change.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "core/ticket.h"
#include "sim/zendesk/rest_json.h"

namespace tierd::sim {

using nlohmann::json;

bool TicketChanges::any() const {
  return created || status || priority || type || group || assignee || subject ||
         !tags_added.empty() || !tags_removed.empty() || !custom_fields.empty() ||
         !followers_added.empty() || !followers_removed.empty() || comment_id.has_value();
}

std::vector<std::string> read_tags(const json& value) {
  std::vector<std::string> words;
  auto split_into = [&words](const std::string& text) {
    std::istringstream in(text);
    std::string word;
    while (in >> word) words.push_back(word);
  };
  if (value.is_string()) {
    split_into(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) split_into(item.get<std::string>());
    }
  }
  return normalize_tags(std::move(words));
}

namespace {

Status invalid(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + ": " + what);
}

// Zendesk takes ids as JSON numbers and, leniently, as numeric strings.
std::optional<int64_t> read_id(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) return static_cast<int64_t>(v.get<uint64_t>());
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > 18) return std::nullopt;
    if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoll(s);
  }
  return std::nullopt;
}

bool read_flag(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return ascii_lower(it->get<std::string>()) == "true";
  return false;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
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

std::string strip_html(const std::string& html) {
  std::string out;
  bool in_tag = false;
  for (char c : html) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += c;
    }
  }
  return out;
}

// Reads an enum field that may be null; `valid` checks the lower-cased text.
Status read_enum(const json& obj, const char* key, bool nullable, bool (*valid)(const std::string&),
                 std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  if (it->is_null() && nullable) {
    out.clear();
    return Status::Ok();
  }
  if (!it->is_string()) return invalid(key, "expected a string");
  std::string value = ascii_lower(it->get<std::string>());
  if (value.empty() && nullable) {
    out.clear();
    return Status::Ok();
  }
  if (!valid(value)) return invalid(key, "'" + it->get<std::string>() + "' is not valid");
  out = value;
  return Status::Ok();
}

// A drop-down field's options are tags, and Zendesk keeps the field and
// its option's tag together: choosing an option adds its tag (and takes the
// previous option's off), and taking the tag off clears the field.
void sync_dropdown_tags(const SimState& state, const SimTicket& before, SimTicket& next,
                        const std::set<int64_t>& fields_written) {
  auto tag_of = [](const json& value) {
    return value.is_string() ? ascii_lower(value.get<std::string>()) : std::string();
  };
  auto has_tag = [](const std::vector<std::string>& tags, const std::string& tag) {
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
  };
  std::vector<std::string> tags = next.tags;
  for (auto& field : next.custom_fields) {
    auto def = state.ticket_fields.find(field.id);
    if (def == state.ticket_fields.end() || def->second.type != "tagger") continue;
    std::string old_tag;
    for (const auto& f : before.custom_fields) {
      if (f.id == field.id) old_tag = tag_of(f.value);
    }
    const std::string tag = tag_of(field.value);
    if (fields_written.count(field.id)) {
      if (!old_tag.empty() && old_tag != tag) std::erase(tags, old_tag);
      if (!tag.empty()) tags.push_back(tag);
    } else if (!tag.empty() && has_tag(before.tags, tag) && !has_tag(next.tags, tag)) {
      field.value = nullptr;
    }
  }
  next.tags = normalize_tags(std::move(tags));
}

// Applies the writable fields of `obj` to `next` (a copy of the stored
// ticket). A new comment, when present, is returned through `comment`.
Status apply_fields(const SimState& state, const SimTicket& before, SimTicket& next,
                    const json& obj, const WriteContext& ctx, std::optional<SimComment>& comment) {
  if (auto it = obj.find("subject"); it != obj.end() && it->is_string()) {
    next.subject = it->get<std::string>();
  }
  const bool status_given = obj.contains("status");
  if (Status s = read_enum(obj, "status", false, is_valid_status, next.status); !s.ok()) return s;
  if (Status s = read_enum(obj, "priority", true, is_valid_priority, next.priority); !s.ok()) {
    return s;
  }
  if (Status s = read_enum(obj, "type", true, is_valid_type, next.type); !s.ok()) return s;

  const bool group_given = obj.contains("group_id");
  if (group_given) {
    const json& v = obj.at("group_id");
    if (v.is_null()) {
      next.group_id.reset();
    } else {
      auto id = read_id(v);
      if (!id) return invalid("group_id", "expected an id");
      if (!state.groups.count(*id)) return invalid("group_id", "no group " + std::to_string(*id));
      next.group_id = *id;
    }
  }

  bool assignee_given = false;
  if (auto it = obj.find("assignee_id"); it != obj.end()) {
    assignee_given = true;
    if (it->is_null()) {
      next.assignee_id.reset();
    } else {
      auto id = read_id(*it);
      const SimUser* user = id ? state.find_user(*id) : nullptr;
      if (!user) return invalid("assignee_id", "no user " + it->dump());
      if (!user->is_staff()) return invalid("assignee_id", "the user is not an agent");
      next.assignee_id = *id;
    }
  } else if (auto it = obj.find("assignee_email"); it != obj.end() && it->is_string()) {
    assignee_given = true;
    const SimUser* user = state.find_user_by_email(it->get<std::string>());
    if (!user || !user->is_staff()) return invalid("assignee_email", "no agent with that email");
    next.assignee_id = user->id;
  }

  if (auto it = obj.find("tags"); it != obj.end() && !it->is_null()) {
    next.tags = read_tags(*it);
  }
  if (ctx.form != WriteForm::kBatch) {
    if (auto it = obj.find("additional_tags"); it != obj.end()) {
      auto tags = next.tags;
      for (auto& t : read_tags(*it)) tags.push_back(t);
      next.tags = normalize_tags(std::move(tags));
    }
    if (auto it = obj.find("remove_tags"); it != obj.end()) {
      auto removed = read_tags(*it);
      std::erase_if(next.tags, [&](const std::string& t) {
        return std::binary_search(removed.begin(), removed.end(), t);
      });
    }
  }

  std::set<int64_t> fields_written;
  for (const char* key : {"custom_fields", "fields"}) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    if (!it->is_array()) return invalid(key, "expected an array");
    for (const auto& field : *it) {
      auto id = field.is_object() && field.contains("id") ? read_id(field.at("id")) : std::nullopt;
      if (!id) return invalid(key, "each entry needs an id");
      fields_written.insert(*id);
      json value = field.value("value", json(nullptr));
      auto existing = std::find_if(next.custom_fields.begin(), next.custom_fields.end(),
                                   [&](const SimCustomField& f) { return f.id == *id; });
      if (existing == next.custom_fields.end()) {
        next.custom_fields.push_back({*id, value});
      } else {
        existing->value = value;
      }
    }
    std::sort(next.custom_fields.begin(), next.custom_fields.end(),
              [](const SimCustomField& a, const SimCustomField& b) { return a.id < b.id; });
  }
  sync_dropdown_tags(state, before, next, fields_written);

  if (auto it = obj.find("followers"); it != obj.end()) {
    if (!it->is_array()) return invalid("followers", "expected an array");
    std::set<int64_t> followers(next.follower_ids.begin(), next.follower_ids.end());
    for (const auto& entry : *it) {
      if (!entry.is_object()) return invalid("followers", "expected objects");
      const SimUser* user = nullptr;
      if (entry.contains("user_id")) {
        auto id = read_id(entry.at("user_id"));
        user = id ? state.find_user(*id) : nullptr;
      } else if (entry.contains("user_email") && entry.at("user_email").is_string()) {
        user = state.find_user_by_email(entry.at("user_email").get<std::string>());
      }
      if (!user) return invalid("followers", "unknown user " + entry.dump());
      if (!user->is_staff()) return invalid("followers", "followers must be agents");
      const std::string action = entry.value("action", std::string("put"));
      if (action == "delete") {
        followers.erase(user->id);
      } else if (action == "put") {
        followers.insert(user->id);
      } else {
        return invalid("followers", "action must be put or delete");
      }
    }
    next.follower_ids.assign(followers.begin(), followers.end());
  }

  if (auto it = obj.find("comment"); it != obj.end() && it->is_object()) {
    const json& c = *it;
    std::string body = c.value("body", std::string());
    std::string html = c.value("html_body", std::string());
    if (!body.empty() || !html.empty()) {
      SimComment out;
      out.body = body.empty() ? strip_html(html) : body;
      out.html_body = html.empty() ? "<p>" + html_escape(body) + "</p>" : html;
      out.is_public = read_flag(c, "public") || !c.contains("public");
      out.author_id = ctx.actor_id;
      if (c.contains("author_id")) {
        auto id = read_id(c.at("author_id"));
        if (!id || !state.find_user(*id)) return invalid("comment.author_id", "unknown user");
        out.author_id = *id;
      }
      out.channel = ctx.channel;
      out.created_at = whole_seconds(ctx.now);
      comment = std::move(out);
    }
  }

  // Zendesk's own rules on top of what was written.
  if (assignee_given && next.assignee_id && !group_given && !next.group_id) {
    next.group_id = state.default_group_of(*next.assignee_id);
  }
  if (next.assignee_id && next.group_id && (assignee_given || group_given) &&
      !state.is_member(*next.assignee_id, *next.group_id)) {
    return invalid("assignee", "Assignee is not a member of the group");
  }
  if (next.assignee_id && next.status == "new") next.status = "open";
  if (comment && comment->is_public && !status_given) {
    const SimUser* author = state.find_user(comment->author_id);
    const bool from_requester = author && !author->is_staff();
    if (from_requester &&
        (before.status == "pending" || before.status == "solved" || before.status == "hold")) {
      next.status = "open";
    }
  }
  return Status::Ok();
}

void diff_scalar(const json& previous, const json& current, std::optional<ScalarChange>& out) {
  if (previous != current) out = ScalarChange{previous, current};
}

TicketChanges diff(const SimTicket& before, const SimTicket& after) {
  TicketChanges c;
  diff_scalar(before.status, after.status, c.status);
  diff_scalar(string_or_null(before.priority), string_or_null(after.priority), c.priority);
  diff_scalar(string_or_null(before.type), string_or_null(after.type), c.type);
  diff_scalar(id_or_null(before.group_id), id_or_null(after.group_id), c.group);
  diff_scalar(id_or_null(before.assignee_id), id_or_null(after.assignee_id), c.assignee);
  diff_scalar(before.subject, after.subject, c.subject);
  std::set_difference(after.tags.begin(), after.tags.end(), before.tags.begin(), before.tags.end(),
                      std::back_inserter(c.tags_added));
  std::set_difference(before.tags.begin(), before.tags.end(), after.tags.begin(), after.tags.end(),
                      std::back_inserter(c.tags_removed));
  for (const auto& field : after.custom_fields) {
    json previous = nullptr;
    for (const auto& old : before.custom_fields) {
      if (old.id == field.id) previous = old.value;
    }
    if (previous != field.value) c.custom_fields.push_back({field.id, previous, field.value});
  }
  std::set_difference(after.follower_ids.begin(), after.follower_ids.end(),
                      before.follower_ids.begin(), before.follower_ids.end(),
                      std::back_inserter(c.followers_added));
  std::set_difference(before.follower_ids.begin(), before.follower_ids.end(),
                      after.follower_ids.begin(), after.follower_ids.end(),
                      std::back_inserter(c.followers_removed));
  return c;
}

// Stores `next` with the new comment and stamps it when anything changed.
void commit(SimState& state, SimTicket& stored, SimTicket next, std::optional<SimComment> comment,
            TicketChanges& changes, Instant now) {
  if (comment) {
    comment->id = state.next_comment_id++;
    comment->audit_id = state.next_audit_id;
    changes.comment_id = comment->id;
    next.comments.push_back(std::move(*comment));
  }
  if (!changes.any()) return;
  changes.audit_id = state.next_audit_id++;
  next.updated_at = whole_seconds(now);
  next.change_seq = ++state.change_seq;
  stored = std::move(next);
}

Status check_safe_update(const SimTicket& ticket, const json& obj) {
  if (!read_flag(obj, "safe_update")) return Status::Ok();
  auto it = obj.find("updated_stamp");
  if (it == obj.end() || !it->is_string()) {
    return invalid("updated_stamp", "required when safe_update is true");
  }
  auto stamp = parse_instant(it->get<std::string>());
  if (!stamp.ok()) return invalid("updated_stamp", stamp.status().message());
  if (*stamp != ticket.updated_at) {
    return Status::Conflict(
        "Safe Update prevented the update due to outdated ticket data. Please fetch the latest "
        "ticket data and try again.");
  }
  return Status::Ok();
}

}  // namespace

Result<TicketChanges> apply_ticket_update(SimState& state, int64_t id, const json& ticket_json,
                                          const WriteContext& ctx) {
  if (!ticket_json.is_object()) return invalid("ticket", "expected an object");
  auto it = state.tickets.find(id);
  if (it == state.tickets.end()) return Status::NotFound("RecordNotFound");
  SimTicket& stored = it->second;
  if (Status s = check_safe_update(stored, ticket_json); !s.ok()) return s;
  if (stored.status == "closed") return invalid("status", "closed prevents ticket update");

  SimTicket next = stored;
  std::optional<SimComment> comment;
  if (Status s = apply_fields(state, stored, next, ticket_json, ctx, comment); !s.ok()) return s;
  TicketChanges changes = diff(stored, next);
  commit(state, stored, std::move(next), std::move(comment), changes, ctx.now);
  return changes;
}

Result<int64_t> create_ticket(SimState& state, const json& ticket_json, const WriteContext& ctx,
                              TicketChanges* changes) {
  if (!ticket_json.is_object()) return invalid("ticket", "expected an object");
  SimTicket ticket;
  ticket.requester_id = ctx.actor_id;
  if (auto it = ticket_json.find("requester_id"); it != ticket_json.end()) {
    auto id = read_id(*it);
    if (!id || !state.find_user(*id)) return invalid("requester_id", "unknown user");
    ticket.requester_id = *id;
  }
  ticket.submitter_id = ctx.actor_id;
  if (const SimUser* requester = state.find_user(ticket.requester_id)) {
    ticket.organization_id = requester->organization_id;
  }
  ticket.brand_id = 360001;
  ticket.ticket_form_id = 360002;
  ticket.channel = ctx.channel;
  if (auto it = ticket_json.find("via"); it != ticket_json.end() && it->is_object()) {
    ticket.channel = it->value("channel", ctx.channel);
  }
  ticket.external_id = ticket_json.value("external_id", std::string());
  ticket.created_at = whole_seconds(ctx.now);

  json fields = ticket_json;
  if (!fields.contains("comment") && fields.contains("description")) {
    fields["comment"] = {{"body", fields["description"]}};
  }
  if (fields.contains("comment") && fields["comment"].is_object() &&
      !fields["comment"].contains("author_id")) {
    fields["comment"]["author_id"] = ticket.requester_id;
  }
  std::optional<SimComment> comment;
  const SimTicket empty = ticket;
  if (Status s = apply_fields(state, empty, ticket, fields, ctx, comment); !s.ok()) return s;
  if (!comment) return invalid("comment", "Description: cannot be blank");
  ticket.description = comment->body;

  int64_t id = state.next_ticket_id;
  if (auto it = ticket_json.find("id"); it != ticket_json.end() && ctx.form == WriteForm::kSingle) {
    // Only the control API passes an explicit id (to reproduce fixtures).
    auto wanted = read_id(*it);
    if (!wanted || *wanted <= 0 || state.tickets.count(*wanted)) {
      return invalid("id", "taken or invalid");
    }
    id = *wanted;
  }
  state.next_ticket_id = std::max(state.next_ticket_id, id + 1);
  ticket.id = id;
  TicketChanges local;
  local.created = true;
  SimTicket& stored = state.tickets[id];
  commit(state, stored, std::move(ticket), std::move(comment), local, ctx.now);
  if (changes) *changes = std::move(local);
  return id;
}

Result<TicketChanges> apply_tag_edit(SimState& state, int64_t id, TagEdit edit, const json& body,
                                     const WriteContext& ctx) {
  if (!body.is_object() || !body.contains("tags")) return invalid("tags", "expected {\"tags\":[]}");
  json update = json::object();
  const char* key = edit == TagEdit::kAdd      ? "additional_tags"
                    : edit == TagEdit::kRemove ? "remove_tags"
                                               : "tags";
  update[key] = body.at("tags");
  for (const char* k : {"safe_update", "updated_stamp"}) {
    if (body.contains(k)) update[k] = body.at(k);
  }
  WriteContext single = ctx;
  single.form = WriteForm::kSingle;
  return apply_ticket_update(state, id, update, single);
}

}  // namespace tierd::sim
