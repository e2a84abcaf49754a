// A local Google for Code Assist credentials (Gemini CLI, Antigravity): the
// OAuth token endpoint and the v1internal API, with call counters and faults
// a test switches on.
import { sendJson, startRecordingServer } from "./http-mock.js";
import { fixture } from "./mock-upstream.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sse = (obj) => `data: ${JSON.stringify(obj)}\r\n\r\n`;

// The reply of the mock model to a v1internal request: a function call when
// tools are offered and no tool result came back yet, else text.
export function googleReply(envelope, { text = "Hello from Gemini." } = {}) {
  const contents = envelope?.request?.contents || [];
  const last = contents[contents.length - 1];
  const toolResult = last?.parts?.find((p) => p.functionResponse);
  const tools = envelope?.request?.tools || [];
  const decl = tools.flatMap((t) => t.functionDeclarations || [])[0];
  if (decl && !toolResult) return { call: { name: decl.name, args: { city: "Paris" } } };
  if (toolResult) return { text: `The tool said: ${JSON.stringify(toolResult.functionResponse.response)}` };
  return { text };
}

function usage(prompt, candidates, thoughts = 0) {
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts, totalTokenCount: prompt + candidates + thoughts };
}

export function googleStream(reply) {
  const trace = { traceId: "mocktrace01" };
  if (reply.call) {
    return [
      sse({ response: { candidates: [{ content: { role: "model", parts: [{ text: "Let me check.", thought: true }] }, index: 0 }], usageMetadata: usage(20, 0, 5) }, ...trace }),
      sse({ response: { candidates: [{ content: { role: "model", parts: [{ functionCall: reply.call, thoughtSignature: "c2lnLW1vY2s=" }] }, finishReason: "STOP", index: 0 }], usageMetadata: usage(20, 8, 5) }, ...trace }),
    ];
  }
  const words = reply.text.split(/(?<= )/);
  const out = words.map((w) => sse({ response: { candidates: [{ content: { role: "model", parts: [{ text: w }] }, index: 0 }], usageMetadata: usage(20, 1) }, ...trace }));
  out.push(sse({ response: { candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP", index: 0 }], usageMetadata: usage(20, words.length) }, ...trace }));
  return out;
}

export function googleCompletion(reply) {
  const parts = reply.call ? [{ functionCall: reply.call }] : [{ text: reply.text }];
  return { response: { candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }], usageMetadata: usage(20, 6) }, traceId: "mocktrace02" };
}

// options: { onboarded: bool, tokenDelayMs, generate(envelope, entry) -> plan | undefined }
export async function startMockGoogle(options = {}) {
  const state = { tokenCalls: 0, loadCalls: 0, onboardCalls: 0, pollCalls: 0, generateCalls: 0, modelCalls: 0, requests: [], tokens: [] };
  const server = await startRecordingServer(async (entry, req, res) => {
    const { body, raw } = entry;
    const json = (status, obj) => sendJson(res, status, obj);
    const authorized = () => state.tokens.includes((req.headers.authorization || "").replace(/^Bearer /, ""));
    if (req.url === "/token") {
      state.tokenCalls++;
      if (options.tokenDelayMs) await sleep(options.tokenDelayMs);
      const form = new URLSearchParams(raw);
      if (options.tokenError || !form.get("refresh_token")?.startsWith("1//")) return json(400, fixture("google_oauth_refresh_error_invalid_grant.json"));
      const token = `ya29.mock-${state.tokenCalls}`;
      state.tokens.push(token);
      return json(200, { access_token: token, expires_in: 3599, token_type: "Bearer", scope: "https://www.googleapis.com/auth/cloud-platform" });
    }
    if (!authorized()) return json(401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    if (req.url === "/v1internal:loadCodeAssist") {
      state.loadCalls++;
      return json(200, fixture(options.onboarded ? "gemini_v1internal_loadCodeAssist_response_onboarded.json" : "gemini_v1internal_loadCodeAssist_response_needs_onboarding.json"));
    }
    if (req.url === "/v1internal:onboardUser") {
      state.onboardCalls++;
      return json(200, fixture("gemini_v1internal_onboardUser_response_pending.json"));
    }
    if (req.url.startsWith("/v1internal/operations/")) {
      state.pollCalls++;
      return json(200, fixture("gemini_v1internal_onboardUser_response_done.json"));
    }
    if (req.url === "/v1internal:fetchAvailableModels") {
      state.modelCalls++;
      return json(200, fixture("antigravity_fetchAvailableModels_response_shape.json"));
    }
    // Counts the words of every text part: a test can tell what was counted.
    if (req.url === "/v1internal:countTokens") {
      state.countCalls = (state.countCalls || 0) + 1;
      if (options.countStatus) return json(options.countStatus, { error: { code: options.countStatus, message: "count failed", status: "UNAVAILABLE" } });
      const contents = body?.request?.contents;
      if (!Array.isArray(contents) || !/^models\//.test(body.request.model || "")) return json(400, { error: { code: 400, message: "bad count request", status: "INVALID_ARGUMENT" } });
      const words = contents.flatMap((c) => c.parts || []).map((p) => (p.text || "").split(/\s+/).filter(Boolean).length);
      return json(200, { totalTokens: words.reduce((a, b) => a + b, 0) });
    }
    if (req.url === "/v1internal:streamGenerateContent?alt=sse" || req.url === "/v1internal:generateContent") {
      state.generateCalls++;
      const plan = (await options.generate?.(body, entry)) ?? undefined;
      if (plan?.status && plan.status >= 400) return json(plan.status, plan.json ?? {});
      const reply = plan?.reply ?? googleReply(body);
      if (req.url.includes("stream")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const e of googleStream(reply)) res.write(e);
        return res.end();
      }
      return json(200, googleCompletion(reply));
    }
    json(404, { error: { code: 404, message: `no mock for ${req.method} ${req.url}`, status: "NOT_FOUND" } });
  });
  state.requests = server.requests;
  const url = server.url;
  return {
    url,
    state,
    generateRequests: () => state.requests.filter((r) => r.url.includes("enerateContent")),
    close: server.close,
  };
}
