// Readers for the service sections of the config: mode, listeners, store,
// the helpdesk connection (Zendesk or Freshdesk), webhook limits, reconciler,
// audit, log and admin.
#include <algorithm>

#include "config/config_sections.h"

namespace tierd::config_detail {
namespace {

bool is_env_var_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Reads "<base>_env" / "<base>_file" into `out`. Setting either replaces the
// default source; setting both is ambiguous.
void read_secret_source(ObjectReader& r, const std::string& base, SecretSource& out) {
  const std::string env_key = base + "_env";
  const std::string file_key = base + "_file";
  const json* env = r.get(env_key);
  const json* file = r.get(file_key);
  if (env != nullptr && file != nullptr) {
    r.problems().add(r.path_of(file_key),
                     "set either " + env_key + " or " + file_key + ", not both");
    return;
  }
  if (env != nullptr) {
    if (!env->is_string() || !is_env_var_name(env->get_ref<const std::string&>())) {
      r.problems().add(
          r.path_of(env_key),
          "expected an environment variable name like \"TIERD_SECRET\", got " + describe(*env));
      return;
    }
    out = SecretSource{env->get<std::string>(), ""};
  } else if (file != nullptr) {
    if (!file->is_string() || file->get_ref<const std::string&>().empty()) {
      r.problems().add(r.path_of(file_key), "expected a file path, got " + describe(*file));
      return;
    }
    out = SecretSource{"", file->get<std::string>()};
  }
}

bool read_host(ObjectReader& r, std::string& out) {
  const json* v = r.get("host");
  if (v == nullptr) return false;
  const std::string* s = v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
  if (s == nullptr || s->empty() || s->find_first_of(" \t\r\n/") != std::string::npos) {
    r.problems().add(r.path_of("host"),
                     "expected a host name or IP address like \"127.0.0.1\", got " + describe(*v));
    return false;
  }
  out = *s;
  return true;
}

// The helpdesk's required "base_url": https://, or http:// for a loopback
// host (a local simulator). `example` shows the vendor's form in messages.
// Returns the parsed URL when it stored one in `out`.
std::optional<UrlParts> read_base_url(ObjectReader& r, std::string_view example, std::string& out) {
  const json* base = r.require("base_url");
  if (base == nullptr) return std::nullopt;
  if (!base->is_string()) {
    r.problems().add(r.path_of("base_url"), "expected a URL like \"" + std::string(example) +
                                                "\", got " + describe(*base));
    return std::nullopt;
  }
  auto parts = split_url(base->get_ref<const std::string&>());
  if (auto* why = std::get_if<std::string>(&parts)) {
    r.problems().add(r.path_of("base_url"), *why);
    return std::nullopt;
  }
  const auto& url = std::get<UrlParts>(parts);
  if (url.scheme == "http" && !is_loopback_host(url.host)) {
    r.problems().add(r.path_of("base_url"),
                     "http:// is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); "
                     "use https://");
    return std::nullopt;
  }
  out = base->get<std::string>();
  while (!out.empty() && out.back() == '/') out.pop_back();
  return url;
}

// requests_per_minute, updates_per_minute and rate_share, as both helpdesks'
// sections have them; updates cannot exceed requests. False when the section
// has no updates_per_minute.
bool read_rate_limits(ObjectReader& r, int& requests, int& updates, double& share) {
  bool requests_ok = r.read_int("requests_per_minute", requests, 1, 100000);
  bool updates_ok = r.read_int("updates_per_minute", updates, 1, 100000);
  r.read_fraction("rate_share", share, 0.0, false, 1.0, true);

  bool requests_bad = r.has("requests_per_minute") && !requests_ok;
  bool updates_bad = r.has("updates_per_minute") && !updates_ok;
  if (!requests_bad && !updates_bad && updates > requests) {
    r.problems().add(r.path_of("updates_per_minute"), "must not exceed requests_per_minute (" +
                                                          std::to_string(requests) + "), got " +
                                                          std::to_string(updates));
  }
  return r.has("updates_per_minute") && updates_ok;
}

void read_zendesk_section(ObjectReader& r, ZendeskConfig& z) {
  read_base_url(r, "https://acme.zendesk.com", z.base_url);
  if (r.read_string("email", z.email) && z.email.find('@') == std::string::npos) {
    r.problems().add(r.path_of("email"), "expected an email address, got \"" + z.email + "\"");
  }
  read_secret_source(r, "api_token", z.api_token);
  read_secret_source(r, "oauth_token", z.oauth_token);
  read_secret_source(r, "webhook_secret", z.webhook_secret);
  read_secret_source(r, "webhook_secret_previous", z.webhook_secret_previous);
  r.read_string("ca_file", z.ca_file);
  r.read_duration("timeout", z.timeout);
  r.read_id("api_user_id", z.api_user_id);
  read_rate_limits(r, z.requests_per_minute, z.updates_per_minute, z.rate_share);
  // Basic API-token authentication is "email/token:TOKEN".
  if (r.is_object() && !z.oauth_token.configured() && !r.has("email")) {
    r.problems().add(r.path_of("email"),
                     "required for API-token authentication (or set oauth_token_env)");
  }
}

// Freshdesk's API answers only on the account's own Freshdesk domain, not
// on a custom CNAME; a simulator on a loopback host is the one exception.
constexpr std::string_view kFreshdeskDomain = ".freshdesk.com";

void read_freshdesk_section(ObjectReader& r, Config& config) {
  FreshdeskConfig& f = config.freshdesk;
  if (auto url = read_base_url(r, "https://acme.freshdesk.com", f.base_url)) {
    const std::string host = ascii_lower(url->host);
    if (!is_loopback_host(url->host) &&
        (host.size() <= kFreshdeskDomain.size() || !host.ends_with(kFreshdeskDomain))) {
      config.warnings.push_back(r.path_of("base_url") + ": \"" + url->host +
                                "\" is not a *.freshdesk.com host; Freshdesk's API answers only "
                                "on the account's Freshdesk domain, not on a custom domain");
    }
  }
  read_secret_source(r, "api_key", f.api_key);
  read_secret_source(r, "webhook_secret", f.webhook_secret);
  read_secret_source(r, "webhook_secret_previous", f.webhook_secret_previous);
  // Without updates_per_minute the plan's Update Ticket limit applies, which
  // never exceeds its account-wide one.
  int updates = 1;
  if (read_rate_limits(r, f.requests_per_minute, updates, f.rate_share)) {
    f.updates_per_minute = updates;
  }
}

}  // namespace

void read_mode(ObjectReader& root, Config& config) {
  const json* value = root.get("mode");
  if (value == nullptr) return;
  if (value->is_string() && *value == "live") {
    config.mode = RunMode::kLive;
  } else if (value->is_string() && *value == "shadow") {
    config.mode = RunMode::kShadow;
  } else {
    root.problems().add("mode", "expected \"live\" or \"shadow\", got " + describe(*value));
  }
}

void read_listen(ObjectReader& root, Config& config) {
  root.read_object("listen", [&](ObjectReader& r) {
    ListenConfig& listen = config.listen;
    read_host(r, listen.host);
    r.read_int("port", listen.port, 1, 65535);
    r.read_int("threads", listen.threads, 1, 1024);
    r.read_int("max_connections", listen.max_connections, 16, 65536);
    r.read_duration("idle_timeout", listen.idle_timeout);
    r.read_duration("head_timeout", listen.head_timeout);
    r.read_int("max_header_bytes", listen.max_header_bytes, 4096, int64_t{1} << 20);
    r.read_int("max_headers", listen.max_headers, 16, 10000);
    r.read_object("tls", [&](ObjectReader& tls) {
      TlsConfig parsed;
      bool ok = tls.read_string("cert", parsed.cert_file, true);
      ok = tls.read_string("key", parsed.key_file, true) && ok;
      if (ok) listen.tls = parsed;
    });
  });
}

void read_admin_listen(ObjectReader& root, Config& config) {
  root.read_object("admin_listen", [&](ObjectReader& r) {
    AdminListenConfig admin;
    read_host(r, admin.host);
    bool has_port = r.read_int("port", admin.port, 1, 65535, true);
    if (r.is_object() && has_port) config.admin_listen = admin;
  });
}

void read_public_url(ObjectReader& root, Config& config) {
  const json* value = root.get("public_url");
  if (value == nullptr) return;
  if (!value->is_string()) {
    root.problems().add(
        "public_url", "expected a URL like \"https://tierd.example.com\", got " + describe(*value));
    return;
  }
  auto parts = split_url(value->get_ref<const std::string&>());
  if (auto* why = std::get_if<std::string>(&parts)) {
    root.problems().add("public_url", *why);
    return;
  }
  std::string url = value->get<std::string>();
  while (!url.empty() && url.back() == '/') url.pop_back();
  config.public_url = url;
}

void read_store(ObjectReader& root, Config& config) {
  root.read_object(
      "store",
      [&](ObjectReader& r) {
        if (r.is_object() && r.has("sqlite") == r.has("postgres")) {
          r.problems().add("store",
                           r.has("sqlite")
                               ? "expected exactly one of \"sqlite\" or \"postgres\", got both"
                               : "expected exactly one of \"sqlite\" or \"postgres\", got neither");
        }
        r.read_object("sqlite", [&](ObjectReader& s) {
          SqliteConfig sqlite;
          s.read_string("path", sqlite.path, true);
          std::string synchronous;
          if (s.read_choice("synchronous", synchronous, {"full", "normal"})) {
            sqlite.synchronous =
                synchronous == "normal" ? SqliteSynchronous::kNormal : SqliteSynchronous::kFull;
          }
          config.store.sqlite = sqlite;
        });
        r.read_object("postgres", [&](ObjectReader& p) {
          PostgresConfig postgres;
          read_secret_source(p, "url", postgres.url);
          config.store.postgres = postgres;
        });
      },
      /*required=*/true);
}

// Every replica's lease bookkeeping has to fit in memory and in one lease
// table read per round; 4096 shards is far more than replicas will ever be.
constexpr int kMaxShards = 4096;
// Below 3 s a renewal every ttl / 3 would have to reach the database within a
// second, a GC or failover pause away from losing every shard; above 5 min a
// crashed replica's tickets would wait too long for a new owner.
constexpr Duration kMinLeaseTtl = std::chrono::seconds(3);
constexpr Duration kMaxLeaseTtl = std::chrono::minutes(5);
// Replica ids land in log lines, the lease table and `tierd cluster status`.
constexpr size_t kMaxReplicaIdLength = 64;

bool is_replica_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == ':';
}

