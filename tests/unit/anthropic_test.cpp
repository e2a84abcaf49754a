// Anthropic Messages inbound: request mapping, the stream writer's block
// lifecycle, the whole-body renderer and errors, by table.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "api/model_aliases.h"
#include "core/json.h"
#include "fixtures.h"
#include "protocols/anthropic/errors.h"
#include "protocols/anthropic/messages_protocol.h"
#include "protocols/anthropic/request_mapper.h"
#include "protocols/anthropic/stream_writer.h"
#include "protocols/openai/chat_request.h"
#include "routing/ranking.h"

using namespace keyaos;
using namespace keyaos::anthropic;

namespace {

Json map_ok(const std::string& body, MappedRequest* keep = nullptr) {
  MappedRequest m;
  ApiError e;
  bool ok = map_messages_request(body, m, e);
  INFO(e.message);
  REQUIRE(ok);
  // The engine must accept what the mapper writes.
  openai::ChatRequest chat;
  ApiError ce;
  INFO(m.chat_body);
  REQUIRE(openai::parse_chat_request(m.chat_body, chat, ce));
  Json j = parse_json(m.chat_body);
  REQUIRE(j.is_object());
  if (keep) *keep = std::move(m);
  return j;
}

std::string body_with(const std::string& messages, const std::string& extra = "") {
  return R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":)" + messages + extra + "}";
}

// One chunk per event, as the engine emits them.
std::string chunk(const std::string& delta, const std::string& finish = "null") {
  return R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":)" + delta +
         R"(,"finish_reason":)" + finish + "}]}\n\n";
}

struct Sse {
  std::string type;
  Json data;
};

std::vector<Sse> parse_sse(const std::string& s) {
  std::vector<Sse> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    std::string frame = s.substr(pos, end - pos);
    pos = end + 2;
    REQUIRE(frame.rfind("event: ", 0) == 0);
    size_t nl = frame.find('\n');
    REQUIRE(frame.compare(nl + 1, 6, "data: ") == 0);
    Sse e{frame.substr(7, nl - 7), parse_json(frame.substr(nl + 7))};
    REQUIRE(e.data.is_object());
    REQUIRE(str_field(e.data, "type") == e.type);
    out.push_back(std::move(e));
  }
  return out;
}

// Checks what Claude Code and the SDK check: one message_start first, dense
// indices in start order, deltas only to the open block of the right type,
// each block stopped before the next starts, message_delta then message_stop.
std::vector<Json> check_lifecycle(const std::vector<Sse>& events) {
  REQUIRE(!events.empty());
  REQUIRE(events.front().type == "message_start");
  std::vector<Json> blocks;
  int open = -1;
  bool delta_seen = false, stopped = false;
  for (size_t i = 1; i < events.size(); ++i) {
    const Sse& e = events[i];
    REQUIRE(!stopped);
    if (e.type == "ping") continue;
    REQUIRE(e.type != "message_start");
    if (e.type == "content_block_start") {
      REQUIRE(open == -1);
      REQUIRE(int_field(e.data, "index") == static_cast<int64_t>(blocks.size()));
      blocks.push_back(e.data["content_block"]);
      open = static_cast<int>(blocks.size()) - 1;
    } else if (e.type == "content_block_delta") {
      REQUIRE(int_field(e.data, "index") == open);
      Json& b = blocks[open];
      const std::string dt = str_field(e.data["delta"], "type");
      const std::string bt = str_field(b, "type");
      if (dt == "text_delta") {
        REQUIRE(bt == "text");
        b["text"] = str_field(b, "text") + str_field(e.data["delta"], "text");
      } else if (dt == "thinking_delta") {
        REQUIRE(bt == "thinking");
        b["thinking"] = str_field(b, "thinking") + str_field(e.data["delta"], "thinking");
      } else if (dt == "signature_delta") {
        REQUIRE(bt == "thinking");
        b["signature"] = str_field(e.data["delta"], "signature");
      } else {
        REQUIRE(dt == "input_json_delta");
        REQUIRE(bt == "tool_use");
        b["partial"] = str_field(b, "partial") + str_field(e.data["delta"], "partial_json");
      }
    } else if (e.type == "content_block_stop") {
      REQUIRE(int_field(e.data, "index") == open);
      Json& b = blocks[open];
      if (str_field(b, "type") == "tool_use") {
        std::string p = str_field(b, "partial");
        b["input"] = p.empty() ? Json::object() : parse_json(p);
        REQUIRE(b["input"].is_object());
        b.erase("partial");
      }
      open = -1;
    } else if (e.type == "message_delta") {
      REQUIRE(open == -1);
      REQUIRE(!delta_seen);
      delta_seen = true;
      REQUIRE(e.data["delta"].contains("stop_reason"));
      REQUIRE(e.data["usage"].contains("output_tokens"));
    } else if (e.type == "message_stop") {
      REQUIRE(delta_seen);
      stopped = true;
    } else {
      FAIL("unexpected event " + e.type);
    }
  }
  REQUIRE(stopped);
  return blocks;
}

