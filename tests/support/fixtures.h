// The project's test fixtures (tests/fixtures/): payloads as the helpdesk
// sends them, read byte for byte so that signatures computed over them hold.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tierd::testing {

// The bytes of tests/fixtures/<relative_path>, e.g. "zendesk/ticket_created.json".
// Fails the running test when the file cannot be read.
std::string read_fixture(std::string_view relative_path);

// The same, parsed as JSON.
nlohmann::json fixture_json(std::string_view relative_path);

}  // namespace tierd::testing