void read_cluster(ObjectReader& root, Config& config) {
  if (root.is_object() && root.has("cluster") && root.has("store") && !config.store.postgres) {
    root.problems().add(
        "cluster",
        "replicas need a shared PostgreSQL store (store.postgres); a SQLite store "
        "serves one process, so remove \"cluster\" or move the store to PostgreSQL");
  }
  root.read_object("cluster", [&](ObjectReader& r) {
    ClusterConfig cluster;
    r.read_int("shards", cluster.shards, 1, kMaxShards);
    if (r.read_duration("lease_ttl", cluster.lease_ttl) &&
        (cluster.lease_ttl < kMinLeaseTtl || cluster.lease_ttl > kMaxLeaseTtl)) {
      r.problems().add(r.path_of("lease_ttl"), "expected between 3s and 5m, got " +
                                                   format_duration(cluster.lease_ttl) +
                                                   " (renewals run every lease_ttl / 3)");
      cluster.lease_ttl = ClusterConfig{}.lease_ttl;
    }
    if (r.read_string("replica_id", cluster.replica_id)) {
      const std::string& id = cluster.replica_id;
      if (id.empty() || id.size() > kMaxReplicaIdLength ||
          !std::all_of(id.begin(), id.end(), is_replica_id_char)) {
        r.problems().add(r.path_of("replica_id"),
                         "expected 1 to 64 characters of A-Z a-z 0-9 . _ - :, got \"" + id +
                             "\" (leave it out for the host name and process id)");
        cluster.replica_id.clear();
      }
    }
    config.cluster = cluster;
  });
}