struct Run {
  std::vector<Sse> events;
  std::vector<Json> blocks;
  Json message_delta;
};

Run run_stream(const std::vector<std::string>& chunks, const Usage& usage = {}, std::shared_ptr<ToolNames> names = nullptr,
               std::vector<std::string> stops = {}) {
  StreamWriter w("msg_test", "claude-sonnet-4-5", names, std::move(stops));
  std::string out;
  w.open(out);
  for (const auto& c : chunks) w.feed(c, out);
  w.feed("data: [DONE]\n\n", out);
  w.finish(usage, out);
  Run r;
  r.events = parse_sse(out);
  r.blocks = check_lifecycle(r.events);
  for (const auto& e : r.events)
    if (e.type == "message_delta") r.message_delta = e.data;
  return r;
}

std::string stop_reason(const Run& r) { return str_field(r.message_delta["delta"], "stop_reason"); }

}  // namespace

// ---- request mapping ---------------------------------------------------------

TEST_CASE("Anthropic request: tool results come before the rest of the user turn, one assistant message per turn",
          "[anthropic]") {
  const Json j = map_ok(body_with(R"([
    {"role":"user","content":"read two files"},
    {"role":"assistant","content":[{"type":"text","text":"Reading."},
      {"type":"tool_use","id":"toolu_1","name":"Read","input":{"path":"a"}},
      {"type":"tool_use","id":"toolu_2","name":"Read","input":{"path":"b"}}]},
    {"role":"user","content":[{"type":"text","text":"here you go"},
      {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"B1"},{"type":"text","text":"B2"}]},
      {"type":"tool_result","tool_use_id":"toolu_1","content":"A","is_error":true}]}])"));
  const Json& m = j["messages"];
  REQUIRE(m.size() == 5);
  CHECK(m[0]["role"] == "user");
  CHECK(m[1]["role"] == "assistant");
  CHECK(m[1]["content"] == "Reading.");
  REQUIRE(m[1]["tool_calls"].size() == 2);
  CHECK(m[1]["tool_calls"][0]["id"] == "toolu_1");
  CHECK(parse_json(m[1]["tool_calls"][1]["function"]["arguments"].get<std::string>()) == Json{{"path", "b"}});
  CHECK(m[2] == Json{{"role", "tool"}, {"tool_call_id", "toolu_2"}, {"content", "B1\nB2"}});
  CHECK(m[3] == Json{{"role", "tool"}, {"tool_call_id", "toolu_1"}, {"content", "Error: A"}});
  CHECK(m[4] == Json{{"role", "user"}, {"content", "here you go"}});
}

TEST_CASE("Anthropic request: the billing header block is dropped, so the upstream prefix stays byte-identical", "[anthropic]") {
  auto with_nonce = [](const std::string& cch) {
    return R"({"model":"m","max_tokens":5,"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.3; cch=)" + cch +
           R"(;"},{"type":"text","text":"You are helpful.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]})";
  };
  MappedRequest a, b;
  map_ok(with_nonce("aaaaa"), &a);
  map_ok(with_nonce("bbbbb"), &b);
  CHECK(a.chat_body == b.chat_body);
  const Json j = parse_json(a.chat_body);
  CHECK(j["messages"][0] == Json{{"role", "system"}, {"content", "You are helpful."}});
  CHECK(a.chat_body.find("billing-header") == std::string::npos);
}

