#include "protocols/anthropic/request_mapper.h"

#include <cmath>

#include "billing/cost.h"
#include "core/json.h"
#include "core/json_validate.h"
#include "core/limits.h"
#include "simdjson.h"

namespace keyaos::anthropic {
namespace od = simdjson::ondemand;

namespace {

constexpr std::string_view kBillingHeader = "x-anthropic-billing-header:";

struct Fail {
  ApiError& error;
  bool operator()(std::string message, std::string param = {}) {
    error = ApiError::bad_request(std::move(message), "invalid_request", std::move(param));
    return false;
  }
};

bool get_string(od::value v, std::string_view& out) {
  od::json_type t;
  if (v.type().get(t) || t != od::json_type::string) return false;
  return v.get_string().get(out) == simdjson::SUCCESS;
}

// An optional string field of an object ("" when absent or not a string).
std::string string_field(od::object& obj, std::string_view key) {
  od::value v;
  std::string_view s;
  if (obj.find_field_unordered(key).get(v) || !get_string(v, s)) return {};
  return std::string(s);
}

// The key as written, quotes included (taken before unescaped_key()).
std::string raw_key(od::field& f) {
  std::string_view k = f.key_raw_json_token();
  while (!k.empty() && k.back() != '"') k.remove_suffix(1);
  return std::string(k);
}

// The object written back as JSON from its fields (for block types with no
// chat equivalent, carried as text rather than refused).
std::string object_text(od::object& obj) {
  bool rewound = false;
  if (obj.reset().get(rewound)) return "{}";
  std::string out = "{";
  for (auto item : obj) {
    od::field f;
    if (std::move(item).get(f)) return "{}";
    std::string_view raw;
    if (f.value().raw_json().get(raw)) return "{}";
    if (out.size() > 1) out.push_back(',');
    out += raw_key(f) + ":" + std::string(raw);
  }
  return out + "}";
}

// Surrounding whitespace of raw_json() values.
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

class Mapper {
 public:
  Mapper(MappedRequest& out, ApiError& error) : out_(out), fail_{error} {}

  bool run(std::string_view body, MapOptions options) {
    simdjson::padded_string padded(body);
    od::parser parser;
    od::document doc;
    od::object root;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(root)) return fail_("The request body must be a JSON object.");
    bool have_messages = false, have_max_tokens = false;
    for (auto item : root) {
      od::field f;
      std::string_view key;
      if (std::move(item).get(f) || f.unescaped_key(false).get(key)) return fail_("The request body is not valid JSON.");
      od::value v = f.value();
      if (key == "model") {
        std::string_view s;
        if (!get_string(v, s) || s.empty()) return fail_("model: a model name (string) is required.", "model");
        if (s.size() > limits::kMaxModelIdLength)
          return fail_("model: at most " + std::to_string(limits::kMaxModelIdLength) + " bytes.", "model");
        out_.model = std::string(s);
      } else if (key == "messages") {
        have_messages = true;
        if (!messages(v)) return false;
      } else if (key == "system") {
        if (!system(v)) return false;
      } else if (key == "max_tokens") {
        int64_t n = 0;
        double d = 0;
        od::json_type t;
        if (v.type().get(t) || t != od::json_type::number || v.get_double().get(d) || !std::isfinite(d) || d != std::floor(d) ||
            d < 1 || d > static_cast<double>(limits::kMaxOutputTokens))
          return fail_("max_tokens: an integer from 1 to " + std::to_string(limits::kMaxOutputTokens) + " is required.",
                       "max_tokens");
        n = static_cast<int64_t>(d);
        max_tokens_ = n;
        have_max_tokens = true;
      } else if (key == "tools") {
        if (!tools(v)) return false;
      } else if (key == "tool_choice") {
        if (!tool_choice(v)) return false;
      } else if (key == "thinking") {
        thinking(v);
      } else if (key == "output_config") {
        od::object o;
        if (!v.get_object().get(o)) effort_ = string_field(o, "effort");
      } else if (key == "stop_sequences") {
        od::array arr;
        if (v.get_array().get(arr)) return fail_("stop_sequences: an array of strings is expected.", "stop_sequences");
        for (auto s : arr) {
          std::string_view text;
          od::value sv;
          if (s.get(sv) || !get_string(sv, text)) return fail_("stop_sequences: an array of strings is expected.", "stop_sequences");
          out_.stop_sequences.emplace_back(text);
        }
      } else if (key == "temperature" || key == "top_p") {
        double d = 0;
        bool is_null = false;
        if (!v.is_null().get(is_null) && is_null) continue;
        if (v.get_double().get(d) || !std::isfinite(d)) return fail_(std::string(key) + ": a number is expected.", std::string(key));
        (key == "temperature" ? temperature_ : top_p_) = d;
      } else if (key == "metadata") {
        od::object o;
        if (!v.get_object().get(o)) user_ = string_field(o, "user_id");
      } else if (key == "stream") {
        bool b = false;
        if (!v.get_bool().get(b)) out_.stream = b;
      } else if (key == "provider") {
        // Keyaos' routing field, checked by the chat request parser.
        std::string_view raw;
        if (v.raw_json().get(raw) || !is_valid_json(trim(raw))) return fail_("provider: invalid JSON.", "provider");
        provider_raw_ = std::string(trim(raw));
      }
      // Everything else (top_k, context_management, speed, diagnostics,
      // cache_control, …) has no chat equivalent and is dropped.
    }
    if (out_.model.empty()) return fail_("model: a model name (string) is required.", "model");
    if (!have_messages) return fail_("messages: an array of messages is required.", "messages");
    if (options.require_max_tokens && !have_max_tokens) return fail_("max_tokens: Field required.", "max_tokens");
    if (messages_.empty()) return fail_("messages: at least one message with content is required.", "messages");
    write(options);
    return true;
  }

