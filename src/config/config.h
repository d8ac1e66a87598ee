// Config: the daemon's typed, validated configuration and how to load it.
//
// The configuration is one JSON document (`//` and `/* */` comments allowed).
// parse_config() turns it into a Config in one pass and validates all of it,
// including cross references (tier groups unique, calendars and routes that
// exist, ...), so that a broken file is reported completely at once: the error
// message has one line per problem, each starting with the JSON path of the
// offending value ("tiers[1].escalate_after: expected a duration ...").
//
// Secrets never live in the file. The config names where they come from (an
// environment variable or a file); load_secrets() reads them. Nothing here logs
// a secret value.
//
// A Config is a plain value: it owns all its data, is immutable by convention
// once loaded, and may be read from any thread. Loading has no global state, so
// any thread may call these functions (a SIGHUP reload builds a new Config and
// swaps it in).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/policy.h"
#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

enum class RunMode {
  kLive,    // decisions are written back to the helpdesk
  kShadow,  // decisions are computed, audited and logged, never written back
};

// Where a secret comes from: an environment variable or a file (whose content,
// minus trailing whitespace, is the secret). At most one of them is set; both
// empty means "not configured".
struct SecretSource {
  std::string env;
  std::string file;
  bool configured() const { return !env.empty() || !file.empty(); }
};

struct TlsConfig {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
};

struct ListenConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 16;  // workers: requests served at once
  std::optional<TlsConfig> tls;
  int max_connections = 512;
  Duration idle_timeout = std::chrono::seconds(5);   // keep-alive connections with no request
  Duration head_timeout = std::chrono::seconds(10);  // accept (or first byte) to a whole head
  int64_t max_header_bytes = 32 * 1024;
  int max_headers = 100;
};

// A separate plain-HTTP listener for /healthz and /metrics.
struct AdminListenConfig {
  std::string host = "127.0.0.1";
  int port = 0;
};

enum class SqliteSynchronous { kFull, kNormal };

struct SqliteConfig {
  std::string path;  // relative paths are relative to the working directory
  SqliteSynchronous synchronous = SqliteSynchronous::kFull;
};

struct PostgresConfig {
  SecretSource url{"TIERD_POSTGRES_URL", ""};  // the URL can hold a password
};

// Exactly one of the two is set in a loaded Config.
struct StoreConfig {
  std::optional<SqliteConfig> sqlite;
  std::optional<PostgresConfig> postgres;
};

// Replicas of `tierd serve` sharing one PostgreSQL store divide the tickets
// into `shards` and lease each shard to one replica at a time (cluster/).
// Only allowed with a PostgreSQL store: a SQLite file serves one process.
struct ClusterConfig {
  int shards = 64;                                // 1..4096; every replica must agree
  Duration lease_ttl = std::chrono::seconds(10);  // 3 s..5 min; renewed every ttl / 3
  std::string replica_id;                         // empty: the host name and process id
};

// The helpdesk tierd works with: the config has exactly one vendor section.
enum class HelpdeskVendor { kZendesk, kFreshdesk };
// The section's name: "zendesk", "freshdesk".
const char* helpdesk_vendor_name(HelpdeskVendor v);

struct ZendeskConfig {
  std::string base_url;  // "https://acme.zendesk.com", no trailing slash
  std::string email;     // for API-token authentication
  SecretSource api_token{"TIERD_ZENDESK_TOKEN", ""};
  SecretSource oauth_token;  // when configured, used instead of email + API token
  SecretSource webhook_secret{"TIERD_WEBHOOK_SECRET", ""};
  SecretSource webhook_secret_previous;  // accepted too while a secret is rotated
  std::string ca_file;                   // empty: the system CA store
  Duration timeout = std::chrono::seconds(10);
  std::optional<UserId> api_user_id;  // the integration's own user, to recognise echoes
  int requests_per_minute = 700;
  int updates_per_minute = 100;
  double rate_share = 0.8;  // share of the account's limits tierd may use, (0, 1]
};

struct FreshdeskConfig {
  std::string base_url;  // "https://acme.freshdesk.com", no trailing slash
  SecretSource api_key{"TIERD_FRESHDESK_KEY", ""};
  // Freshdesk does not sign webhooks: the automation rule sends this secret
  // (a custom header or Basic auth) and tierd compares it.
  SecretSource webhook_secret{"TIERD_WEBHOOK_SECRET", ""};
  SecretSource webhook_secret_previous;  // accepted too while a secret is rotated
  // The account's limit until Freshdesk reports it (X-RateLimit-Total); the
  // Growth plan's, the smallest with API access.
  int requests_per_minute = 200;
  // Update Ticket's limit; unset, the reported plan's (freshdesk/plan_limits.h).
  std::optional<int> updates_per_minute;
  double rate_share = 0.8;  // share of the account's limits tierd may use, (0, 1]
};

struct WebhookConfig {
  int64_t max_body_bytes = 262144;
  Duration timestamp_tolerance = std::chrono::minutes(5);
};

// The policy sections of the file are read straight into the core's policy
// types (core/policy.h, core/calendar.h). What the file has and the policy
// does not is a calendar *name*: build_policy() (config/policy_builder.h)
// resolves it, so in a Config the inherited `calendar` pointer is still null.
struct TierConfig : TierPolicy {
  std::optional<std::string> calendar_name;  // a key of Config::calendars; none = 24/7
};

