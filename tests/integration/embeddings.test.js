// POST /v1/embeddings end to end: the real Worker in workerd with local D1,
// the real openai client, and upstreams that answer OpenAI's embeddings
// shape (OpenRouter, OpenAI, DeepInfra, Google AI Studio style), with floats
// or base64, in order or not, or with faults.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream } from "../support/mock-upstream.js";

const MODEL = "openai/text-embedding-3-small";
const OPENROUTER_KEY = "sk-or-v1-" + "a".repeat(64);

// Little-endian float32 as OpenAI encodes it.
const toBase64 = (vector) => Buffer.from(new Float32Array(vector).buffer).toString("base64");
const f32 = (x) => new Float32Array([x])[0];

// The vector an upstream returns for input number `i` (distinct per input and per upstream).
const vectorFor = (i, salt = 0) => [0.1 + i + salt, -0.25 * (i + 1), 3.5e-5 + salt];

// An OpenAI-shape embeddings answer for `inputs`, floats or base64, optionally reversed.
function embeddingsAnswer(inputs, { base64 = false, reversed = false, salt = 0, usage = { prompt_tokens: 10, total_tokens: 10 }, model } = {}) {
  const data = inputs.map((_, i) => ({ object: "embedding", index: i, embedding: base64 ? toBase64(vectorFor(i, salt)) : vectorFor(i, salt) }));
  if (reversed) data.reverse();
  return { object: "list", data, model: model ?? "text-embedding-3-small", ...(usage ? { usage } : {}) };
}
const inputsOf = (body) => (Array.isArray(body.input) && typeof body.input[0] !== "number" ? body.input : [body.input]);

// OpenAI (multiplier 0.5: the cheapest) and OpenRouter both serve MODEL.
// `openai(req, n)` / `openrouter(req, n)` plan their n-th embeddings request.
async function scenario({ openai, openrouter }, fn) {
  const only = (plan, salt) => {
    let n = 0;
    return (req) => {
      if (!req.url.endsWith("/embeddings")) return undefined;
      const planned = plan?.(req, ++n);
      return planned ?? { json: embeddingsAnswer(inputsOf(req.body), { base64: req.body.encoding_format === "base64", salt }) };
    };
  };
  const a = await startMockUpstream("openai", only(openai, 0));
  const b = await startMockUpstream("openrouter", only(openrouter, 100));
  const gw = await startGateway({ upstreams: { openai: a.url + "/v1", openrouter: b.url + "/api/v1" } });
  try {
    await gw.addCredential("openai", "sk-proj-embeddingkey0123456", { price_multiplier: 0.5, validate: false });
    await gw.addCredential("openrouter", OPENROUTER_KEY, { validate: false });
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    await fn({ gw, a, b, client, embeds: (m) => m.requests.filter((r) => r.url.endsWith("/embeddings")) });
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
}

// The same float32 values: base64 answers decode to float32, float answers
// carry the upstream's digits or the shortest decimal of each float32.
const close = (got, want) => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.equal(f32(got[i]), f32(want[i]), `component ${i}`);
};

test("the SDK's default (base64) gets correct vectors from a float upstream, from the cheapest provider", async () => {
  await scenario({ openai: (req) => ({ json: embeddingsAnswer(inputsOf(req.body), { base64: false }) }) }, async ({ client, a, b, embeds }) => {
    const { data: res, response } = await client.embeddings.create({ model: MODEL, input: ["first", "second"] }).withResponse();
    assert.equal(response.headers.get("x-keyaos-provider"), "openai");
    assert.equal(response.headers.get("x-keyaos-model"), MODEL);
    assert.equal(response.headers.get("x-keyaos-attempts"), "1");
    assert.match(response.headers.get("x-request-id"), /^req_/);
    assert.equal(res.data.length, 2);
    close(res.data[0].embedding, vectorFor(0));
    close(res.data[1].embedding, vectorFor(1));
    assert.deepEqual(res.usage, { prompt_tokens: 10, total_tokens: 10 });
    const [sent] = embeds(a);
    assert.equal(sent.body.model, "text-embedding-3-small");  // the vendor prefix is OpenAI's own id rule
    assert.equal(sent.body.encoding_format, "base64");        // what the SDK asked is forwarded
    assert.deepEqual(sent.body.input, ["first", "second"]);
    assert.equal(sent.headers.authorization, "Bearer sk-proj-embeddingkey0123456");
    assert.equal(embeds(b).length, 0);
  });
});