 private:
  // ---- system --------------------------------------------------------------
  bool system(od::value v) {
    std::string_view s;
    od::json_type t;
    if (v.type().get(t)) return fail_("system: invalid value.", "system");
    if (t == od::json_type::null) return true;
    if (t == od::json_type::string) {
      if (get_string(v, s) && s.substr(0, kBillingHeader.size()) != kBillingHeader) system_ = std::string(s);
      return true;
    }
    std::vector<std::string> texts;
    if (!text_blocks(v, texts, "system")) return false;
    for (const auto& text : texts) {
      // A per-request nonce: forwarding it would defeat upstream prefix caching.
      if (text.compare(0, kBillingHeader.size(), kBillingHeader) == 0) continue;
      system_ += (system_.empty() ? "" : "\n\n") + text;
    }
    return true;
  }

  // Text of an array of blocks (system, a mid-conversation system message).
  bool text_blocks(od::value v, std::vector<std::string>& texts, const char* param) {
    od::array arr;
    if (v.get_array().get(arr)) return fail_(std::string(param) + ": a string or an array of text blocks is expected.", param);
    for (auto item : arr) {
      od::object block;
      if (item.get_object().get(block)) return fail_(std::string(param) + ": each block must be an object.", param);
      std::string text = string_field(block, "text");
      if (!text.empty()) texts.push_back(std::move(text));
    }
    return true;
  }

  // ---- messages ------------------------------------------------------------
  bool messages(od::value v) {
    od::array arr;
    if (v.get_array().get(arr)) return fail_("messages: an array of messages is required.", "messages");
    size_t i = 0;
    for (auto item : arr) {
      od::object m;
      if (item.get_object().get(m)) return fail_("messages[" + std::to_string(i) + "]: must be an object.", "messages");
      std::string role = string_field(m, "role");
      od::value content;
      if (m.find_field_unordered("content").get(content))
        return fail_("messages[" + std::to_string(i) + "].content: required.", "messages");
      bool ok = false;
      if (role == "user") ok = user_message(content, i);
      else if (role == "assistant") ok = assistant_message(content, i);
      else if (role == "system") ok = system_message(content, i);
      else return fail_("messages[" + std::to_string(i) + "].role: must be \"user\" or \"assistant\".", "messages");
      if (!ok) return false;
      ++i;
    }
    return true;
  }

