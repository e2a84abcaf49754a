#include "protocols/google_v1internal/oauth.h"

#include "core/text.h"
#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/google_v1internal/answer_object.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {

OAuthClient oauth_client(Product product) {
  if (product == Product::antigravity) {
    return {"1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
            "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"};
  }
  return {"681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
          "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"};
}

std::string form_encode(std::string_view value) { return percent_encode(value); }

UpstreamRequest build_refresh_request(Product product, std::string_view refresh_token, std::string_view token_origin) {
  OAuthClient client = oauth_client(product);
  UpstreamRequest request;
  request.method = "POST";
  request.url = std::string(token_origin);
  while (!request.url.empty() && request.url.back() == '/') request.url.pop_back();
  request.url += "/token";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = "client_id=" + form_encode(client.client_id) + "&client_secret=" + form_encode(client.client_secret) +
                 "&refresh_token=" + form_encode(refresh_token) + "&grant_type=refresh_token";
  return request;
}

RefreshResult parse_refresh_response(int http_status, std::string_view body, int64_t now_ms) {
  RefreshResult result;
  AnswerObject answer(http_status, body, now_ms, "Google OAuth token endpoint");
  if (!answer.status_ok()) {
    result.error = answer.error();
    return result;
  }
  bool readable = answer.ok();
  simdjson::ondemand::object& top = answer.top();
  int64_t expires_in = -1;
  bool has_error_field = false;
  if (readable) {
    for (auto field_result : top) {
      simdjson::ondemand::field field;
      std::string_view key, text;
      if (!json_read::field_key(field_result, field, key)) {
        readable = false;
        break;
      }
      simdjson::ondemand::value v = field.value();
      if (key == "access_token" && json_read::string(v, text)) result.access_token = std::string(text);
      else if (key == "expires_in") json_read::int64(v, expires_in);
      else if (key == "refresh_token" && json_read::string(v, text)) result.refresh_token = std::string(text);
      else if (key == "id_token" && json_read::string(v, text)) result.id_token = std::string(text);
      else if (key == "error") has_error_field = true;
    }
  }
  if (has_error_field) {
    result.error = classify_error(400, body, now_ms);
    return result;
  }
  if (!readable || result.access_token.empty()) {
    result.error.error_class = ErrorClass::server;
    result.error.http_status = 502;
    result.error.message = "Google OAuth token endpoint returned no access_token";
    result.error.type = "server_error";
    result.error.code = "invalid_token_response";
    return result;
  }
  // Google grants an hour; assume that when the field is missing.
  result.expires_at_ms = now_ms + (expires_in > 0 ? expires_in : 3600) * 1000;
  result.ok = true;
  return result;
}

void apply_refresh(Credentials& credentials, const RefreshResult& refresh) {
  if (!refresh.ok) return;
  credentials.access_token = refresh.access_token;
  credentials.access_token_expires_at_ms = refresh.expires_at_ms;
  if (!refresh.refresh_token.empty()) credentials.refresh_token = refresh.refresh_token;
  if (credentials.email.empty() && !refresh.id_token.empty()) credentials.email = email_from_id_token(refresh.id_token);
}

}  // namespace keyaos::google_v1internal
