#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "config/config.h"

using namespace tierd;

namespace {

const char* kBaseConfig = R"({
  "store": {"sqlite": {"path": "a.db"}},
  "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
  "tiers": [{"name": "tier1", "groups": [1]}]
})";

Config base_config(RunMode mode = RunMode::kLive) {
  auto config = parse_config(kBaseConfig, "secrets_test.json");
  REQUIRE(config.ok());
  Config c = *config;
  c.mode = mode;
  return c;
}

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A file in the temporary directory, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/tierd_secret_XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST_CASE("reads the token and webhook secret from the named variables", "[config]") {
  Config config = base_config();
  config.zendesk.webhook_secret_previous.env = "OLD_SECRET";
  auto secrets = load_secrets(config, fake_env({{"TIERD_ZENDESK_TOKEN", "tok-123"},
                                                {"TIERD_WEBHOOK_SECRET", "whsec"},
                                                {"OLD_SECRET", "whsec-old"},
                                                {"TIERD_ADMIN_TOKEN", "adm"}}));
  INFO(secrets.status().message());
  REQUIRE(secrets.ok());
  CHECK(secrets->zendesk_api_token == "tok-123");
  CHECK(secrets->webhook_secret == "whsec");
  CHECK(secrets->webhook_secret_previous == "whsec-old");
  CHECK(secrets->admin_token == "adm");
  CHECK(secrets->zendesk_oauth_token.empty());
  CHECK(secrets->postgres_url.empty());
}

TEST_CASE("a missing token or secret is an error in live mode naming the variable", "[config]") {
  auto secrets = load_secrets(base_config(), fake_env({{"TIERD_ZENDESK_TOKEN", ""}}));
  REQUIRE_FALSE(secrets.ok());
  const std::string message = secrets.status().message();
  INFO(message);
  CHECK(message.find("zendesk.api_token_env: environment variable TIERD_ZENDESK_TOKEN is empty") !=
        std::string::npos);
  CHECK(message.find("zendesk.webhook_secret_env: environment variable TIERD_WEBHOOK_SECRET is "
                     "not set") != std::string::npos);
}

TEST_CASE("shadow mode runs without an API token but not without the webhook secret", "[config]") {
  auto without_token =
      load_secrets(base_config(RunMode::kShadow), fake_env({{"TIERD_WEBHOOK_SECRET", "s"}}));
  INFO(without_token.status().message());
  CHECK(without_token.ok());
  auto without_secret = load_secrets(base_config(RunMode::kShadow), fake_env({}));
  REQUIRE_FALSE(without_secret.ok());
  CHECK(without_secret.status().message().rfind("zendesk.webhook_secret_env:", 0) == 0);
}

TEST_CASE("an OAuth token replaces the API token", "[config]") {
  Config config = base_config();
  config.zendesk.oauth_token.env = "ZD_OAUTH";
  auto secrets =
      load_secrets(config, fake_env({{"ZD_OAUTH", "bearer-1"}, {"TIERD_WEBHOOK_SECRET", "s"}}));
  INFO(secrets.status().message());
  REQUIRE(secrets.ok());
  CHECK(secrets->zendesk_oauth_token == "bearer-1");
  CHECK(secrets->zendesk_api_token.empty());

  auto missing = load_secrets(config, fake_env({{"TIERD_WEBHOOK_SECRET", "s"}}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().rfind("zendesk.oauth_token_env: environment variable ZD_OAUTH",
                                         0) == 0);
}

TEST_CASE("reads secrets from files without the trailing newline", "[config]") {
  TempFile token("file-token\n");
  TempFile secret("file-secret\r\n");
  Config config = base_config();
  config.zendesk.api_token = SecretSource{"", token.path()};
  config.zendesk.webhook_secret = SecretSource{"", secret.path()};
  auto secrets = load_secrets(config, fake_env({}));
  INFO(secrets.status().message());
  REQUIRE(secrets.ok());
  CHECK(secrets->zendesk_api_token == "file-token");
  CHECK(secrets->webhook_secret == "file-secret");
}

TEST_CASE("an unreadable or empty secret file is reported by path, never by value", "[config]") {
  TempFile empty("\n");
  Config config = base_config();
  config.zendesk.api_token = SecretSource{"", "/nonexistent/token"};
  config.zendesk.webhook_secret = SecretSource{"", empty.path()};
  auto secrets = load_secrets(config, fake_env({{"TIERD_ZENDESK_TOKEN", "do-not-print"}}));
  REQUIRE_FALSE(secrets.ok());
  const std::string message = secrets.status().message();
  INFO(message);
  CHECK(message.find("zendesk.api_token_file: cannot read \"/nonexistent/token\"") !=
        std::string::npos);
  CHECK(message.find("zendesk.webhook_secret_file: \"" + empty.path() + "\" is empty") !=
        std::string::npos);
  CHECK(message.find("do-not-print") == std::string::npos);
}

TEST_CASE("the PostgreSQL URL is required only for the PostgreSQL store", "[config]") {
  Config config = base_config();
  config.store.sqlite.reset();
  config.store.postgres = PostgresConfig{};
  auto env = fake_env({{"TIERD_ZENDESK_TOKEN", "t"}, {"TIERD_WEBHOOK_SECRET", "s"}});
  auto missing = load_secrets(config, env);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().rfind("store.postgres.url_env: environment variable "
                                         "TIERD_POSTGRES_URL is not set",
                                         0) == 0);

  auto present = load_secrets(config, fake_env({{"TIERD_ZENDESK_TOKEN", "t"},
                                                {"TIERD_WEBHOOK_SECRET", "s"},
                                                {"TIERD_POSTGRES_URL", "postgresql://x"}}));
  REQUIRE(present.ok());
  CHECK(present->postgres_url == "postgresql://x");
}