test("floats when asked, also from a base64 upstream; batches come back in input order", async () => {
  await scenario(
    { openai: (req) => ({ json: embeddingsAnswer(inputsOf(req.body), { base64: true, reversed: true }) }) },
    async ({ client }) => {
      const res = await client.embeddings.create({ model: MODEL, input: ["a", "b", "c"], encoding_format: "float" });
      assert.deepEqual(res.data.map((d) => d.index), [0, 1, 2]);
      for (let i = 0; i < 3; i++) close(res.data[i].embedding, vectorFor(i));
      assert.ok(Array.isArray(res.data[0].embedding));
      // base64 asked, base64 given, reordered: the bytes pass unchanged.
      const b64 = await client.embeddings.create({ model: MODEL, input: ["a", "b", "c"] });
      for (let i = 0; i < 3; i++) close(Array.from(b64.data[i].embedding), vectorFor(i));
    },
  );
});

test("an answer whose count does not match the input fails over", async () => {
  await scenario({ openai: () => ({ json: embeddingsAnswer(["only one"]) }) }, async ({ client, a, b, embeds }) => {
    const { data: res, response } = await client.embeddings.create({ model: MODEL, input: ["x", "y"], encoding_format: "float" }).withResponse();
    assert.equal(response.headers.get("x-keyaos-provider"), "openrouter");
    close(res.data[1].embedding, vectorFor(1, 100));
    assert.equal(embeds(a).length, 1);
    assert.equal(embeds(b).length, 1);
  });
});

test("429 and 500 fail over to the next cheapest; a 400 goes back to the client untried elsewhere", async () => {
  await scenario(
    { openai: () => ({ status: 429, headers: { "retry-after": "7" }, json: { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } } }) },
    async ({ client, a, b, embeds }) => {
      const { response } = await client.embeddings.create({ model: MODEL, input: "x" }).withResponse();
      assert.equal(response.headers.get("x-keyaos-provider"), "openrouter");
      assert.equal(response.headers.get("x-keyaos-attempts"), "2");
      assert.equal(embeds(a).length, 1);
      assert.equal(embeds(b).length, 1);
      assert.equal(embeds(b)[0].body.model, MODEL);  // OpenRouter's own id
    },
  );
  await scenario(
    { openai: () => ({ status: 500, json: { error: { message: "The server had an error", type: "server_error" } } }) },
    async ({ client, a, b, embeds }) => {
      const { response } = await client.embeddings.create({ model: MODEL, input: "x" }).withResponse();
      assert.equal(response.headers.get("x-keyaos-provider"), "openrouter");
      assert.equal(embeds(a).length, 2);  // one retry of the same credential on a first 500
      assert.equal(embeds(b).length, 1);
    },
  );
  await scenario(
    { openai: () => ({ status: 400, json: { error: { message: "This model's maximum context length is 8192 tokens", type: "invalid_request_error", param: "input", code: null } } }) },
    async ({ client, b, embeds }) => {
      await assert.rejects(client.embeddings.create({ model: MODEL, input: "x" }), (e) => {
        assert.equal(e.status, 400);
        assert.match(e.error.message, /maximum context length/);
        return true;
      });
      assert.equal(embeds(b).length, 0);
    },
  );
});

