// The config examples shipped for common setups (config/examples/) are
// valid as they stand: check-config accepts each without a warning once the
// secrets they name are in the environment.
#include <catch2/catch.hpp>

#include <filesystem>

#include "cli/cli_run.h"

using namespace tierd::testing;

TEST_CASE("every config example passes check-config without a warning", "[cli][config]") {
  TempDir dir;
  const std::map<std::string, std::string> secrets = {
      {"TIERD_ZENDESK_TOKEN", "token"},
      {"TIERD_FRESHDESK_KEY", "key"},
      {"TIERD_WEBHOOK_SECRET", "secret"},
      {"TIERD_ADMIN_TOKEN", "admin"},
      {"TIERD_POSTGRES_URL", "postgresql://tierd@127.0.0.1/tierd"}};
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TIERD_SOURCE_DIR) + "/config/examples")) {
    const std::string path = entry.path().string();
    INFO(path);
    CliRun run =
        run_cli({"check-config", "--config", path}, dir, entry.path().stem().string(), secrets);
    CHECK(run.status == 0);
    CHECK(run.out == "config OK: " + path + "\n");
    CHECK(run.err.empty());
    ++checked;
  }
  CHECK(checked >= 3);
}