TEST_CASE("Anthropic request: long tool names are shortened deterministically and mapped back", "[anthropic]") {
  const std::string long_name = "mcp__a_very_long_server_name_for_testing__and_an_even_longer_tool_name_x";  // 72 bytes
  REQUIRE(long_name.size() > 64);
  MappedRequest m;
  const Json j = map_ok(body_with(R"([{"role":"user","content":"go"},
      {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":")" + long_name + R"(","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}])",
                                  R"(,"tools":[{"name":")" + long_name + R"(","input_schema":{"type":"object"}},{"name":"Read","input_schema":{"type":"object","properties":{"p":{"type":"string"}}}}],"tool_choice":{"type":"tool","name":")" +
                                      long_name + R"("})"),
                        &m);
  const std::string short_name = j["tools"][0]["function"]["name"].get<std::string>();
  CHECK(short_name.size() == 64);
  CHECK(short_name == shorten_tool_name(long_name));
  CHECK(j["messages"][1]["tool_calls"][0]["function"]["name"] == short_name);
  CHECK(j["tool_choice"]["function"]["name"] == short_name);
  CHECK(j["tools"][0]["function"]["parameters"] == Json{{"type", "object"}, {"properties", Json::object()}});
  CHECK(j["tools"][1]["function"]["name"] == "Read");
  CHECK(m.tool_names.client_name(short_name) == long_name);
  CHECK(m.tool_names.client_name("Read") == "Read");
  CHECK(shorten_tool_name(long_name + "2") != short_name);

  // And in the answer: the stream and the body name the client's tool.
  auto names = std::make_shared<ToolNames>(m.tool_names);
  Run r = run_stream({chunk(R"({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":")" + short_name +
                            R"(","arguments":"{}"}}]})",
                            "\"tool_calls\"")},
                     {}, names);
  REQUIRE(r.blocks.size() == 1);
  CHECK(r.blocks[0]["name"] == long_name);
}

TEST_CASE("Anthropic request: images, documents, thinking, settings", "[anthropic]") {
  const Json j = map_ok(body_with(R"([
    {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"QUJD"}},
      {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},
      {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}},
      {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain doc"}},
      {"type":"text","text":""},{"type":"text","text":"what is this?"}]},
    {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"redacted_thinking","data":"x"},{"type":"text","text":"A cat."}]},
    {"role":"user","content":"thanks"}])",
                                  R"(,"thinking":{"type":"enabled","budget_tokens":4000},"stop_sequences":["END"],"temperature":0.5,"top_p":0.9,"top_k":5,
        "metadata":{"user_id":"u-1"},"stream":true,"context_management":{"edits":[]},"speed":"fast","tool_choice":{"type":"any"})"));
  const Json& parts = j["messages"][0]["content"];
  REQUIRE(parts.size() == 5);
  CHECK(parts[0] == Json{{"type", "image_url"}, {"image_url", {{"url", "data:image/jpeg;base64,QUJD"}}}});
  CHECK(parts[1]["image_url"]["url"] == "https://example.com/a.png");
  CHECK(parts[2]["type"] == "file");
  CHECK(parts[2]["file"]["file_data"] == "data:application/pdf;base64,JVBE");
  CHECK(parts[3] == Json{{"type", "text"}, {"text", "plain doc"}});
  CHECK(parts[4] == Json{{"type", "text"}, {"text", "what is this?"}});
  CHECK(j["messages"][1] == Json{{"role", "assistant"}, {"content", "A cat."}, {"reasoning_content", "hmm"}});
  CHECK(j["reasoning_effort"] == "medium");
  CHECK(j["stop"] == Json::array({"END"}));
  CHECK(j["temperature"] == 0.5);
  CHECK(j["top_p"] == 0.9);
  CHECK(!j.contains("top_k"));
  CHECK(!j.contains("context_management"));
  CHECK(!j.contains("speed"));
  CHECK(!j.contains("tool_choice"));  // no tools: a tool_choice would be refused upstream
  CHECK(j["user"] == "u-1");
  CHECK(j["stream"] == true);
  CHECK(j["stream_options"]["include_usage"] == true);
  CHECK(j["max_tokens"] == 100);
}