void read_helpdesk(ObjectReader& root, Config& config) {
  if (root.is_object() && root.has("zendesk") == root.has("freshdesk")) {
    root.problems().add(root.has("zendesk") ? "freshdesk" : "zendesk",
                        std::string("expected exactly one helpdesk section, \"zendesk\" or "
                                    "\"freshdesk\", got ") +
                            (root.has("zendesk") ? "both" : "neither"));
  }
  if (root.has("freshdesk")) config.helpdesk = HelpdeskVendor::kFreshdesk;
  root.read_object("zendesk", [&](ObjectReader& r) { read_zendesk_section(r, config.zendesk); });
  root.read_object("freshdesk", [&](ObjectReader& r) { read_freshdesk_section(r, config); });
}

void read_webhook(ObjectReader& root, Config& config) {
  root.read_object("webhook", [&](ObjectReader& r) {
    r.read_int("max_body_bytes", config.webhook.max_body_bytes, 1024, int64_t{64} << 20);
    r.read_duration("timestamp_tolerance", config.webhook.timestamp_tolerance);
  });
}

void read_at_risk(ObjectReader& root, Config& config) {
  root.read_object("at_risk", [&](ObjectReader& r) {
    r.read_fraction("share", config.at_risk.share, 0.0, false, 1.0, false);
  });
}

