#include "cli/commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "cli/setup_freshdesk.h"
#include "cli/setup_report.h"
#include "config/config.h"
#include "engine/write_pacing.h"
#include "zendesk/account_client.h"
#include "zendesk/setup_plan.h"

namespace tierd {
namespace {

using nlohmann::json;
using zendesk::ZendeskAccountClient;

// The Zendesk credentials from the config's secret sources. The webhook
// secret is left out on purpose: setup is how it is obtained.
Result<ZendeskApiOptions> api_options(const Config& config, const EnvLookup& getenv) {
  Config only_zendesk = config;
  only_zendesk.zendesk.webhook_secret = {};
  only_zendesk.zendesk.webhook_secret_previous = {};
  only_zendesk.admin.token = {};
  only_zendesk.store.postgres.reset();
  auto secrets = load_secrets(only_zendesk, getenv);
  if (!secrets.ok()) return secrets.status();
  ZendeskApiOptions o;
  o.base_url = config.zendesk.base_url;
  o.email = config.zendesk.email;
  o.api_token = secrets->zendesk_api_token;
  o.oauth_token = secrets->zendesk_oauth_token;
  o.timeout = config.zendesk.timeout;
  o.ca_file = config.zendesk.ca_file;
  if (o.oauth_token.empty() && (o.api_token.empty() || o.email.empty())) {
    return Status::InvalidArgument(
        "zendesk: setup needs zendesk.email and an API token (zendesk.api_token_env or "
        "zendesk.api_token_file), or an OAuth token");
  }
  return o;
}

Result<AccountFacts> read_facts(const Config& config, ZendeskAccountClient& client) {
  AccountFacts facts;
  auto me = client.me();
  if (!me.ok()) return me.status();
  facts.api_user = *me;
  for (GroupId id : configured_group_ids(config)) {
    auto group = client.group(id);
    if (!group.ok()) return group.status();
    if (*group && !(*group)->deleted) facts.groups[id] = (*group)->name;
  }
  auto users = client.users(configured_user_ids(config));
  if (!users.ok()) return users.status();
  facts.users = std::move(*users);
  // Ticket fields and webhooks are admin-only; the plan reports a non-admin.
  if (facts.api_user.role != "admin") return facts;
  if (config.review && config.review->forward_field_id) {
    auto field = client.ticket_field(*config.review->forward_field_id);
    if (!field.ok()) return field.status();
    facts.forward_field = std::move(*field);
  } else if (config.review) {
    auto fields = client.ticket_fields();
    if (!fields.ok()) return fields.status();
    for (auto& f : *fields) {
      if (f.title == kForwardFieldTitle) {
        facts.forward_field = std::move(f);
        break;
      }
    }
  }
  if (!config.public_url.empty()) {
    auto hooks = client.webhooks();
    if (!hooks.ok()) return hooks.status();
    facts.webhooks = std::move(*hooks);
  }
  return facts;
}

// Writes `content` + "\n" to `path` with mode 0600, through a temp file in
// the same directory and a rename, so a reader never sees half a secret.
Status write_secret_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  const std::string data = content + "\n";
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Unavailable("cannot write " + tmp + ": " + why);
    }
    written += static_cast<size_t>(n);
  }
  // fchmod: an existing temp file from a crashed run keeps its old mode.
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot finish " + tmp + ": " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot rename " + tmp + " to " + path + ": " + why);
  }
  return Status::Ok();
}

// One line of an environment file: "NAME=value", or anything else (kept as is).
struct EnvLine {
  std::string text;
  std::string name;  // "" for comments, blank lines and lines without '='
  std::string value;
};