test("billing: one ledger row with the upstream's prompt tokens and cost, estimated when it sends none", async () => {
  await scenario(
    {
      openai: (req, n) => ({ json: embeddingsAnswer(inputsOf(req.body), { usage: n === 1 ? { prompt_tokens: 1000, total_tokens: 1000 } : null }) }),
    },
    async ({ gw, client }) => {
      const { response } = await client.embeddings.create({ model: MODEL, input: ["hello"] }).withResponse();
      const id = response.headers.get("x-request-id");
      const noUsage = await client.embeddings.create({ model: MODEL, input: "abcdefghijklmnop" });  // 16 bytes: 4 tokens
      assert.deepEqual(noUsage.usage, { prompt_tokens: 4, total_tokens: 4 });
      const rows = await gw.waitForRows("SELECT id FROM request_logs", 2);
      assert.equal(rows.length, 2);
      const logs = await gw.api("GET", "/api/logs");
      const row = logs.json.data.find((r) => r.id === id);
      assert.ok(row, JSON.stringify(logs.json));
      assert.equal(row.api, "embeddings");
      assert.equal(row.status, "ok");
      assert.equal(row.model_id, MODEL);
      assert.equal(row.provider_id, "openai");
      assert.equal(row.input_tokens, 1000);
      assert.equal(row.output_tokens, 0);
      assert.equal(row.base_cost_usd, 0.00002);        // 1000 tokens x $0.02 per 1M
      assert.equal(row.effective_cost_usd, 0.00001);   // x the 0.5 multiplier
      assert.equal(row.usage_estimated, false);
      const estimated = logs.json.data.find((r) => r.id !== id);
      assert.equal(estimated.input_tokens, 4);
      assert.equal(estimated.usage_estimated, true);
      const cred = await gw.db.prepare("SELECT spent_nusd, request_count FROM credentials WHERE provider_id = 'openai'").first();
      assert.equal(cred.request_count, 2);
      assert.equal(cred.spent_nusd, 10000 + 40);
    },
  );
});

test("chat and embedding models never stand in for each other, and models fallbacks need an opt-in", async () => {
  await scenario({}, async ({ client, gw, a, b, embeds }) => {
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, "model_not_chat");
      assert.equal(e.param, "model");
      return true;
    });
    await assert.rejects(client.embeddings.create({ model: "openai/gpt-4o-mini", input: "hi" }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, "model_not_embedding");
      return true;
    });
    await assert.rejects(client.embeddings.create({ model: MODEL, input: "hi", models: ["openai/text-embedding-3-large"] }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, "model_fallback_refused");
      assert.equal(e.param, "models");
      return true;
    });
    assert.equal(embeds(a).length + embeds(b).length, 0);
    await assert.rejects(client.embeddings.create({ model: MODEL, input: [] }), (e) => e.status === 400 && e.param === "input");
    await assert.rejects(client.embeddings.create({ model: MODEL, input: "x", encoding_format: "int8" }), (e) => e.status === 400 && e.param === "encoding_format");
    // Opted in: an unknown first model moves on to the next one.
    const res = await client.embeddings.create({ model: "openai/no-such-embedding", input: "hi", models: [MODEL], allow_model_fallback: true, encoding_format: "float" });
    assert.equal(res.data.length, 1);
    // /v1/models tells the two apart.
    const list = await gw.api("GET", "/v1/models?type=embedding");
    assert.ok(list.json.data.length > 0);
    assert.ok(list.json.data.every((m) => m.type === "embedding"));
    assert.ok(list.json.data.some((m) => m.id === MODEL));
    const all = await gw.api("GET", "/v1/models");
    assert.equal(all.json.data.find((m) => m.id === "openai/gpt-4o-mini").type, "chat");
  });
});