  bool system_message(od::value content, size_t i) {
    std::string_view s;
    std::string text;
    if (get_string(content, s)) {
      text = std::string(s);
    } else {
      std::vector<std::string> texts;
      if (!text_blocks(content, texts, "messages")) return false;
      for (const auto& t : texts) text += (text.empty() ? "" : "\n\n") + t;
    }
    if (!text.empty()) messages_.push_back({{"role", "system"}, {"content", text}});
    return true;
  }

  // Image and document sources as chat content parts.
  bool media_part(od::object& block, const std::string& type, Json& part, size_t i) {
    od::value sv;
    od::object source;
    if (block.find_field_unordered("source").get(sv) || sv.get_object().get(source))
      return fail_("messages[" + std::to_string(i) + "]: an " + type + " block needs a source object.", "messages");
    const std::string kind = string_field(source, "type");
    const std::string media_type = string_field(source, "media_type");
    const std::string data = string_field(source, "data");
    const std::string url = string_field(source, "url");
    if (type == "image") {
      std::string target;
      if (kind == "base64" && !data.empty()) target = "data:" + (media_type.empty() ? std::string("image/png") : media_type) + ";base64," + data;
      else if (kind == "url" && !url.empty()) target = url;  // a URL stays a URL
      else return fail_("messages[" + std::to_string(i) + "]: an image source needs base64 data or a url.", "messages");
      ++out_.media_count;
      out_.media_bytes += static_cast<int64_t>(data.size());
      part = {{"type", "image_url"}, {"image_url", {{"url", target}}}};
      return true;
    }
    // document
    if (kind == "base64" && !data.empty()) {
      const std::string mt = media_type.empty() ? std::string("application/pdf") : media_type;
      ++out_.media_count;
      out_.media_bytes += static_cast<int64_t>(data.size());
      part = {{"type", "file"}, {"file", {{"filename", mt == "application/pdf" ? "document.pdf" : "document"},
                                          {"file_data", "data:" + mt + ";base64," + data}}}};
    } else if (kind == "text") {
      part = {{"type", "text"}, {"text", data}};
    } else if (kind == "url" && !url.empty()) {
      part = {{"type", "text"}, {"text", "Document: " + url}};
    } else {
      part = {{"type", "text"}, {"text", "[document]"}};
    }
    return true;
  }

  // tool_result content: a string or blocks; text is joined, images go to the
  // user message that follows the tool messages.
  bool tool_result(od::object& block, Json& user_parts, size_t i) {
    std::string id = string_field(block, "tool_use_id");
    bool is_error = false;
    od::value ev;
    if (!block.find_field_unordered("is_error").get(ev)) {
      bool b = false;
      if (!ev.get_bool().get(b)) is_error = b;
    }
    std::string text;
    od::value cv;
    if (!block.find_field_unordered("content").get(cv)) {
      std::string_view s;
      od::json_type t;
      if (cv.type().get(t)) return fail_("messages[" + std::to_string(i) + "]: invalid tool_result content.", "messages");
      if (t == od::json_type::string) {
        if (get_string(cv, s)) text = std::string(s);
      } else if (t == od::json_type::array) {
        od::array arr;
        if (cv.get_array().get(arr)) return fail_("messages[" + std::to_string(i) + "]: invalid tool_result content.", "messages");
        for (auto item : arr) {
          od::object b;
          if (item.get_object().get(b)) continue;
          std::string type = string_field(b, "type");
          if (type == "text") {
            std::string t2 = string_field(b, "text");
            text += (text.empty() ? "" : "\n") + t2;
          } else if (type == "image" || type == "document") {
            Json part;
            if (!media_part(b, type, part, i)) return false;
            user_parts.push_back(std::move(part));
          } else {
            // tool_reference and other newer blocks: carried as their JSON, never a 400.
            text += (text.empty() ? "" : "\n") + object_text(b);
          }
        }
      }
    }
    if (is_error) text = "Error: " + text;
    pending_tools_.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", text}});
    return true;
  }

