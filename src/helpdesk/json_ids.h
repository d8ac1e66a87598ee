// How helpdesks write ids in JSON, read in one place for every adapter: a
// number, or a string of digits (Zendesk's event-subscribed webhooks send
// every id as a string, REST answers as numbers; a placeholder that a
// webhook template quotes renders as plain text).
//
// An id field that may be empty is none when it is absent, null, "" or 0:
// Zendesk's documented payloads write an empty id as "0" (user events'
// organization_id and default_group_id), and a template renders an unset id
// as "", so tierd never takes user 0 for a person. The system actor (-1) is
// the one negative id that means something.
//
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tierd {

// A whole number given as a JSON number (an integral float included) or as
// a string of digits with optional surrounding whitespace; nullopt for
// anything else, including values beyond int64.
std::optional<int64_t> id_from_json(const nlohmann::json& v);

// id_from_json, with 0 meaning none as well.
std::optional<int64_t> optional_id_from_json(const nlohmann::json& v);

// The member `key` of `obj` read with optional_id_from_json; nullopt when
// `obj` is not an object or has no such member.
std::optional<int64_t> optional_id_member(const nlohmann::json& obj, const char* key);

// A string of digits (whitespace around allowed) as an int64.
std::optional<int64_t> int64_from_text(std::string_view text);

}  // namespace tierd
