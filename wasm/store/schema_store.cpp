#include "store/schema_store.h"

#include "store/sql.h"

namespace keyaos::store::schema {

Statement check(const std::string& required_version) {
  return statement("schema.check", "SELECT MAX(name) AS latest FROM d1_migrations HAVING MAX(name) IS NULL OR MAX(name) < ?",
                   Json::array({required_version}));
}

}  // namespace keyaos::store::schema