  // A message's content: a string (on_text) or an array of block objects
  // (on_block, with the block's type). False once a callback or the shape fails.
  template <class OnText, class OnBlock>
  bool each_block(od::value content, size_t i, OnText&& on_text, OnBlock&& on_block) {
    std::string_view s;
    if (get_string(content, s)) {
      on_text(s);
      return true;
    }
    od::array arr;
    if (content.get_array().get(arr)) return fail_("messages[" + std::to_string(i) + "].content: a string or an array of blocks.", "messages");
    for (auto item : arr) {
      od::object block;
      if (item.get_object().get(block)) return fail_("messages[" + std::to_string(i) + "].content: each block must be an object.", "messages");
      if (!on_block(block, string_field(block, "type"))) return false;
    }
    return true;
  }

  bool user_message(od::value content, size_t i) {
    pending_tools_ = Json::array();
    Json parts = Json::array();
    Json result_media = Json::array();
    const bool read = each_block(
        content, i, [&](std::string_view s) { if (!s.empty()) parts.push_back({{"type", "text"}, {"text", std::string(s)}}); },
        [&](od::object& block, const std::string& type) {
          if (type == "text") {
            std::string text = string_field(block, "text");
            if (!text.empty()) parts.push_back({{"type", "text"}, {"text", text}});  // some upstreams refuse empty text
          } else if (type == "image" || type == "document") {
            Json part;
            if (!media_part(block, type, part, i)) return false;
            parts.push_back(std::move(part));
          } else if (type == "tool_result") {
            if (!tool_result(block, result_media, i)) return false;
          } else if (type == "thinking" || type == "redacted_thinking") {
            // not a user's block; nothing to carry
          } else if (!type.empty()) {
            parts.push_back({{"type", "text"}, {"text", object_text(block)}});
          }
          return true;
        });
    if (!read) return false;
    // Tool results answer the previous assistant turn, so they come first.
    for (auto& t : pending_tools_) messages_.push_back(std::move(t));
    Json all = Json::array();
    for (auto& p : result_media) all.push_back(std::move(p));
    for (auto& p : parts) all.push_back(std::move(p));
    if (all.empty()) return true;
    bool text_only = true;
    for (const auto& p : all) text_only = text_only && str_field(p, "type") == "text";
    if (text_only) {
      std::string joined;
      for (const auto& p : all) joined += (joined.empty() ? "" : "\n\n") + str_field(p, "text");
      messages_.push_back({{"role", "user"}, {"content", joined}});
    } else {
      messages_.push_back({{"role", "user"}, {"content", std::move(all)}});
    }
    return true;
  }

  bool assistant_message(od::value content, size_t i) {
    std::string text, reasoning;
    Json calls = Json::array();
    const bool read = each_block(
        content, i, [&](std::string_view s) { text = std::string(s); },
        [&](od::object& block, const std::string& type) {
          if (type == "text") {
            std::string t = string_field(block, "text");
            if (!t.empty()) text += (text.empty() ? "" : "\n\n") + t;
          } else if (type == "thinking") {
            // Carried as reasoning_content (DeepSeek wants it back during tool loops);
            // the chat body has no place for the signature.
            reasoning += string_field(block, "thinking");
          } else if (type == "tool_use") {
            std::string id = string_field(block, "id");
            std::string name = string_field(block, "name");
            if (name.empty()) return fail_("messages[" + std::to_string(i) + "]: a tool_use block needs a name.", "messages");
            std::string arguments = "{}";
            od::value input;
            std::string_view raw;
            if (!block.find_field_unordered("input").get(input) && !input.raw_json().get(raw)) {
              raw = trim(raw);
              if (!raw.empty() && raw.front() == '{' && is_valid_json(raw)) arguments = std::string(raw);
            }
            calls.push_back({{"id", id},
                             {"type", "function"},
                             {"function", {{"name", out_.tool_names.upstream_name(name)}, {"arguments", arguments}}}});
          }
          // redacted_thinking and server-tool blocks are dropped.
          return true;
        });
    if (!read) return false;
    if (text.empty() && calls.empty() && reasoning.empty()) return true;
    // One assistant message per turn: text and tool calls together.
    Json m = {{"role", "assistant"}, {"content", text.empty() && !calls.empty() ? Json(nullptr) : Json(text)}};
    if (!calls.empty()) m["tool_calls"] = std::move(calls);
    if (!reasoning.empty()) m["reasoning_content"] = reasoning;
    messages_.push_back(std::move(m));
    return true;
  }