TEST_CASE("the offline tools read the store's URL without the helpdesk's secrets", "[config]") {
  Config config = base_config();
  CHECK(load_store_secrets(config, fake_env({}))->postgres_url.empty());  // SQLite: nothing

  config.store.sqlite.reset();
  config.store.postgres = PostgresConfig{};
  auto present = load_store_secrets(config, fake_env({{"TIERD_POSTGRES_URL", "postgresql://x"}}));
  REQUIRE(present.ok());
  CHECK(present->postgres_url == "postgresql://x");
  CHECK(present->webhook_secret.empty());

  auto missing = load_store_secrets(config, fake_env({}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().rfind("store.postgres.url_env: environment variable "
                                         "TIERD_POSTGRES_URL is not set",
                                         0) == 0);
}

TEST_CASE("load_secrets without a lookup reads the process environment", "[config]") {
  Config config = base_config();
  config.zendesk.api_token.env = "TIERD_TEST_CONFIG_TOKEN_7F3A";
  config.zendesk.webhook_secret.env = "TIERD_TEST_CONFIG_SECRET_7F3A";
  ::setenv("TIERD_TEST_CONFIG_TOKEN_7F3A", "env-token", 1);
  ::setenv("TIERD_TEST_CONFIG_SECRET_7F3A", "env-secret", 1);
  auto secrets = load_secrets(config);
  ::unsetenv("TIERD_TEST_CONFIG_TOKEN_7F3A");
  ::unsetenv("TIERD_TEST_CONFIG_SECRET_7F3A");
  INFO(secrets.status().message());
  REQUIRE(secrets.ok());
  CHECK(secrets->zendesk_api_token == "env-token");
  CHECK(secrets->webhook_secret == "env-secret");
}

namespace {

Config freshdesk_config(RunMode mode) {
  auto config = parse_config(R"({
    "store": {"sqlite": {"path": "a.db"}},
    "freshdesk": {"base_url": "https://acme.freshdesk.com",
                  "webhook_secret_previous_env": "OLD_HOOK"},
    "tiers": [{"name": "tier1", "groups": [1]}]
  })",
                             "freshdesk_secrets_test.json");
  REQUIRE(config.ok());
  Config c = *config;
  c.mode = mode;
  return c;
}

}  // namespace

TEST_CASE("a freshdesk config reads its API key and webhook secrets, not Zendesk's", "[config]") {
  auto secrets =
      load_secrets(freshdesk_config(RunMode::kLive), fake_env({{"TIERD_FRESHDESK_KEY", "key-1"},
                                                               {"TIERD_WEBHOOK_SECRET", "hook"},
                                                               {"OLD_HOOK", "hook-old"},
                                                               {"TIERD_ZENDESK_TOKEN", "unused"}}));
  INFO(secrets.status().message());
  REQUIRE(secrets.ok());
  CHECK(secrets->freshdesk_api_key == "key-1");
  CHECK(secrets->webhook_secret == "hook");
  CHECK(secrets->webhook_secret_previous == "hook-old");
  CHECK(secrets->zendesk_api_token.empty());

  auto missing = load_secrets(freshdesk_config(RunMode::kLive), fake_env({}));
  REQUIRE_FALSE(missing.ok());
  const std::string message = missing.status().message();
  INFO(message);
  CHECK(message.find("freshdesk.webhook_secret_env: environment variable TIERD_WEBHOOK_SECRET "
                     "is not set (required to authenticate webhooks)") != std::string::npos);
  CHECK(message.find("freshdesk.api_key_env: environment variable TIERD_FRESHDESK_KEY is not "
                     "set (required in live mode)") != std::string::npos);
  CHECK(message.find("zendesk") == std::string::npos);

  // Shadow mode writes nothing: the webhook secret is all it needs.
  auto shadow =
      load_secrets(freshdesk_config(RunMode::kShadow), fake_env({{"TIERD_WEBHOOK_SECRET", "h"}}));
  INFO(shadow.status().message());
  CHECK(shadow.ok());
}
