// A Freshdesk config as the command line treats it: check-config validates
// it; setup without the API key refuses it with one line naming the variable
// (freshdesk_setup_test.cpp runs setup against freshdesk-sim).
#include <catch2/catch.hpp>

#include <algorithm>

#include "cli/cli_run.h"

using namespace tierd::testing;

namespace {

const std::string kExample = std::string(TIERD_SOURCE_DIR) + "/config/examples/freshdesk.jsonc";
const std::map<std::string, std::string> kSecrets = {{"TIERD_FRESHDESK_KEY", "key"},
                                                     {"TIERD_WEBHOOK_SECRET", "secret"}};

size_t lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("check-config accepts the Freshdesk example", "[cli][freshdesk]") {
  TempDir dir;
  CliRun run = run_cli({"check-config", "--config", kExample}, dir, "check", kSecrets);
  CHECK(run.status == 0);
  CHECK(run.out == "config OK: " + kExample + "\n");
  CHECK(run.err.empty());
}

TEST_CASE("setup without the Freshdesk API key exits 2 in one line naming it", "[cli][freshdesk]") {
  TempDir dir;
  CliRun run =
      run_cli({"setup", "--config", kExample}, dir, "setup", {{"TIERD_WEBHOOK_SECRET", "secret"}});
  CHECK(run.status == 2);
  INFO(run.err);
  CHECK(lines(run.err) == 1);
  CHECK(run.err.find("TIERD_FRESHDESK_KEY") != std::string::npos);
}
