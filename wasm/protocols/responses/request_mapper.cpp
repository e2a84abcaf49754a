#include "protocols/responses/request_mapper.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/json.h"
#include "core/json_read.h"
#include "core/json_validate.h"
#include "core/limits.h"
#include "simdjson.h"

namespace keyaos::responses {
namespace od = simdjson::ondemand;

namespace {

std::string json_string(std::string_view s) { return dump_json(Json(std::string(s))); }

// A content part of a message or of a tool's output, before the role decides its chat form.
struct Part {
  enum Kind { text, image, file, audio } kind = text;
  std::string value;   // text, image URL, file data or audio data
  std::string detail;  // image detail; file name; audio format
};

// One `input` item, read in a single pass over its fields (in any order).
struct Item {
  std::string type;
  std::string role;
  bool has_content = false;
  std::vector<Part> content;
  std::string call_id;
  std::string name;
  std::string namespace_;
  std::string arguments;
  bool has_arguments = false;
  std::string input;
  std::vector<Part> output;
  std::vector<std::string> reasoning;  // summary (or reasoning_text) texts
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};

class Mapper {
 public:
  Mapper(MappedRequest& out, ApiError& error) : out_(out), error_(error) {}

  bool run(std::string_view body) {
    simdjson::padded_string padded(body);
    od::parser parser;
    od::document doc;
    od::object obj;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS)
      return bad("The request body must be a JSON object.", "invalid_json", "");
    if (!each_field(obj, [this](std::string_view key, od::value& value) { return top_field(key, value); })) return false;
    if (!json_read::finished(doc)) return bad_json();
    return assemble();
  }

 private:
  // ---- errors --------------------------------------------------------------
  bool bad(std::string message, std::string code, std::string param) {
    error_ = ApiError::bad_request(std::move(message), std::move(code), std::move(param));
    return false;
  }
  bool bad_json() { return bad("The request body is not valid JSON.", "invalid_json", ""); }
  // Calls on_field(key, value) for each member of `obj`; false when the JSON
  // breaks (bad_json) or on_field refuses a field (its error is set).
  template <class OnField>
  bool each_field(od::object& obj, OnField&& on_field) {
    for (auto member : obj) {
      od::field field;
      std::string_view key;
      if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key(false).get(key) != simdjson::SUCCESS) return bad_json();
      if (!on_field(key, field.value())) return false;
    }
    return true;
  }
  bool bad_type(const std::string& param, const std::string& what) {
    return bad("'" + param + "' must be " + what + ".", "invalid_type", param);
  }

  // ---- value readers -------------------------------------------------------
  static bool is_null(od::value& v) {
    bool null = false;
    return v.is_null().get(null) == simdjson::SUCCESS && null;
  }
  // A string, or null (unset). False for any other type.
  static bool optional_string(od::value& v, std::string& out, bool& present) {
    present = false;
    if (is_null(v)) return true;
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return false;
    out.assign(s);
    present = true;
    return true;
  }
  static bool string_of(od::value v, std::string& out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return false;
    out.assign(s);
    return true;
  }
  // A value forwarded verbatim: On-Demand does not check the tokens it skips.
  static bool raw_of(od::value& v, std::string_view& out) {
    if (v.raw_json().get(out) != simdjson::SUCCESS) return false;
    while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\r' || out.back() == '\t')) out.remove_suffix(1);
    return is_valid_json(out);
  }

