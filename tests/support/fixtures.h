// The project's test fixtures (tests/fixtures/): payloads as the helpdesk
// sends them, read byte for byte so that signatures computed over them hold.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tierd::testing {

// The bytes of tests/fixtures/<relative_path>, e.g. "zendesk/ticket_created.json".
// Fails the running test when the file cannot be read.
std::string read_fixture(std::string_view relative_path);

// The same, parsed as JSON.
nlohmann::json fixture_json(std::string_view relative_path);

// The bytes of any file; fails the running test when it cannot be read.
std::string read_file_bytes(const std::filesystem::path& path);

// The regular files directly in `dir`, sorted (a fuzz corpus, a fixture folder).
std::vector<std::filesystem::path> regular_files_in(const std::filesystem::path& dir);

}  // namespace tierd::testing