TEST_CASE("Anthropic request: tool_choice and thinking tables", "[anthropic]") {
  const std::string tools = R"(,"tools":[{"name":"Bash","input_schema":{"type":"object","properties":{}}},{"type":"web_search_20250305","name":"web_search"}])";
  struct Row {
    std::string extra;
    Json tool_choice;  // null: absent
    bool parallel_off;
  };
  const std::vector<Row> rows = {
      {R"(,"tool_choice":{"type":"auto"})", "auto", false},
      {R"(,"tool_choice":{"type":"any","disable_parallel_tool_use":true})", "required", true},
      {R"(,"tool_choice":{"type":"none"})", "none", false},
      {R"(,"tool_choice":{"type":"tool","name":"Bash"})", Json{{"type", "function"}, {"function", {{"name", "Bash"}}}}, false},
      {"", nullptr, false},
  };
  for (const auto& row : rows) {
    const Json j = map_ok(body_with(R"([{"role":"user","content":"x"}])", tools + row.extra));
    REQUIRE(j["tools"].size() == 1);  // the server tool has no chat equivalent
    if (row.tool_choice.is_null()) CHECK(!j.contains("tool_choice"));
    else CHECK(j["tool_choice"] == row.tool_choice);
    CHECK(j.contains("parallel_tool_calls") == row.parallel_off);
  }
  struct Think {
    std::string extra;
    std::string effort;
  };
  const std::vector<Think> thinks = {
      {R"(,"thinking":{"type":"enabled","budget_tokens":1024})", "low"},
      {R"(,"thinking":{"type":"enabled","budget_tokens":8192})", "medium"},
      {R"(,"thinking":{"type":"enabled","budget_tokens":31999})", "high"},
      {R"(,"thinking":{"type":"adaptive"},"output_config":{"effort":"low"})", "low"},
      {R"(,"thinking":{"type":"adaptive"},"output_config":{"effort":"max"})", "high"},
      {R"(,"thinking":{"type":"adaptive"})", ""},
      {R"(,"thinking":{"type":"disabled"})", ""},
  };
  for (const auto& t : thinks) {
    const Json j = map_ok(body_with(R"([{"role":"user","content":"x"}])", t.extra));
    CHECK(str_field(j, "reasoning_effort") == t.effort);
  }
}

TEST_CASE("Anthropic request: unknown blocks and fields are carried or dropped, never refused", "[anthropic]") {
  const Json j = map_ok(body_with(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_reference","tool_name":"Grep"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]},{"type":"future_block","x":1}]},
    {"role":"system","content":[{"type":"text","text":"mid-conversation note"}]}])",
                                  R"(,"diagnostics":{"previous_message_id":"m"},"new_field":[1,2,3])"));
  const Json& m = j["messages"];
  REQUIRE(m.size() == 3);
  CHECK(m[0]["role"] == "tool");
  CHECK(m[0]["content"] == R"({"type":"tool_reference","tool_name":"Grep"})");
  // The tool result's image follows as user content, with the unknown block as text.
  CHECK(m[1]["role"] == "user");
  CHECK(m[1]["content"][0]["image_url"]["url"] == "data:image/png;base64,AA==");
  CHECK(m[1]["content"][1]["text"] == R"({"type":"future_block","x":1})");
  CHECK(m[2] == Json{{"role", "system"}, {"content", "mid-conversation note"}});
}

TEST_CASE("Anthropic request: validation errors are 400 invalid_request_error", "[anthropic]") {
  struct Row {
    std::string body;
    std::string param;
  };
  const std::vector<Row> rows = {
      {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":5,"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m","max_tokens":5})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":"x"})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":[]})", "messages"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"bot","content":"x"}]})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":5}]})", "messages"},
      {R"([1,2])", ""},
      {R"({"model":"m",)", ""},
  };
  for (const auto& row : rows) {
    INFO(row.body);
    MappedRequest m;
    ApiError e;
    CHECK_FALSE(map_messages_request(row.body, m, e));
    CHECK(e.status == 400);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.param == row.param);
    AnthropicMessages p;
    const Json body = parse_json(p.error_body(e));
    CHECK(body["type"] == "error");
    CHECK(body["error"]["type"] == "invalid_request_error");
    CHECK(!str_field(body["error"], "message").empty());
  }
  // count_tokens bodies need no max_tokens.
  MappedRequest m;
  ApiError e;
  MapOptions o;
  o.require_max_tokens = false;
  CHECK(map_messages_request(R"({"model":"m","messages":[{"role":"user","content":"x"}]})", m, e, o));
}

