// The name this process goes by among the replicas sharing a store, in the
// lease table, in log lines and in `tierd cluster status`.
#pragma once

#include <string>

namespace tierd {

// `configured` (cluster.replica_id) when not empty; otherwise
// "<host name>-<pid>", the host name cut to the characters the config
// allows for an id (A-Z a-z 0-9 . _ - :) and to 64 characters in all, so two
// processes on one host, and a restarted process, never share an id.
std::string replica_id_or_default(const std::string& configured);

}  // namespace tierd