  // Numbers with the chat endpoint's bounds, under the Responses names.
  bool number(od::value& v, const char* param, bool integer, double min, double max, std::optional<double>& out) {
    if (is_null(v)) return true;
    const std::string range = std::string("between ") + (integer ? std::to_string(static_cast<int64_t>(min)) : dump_json(Json(min))) +
                              " and " + (integer ? std::to_string(static_cast<int64_t>(max)) : dump_json(Json(max)));
    const std::string what = (integer ? "an integer " : "a number ") + range;
    od::number_type type;
    bool ok = false;
    double d = 0;
    if (v.get_number_type().get(type) == simdjson::SUCCESS) {
      if (integer) {
        int64_t n = 0;
        if (type == od::number_type::signed_integer && v.get_int64().get(n) == simdjson::SUCCESS) {
          d = static_cast<double>(n);
          ok = true;
        } else if (type == od::number_type::unsigned_integer) {
          uint64_t u = 0;
          ok = v.get_uint64().get(u) == simdjson::SUCCESS;
          d = static_cast<double>(u);
        }
      } else {
        ok = v.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d);
      }
    }
    if (!ok || d < min || d > max) return bad("'" + std::string(param) + "' must be " + what + ".", "invalid_value", param);
    out = d;
    return true;
  }

  // ---- top level -------------------------------------------------------------
  bool top_field(std::string_view key, od::value& v) {
    bool present = false;
    if (key == "model") {
      if (!optional_string(v, out_.model, present) || !present) return bad_type("model", "a string");
      if (out_.model.size() > limits::kMaxModelIdLength)
        return bad("'model' is longer than " + std::to_string(limits::kMaxModelIdLength) + " bytes.", "invalid_value", "model");
      return true;
    }
    if (key == "instructions") {
      if (!optional_string(v, instructions_, present)) return bad_type("instructions", "a string");
      return true;
    }
    if (key == "input") return input(v);
    if (key == "tools") return tools(v);
    if (key == "tool_choice") return tool_choice(v);
    if (key == "parallel_tool_calls") {
      if (is_null(v)) return true;
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return bad_type("parallel_tool_calls", "a boolean");
      parallel_tool_calls_ = b;
      return true;
    }
    if (key == "stream") {
      if (is_null(v)) return true;
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return bad_type("stream", "a boolean");
      out_.stream = b;
      return true;
    }
    if (key == "reasoning") return reasoning(v);
    if (key == "text") return text(v);
    if (key == "max_output_tokens") return number(v, "max_output_tokens", true, 1, static_cast<double>(limits::kMaxOutputTokens), max_output_tokens_);
    if (key == "temperature") return number(v, "temperature", false, 0, 2, temperature_);
    if (key == "top_p") return number(v, "top_p", false, 0, 1, top_p_);
    if (key == "prompt_cache_key" || key == "user" || key == "safety_identifier") {
      std::string s;
      if (!optional_string(v, s, present)) return bad_type(std::string(key), "a string");
      if (present) kept_ += "," + json_string(key) + ":" + json_string(s);
      return true;
    }
    if (key == "previous_response_id") {
      std::string s;
      if (!optional_string(v, s, present)) return bad_type("previous_response_id", "a string");
      if (present && !s.empty())
        return bad("'previous_response_id' is not supported: this gateway keeps no responses. Send the whole conversation in 'input' "
                   "(with 'store': false).",
                   "unsupported_parameter", "previous_response_id");
      return true;
    }
    if (key == "conversation") {
      if (is_null(v)) return true;
      return bad("'conversation' is not supported: this gateway keeps no conversations. Send the whole conversation in 'input'.",
                 "unsupported_parameter", "conversation");
    }
    if (key == "provider" || key == "models") {
      // The gateway's own routing fields, read by the chat request parser.
      std::string_view raw;
      if (!raw_of(v, raw)) return bad_json();
      kept_ += "," + json_string(key) + ":" + std::string(raw);
      return true;
    }
    // store, include, service_tier, truncation, metadata, background,
    // client_metadata, stream_options, top_logprobs and unknown fields: accepted, dropped.
    return true;
  }

  bool reasoning(od::value& v) {
    if (is_null(v)) return true;
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type("reasoning", "an object");
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      if (key != "effort") return true;
      bool present = false;
      if (!optional_string(value, reasoning_effort_, present)) return bad_type("reasoning.effort", "a string");
      return true;
    });
    if (!fields_read) return false;
    return true;
  }

  bool text(od::value& v) {
    if (is_null(v)) return true;
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type("text", "an object");
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      if (key == "format" && !text_format(value)) return false;
      return true;
    });
    if (!fields_read) return false;
    return true;
  }

  // text.format {type: text | json_object | json_schema {name, schema, strict, description}} → response_format.
  bool text_format(od::value v) {
    if (is_null(v)) return true;
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type("text.format", "an object");
    std::string type, name, description;
    std::string schema, strict;
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      od::value& fv = value;
      bool present = false;
      if (key == "type") {
        if (!optional_string(fv, type, present)) return bad_type("text.format.type", "a string");
      } else if (key == "name") {
        if (!optional_string(fv, name, present)) return bad_type("text.format.name", "a string");
      } else if (key == "description") {
        if (!optional_string(fv, description, present)) return bad_type("text.format.description", "a string");
      } else if (key == "schema" || key == "strict") {
        std::string_view raw;
        if (!raw_of(fv, raw)) return bad_json();
        (key == "schema" ? schema : strict).assign(raw);
      }
      return true;
    });
    if (!fields_read) return false;
    if (type == "text") {
      response_format_ = "{\"type\":\"text\"}";
    } else if (type == "json_object") {
      response_format_ = "{\"type\":\"json_object\"}";
    } else if (type == "json_schema") {
      if (schema.empty() || schema.front() != '{') return bad("'text.format.schema' must be a JSON Schema object.", "invalid_value", "text.format.schema");
      std::string js = "{\"name\":" + json_string(name.empty() ? "response" : name) + ",\"schema\":" + schema;
      if (!description.empty()) js += ",\"description\":" + json_string(description);
      if (strict == "true" || strict == "false") js += ",\"strict\":" + strict;
      js += "}";
      response_format_ = "{\"type\":\"json_schema\",\"json_schema\":" + js + "}";
    } else {
      return bad("'text.format.type' must be one of text, json_object, json_schema.", "invalid_value", "text.format.type");
    }
    return true;
  }

  // ---- tools -----------------------------------------------------------------
  bool tools(od::value& v) {
    if (is_null(v)) return true;
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return bad_type("tools", "an array");
    size_t i = 0;
    for (auto t : arr) {
      od::value tv;
      if (t.get(tv) != simdjson::SUCCESS) return bad_json();
      if (!tool(tv, "", "tools[" + std::to_string(i++) + "]")) return false;
    }
    return true;
  }

  // One tool; `ns` is set inside a namespace tool's `tools`.
  bool tool(od::value& v, const std::string& ns, const std::string& path) {
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type(path, "an object");
    std::string type, name, description, grammar_syntax, grammar;
    std::string_view parameters, strict;
    std::vector<std::string> pending_nested;
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      od::value& fv = value;
      bool present = false;
      if (key == "type") {
        if (!optional_string(fv, type, present)) return bad_type(path + ".type", "a string");
      } else if (key == "name") {
        if (!optional_string(fv, name, present)) return bad_type(path + ".name", "a string");
      } else if (key == "description") {
        if (!optional_string(fv, description, present)) return bad_type(path + ".description", "a string");
      } else if (key == "parameters") {
        if (!is_null(fv) && !raw_of(fv, parameters)) return bad_json();
      } else if (key == "strict") {
        if (!is_null(fv) && !raw_of(fv, strict)) return bad_json();
      } else if (key == "format") {
        if (!custom_format(fv, grammar_syntax, grammar, path)) return false;
      } else if (key == "tools" && ns.empty()) {
        if (type == "namespace" && !name.empty()) {
          if (!namespace_tools(fv, name, path)) return false;
        } else {
          // Listed before the namespace's name: kept raw until it is known.
          std::string_view raw;
          if (!raw_of(fv, raw)) return bad_json();
          pending_nested.emplace_back(raw);
        }
      }
      return true;
    });
    if (!fields_read) return false;
    if (type == "function") {
      if (name.empty()) return bad("'" + path + ".name' is required.", "missing_required_parameter", path + ".name");
      const std::string chat_name = ToolNames::chat_name(ns, name);
      out_.tools.add({chat_name, name, ns, false});
      std::string fn = "{\"name\":" + json_string(chat_name);
      if (!description.empty()) fn += ",\"description\":" + json_string(description);
      fn += ",\"parameters\":" + (parameters.size() > 1 && parameters.front() == '{' ? std::string(parameters)
                                                                                    : std::string("{\"type\":\"object\",\"properties\":{}}"));
      if (strict == "true" || strict == "false") fn += ",\"strict\":" + std::string(strict);
      fn += "}";
      add_chat_tool(fn);
      return true;
    }
    if (type == "custom") {
      if (name.empty()) return bad("'" + path + ".name' is required.", "missing_required_parameter", path + ".name");
      const std::string chat_name = ToolNames::chat_name(ns, name);
      out_.tools.add({chat_name, name, ns, true});
      std::string desc = description;
      if (!grammar.empty())
        desc += std::string(desc.empty() ? "" : "\n\n") + "The `input` string must follow this " +
                (grammar_syntax.empty() ? std::string("grammar") : grammar_syntax + " grammar") + ":\n" + grammar;
      std::string fn = "{\"name\":" + json_string(chat_name);
      if (!desc.empty()) fn += ",\"description\":" + json_string(desc);
      fn += ",\"parameters\":{\"type\":\"object\",\"properties\":{\"input\":{\"type\":\"string\",\"description\":"
            "\"The tool's whole input, as freeform text.\"}},\"required\":[\"input\"],\"additionalProperties\":false}}";
      add_chat_tool(fn);
      return true;
    }
    if (type == "namespace" && ns.empty()) {
      if (name.empty()) return bad("'" + path + ".name' is required.", "missing_required_parameter", path + ".name");
      for (const std::string& raw : pending_nested) {
        simdjson::padded_string padded(raw);
        od::parser parser;
        od::document doc;
        od::value tools;
        if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_value().get(tools) != simdjson::SUCCESS) return bad_json();
        if (!namespace_tools(tools, name, path)) return false;
      }
      return true;
    }
    // Hosted tools (web_search, file_search, local_shell, mcp, ...) have no chat equivalent.
    return true;
  }

  bool namespace_tools(od::value& v, const std::string& ns, const std::string& path) {
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return bad_type(path + ".tools", "an array");
    size_t i = 0;
    for (auto t : arr) {
      od::value tv;
      if (t.get(tv) != simdjson::SUCCESS) return bad_json();
      if (!tool(tv, ns, path + ".tools[" + std::to_string(i++) + "]")) return false;
    }
    return true;
  }

  bool custom_format(od::value& v, std::string& syntax, std::string& definition, const std::string& path) {
    if (is_null(v)) return true;
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type(path + ".format", "an object");
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      bool present = false;
      if (key == "syntax") {
        if (!optional_string(value, syntax, present)) return bad_type(path + ".format.syntax", "a string");
      } else if (key == "definition") {
        if (!optional_string(value, definition, present)) return bad_type(path + ".format.definition", "a string");
      }
      return true;
    });
    if (!fields_read) return false;
    return true;
  }

  void add_chat_tool(const std::string& function) {
    if (!chat_tools_.empty()) chat_tools_ += ",";
    chat_tools_ += "{\"type\":\"function\",\"function\":" + function + "}";
  }

  // tool_choice: "auto" | "none" | "required" | {type: function|custom, name, namespace?} | {type: allowed_tools, mode}.
  bool tool_choice(od::value& v) {
    if (is_null(v)) return true;
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) {
      if (s != "auto" && s != "none" && s != "required")
        return bad("'tool_choice' must be auto, none, required or a tool.", "invalid_value", "tool_choice");
      tool_choice_ = json_string(s);
      return true;
    }
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type("tool_choice", "a string or an object");
    std::string type, name, ns, mode;
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      bool present = false;
      std::string* target = key == "type" ? &type : key == "name" ? &name : key == "namespace" ? &ns : key == "mode" ? &mode : nullptr;
      if (target && !optional_string(value, *target, present)) return bad_type("tool_choice." + std::string(key), "a string");
      return true;
    });
    if (!fields_read) return false;
    if ((type == "function" || type == "custom") && !name.empty()) {
      tool_choice_ = "{\"type\":\"function\",\"function\":{\"name\":" + json_string(ToolNames::chat_name(ns, name)) + "}}";
    } else if (type == "allowed_tools") {
      tool_choice_ = mode == "required" ? "\"required\"" : "\"auto\"";
    }
    // A hosted tool's choice (web_search, ...): its tool is not offered upstream either.
    return true;
  }

  // ---- input -----------------------------------------------------------------
  bool input(od::value& v) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) {
      messages_.push_back({{"role", "user"}, {"content", std::string(s)}});
      return true;
    }
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return bad_type("input", "a string or an array of input items");
    size_t i = 0;
    for (auto e : arr) {
      od::value ev;
      if (e.get(ev) != simdjson::SUCCESS) return bad_json();
      Item item;
      const std::string path = "input[" + std::to_string(i++) + "]";
      if (!read_item(ev, item, path) || !add_item(item, path)) return false;
    }
    flush();
    return true;
  }

  bool read_item(od::value& v, Item& item, const std::string& path) {
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return bad_type(path, "an object");
    const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
      od::value& fv = value;
      bool present = false;
      std::string* target = key == "type"        ? &item.type
                            : key == "role"      ? &item.role
                            : key == "call_id"   ? &item.call_id
                            : key == "name"      ? &item.name
                            : key == "namespace" ? &item.namespace_
                            : key == "input"     ? &item.input
                                                 : nullptr;
      if (target) {
        if (!optional_string(fv, *target, present)) return bad_type(path + "." + std::string(key), "a string");
      } else if (key == "arguments") {
        if (!optional_string(fv, item.arguments, item.has_arguments)) return bad_type(path + ".arguments", "a string");
      } else if (key == "content") {
        item.has_content = true;
        if (!parts(fv, item.content, &item.reasoning, path + ".content")) return false;
      } else if (key == "output") {
        if (!parts(fv, item.output, nullptr, path + ".output")) return false;
      } else if (key == "summary") {
        std::vector<Part> summary;
        if (!parts(fv, summary, nullptr, path + ".summary")) return false;
        for (auto& p : summary)
          if (p.kind == Part::text && !p.value.empty()) item.reasoning.push_back(std::move(p.value));
      }
      // id, status, encrypted_content and others: not needed for the chat history.
      return true;
    });
    if (!fields_read) return false;
    return true;
  }

  // A string, or an array of content parts. `reasoning_texts` collects
  // reasoning_text parts (a reasoning item's own content).
  bool parts(od::value& v, std::vector<Part>& out, std::vector<std::string>* reasoning_texts, const std::string& path) {
    if (is_null(v)) return true;
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) {
      out.push_back({Part::text, std::string(s), {}});
      return true;
    }
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return bad_type(path, "a string or an array of content parts");
    size_t i = 0;
    for (auto e : arr) {
      od::object obj;
      const std::string ppath = path + "[" + std::to_string(i++) + "]";
      if (e.get_object().get(obj) != simdjson::SUCCESS) return bad_type(ppath, "an object");
      std::string type, text, image_url, detail, file_data, filename, file_url, audio, format;
      const bool fields_read = each_field(obj, [&](std::string_view key, od::value& value) {
        od::value& fv = value;
        bool present = false;
        std::string* target = key == "type"        ? &type
                              : key == "text"      ? &text
                              : key == "refusal"   ? &text
                              : key == "detail"    ? &detail
                              : key == "file_data" ? &file_data
                              : key == "filename"  ? &filename
                              : key == "file_url"  ? &file_url
                                                   : nullptr;
        if (target) {
          if (!optional_string(fv, *target, present)) return bad_type(ppath + "." + std::string(key), "a string");
        } else if (key == "image_url") {
          // A string in Responses; chat's {url} object is accepted too.
          if (!optional_string(fv, image_url, present)) {
            od::object io;
            if (fv.get_object().get(io) != simdjson::SUCCESS) return bad_type(ppath + ".image_url", "a string");
            od::value url;
            if (io.find_field_unordered("url").get(url) != simdjson::SUCCESS || !string_of(url, image_url))
              return bad_type(ppath + ".image_url", "a string");
          }
        } else if (key == "input_audio") {
          od::object ao;
          if (fv.get_object().get(ao) != simdjson::SUCCESS) return bad_type(ppath + ".input_audio", "an object");
          for (auto af : ao) {
            od::field a;
            std::string_view ak;
            if (std::move(af).get(a) != simdjson::SUCCESS || a.unescaped_key(false).get(ak) != simdjson::SUCCESS) return bad_json();
            if (ak == "data" && !optional_string(a.value(), audio, present)) return bad_type(ppath + ".input_audio.data", "a string");
            if (ak == "format" && !optional_string(a.value(), format, present)) return bad_type(ppath + ".input_audio.format", "a string");
          }
        }
        return true;
      });
      if (!fields_read) return false;
      if (type == "input_image") {
        if (!image_url.empty()) out.push_back({Part::image, image_url, detail});
        else if (!file_data.empty()) out.push_back({Part::image, file_data, detail});
        // file_id needs the Files API, which no upstream shares with us.
      } else if (type == "input_file") {
        if (file_data.rfind("data:image/", 0) == 0) out.push_back({Part::image, file_data, {}});
        else if (!file_data.empty()) out.push_back({Part::file, file_data, filename});
        else if (!file_url.empty()) out.push_back({Part::text, "[file: " + file_url + "]", {}});
      } else if (type == "input_audio") {
        if (!audio.empty()) out.push_back({Part::audio, audio, format});
      } else if (type == "reasoning_text" && reasoning_texts) {
        if (!text.empty()) reasoning_texts->push_back(text);
      } else if (type.empty() || type == "input_text" || type == "output_text" || type == "text" || type == "summary_text" ||
                 type == "refusal") {
        out.push_back({Part::text, text, {}});
      }
    }
    return true;
  }

  static std::string joined_text(const std::vector<Part>& parts, const char* separator) {
    std::string text;
    bool first = true;
    for (const auto& p : parts)
      if (p.kind == Part::text) {
        if (!first) text += separator;
        text += p.value;
        first = false;
      }
    return text;
  }

  // Parts as chat content: one text part stays a string.
  static Json chat_content(const std::vector<Part>& parts) {
    if (parts.size() == 1 && parts[0].kind == Part::text) return parts[0].value;
    Json arr = Json::array();
    for (const auto& p : parts) {
      switch (p.kind) {
        case Part::text: arr.push_back({{"type", "text"}, {"text", p.value}}); break;
        case Part::image: {
          Json url = {{"url", p.value}};
          if (!p.detail.empty()) url["detail"] = p.detail;
          arr.push_back({{"type", "image_url"}, {"image_url", url}});
          break;
        }
        case Part::file: {
          Json file = {{"file_data", p.value}};
          if (!p.detail.empty()) file["filename"] = p.detail;
          arr.push_back({{"type", "file"}, {"file", file}});
          break;
        }
        case Part::audio:
          arr.push_back({{"type", "input_audio"}, {"input_audio", {{"data", p.value}, {"format", p.detail.empty() ? "wav" : p.detail}}}});
          break;
      }
    }
    return arr;
  }

  bool add_item(Item& item, const std::string& path) {
    std::string type = item.type;
    if (type.empty() && !item.role.empty()) type = "message";  // the short {role, content} form
    if (type == "message") {
      const std::string& role = item.role;
      if (role == "assistant") {
        // Text after tool calls starts a new assistant turn.
        if (!calls_.empty() || !assistant_text_.empty()) flush();
        assistant_text_ = joined_text(item.content, "");
        has_assistant_ = true;
        return true;
      }
      if (role != "user" && role != "system" && role != "developer")
        return bad("'" + path + ".role' must be user, assistant, system or developer.", "invalid_value", path + ".role");
      flush();
      std::vector<Part> content;
      for (auto& p : item.content)
        if (p.kind != Part::text || !p.value.empty() || item.content.size() == 1) content.push_back(std::move(p));
      if (content.empty()) return true;
      if (role == "user") messages_.push_back({{"role", "user"}, {"content", chat_content(content)}});
      else messages_.push_back({{"role", "system"}, {"content", joined_text(content, "\n\n")}});
      return true;
    }
    if (type == "function_call" || type == "custom_tool_call") {
      if (item.call_id.empty()) return bad("'" + path + ".call_id' is required.", "missing_required_parameter", path + ".call_id");
      if (!tool_messages_.empty()) flush();  // a call after outputs begins the next turn
      ToolCall call;
      call.id = item.call_id;
      call.name = ToolNames::chat_name(item.namespace_, item.name);
      if (type == "function_call") call.arguments = item.has_arguments && !item.arguments.empty() ? item.arguments : "{}";
      else call.arguments = dump_json(Json{{kCustomInputField, item.input}});
      calls_.push_back(std::move(call));
      has_assistant_ = true;
      return true;
    }
    if (type == "function_call_output" || type == "custom_tool_call_output") {
      if (item.call_id.empty()) return bad("'" + path + ".call_id' is required.", "missing_required_parameter", path + ".call_id");
      bool known = false;
      for (const auto& c : calls_) known = known || c.id == item.call_id;
      std::string text = joined_text(item.output, "\n");
      std::vector<Part> images;
      for (auto& p : item.output)
        if (p.kind == Part::image) images.push_back(std::move(p));
      if (!known) {
        // No call of this id in the turn before: as a tool message it would be
        // refused upstream, so the output is told as user text.
        flush();
        std::vector<Part> content{{Part::text, "Output of tool call " + item.call_id + ":\n" + text, {}}};
        for (auto& p : images) content.push_back(std::move(p));
        messages_.push_back({{"role", "user"}, {"content", chat_content(content)}});
        return true;
      }
      tool_messages_.push_back({{"role", "tool"}, {"tool_call_id", item.call_id}, {"content", text}});
      for (auto& p : images) tool_images_.push_back(std::move(p));
      return true;
    }
    if (type == "reasoning") {
      if (!calls_.empty() || !assistant_text_.empty()) flush();
      std::string text;
      for (const auto& r : item.reasoning) text += (text.empty() ? "" : "\n\n") + r;
      if (!text.empty()) reasoning_ += (reasoning_.empty() ? "" : "\n\n") + text;
      return true;
    }
    // item_reference, compaction, web_search_call, local_shell_call, ...: no chat form.
    return true;
  }

  // Ends the assistant turn being assembled: the assistant message (text,
  // reasoning, tool_calls), then its tool messages, then images the tools returned.
  void flush() {
    if (has_assistant_ && (!assistant_text_.empty() || !calls_.empty())) {
      Json msg = {{"role", "assistant"}};
      msg["content"] = assistant_text_.empty() && !calls_.empty() ? Json(nullptr) : Json(assistant_text_);
      if (!reasoning_.empty()) msg["reasoning_content"] = reasoning_;
      if (!calls_.empty()) {
        Json calls = Json::array();
        for (const auto& c : calls_)
          calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        msg["tool_calls"] = std::move(calls);
      }
      messages_.push_back(std::move(msg));
    }
    for (auto& t : tool_messages_) messages_.push_back(std::move(t));
    if (!tool_images_.empty()) messages_.push_back({{"role", "user"}, {"content", chat_content(tool_images_)}});
    has_assistant_ = false;
    assistant_text_.clear();
    reasoning_.clear();
    calls_.clear();
    tool_messages_.clear();
    tool_images_.clear();
  }

  // ---- the chat body ---------------------------------------------------------
  bool assemble() {
    if (out_.model.empty()) return bad("'model' is required.", "missing_required_parameter", "model");
    std::string messages;
    if (!instructions_.empty()) messages = dump_json(Json{{"role", "system"}, {"content", instructions_}});
    for (const auto& m : messages_) {
      if (!messages.empty()) messages += ",";
      messages += dump_json(m);
    }
    if (messages_.empty())
      return bad("'input' is required and must contain at least one message.", "missing_required_parameter", "input");
    std::string& b = out_.chat_body;
    b = "{\"model\":" + json_string(out_.model) + ",\"messages\":[" + messages + "]";
    if (!chat_tools_.empty()) {
      b += ",\"tools\":[" + chat_tools_ + "]";
      // Only with tools: some upstreams refuse tool settings without any.
      if (!tool_choice_.empty()) b += ",\"tool_choice\":" + tool_choice_;
      if (parallel_tool_calls_) b += std::string(",\"parallel_tool_calls\":") + (*parallel_tool_calls_ ? "true" : "false");
    }
    if (!reasoning_effort_.empty()) b += ",\"reasoning_effort\":" + json_string(reasoning_effort_);
    if (max_output_tokens_) b += ",\"max_tokens\":" + std::to_string(static_cast<int64_t>(*max_output_tokens_));
    if (temperature_) b += ",\"temperature\":" + dump_json(Json(*temperature_));
    if (top_p_) b += ",\"top_p\":" + dump_json(Json(*top_p_));
    if (!response_format_.empty()) b += ",\"response_format\":" + response_format_;
    b += kept_;
    if (out_.stream) b += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
    b += "}";
    return true;
  }

  MappedRequest& out_;
  ApiError& error_;
  std::string instructions_;
  std::vector<Json> messages_;
  std::string chat_tools_;
  std::string tool_choice_;
  std::optional<bool> parallel_tool_calls_;
  std::string reasoning_effort_;
  std::optional<double> max_output_tokens_, temperature_, top_p_;
  std::string response_format_;
  std::string kept_;  // ,"key":value pairs passed on as they are

  // The assistant turn being assembled from consecutive items.
  bool has_assistant_ = false;
  std::string assistant_text_;
  std::string reasoning_;
  std::vector<ToolCall> calls_;
  std::vector<Json> tool_messages_;
  std::vector<Part> tool_images_;
};

}  // namespace

bool map_request(std::string_view body, MappedRequest& out, ApiError& error) {
  out = MappedRequest{};
  Mapper mapper(out, error);
  return mapper.run(body);
}

}  // namespace keyaos::responses