TEST_CASE("Anthropic request: the real Claude Code request maps to a chat body the engine accepts", "[anthropic]") {
  const Json fixture = parse_json(read_fixture("clients/claude_code_2.1.328_messages_request.json"));
  REQUIRE(fixture.is_object());
  MappedRequest m;
  const Json j = map_ok(dump_json(fixture["body"]), &m);
  CHECK(m.stream);
  CHECK(j["model"] == "ag/agent");
  CHECK(j["messages"][0]["role"] == "system");
  CHECK(j["messages"][0]["content"].get<std::string>().rfind("You are a Claude agent", 0) == 0);
  CHECK(j["tools"].size() == fixture["body"]["tools"].size());
  CHECK(j["reasoning_effort"] == "high");
  CHECK(j["max_tokens"] == 32000);
  CHECK(estimate_input_tokens(m) > 1000);
}

TEST_CASE("Anthropic model names resolve to canonical catalogue ids; aliases come first", "[anthropic]") {
  struct Row {
    std::string in, out;
  };
  const std::vector<Row> rows = {
      {"claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5"},
      {"claude-3-5-haiku-latest", "anthropic/claude-3.5-haiku"},
      {"claude-opus-4-1", "anthropic/claude-opus-4.1"},
      {"anthropic/claude-opus-4-1-20250805", "anthropic/claude-opus-4.1"},
      {"claude-sonnet-4-20250514", "anthropic/claude-sonnet-4"},
      {"Claude-Haiku-4-5", "anthropic/claude-haiku-4.5"},
      {"claude-3-7-sonnet-20250219", "anthropic/claude-3.7-sonnet"},
      {"anthropic/claude-sonnet-4.5", ""},
      {"gpt-4o", ""},
      {"ag/agent", ""},
  };
  for (const auto& r : rows) CHECK(routing::canonical_claude_model(r.in) == r.out);
  std::map<std::string, std::string> aliases = {{"claude-sonnet-4-5", "openai/gpt-4o-mini"}};
  CHECK(api::messages_route_models("claude-sonnet-4-5-20250929", aliases) ==
        std::vector<std::string>{"openai/gpt-4o-mini", "claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5"});
  CHECK(api::messages_route_models("openai/gpt-4o", {}) == std::vector<std::string>{"openai/gpt-4o"});
  // The chat body carries the order as model + models.
  AnthropicMessages p([&](const std::string& m) { return api::messages_route_models(m, aliases); });
  std::string chat;
  ApiError e;
  REQUIRE(p.map_request(R"({"model":"claude-sonnet-4-5-20250929","max_tokens":5,"messages":[{"role":"user","content":"x"}]})", chat, e));
  const Json j = parse_json(chat);
  CHECK(j["model"] == "openai/gpt-4o-mini");
  CHECK(j["models"] == Json::array({"claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5"}));
  // The answer names the client's model.
  const Json msg = parse_json(p.render_body(R"({"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]})", {}, {"n1", "x", 0, 0}));
  CHECK(msg["model"] == "claude-sonnet-4-5-20250929");
  CHECK(msg["id"] == "msg_n1");
}

// ---- stream writer -----------------------------------------------------------

TEST_CASE("Anthropic stream: reasoning, text and a tool, each block closed before the next", "[anthropic]") {
  Usage u;
  u.prompt_tokens = 1000;
  u.cached_tokens = 800;
  u.cache_write_tokens = 50;
  u.completion_tokens = 42;
  Run r = run_stream({chunk(R"({"role":"assistant","content":""})"), chunk(R"({"reasoning_content":"think "})"),
                      chunk(R"({"reasoning_content":"more"})"), chunk(R"({"content":"Hello"})"), chunk(R"({"content":" world"})"),
                      chunk(R"({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":""}}]})"),
                      chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"pa"}}]})"),
                      chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"th\":\"a\"}"}}]})"), chunk("{}", "\"tool_calls\"")},
                     u);
  REQUIRE(r.blocks.size() == 3);
  CHECK(r.blocks[0]["type"] == "thinking");
  CHECK(r.blocks[0]["thinking"] == "think more");
  CHECK(r.blocks[0]["signature"] == thinking_signature("think more"));
  CHECK(r.blocks[1] == Json{{"type", "text"}, {"text", "Hello world"}});
  CHECK(r.blocks[2]["id"] == "call_1");
  CHECK(r.blocks[2]["name"] == "Read");
  CHECK(r.blocks[2]["input"] == Json{{"path", "a"}});
  CHECK(stop_reason(r) == "tool_use");
  CHECK(r.message_delta["usage"] == Json{{"input_tokens", 150}, {"cache_read_input_tokens", 800}, {"cache_creation_input_tokens", 50}, {"output_tokens", 42}});
  CHECK(r.events[1].type == "ping");
  CHECK(r.events[0].data["message"]["model"] == "claude-sonnet-4-5");
  CHECK(r.events[0].data["message"]["usage"]["input_tokens"] == 0);
}