std::string trim(const std::string& s) {
  const char* space = " \t\r";
  const size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

// Reads a systemd EnvironmentFile. A missing file is an empty one; values
// may be quoted with ' or ".
Result<std::vector<EnvLine>> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::vector<EnvLine>{};
    return Status::Unavailable("cannot read " + path + ": " + std::strerror(errno));
  }
  std::vector<EnvLine> lines;
  std::string text;
  while (std::getline(in, text)) {
    EnvLine line{text, "", ""};
    std::string t = trim(text);
    if (!t.empty() && t[0] != '#' && t[0] != ';') {
      if (t.rfind("export ", 0) == 0) t = trim(t.substr(7));
      auto eq = t.find('=');
      if (eq != std::string::npos && eq > 0) {
        line.name = trim(t.substr(0, eq));
        std::string v = trim(t.substr(eq + 1));
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
          v = v.substr(1, v.size() - 2);
        line.value = v;
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::optional<std::string> env_value(const std::vector<EnvLine>& lines, const std::string& name) {
  std::optional<std::string> found;
  for (const auto& l : lines) {
    if (l.name == name) found = l.value;  // the last assignment wins, as for systemd
  }
  return found;
}

}  // namespace

int run_setup(const SetupOptions& options, std::ostream& out, std::ostream& err) {
  auto config = load_config_file(options.config_path);
  if (!config.ok()) {
    err << "tierd setup: " << options.config_path << ":\n" << config.status().message() << "\n";
    return kSetupUsageError;
  }
  std::vector<EnvLine> env_lines;
  if (!options.env_file.empty()) {
    auto read = read_env_file(options.env_file);
    if (!read.ok()) {
      err << "tierd setup: --env-file: " << read.status().message() << "\n";
      return kSetupUsageError;
    }
    env_lines = std::move(*read);
  }
  const EnvLookup getenv = [&env_lines](const std::string& name) -> std::optional<std::string> {
    if (auto v = env_value(env_lines, name)) return v;
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  if (config->helpdesk == HelpdeskVendor::kFreshdesk) {
    return run_freshdesk_setup(options, *config, getenv, out, err);
  }
  auto api = api_options(*config, getenv);
  if (!api.ok()) {
    err << "tierd setup: " << api.status().message() << "\n";
    return kSetupUsageError;
  }
  // Setup's requests draw from the account's budget like the daemon's.
  AccountPacer pacer(config->zendesk.rate_share, config->zendesk.requests_per_minute);
  api->pacer = &pacer;
  ZendeskAccountClient client(*api);
  SetupReport report(options, out);
  report.line("tierd setup: " + options.config_path + " against " + config->zendesk.base_url);

  auto facts = read_facts(*config, client);
  if (!facts.ok()) {
    err << "tierd setup: " << facts.status().message() << "\n";
    return report.finish(kSetupApiFailed, "reading the account failed; nothing was changed");
  }
  const SetupPlan plan = build_setup_plan(*config, *facts);
  print_setup_plan(plan, report);
  report.doc()["plan"] = setup_plan_json(plan);

  if (const size_t problems = plan.problem_count(); problems > 0) {
    return report.finish(kSetupProblems, setup_plural(problems, "problem") +
                                             " found: fix them and run setup again; nothing "
                                             "was changed");
  }
  if (!options.apply) {
    if (plan.actions.empty()) return report.finish(kSetupOk, "nothing to change");
    return report.finish(kSetupOk, "dry run: nothing was changed; run with --apply to carry out " +
                                       setup_plural(plan.actions.size(), "action"));
  }

  std::optional<std::string> webhook_id = plan.webhook_id;
  bool secret_written = false;
  json applied = json::array();
  for (const auto& action : plan.actions) {
    std::string done;
    Status status = Status::Ok();
    switch (action.kind) {
      case SetupActionKind::kCreateWebhook: {
        auto created = client.create_webhook(action.webhook);
        status = created.status();
        if (created.ok()) {
          webhook_id = created->id;
          done = "created webhook " + created->id + " (\"" + created->name + "\")";
        }
        break;
      }
      case SetupActionKind::kUpdateWebhook:
        status = client.update_webhook(action.webhook.id, action.webhook);
        done = "updated webhook " + action.webhook.id;
        break;
      case SetupActionKind::kCreateForwardField: {
        auto field = client.create_dropdown_field(
            std::string(kForwardFieldTitle),
            "Reviewers pick a route to forward the ticket to (used by tierd).", action.options);
        status = field.status();
        if (field.ok()) {
          done = "created field " + std::to_string(field->id) + " (\"" + field->title +
                 "\"); add \"forward_field_id\": " + std::to_string(field->id) + " to review in " +
                 options.config_path;
          report.doc()["created_forward_field_id"] = field->id;
        }
        break;
      }
      case SetupActionKind::kAddForwardOptions: {
        auto field = client.set_field_options(action.field_id, action.options);
        status = field.status();
        done = "added options to field " + std::to_string(action.field_id);
        break;
      }
    }
    if (!status.ok()) {
      err << "tierd setup: " << action.summary << ": " << status.message() << "\n";
      report.doc()["applied"] = applied;
      return report.finish(kSetupApiFailed, "stopped after " +
                                                setup_plural(applied.size(), "action") +
                                                "; run setup again once the cause is fixed");
    }
    spdlog::info("event=setup_applied action={}", setup_action_name(action.kind));
    report.line("done: " + done);
    applied.push_back({{"action", setup_action_name(action.kind)}, {"result", done}});
  }
  report.doc()["applied"] = applied;

  if (webhook_id) {
    auto secret = client.signing_secret(*webhook_id);
    if (!secret.ok()) {
      err << "tierd setup: " << secret.status().message() << "\n";
      return report.finish(kSetupApiFailed, "could not read the webhook's signing secret");
    }
    const SecretSource& dest = config->zendesk.webhook_secret;
    json secret_doc = {{"webhook_id", *webhook_id}};
    if (!dest.file.empty()) {
      auto current = read_secret_file(dest.file);
      const bool same = current.ok() && *current == *secret;
      secret_doc["file"] = dest.file;
      secret_doc["written"] = !same;
      if (same) {
        report.line("webhook secret: " + dest.file + " already holds the signing secret of " +
                    "webhook " + *webhook_id);
      } else {
        Status written = write_secret_file(dest.file, *secret);
        if (!written.ok()) {
          err << "tierd setup: " << written.message() << "\n";
          return report.finish(kSetupApiFailed, "could not write the webhook secret file");
        }
        secret_written = true;
        report.line("webhook secret: wrote the signing secret of webhook " + *webhook_id + " to " +
                    dest.file + " (mode 0600); restart or reload tierd serve to use it");
      }
    } else if (!dest.env.empty() && !options.env_file.empty()) {
      secret_doc["env"] = dest.env;
      secret_doc["env_file"] = options.env_file;
      const bool same = env_value(env_lines, dest.env) == *secret;
      secret_doc["written"] = !same;
      if (same) {
        report.line("webhook secret: " + options.env_file + " already sets " + dest.env +
                    " to the signing secret of webhook " + *webhook_id);
      } else {
        std::string content;
        bool replaced = false;
        for (const auto& l : env_lines) {
          if (l.name == dest.env) {
            if (replaced) continue;  // one assignment is enough
            content += dest.env + "=" + *secret + "\n";
            replaced = true;
          } else {
            content += l.text + "\n";
          }
        }
        if (!replaced) content += dest.env + "=" + *secret + "\n";
        while (!content.empty() && content.back() == '\n') content.pop_back();
        Status written = write_secret_file(options.env_file, content);
        if (!written.ok()) {
          err << "tierd setup: " << written.message() << "\n";
          return report.finish(kSetupApiFailed, "could not write the environment file");
        }
        secret_written = true;
        report.line("webhook secret: set " + dest.env + " in " + options.env_file +
                    " (mode 0600) to the signing secret of webhook " + *webhook_id +
                    "; restart tierd serve to use it (systemctl restart tierd)");
      }
    } else if (!dest.env.empty()) {
      secret_doc["env"] = dest.env;
      report.line("webhook secret: set the environment variable " + dest.env +
                  " of tierd serve to the signing secret of webhook " + *webhook_id +
                  (options.show_secret ? ":" : " (run with --show-secret to print it)"));
      if (options.show_secret) {
        report.line(dest.env + "=" + *secret);
        secret_doc["secret"] = *secret;
      }
    } else {
      report.line(
          "webhook secret: zendesk.webhook_secret is not configured; set "
          "zendesk.webhook_secret_file or zendesk.webhook_secret_env");
    }
    report.doc()["webhook_secret"] = secret_doc;
  }
  if (plan.actions.empty()) {
    return report.finish(kSetupOk, secret_written
                                       ? "nothing to change in the account; the secret was "
                                         "brought up to date"
                                       : "nothing to change");
  }
  return report.finish(kSetupOk, "applied " + setup_plural(plan.actions.size(), "action"));
}

}  // namespace tierd
