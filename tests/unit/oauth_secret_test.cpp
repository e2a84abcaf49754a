// What users paste for OAuth providers is normalised before it is sealed.
#include <catch2/catch.hpp>

#include "api/oauth_secret.h"
#include "catalog/provider.h"

using namespace keyaos;

namespace {
catalog::ProviderDef def_of(const char* id, catalog::AuthKind kind) {
  catalog::ProviderDef d;
  d.id = id;
  d.auth.kind = kind;
  return d;
}
}  // namespace

TEST_CASE("OAuth secrets: normalised, access tokens refused, hints never show the token") {
  const auto gemini = def_of("gemini-cli", catalog::AuthKind::google_oauth);
  const auto kiro = def_of("kiro", catalog::AuthKind::kiro_oauth);

  auto bare = api::normalise_oauth_secret(gemini, "1//0gBareRefreshTokenForTests0123456789");
  REQUIRE(bare.applies);
  REQUIRE(bare.ok);
  REQUIRE(bare.json.find("\"refresh_token\":\"1//0gBareRefreshTokenForTests0123456789\"") != std::string::npos);
  REQUIRE(bare.hint == "1//...6789");

  auto access = api::normalise_oauth_secret(gemini, "ya29.a0AfB_accessTokenOnly");
  REQUIRE(access.applies);
  REQUIRE_FALSE(access.ok);
  REQUIRE_FALSE(access.error.empty());

  auto k = api::normalise_oauth_secret(kiro, R"({"refreshToken":"aorKiroRefreshTokenForTests0123","authMethod":"social"})");
  REQUIRE(k.ok);
  REQUIRE(k.hint.find("KiroRefresh") == std::string::npos);
  REQUIRE(k.hint.find("0123") != std::string::npos);
  REQUIRE_FALSE(api::normalise_oauth_secret(kiro, "aoaAccessTokenOnly0123456789").ok);

  auto bearer = api::normalise_oauth_secret(def_of("openai", catalog::AuthKind::bearer), "sk-anything");
  REQUIRE_FALSE(bearer.applies);
}
