#include "store/fenced_meta.h"

#include <vector>

namespace tierd {

Status put_meta_fenced(Store& store, const std::string& key, const std::string& value,
                       const std::optional<cluster::ShardFence>& fence) {
  if (!fence) return store.put_meta(key, value);
  // A commit of no ticket: no mirror, no deadline, only the value and the fence.
  std::vector<EngineCommit> commits(1);
  commits[0].set_deadline = false;
  commits[0].meta.emplace_back(key, value);
  commits[0].fence = fence;
  return store.commit(commits);
}

}  // namespace tierd
