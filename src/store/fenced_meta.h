// A meta value written on behalf of a lease (store.h's Fencing): the
// singletons' work keeps its cursor and its shared snapshots in meta, and
// a replica that lost the singletons' lease must not overwrite what the new
// holder stored.
#pragma once

#include <optional>
#include <string>

#include "cluster/lease.h"
#include "core/status.h"
#include "store/store.h"

namespace tierd {

// Upserts `key` = `value`. With a fence, in one commit that the store refuses
// (kFenced, nothing stored) once the fence no longer holds; without one
// (a single process), unchecked.
Status put_meta_fenced(Store& store, const std::string& key, const std::string& value,
                       const std::optional<cluster::ShardFence>& fence);

}  // namespace tierd