struct ReviewConfig : ReviewPolicy {
  std::optional<std::string> calendar_name;  // a key of Config::calendars; none = 24/7
};

struct AtRiskConfig {
  double share = 0.8;  // (0, 1); the default of every tier's and the review's at_risk_share
};

// Who is away is read from the helpdesk, when agents work from their
// schedules: both are the engine's to apply, not the core's.
struct AvailabilityConfig {
  std::optional<std::string> away_user_tag;
  std::map<UserId, std::string> schedules;  // agent -> a key of Config::calendars
  Duration refresh = std::chrono::minutes(5);
};

struct ReconcileConfig {
  Duration interval = std::chrono::minutes(5);
  bool enabled = true;
};

struct AuditConfig {
  Duration retention = std::chrono::hours(24 * 90);
};

// How long processed webhook deliveries stay in the inbox: the rows for
// `retention`, their raw bodies for `keep_raw` (at most as long).
struct InboxConfig {
  Duration retention = std::chrono::hours(24 * 30);
  Duration keep_raw = std::chrono::hours(24 * 7);
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// How `tierd report` reads the trail.
struct ReportConfig {
  // The helpdesk account's time zone: --since/--until dates are its local dates.
  std::string timezone = "UTC";
  // A forward moved to another group or forwarded again within this is a misroute.
  Duration misroute_window = std::chrono::hours(24);
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
};

struct AdminConfig {
  SecretSource token{"TIERD_ADMIN_TOKEN", ""};
};

struct Config {
  std::string source_name;  // the file it came from, for messages
  RunMode mode = RunMode::kLive;
  ListenConfig listen;
  std::optional<AdminListenConfig> admin_listen;
  std::string public_url;
  StoreConfig store;
  std::optional<ClusterConfig> cluster;                // set only with a PostgreSQL store
  HelpdeskVendor helpdesk = HelpdeskVendor::kZendesk;  // which section below the file has
  ZendeskConfig zendesk;                               // meaningful when helpdesk is kZendesk
  FreshdeskConfig freshdesk;                           // meaningful when helpdesk is kFreshdesk
  WebhookConfig webhook;
  std::vector<TierConfig> tiers;  // in escalation order, at least one
  AtRiskConfig at_risk;
  TagNames tags;
  std::optional<ReviewConfig> review;
  std::vector<RoutePolicy> routes;  // names unique
  std::vector<RoutingRule> routing_rules;
  AvailabilityConfig availability;
  std::map<std::string, CalendarSpec> calendars;  // zones known, days' intervals sorted
  ReconcileConfig reconcile;
  AuditConfig audit;
  InboxConfig inbox;
  ReportConfig report;
  LogConfig log;
  AdminConfig admin;
  // Things that are allowed but probably not meant, one line each, JSON path
  // first (e.g. a non-loopback listener without TLS).
  std::vector<std::string> warnings;

  // The route named `name`, or null.
  const RoutePolicy* find_route(std::string_view name) const;
};

// Parses and validates a config document. `source_name` names it in messages
// about JSON syntax. Returns the Config on success; InvalidArgument on failure
// whose message has one line per problem, each starting with the JSON path.
Result<Config> parse_config(std::string_view json_text, const std::string& source_name);

// Reads `path` and parses it with parse_config(). Returns InvalidArgument when
// the content is wrong, NotFound when the file does not exist and Unavailable
// when it exists but cannot be read.
Result<Config> load_config_file(const std::string& path);

// The secret values a Config points at. Never log or print them.
struct Secrets {
  std::string zendesk_api_token;
  std::string zendesk_oauth_token;
  std::string freshdesk_api_key;
  std::string webhook_secret;
  std::string webhook_secret_previous;  // empty when not configured
  std::string admin_token;              // empty when not configured
  std::string postgres_url;             // empty unless the store is PostgreSQL
};

// The secret held in `file`: its content minus trailing whitespace (the
// newline editors and `echo` add). Unavailable, with the reason, when the
// file cannot be read or is larger than 64 KiB.
Result<std::string> read_secret_file(const std::string& file);

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads every secret the config names, from the process environment or from
// files, for the configured helpdesk only. The webhook secret is always
// required; in live mode the helpdesk's API credentials are too (Zendesk: an
// API token with zendesk.email, or an OAuth token; Freshdesk: an API key);
// the PostgreSQL URL
// is required when the store is PostgreSQL; the rest are optional. An empty
// value counts as missing. Returns the Secrets on success; InvalidArgument with
// one line per problem (naming the variable or file, never a value) on failure.
Result<Secrets> load_secrets(const Config& config);
Result<Secrets> load_secrets(const Config& config, const EnvLookup& getenv);

// Reads only the secrets opening the store needs (the PostgreSQL URL when the
// store is PostgreSQL; nothing for SQLite), as the offline tools do: they
// talk to no helpdesk and may run where its credentials are not set. Errors
// as load_secrets().
Result<Secrets> load_store_secrets(const Config& config);
Result<Secrets> load_store_secrets(const Config& config, const EnvLookup& getenv);

}  // namespace tierd