TEST_CASE("Anthropic stream: non-dense and interleaved tool indices, id and name after the arguments", "[anthropic]") {
  Run r = run_stream({
      chunk(R"({"tool_calls":[{"index":2,"function":{"arguments":"{\"x\":"}}]})"),  // args before id/name
      chunk(R"({"tool_calls":[{"index":2,"id":"functions.Read:0","function":{"name":"Read"}}]})"),
      chunk(R"({"tool_calls":[{"index":5,"id":"call:abc/1","function":{"name":"Grep","arguments":"{\"q\""}}]})"),
      chunk(R"({"tool_calls":[{"index":2,"function":{"arguments":"1}"}}]})"),  // back to the first tool
      chunk(R"({"tool_calls":[{"index":5,"function":{"arguments":":\"z\"}"}}]})"),
      chunk(R"({"tool_calls":[{"index":7,"function":{"name":"NoId","arguments":"{}"}}]})"),
      chunk(R"({"tool_calls":[{"index":9,"function":{"arguments":"{\"never\":1}"}}]})"),  // never named
      chunk("{}", "\"stop\""),
  });
  REQUIRE(r.blocks.size() == 3);
  CHECK(r.blocks[0]["id"] == "functions_Read_0");
  CHECK(r.blocks[0]["input"] == Json{{"x", 1}});
  CHECK(r.blocks[1]["id"] == "call_abc_1");
  CHECK(r.blocks[1]["name"] == "Grep");
  CHECK(r.blocks[1]["input"] == Json{{"q", "z"}});
  const std::string generated = r.blocks[2]["id"].get<std::string>();
  CHECK(generated.rfind("toolu_", 0) == 0);
  for (char c : generated) CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'));
  CHECK(stop_reason(r) == "tool_use");  // the upstream said "stop" after calling tools
}

TEST_CASE("Anthropic stream: reasoning and content in one chunk; interleaved kinds; empty text", "[anthropic]") {
  Run r = run_stream({chunk(R"({"reasoning_content":"a","content":"b"})"), chunk(R"({"content":""})"),
                      chunk(R"({"reasoning":"c"})"), chunk(R"({"content":"d"})"),
                      chunk(R"({"tool_calls":[{"index":0,"id":"t","function":{"name":"T","arguments":"{}"}}]})"),
                      chunk(R"({"reasoning_content":"e"})"), chunk(R"({"content":"f"})"), chunk("{}", "\"stop\"")});
  std::vector<std::string> kinds;
  for (const auto& b : r.blocks) kinds.push_back(b["type"].get<std::string>());
  CHECK(kinds == std::vector<std::string>{"thinking", "text", "thinking", "text", "tool_use", "thinking", "text"});
  CHECK(r.blocks[0]["thinking"] == "a");
  CHECK(r.blocks[1]["text"] == "b");
  CHECK(r.blocks[6]["text"] == "f");

  Run empty = run_stream({chunk(R"({"role":"assistant","content":""})"), chunk("{}", "\"stop\"")});
  CHECK(empty.blocks.empty());
  CHECK(stop_reason(empty) == "end_turn");
}

TEST_CASE("Anthropic stream: stop reasons", "[anthropic]") {
  struct Row {
    std::string finish;
    std::string expected;
  };
  const std::vector<Row> rows = {{"\"stop\"", "end_turn"},           {"\"length\"", "max_tokens"},
                                 {"\"tool_calls\"", "end_turn"},     {"\"function_call\"", "end_turn"},
                                 {"\"content_filter\"", "refusal"},  {"null", "end_turn"}};
  for (const auto& row : rows) {
    INFO(row.finish);
    Run r = run_stream({chunk(R"({"content":"x"})"), chunk("{}", row.finish)});
    CHECK(stop_reason(r) == row.expected);
  }
  // A matched stop sequence the upstream reports (vLLM's stop_reason).
  Run r = run_stream({chunk(R"({"content":"x"})"),
                      R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"END"}]})" "\n\n"},
                     {}, nullptr, {"END"});
  CHECK(stop_reason(r) == "stop_sequence");
  CHECK(r.message_delta["delta"]["stop_sequence"] == "END");
  CHECK(stop_reason_for("tool_calls", true, false) == "tool_use");
}