test("the sync marks embedding models from each provider's list", async () => {
  const keys = { openai: "sk-proj-synckey0123456789", deepinfra: "deepinfra-token-0123456789", google: "AIzaSyTest_0123456789-abcdef" };
  const openrouterMain = { data: [{ id: "openai/gpt-4o-mini", name: "GPT-4o-mini", pricing: { prompt: "0.00000015", completion: "0.0000006" } }] };
  const openrouterEmbeddings = {
    data: [{ id: "qwen/qwen3-embedding-8b", name: "Qwen3 Embedding 8B", pricing: { prompt: "0.00000001", completion: "0" } },
           { id: MODEL, name: "Text Embedding 3 Small", pricing: { prompt: "0.00000002", completion: "0" } }],
  };
  const handlers = {
    openrouter: (req) => (req.url === "/api/v1/models" ? { json: openrouterMain } : req.url === "/api/v1/embeddings/models" ? { json: openrouterEmbeddings } : undefined),
    openai: (req) =>
      req.url === "/v1/models" && req.headers.authorization === `Bearer ${keys.openai}`
        ? { json: { object: "list", data: [{ id: "gpt-4o-mini" }, { id: "text-embedding-3-large" }] } }
        : undefined,
    deepinfra: (req) =>
      req.url === "/v1/openai/models"
        ? { json: { data: [
            { id: "Qwen/Qwen3-32B", type: "text-generation", metadata: { pricing: { input_tokens: 0.1, output_tokens: 0.28 } } },
            { id: "intfloat/e5-large-v2", type: "embeddings", metadata: { pricing: { input_tokens: 0.01 } } },
          ] } }
        : undefined,
    google: (req) => {
      if (req.url === "/v1beta/openai/models") return { json: { object: "list", data: [{ id: "models/gemini-2.5-flash" }, { id: "models/gemini-embedding-001" }] } };
      if (req.url === "/v1beta/models?pageSize=1000" && req.headers["x-goog-api-key"] === keys.google)
        return { json: { models: [
          { name: "models/gemini-2.5-flash", supportedGenerationMethods: ["generateContent"] },
          { name: "models/gemini-embedding-001", displayName: "Gemini Embedding 001", inputTokenLimit: 2048, supportedGenerationMethods: ["embedContent"] },
        ] } };
      return { status: 401, json: { error: { message: "API key not valid" } } };
    },
  };
  const mocks = {};
  for (const [name, handler] of Object.entries(handlers)) mocks[name] = await startMockUpstream(name, handler);
  const gw = await startGateway({
    upstreams: {
      openrouter: mocks.openrouter.url + "/api/v1",
      openai: mocks.openai.url + "/v1",
      deepinfra: mocks.deepinfra.url + "/v1/openai",
      "google-ai-studio": mocks.google.url + "/v1beta/openai",
    },
  });
  try {
    await gw.addCredential("openai", keys.openai, { validate: false });
    await gw.addCredential("google-ai-studio", keys.google, { validate: false });
    const typeOf = async (provider, model) => {
      const r = await gw.api("GET", `/api/catalog?provider=${provider}&model=${encodeURIComponent(model)}`);
      assert.equal(r.status, 200, r.text);
      const row = r.json.data.find((x) => x.model_id === model && x.is_active);
      return row?.type;
    };
    for (const provider of ["openrouter", "openai", "deepinfra", "google-ai-studio"]) {
      const r = await gw.api("POST", `/api/catalog/sync?provider=${provider}`);
      assert.equal(r.status, 200, r.text);
      const report = r.json.providers.find((p) => p.id === provider);
      assert.equal(report?.ok, true, `${provider}: ${JSON.stringify(r.json)}`);
    }
    assert.equal(await typeOf("openrouter", "qwen/qwen3-embedding-8b"), "embedding");
    assert.equal(await typeOf("openrouter", MODEL), "embedding");
    assert.equal(await typeOf("openrouter", "openai/gpt-4o-mini"), "chat");
    assert.equal(await typeOf("openai", "openai/text-embedding-3-large"), "embedding");
    assert.equal(await typeOf("openai", "openai/gpt-4o-mini"), "chat");
    assert.equal(await typeOf("deepinfra", "intfloat/e5-large-v2"), "embedding");
    assert.equal(await typeOf("deepinfra", "qwen/qwen3-32b"), "chat");
    assert.equal(await typeOf("google-ai-studio", "google/gemini-embedding-001"), "embedding");
    assert.equal(await typeOf("google-ai-studio", "google/gemini-2.5-flash"), "chat");
    assert.ok(mocks.openrouter.requests.some((r) => r.url === "/api/v1/embeddings/models"));
    // A newly synced embedding model routes to /v1/embeddings, not chat.
    const chat = await gw.fetch("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "google/gemini-embedding-001", messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(chat.status, 400);
    assert.equal((await chat.json()).error.code, "model_not_chat");
  } finally {
    await gw.close();
    for (const m of Object.values(mocks)) await m.close();
  }
});
