// JSON shapes of the simulated Zendesk REST API: tickets, comments, audits,
// users, groups and group memberships, as Zendesk renders them.
//
// Pure functions of SimState data; `base_url` ("http://127.0.0.1:PORT") is
// used for the `url` fields. Thread-safe as long as the caller holds the
// state it passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/zendesk/sim_model.h"
#include "sim/zendesk/ticket_change.h"

namespace tierd::sim {

// Zendesk renders an absent id or an empty text as null.
nlohmann::json id_or_null(const std::optional<int64_t>& id);
nlohmann::json string_or_null(const std::string& s);

// The "ticket" object of a request body ({"ticket": {...}}); null when absent.
const nlohmann::json& ticket_object(const nlohmann::json& body);

nlohmann::json ticket_json(const SimTicket& t, const std::string& base_url);
nlohmann::json comment_json(const SimComment& c);
// The audit Zendesk answers next to the ticket after a write.
nlohmann::json audit_json(const SimTicket& t, const TicketChanges& changes, int64_t author_id,
                          const std::string& channel);
nlohmann::json user_json(const SimUser& u, const std::string& base_url);
nlohmann::json group_json(const SimGroup& g, const std::string& base_url);
nlohmann::json membership_json(const SimMembership& m, const std::string& base_url);

}  // namespace tierd::sim