TEST_CASE("Anthropic stream: the same events fed one by one or all at once give the same bytes", "[anthropic]") {
  const std::vector<std::string> events = {
      chunk(R"({"role":"assistant","content":""})"), chunk(R"({"reasoning_content":"r1"})"), chunk(R"({"content":"t1"})"),
      chunk(R"({"tool_calls":[{"index":1,"id":"a","function":{"name":"A","arguments":"{\"k\":"}}]})"),
      chunk(R"({"tool_calls":[{"index":3,"id":"b","function":{"name":"B","arguments":"{}"}}]})"),
      chunk(R"({"tool_calls":[{"index":1,"function":{"arguments":"2}"}}]})"), chunk(R"({"content":"t2"})"), chunk("{}", "\"tool_calls\""),
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n"};
  Usage u;
  u.prompt_tokens = 3;
  u.completion_tokens = 4;
  auto render = [&](bool split) {
    StreamWriter w("msg_x", "m", nullptr, {});
    std::string out;
    w.open(out);
    if (split) {
      for (const auto& e : events) w.feed(e, out);
    } else {
      std::string all;
      for (const auto& e : events) all += e;
      w.feed(all, out);
    }
    w.finish(u, out);
    return out;
  };
  const std::string one = render(true), all = render(false);
  CHECK(one == all);
  std::vector<Json> blocks = check_lifecycle(parse_sse(one));
  REQUIRE(blocks.size() == 5);
  CHECK(blocks[2]["input"] == Json{{"k", 2}});
}

TEST_CASE("Anthropic stream: every event's data is its compact dump, members in Anthropic's order, deltas included", "[anthropic]") {
  // Quotes, backslashes, control characters and multibyte text in text,
  // thinking and tool argument deltas: written directly, escaped as the trees are.
  const std::vector<std::string> events = {
      chunk(R"({"role":"assistant","content":""})"), chunk(R"({"reasoning_content":"r \"\\ \u0001\t"})"),
      chunk(R"({"content":"a\u001fb\n\"c\" \u00e9\u4e16\ud83d\ude00 \u0000\u007f/"})"),
      chunk(R"({"tool_calls":[{"index":0,"id":"t","function":{"name":"A","arguments":"{\"k\":\"\\u0001\u00e9\"}"}}]})"),
      chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"}"}}]})"), chunk("{}", "\"tool_calls\"")};
  StreamWriter w("msg_x", "m", nullptr, {});
  std::string out;
  w.open(out);
  for (const auto& e : events) w.feed(e, out);
  w.finish(Usage{}, out);
  parse_sse(out);  // the frames are well formed
  size_t deltas = 0;
  for (size_t pos = 0; pos < out.size();) {
    const size_t end = out.find("\n\n", pos);
    const std::string frame = out.substr(pos, end - pos);
    pos = end + 2;
    const std::string data = frame.substr(frame.find("\ndata: ") + 7);
    // Parsed in document order and written back: the same bytes only if they
    // are compact and escaped as nlohmann writes them.
    CHECK(nlohmann::ordered_json::parse(data, nullptr, false).dump() == data);
    if (frame.rfind("event: content_block_delta\n", 0) == 0) {
      CHECK(data.rfind(R"({"type":"content_block_delta","index":)", 0) == 0);
      ++deltas;
    }
  }
  CHECK(deltas >= 4);
}

TEST_CASE("Anthropic stream: fail() ends with an error event; keepalive is a ping", "[anthropic]") {
  StreamWriter w("msg_x", "m", nullptr, {});
  std::string out;
  w.open(out);
  w.feed(chunk(R"({"content":"partial"})"), out);
  w.keepalive(out);
  UpstreamError e{ErrorClass::stream, 502, "The upstream stream broke.", "upstream_error", "stream_truncated", -1};
  w.fail(e, out);
  std::vector<Sse> events = parse_sse(out);
  CHECK(events[events.size() - 2].type == "ping");
  const Sse& last = events.back();
  CHECK(last.type == "error");
  CHECK(last.data["error"]["type"] == "api_error");
  CHECK(last.data["error"]["message"] == "The upstream stream broke.");
  UpstreamError limited{ErrorClass::rate_limited, 429, "slow down", "rate_limit_exceeded", "", -1};
  std::string out2;
  StreamWriter w2("msg_y", "m", nullptr, {});
  w2.fail(limited, out2);
  CHECK(parse_sse(out2).back().data["error"]["type"] == "rate_limit_error");
}