  // ---- tools ---------------------------------------------------------------
  // input_schema becomes `parameters`; an object schema gets `properties`
  // (strict upstreams refuse one without).
  bool schema_text(od::value v, std::string& out) {
    od::object o;
    if (v.get_object().get(o)) {
      out = "{\"type\":\"object\",\"properties\":{}}";
      return true;
    }
    out = "{";
    bool has_properties = false, is_object_type = false, any = false;
    for (auto item : o) {
      od::field f;
      std::string_view key, raw;
      if (std::move(item).get(f)) return false;
      const std::string written_key = raw_key(f);
      if (f.unescaped_key(false).get(key) || f.value().raw_json().get(raw)) return false;
      raw = trim(raw);
      if (!is_valid_json(raw)) return false;
      if (key == "properties") has_properties = true;
      if (key == "type" && raw == "\"object\"") is_object_type = true;
      out += std::string(any ? "," : "") + written_key + ":" + std::string(raw);
      any = true;
    }
    if (!any) out += "\"type\":\"object\"", is_object_type = true, any = true;
    if (is_object_type && !has_properties) out += ",\"properties\":{}";
    out += "}";
    return true;
  }

  bool tools(od::value v) {
    od::array arr;
    bool is_null = false;
    if (!v.is_null().get(is_null) && is_null) return true;
    if (v.get_array().get(arr)) return fail_("tools: an array of tools is expected.", "tools");
    for (auto item : arr) {
      od::object t;
      if (item.get_object().get(t)) return fail_("tools: each tool must be an object.", "tools");
      std::string type = string_field(t, "type");
      // Server tools (web_search_*, bash_*, text_editor_*) run at Anthropic; no chat upstream has them.
      if (!type.empty() && type != "custom") continue;
      std::string name = string_field(t, "name");
      if (name.empty()) return fail_("tools: each tool needs a name.", "tools");
      std::string description = string_field(t, "description");
      std::string params = "{\"type\":\"object\",\"properties\":{}}";
      od::value sv;
      if (!t.find_field_unordered("input_schema").get(sv) && !schema_text(sv, params))
        return fail_("tools: input_schema of '" + name + "' is not valid JSON.", "tools");
      Json fn = {{"name", tool_names_upstream(name)}};
      if (!description.empty()) fn["description"] = description;
      std::string fn_text = dump_json(fn);
      fn_text.pop_back();  // reopen the object to add the schema verbatim
      tools_ += std::string(tools_.empty() ? "" : ",") + "{\"type\":\"function\",\"function\":" + fn_text + ",\"parameters\":" + params + "}}";
      ++tool_count_;
    }
    return true;
  }

  std::string tool_names_upstream(const std::string& name) { return out_.tool_names.upstream_name(name); }

  bool tool_choice(od::value v) {
    od::object o;
    if (v.get_object().get(o)) return true;  // only the object form exists; anything else is ignored
    std::string type = string_field(o, "type");
    od::value pv;
    if (!o.find_field_unordered("disable_parallel_tool_use").get(pv)) {
      bool b = false;
      if (!pv.get_bool().get(b)) disable_parallel_ = b;
    }
    if (type == "auto") tool_choice_ = "auto";
    else if (type == "any") tool_choice_ = "required";
    else if (type == "none") tool_choice_ = "none";
    else if (type == "tool") {
      std::string name = string_field(o, "name");
      if (name.empty()) return fail_("tool_choice: a tool choice of type 'tool' needs a name.", "tool_choice");
      tool_choice_name_ = name;
    }
    return true;
  }

