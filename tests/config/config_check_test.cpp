#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "config/config.h"

using namespace tierd;

namespace {

// A config file in the temporary directory, removed when the test ends.
class TempConfig {
 public:
  explicit TempConfig(const std::string& content) {
    char name[] = "/tmp/tierd_config_XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempConfig() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("check-config prints OK and warnings for a valid file", "[config]") {
  TempConfig file(R"({
    "listen": {"host": "0.0.0.0"},
    "store": {"sqlite": {"path": "a.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com",
                "api_token_env": "TIERD_TEST_CHECK_UNSET_TOKEN_9C1",
                "webhook_secret_env": "TIERD_TEST_CHECK_UNSET_SECRET_9C1"},
    "tiers": [{"name": "tier1", "groups": [1]}]
  })");
  std::ostringstream out, err;
  int code = run_check_config(file.path(), out, err);
  INFO(out.str() << err.str());
  CHECK(code == 0);
  CHECK(out.str() == "config OK: " + file.path() + "\n");
  // Warnings go to stderr, with the problems.
  auto lines = lines_of(err.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("warning: listen: ", 0) == 0);
  // Secrets `serve` would miss are warnings here, not failures.
  CHECK(err.str().find("warning: zendesk.webhook_secret_env: environment variable "
                       "TIERD_TEST_CHECK_UNSET_SECRET_9C1 is not set") != std::string::npos);
  CHECK(err.str().find("warning: zendesk.api_token_env: environment variable "
                       "TIERD_TEST_CHECK_UNSET_TOKEN_9C1 is not set") != std::string::npos);
}

TEST_CASE("check-config prints one line per problem and returns 1 for a bad file", "[config]") {
  TempConfig file(R"({
    "mode": "prod",
    "store": {"sqlite": {"path": "a.db"}},
    "zendesk": {"base_url": "http://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "tier1", "groups": [1]}],
    "foo": 1
  })");
  std::ostringstream out, err;
  int code = run_check_config(file.path(), out, err);
  CHECK(code == 1);
  CHECK(out.str().empty());
  auto lines = lines_of(err.str());
  INFO(err.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("mode: ", 0) == 0);
  CHECK(lines[1].rfind("zendesk.base_url: http:// is allowed only for loopback hosts", 0) == 0);
  CHECK(lines[2] == "foo: unknown key");
}

TEST_CASE("check-config returns 2 when the file cannot be read", "[config]") {
  std::ostringstream out, err;
  CHECK(run_check_config("/nonexistent/dir/tierd.json", out, err) == 2);
  CHECK(out.str().empty());
  CHECK(err.str().find("/nonexistent/dir/tierd.json") != std::string::npos);
}

TEST_CASE("check-config accepts the shipped demo configs", "[config]") {
  const char* name = GENERATE("demo.json", "demo-freshdesk.json");
  std::ostringstream out, err;
  const std::string path = std::string(TIERD_SOURCE_DIR) + "/config/" + name;
  CHECK(run_check_config(path, out, err) == 0);
  CHECK(out.str() == "config OK: " + path + "\n");
}

TEST_CASE("check-config warns a season ahead that a holiday list runs out", "[config]") {
  auto config = parse_config(R"({
    "store": {"sqlite": {"path": "a.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "tier1", "groups": [1], "escalate_after": "15m", "calendar": "nl"},
              {"name": "tier2", "groups": [2]}],
    "calendars": {"nl": {"timezone": "Europe/Amsterdam", "hours": {"mon": ["09:00-17:00"]},
                         "holidays": ["2026-04-27", "2026-12-25..2026-12-26"]}}
  })",
                             "holidays.json");
  REQUIRE(config.ok());
  auto day = [](const char* iso) { return *parse_instant(iso); };
  CHECK(holiday_warnings(*config, day("2026-06-01T00:00:00Z")).empty());
  auto soon = holiday_warnings(*config, day("2026-11-01T00:00:00Z"));
  REQUIRE(soon.size() == 1);
  CHECK(soon[0] ==
        "calendars.nl.holidays: the list ends on 2026-12-26; after that public holidays count as "
        "working days until next year's are added");
  auto late = holiday_warnings(*config, day("2027-01-10T00:00:00Z"));
  REQUIRE(late.size() == 1);
  CHECK(late[0].find("the list ended on 2026-12-26") != std::string::npos);
}

TEST_CASE("check-config names each problem of a cluster section", "[config][cluster]") {
  TempConfig file(R"({
    "store": {"postgres": {"url_env": "TIERD_TEST_CHECK_UNSET_PG_9C1"}},
    "cluster": {"shards": 0, "lease_ttl": "1s", "replica_id": "a/b"},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "tier1", "groups": [1]}]
  })");
  std::ostringstream out, err;
  CHECK(run_check_config(file.path(), out, err) == kCheckConfigInvalid);
  CHECK(out.str().empty());
  auto lines = lines_of(err.str());
  INFO(err.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "cluster.shards: expected an integer 1-4096, got 0");
  CHECK(lines[1] ==
        "cluster.lease_ttl: expected between 3s and 5m, got 1s (renewals run every lease_ttl / 3)");
  CHECK(lines[2] ==
        "cluster.replica_id: expected 1 to 64 characters of A-Z a-z 0-9 . _ - :, got \"a/b\" "
        "(leave it out for the host name and process id)");
}
