#include "core/oauth_cache.h"

#include <algorithm>

namespace keyaos {

OAuthEntry* OAuthCache::find(const std::string& credential_id, const std::string& ciphertext) {
  auto it = entries_.find(credential_id);
  if (it == entries_.end()) return nullptr;
  const auto& known = it->second.ciphertexts;
  if (std::find(known.begin(), known.end(), ciphertext) == known.end()) return nullptr;
  if (!it->second.state) return nullptr;
  return &it->second;
}

OAuthEntry& OAuthCache::store_opened(const std::string& credential_id, const std::string& ciphertext) {
  if (entries_.size() >= kMaxEntries && !entries_.count(credential_id)) entries_.clear();
  OAuthEntry& e = entries_[credential_id];
  e.state.reset();
  e.ciphertexts.assign(1, ciphertext);
  e.stored_ciphertext = ciphertext;
  e.unsaved_ciphertext.clear();
  e.unsaved_state.clear();
  return e;
}

void OAuthCache::add_sealed(const std::string& credential_id, const std::string& ciphertext) {
  auto it = entries_.find(credential_id);
  if (it == entries_.end()) return;
  auto& known = it->second.ciphertexts;
  known.push_back(ciphertext);
  if (known.size() > kMaxCiphertexts) known.erase(known.begin());
}

bool OAuthCache::try_begin_setup(const std::string& credential_id, uint64_t owner, int64_t now_ms, int64_t stale_after_ms) {
  OAuthEntry& e = entries_[credential_id];
  if (e.setup_started_ms >= 0 && e.setup_owner != owner && now_ms - e.setup_started_ms < stale_after_ms) return false;
  e.setup_started_ms = now_ms;
  e.setup_owner = owner;
  return true;
}

void OAuthCache::end_setup(const std::string& credential_id, uint64_t owner) {
  auto it = entries_.find(credential_id);
  if (it == entries_.end() || it->second.setup_owner != owner) return;
  it->second.setup_started_ms = -1;
  it->second.setup_owner = 0;
}

bool OAuthCache::setup_in_flight(const std::string& credential_id, int64_t now_ms, int64_t stale_after_ms) const {
  auto it = entries_.find(credential_id);
  return it != entries_.end() && it->second.setup_started_ms >= 0 && now_ms - it->second.setup_started_ms < stale_after_ms;
}

}  // namespace keyaos
