#include "store/oauth_store.h"

#include "store/sql.h"

namespace keyaos::store::oauth {

Statement read_secret(const std::string& owner_id, const std::string& credential_id) {
  return statement("oauth.read_secret", "SELECT encrypted_secret FROM credentials WHERE id = ? AND owner_id = ?",
                   Json::array({credential_id, owner_id}));
}

Statement write_back(const std::string& owner_id, const std::string& credential_id, const std::string& ciphertext,
                     const std::string& state, int64_t now_ms, const std::string& stored_ciphertext) {
  return statement("oauth.write_back",
                   "UPDATE credentials SET encrypted_secret = ?, state = ?, updated_at = ? WHERE id = ? AND owner_id = ? AND "
                   "encrypted_secret = ? RETURNING id",
                   Json::array({ciphertext, state, now_ms, credential_id, owner_id, stored_ciphertext}));
}

}  // namespace keyaos::store::oauth