  void thinking(od::value v) {
    od::object o;
    if (v.get_object().get(o)) return;
    thinking_type_ = string_field(o, "type");
    od::value bv;
    if (!o.find_field_unordered("budget_tokens").get(bv)) {
      int64_t n = 0;
      if (!bv.get_int64().get(n)) budget_ = n;
    }
  }

  std::string reasoning_effort() const {
    if (thinking_type_ == "enabled") return effort_for_budget(budget_ > 0 ? budget_ : 16000);
    if (thinking_type_ == "adaptive") {
      // The effort lives in output_config; upstreams know low/medium/high.
      if (effort_ == "low" || effort_ == "medium" || effort_ == "high") return effort_;
      if (effort_ == "max" || effort_ == "xhigh") return "high";
    }
    return {};
  }

  // ---- output --------------------------------------------------------------
  void write(const MapOptions& options) {
    Json all = Json::array();
    if (!system_.empty()) all.push_back({{"role", "system"}, {"content", system_}});
    for (auto& m : messages_) all.push_back(std::move(m));
    std::vector<std::string> models;
    if (options.route_models) models = options.route_models(out_.model);
    if (models.empty()) models.push_back(out_.model);
    std::string body = "{\"model\":" + dump_json(Json(models.front()));
    if (models.size() > 1) body += ",\"models\":" + dump_json(Json(std::vector<std::string>(models.begin() + 1, models.end())));
    body += ",\"messages\":" + dump_json(all);
    if (max_tokens_ > 0) body += ",\"max_tokens\":" + std::to_string(max_tokens_);
    if (tool_count_ > 0) {
      body += ",\"tools\":[" + tools_ + "]";
      if (!tool_choice_name_.empty())
        body += ",\"tool_choice\":" + dump_json(Json{{"type", "function"}, {"function", {{"name", out_.tool_names.upstream_name(tool_choice_name_)}}}});
      else if (!tool_choice_.empty())
        body += ",\"tool_choice\":\"" + tool_choice_ + "\"";
      if (disable_parallel_) body += ",\"parallel_tool_calls\":false";
    }
    if (temperature_) body += ",\"temperature\":" + dump_json(Json(*temperature_));
    if (top_p_) body += ",\"top_p\":" + dump_json(Json(*top_p_));
    if (!out_.stop_sequences.empty()) body += ",\"stop\":" + dump_json(Json(out_.stop_sequences));
    if (std::string effort = reasoning_effort(); !effort.empty()) body += ",\"reasoning_effort\":\"" + effort + "\"";
    if (!user_.empty()) body += ",\"user\":" + dump_json(Json(user_));
    if (!provider_raw_.empty()) body += ",\"provider\":" + provider_raw_;
    if (out_.stream) body += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
    body += "}";
    out_.chat_body = std::move(body);
  }

  MappedRequest& out_;
  Fail fail_;
  std::string system_;
  Json messages_ = Json::array();
  Json pending_tools_ = Json::array();
  std::string tools_;
  size_t tool_count_ = 0;
  std::string tool_choice_, tool_choice_name_;
  bool disable_parallel_ = false;
  std::string thinking_type_, effort_;
  int64_t budget_ = 0;
  int64_t max_tokens_ = 0;
  std::optional<double> temperature_, top_p_;
  std::string user_;
  std::string provider_raw_;
};

}  // namespace

std::string effort_for_budget(int64_t budget_tokens) {
  if (budget_tokens <= 0) return {};
  if (budget_tokens <= 1024) return "low";
  if (budget_tokens <= 8192) return "medium";
  return "high";
}

bool map_messages_request(std::string_view body, MappedRequest& out, ApiError& error, MapOptions options) {
  out = MappedRequest{};
  Mapper mapper(out, error);
  return mapper.run(body, options);
}

int64_t estimate_input_tokens(const MappedRequest& mapped) {
  const int64_t text_bytes = std::max<int64_t>(static_cast<int64_t>(mapped.chat_body.size()) - mapped.media_bytes, 0);
  return billing::estimate_tokens_from_bytes(text_bytes) + mapped.media_count * kTokensPerMedia;
}

}  // namespace keyaos::anthropic
