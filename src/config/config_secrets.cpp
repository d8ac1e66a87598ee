// load_secrets: reads the secret values a Config points at from the
// environment or from files. Messages name the variable or the file, never
// the value.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "config/config_reader.h"

namespace tierd {
namespace {

using config_detail::ConfigProblems;

constexpr size_t kMaxSecretBytes = 64 * 1024;

struct SecretRequest {
  const SecretSource& source;
  std::string path;  // JSON path of the "<base>" key, e.g. "zendesk.api_token"
  bool required;
  const char* why_required;  // completes "required ..." in messages
  std::string& out;
};

void load_one(const SecretRequest& request, const EnvLookup& getenv, ConfigProblems& problems) {
  const SecretSource& source = request.source;
  if (!source.file.empty()) {
    auto value = read_secret_file(source.file);
    struct stat st {};
    if (value.ok() && ::stat(source.file.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
      spdlog::warn(
          "{}_file: \"{}\" is readable by every user of this host; make it readable by "
          "tierd only (chmod 600, or 640 with tierd's group)",
          request.path, source.file);
    }
    if (!value.ok()) {
      problems.add(request.path + "_file",
                   "cannot read \"" + source.file + "\": " + value.status().message());
    } else if (value->empty() && request.required) {
      problems.add(request.path + "_file",
                   "\"" + source.file + "\" is empty (required " + request.why_required + ")");
    } else {
      request.out = *value;
    }
    return;
  }
  if (source.env.empty()) return;
  auto value = getenv(source.env);
  if (value && !value->empty()) {
    request.out = *value;
  } else if (request.required) {
    problems.add(request.path + "_env", "environment variable " + source.env +
                                            (value ? " is empty" : " is not set") + " (required " +
                                            request.why_required + ")");
  }
}

}  // namespace

Result<std::string> read_secret_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Unavailable(std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  if (in.bad() || content.size() > kMaxSecretBytes) {
    return Status::Unavailable(in.bad() ? "read error" : "larger than 64 KiB");
  }
  // Files written by editors and `echo` end with a newline that is not part
  // of the secret.
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' ||
                              content.back() == ' ' || content.back() == '\t')) {
    content.pop_back();
  }
  return content;
}

namespace {

void load_store_secret(const Config& config, const EnvLookup& getenv, ConfigProblems& problems,
                       Secrets& secrets) {
  if (config.store.postgres) {
    load_one({config.store.postgres->url, "store.postgres.url", true, "for the PostgreSQL store",
              secrets.postgres_url},
             getenv, problems);
  }
}

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

Result<Secrets> load_secrets(const Config& config, const EnvLookup& getenv) {
  Secrets secrets;
  ConfigProblems problems;
  const bool live = config.mode == RunMode::kLive;
  if (config.helpdesk == HelpdeskVendor::kFreshdesk) {
    const FreshdeskConfig& freshdesk = config.freshdesk;
    const SecretRequest requests[] = {
        {freshdesk.webhook_secret, "freshdesk.webhook_secret", true, "to authenticate webhooks",
         secrets.webhook_secret},
        {freshdesk.webhook_secret_previous, "freshdesk.webhook_secret_previous", false, "",
         secrets.webhook_secret_previous},
        {freshdesk.api_key, "freshdesk.api_key", live, "in live mode", secrets.freshdesk_api_key},
    };
    for (const auto& request : requests) load_one(request, getenv, problems);
  } else {
    const ZendeskConfig& zendesk = config.zendesk;
    const bool oauth = zendesk.oauth_token.configured();
    const SecretRequest requests[] = {
        {zendesk.webhook_secret, "zendesk.webhook_secret", true, "to verify webhooks",
         secrets.webhook_secret},
        {zendesk.webhook_secret_previous, "zendesk.webhook_secret_previous", false, "",
         secrets.webhook_secret_previous},
        {zendesk.api_token, "zendesk.api_token", live && !oauth, "in live mode",
         secrets.zendesk_api_token},
        {zendesk.oauth_token, "zendesk.oauth_token", live, "in live mode",
         secrets.zendesk_oauth_token},
    };
    for (const auto& request : requests) {
      // With OAuth configured the API token is not used, so its default
      // variable is not consulted at all.
      if (oauth && &request.out == &secrets.zendesk_api_token) continue;
      load_one(request, getenv, problems);
    }
  }
  load_one({config.admin.token, "admin.token", false, "", secrets.admin_token}, getenv, problems);
  load_store_secret(config, getenv, problems, secrets);
  if (!problems.empty()) return Status::InvalidArgument(problems.joined());
  return secrets;
}

Result<Secrets> load_store_secrets(const Config& config, const EnvLookup& getenv) {
  Secrets secrets;
  ConfigProblems problems;
  load_store_secret(config, getenv, problems, secrets);
  if (!problems.empty()) return Status::InvalidArgument(problems.joined());
  return secrets;
}

Result<Secrets> load_secrets(const Config& config) {
  return load_secrets(config, process_environment);
}

Result<Secrets> load_store_secrets(const Config& config) {
  return load_store_secrets(config, process_environment);
}

}  // namespace tierd