// ---- whole body -----------------------------------------------------------------

TEST_CASE("Anthropic body: thinking, text and tool_use in Anthropic order, usage disjoint", "[anthropic]") {
  AnthropicMessages p;
  std::string chat;
  ApiError e;
  REQUIRE(p.map_request(R"({"model":"claude-x","max_tokens":9,"messages":[{"role":"user","content":"x"}]})", chat, e));
  Usage u;
  u.prompt_tokens = 100;
  u.cached_tokens = 30;
  u.completion_tokens = 7;
  const Json msg = parse_json(p.render_body(
      R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Answer","reasoning_content":"Because",
        "tool_calls":[{"id":"functions.Bash:1","type":"function","function":{"name":"Bash","arguments":"{\"cmd\":\"ls\"}"}},
                      {"id":"c2","type":"function","function":{"name":"Odd","arguments":"not json"}}]},"finish_reason":"tool_calls"}]})",
      u, {"abc", "x", 0, 0}));
  REQUIRE(msg.is_object());
  CHECK(msg["type"] == "message");
  CHECK(msg["role"] == "assistant");
  CHECK(msg["model"] == "claude-x");
  REQUIRE(msg["content"].size() == 4);
  CHECK(msg["content"][0]["type"] == "thinking");
  CHECK(msg["content"][0]["thinking"] == "Because");
  CHECK(msg["content"][1] == Json{{"type", "text"}, {"text", "Answer"}});
  CHECK(msg["content"][2] == Json{{"type", "tool_use"}, {"id", "functions_Bash_1"}, {"name", "Bash"}, {"input", {{"cmd", "ls"}}}});
  CHECK(msg["content"][3]["input"] == Json{{"arguments", "not json"}});
  CHECK(msg["stop_reason"] == "tool_use");
  CHECK(msg["stop_sequence"].is_null());
  CHECK(msg["usage"] == Json{{"input_tokens", 70}, {"cache_read_input_tokens", 30}, {"cache_creation_input_tokens", 0}, {"output_tokens", 7}});
}

// ---- errors -----------------------------------------------------------------------

TEST_CASE("Anthropic errors: status to type, context length as Claude Code reads it", "[anthropic]") {
  const std::vector<std::pair<int, std::string>> rows = {
      {400, "invalid_request_error"}, {401, "authentication_error"}, {402, "billing_error"}, {403, "permission_error"},
      {404, "not_found_error"},       {413, "request_too_large"},    {422, "invalid_request_error"}, {429, "rate_limit_error"},
      {500, "api_error"},             {502, "api_error"},            {503, "api_error"},   {504, "timeout_error"},
      {529, "overloaded_error"}};
  AnthropicMessages p;
  for (const auto& [status, type] : rows) {
    ApiError e{status, "boom", "x", "some_code", {}};
    const Json body = parse_json(p.error_body(e));
    CHECK(body == Json{{"type", "error"}, {"error", {{"type", type}, {"message", "boom"}}}, {"request_id", nullptr}});
    CHECK(p.error_status(e) == status);
  }
  ApiError ctx{400,
               "This model's maximum context length is 128000 tokens. However, you requested 130500 tokens (122500 in the messages, 8000 in the completion).",
               "invalid_request_error", "context_length_exceeded", {}};
  Json body = parse_json(p.error_body(ctx));
  CHECK(body["error"]["type"] == "invalid_request_error");
  CHECK(body["error"]["message"] == "prompt is too long: 130500 tokens > 128000 maximum");
  // The engine's class name as the code, a 502-wrapped message: still a 400 Claude Code compacts on.
  ApiError wrapped{502, "input is too long", "upstream_error", "context_length", {}};
  CHECK(p.error_status(wrapped) == 400);
  CHECK(context_length_message("input is too long", 5000) == "prompt is too long: 5000 tokens > 4999 maximum");
  CHECK(context_length_message("limit 200,000 tokens", 10) == "prompt is too long: 200001 tokens > 200000 maximum");
  ApiError not_ctx{400, "bad things", "invalid_request_error", "invalid_value", {}};
  CHECK(!is_context_length_error(not_ctx));
}