void read_reconcile(ObjectReader& root, Config& config) {
  root.read_object("reconcile", [&](ObjectReader& r) {
    r.read_duration("interval", config.reconcile.interval);
    r.read_bool("enabled", config.reconcile.enabled);
  });
}

void read_audit(ObjectReader& root, Config& config) {
  root.read_object("audit",
                   [&](ObjectReader& r) { r.read_duration("retention", config.audit.retention); });
}

void read_report(ObjectReader& root, Config& config) {
  root.read_object("report", [&](ObjectReader& r) {
    read_zone_name(r, "timezone", config.report.timezone, false);
    r.read_duration("misroute_window", config.report.misroute_window);
  });
}

void read_inbox(ObjectReader& root, Config& config) {
  root.read_object("inbox", [&](ObjectReader& r) {
    const bool has_keep_raw = r.read_duration("keep_raw", config.inbox.keep_raw, true);
    r.read_duration("retention", config.inbox.retention);
    if (!has_keep_raw && config.inbox.keep_raw > config.inbox.retention) {
      config.inbox.keep_raw = config.inbox.retention;
    }
    if (config.inbox.keep_raw > config.inbox.retention) {
      r.problems().add(r.path_of("keep_raw"), "longer than inbox.retention (" +
                                                  format_duration(config.inbox.retention) +
                                                  "): a body cannot outlive its record");
    }
  });
}

void read_log(ObjectReader& root, Config& config) {
  root.read_object("log", [&](ObjectReader& r) {
    std::string level;
    if (r.read_choice("level", level, {"trace", "debug", "info", "warn", "error"})) {
      static constexpr std::pair<std::string_view, LogLevel> kLevels[] = {
          {"trace", LogLevel::kTrace},
          {"debug", LogLevel::kDebug},
          {"info", LogLevel::kInfo},
          {"warn", LogLevel::kWarn},
          {"error", LogLevel::kError}};
      for (const auto& [name, parsed] : kLevels) {
        if (name == level) config.log.level = parsed;
      }
    }
    std::string format;
    if (r.read_choice("format", format, {"text", "json"})) {
      config.log.format = format == "json" ? LogFormat::kJson : LogFormat::kText;
    }
  });
}

void read_admin(ObjectReader& root, Config& config) {
  root.read_object("admin",
                   [&](ObjectReader& r) { read_secret_source(r, "token", config.admin.token); });
}

}  // namespace tierd::config_detail
