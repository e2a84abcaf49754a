// A local HTTP server that speaks an OpenAI-compatible provider's wire format,
// replaying recorded samples, with faults that tests switch on per request.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startRecordingServer } from "./http-mock.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
export const fixture = (name) => readFileSync(join(fixtures, name), "utf8");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A stream of OpenAI chunks for `text`, split into `parts`, with usage.
export function openaiStream({ model = "gpt-4o-mini", parts = ["Hello", " from", " the", " mock"], usage = { prompt_tokens: 12, completion_tokens: 4 }, cost, done = true, finish = true } = {}) {
  const id = "chatcmpl-mock";
  const base = { id, object: "chat.completion.chunk", created: 1727346168, model };
  const events = [{ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] }];
  for (const p of parts) events.push({ ...base, choices: [{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }] });
  if (finish) events.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] });
  if (usage) {
    const u = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    if (cost !== undefined) u.cost = cost;
    events.push({ ...base, choices: [], usage: u });
  }
  const out = events.map((e) => `data: ${JSON.stringify(e)}\n\n`);
  if (done) out.push("data: [DONE]\n\n");
  return out;
}

export function openaiCompletion({ model = "gpt-4o-mini", text = "Hello from the mock", usage = { prompt_tokens: 12, completion_tokens: 4 }, cost } = {}) {
  const u = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  if (cost !== undefined) u.cost = cost;
  return {
    id: "chatcmpl-mock",
    object: "chat.completion",
    created: 1727346168,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: u,
  };
}

// Starts a provider mock. `handler(entry, count)` may return a plan (else a normal answer):
// { status, headers, json | text } | { status, sse: [chunks], gapMs, stallAfter, cutAfter } | { delayMs, hang, reset }
export async function startMockUpstream(name, handler) {
  const server = await startRecordingServer(async (entry, req, res) => {
    const plan = (await handler?.(entry, server.requests.length)) ?? defaultPlan(entry);
    if (plan.delayMs) await sleep(plan.delayMs);
    if (plan.hang) return; // never answer
    if (plan.reset) {
      req.socket.destroy();
      return;
    }
    if (plan.sse) {
      res.writeHead(plan.status ?? 200, { "content-type": "text/event-stream", ...(plan.headers || {}) });
      for (let i = 0; i < plan.sse.length; i++) {
        if (plan.stallAfter !== undefined && i === plan.stallAfter) return; // keep the socket open, send nothing
        if (plan.cutAfter !== undefined && i === plan.cutAfter) {
          await sleep(100); // let what was written reach the gateway first
          res.socket.destroy();
          return;
        }
        res.write(plan.sse[i]);
        if (plan.gapMs) await sleep(plan.gapMs);
      }
      res.end();
      return;
    }
    const text = plan.text ?? JSON.stringify(plan.json ?? {});
    res.writeHead(plan.status ?? 200, { "content-type": "application/json", ...(plan.headers || {}) });
    res.end(text);
  });
  return {
    name,
    url: server.url,
    requests: server.requests,
    chatRequests: () => server.requests.filter((r) => r.url.endsWith("/chat/completions")),
    close: server.close,
  };
}

function defaultPlan(entry) {
  if (entry.body?.stream) return { sse: openaiStream({ model: entry.body.model }) };
  return { json: openaiCompletion({ model: entry.body?.model }) };
}
