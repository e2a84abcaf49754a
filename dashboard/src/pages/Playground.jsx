import { useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, authHeaders, errorFrom, qs, reportUnauthorized } from "../api.js";
import { sseData } from "../sse.js";
import { useProviders, useRoutableModels } from "../data.js";
import { href, replaceParams } from "../router.js";
import { ms, num, perM, usd } from "../format.js";
import { Badge, Card, Empty, ErrorNote, Loading, PageHeader } from "../components/ui.jsx";

const sleep = (t) => new Promise((r) => setTimeout(r, t));

// Billing rows are written just after the stream closes; look for ours a few times.
async function findLog(requestId) {
  for (const wait of [150, 250, 400, 600, 900, 1200, 1500, 2000]) {
    await sleep(wait);
    const page = await api(`/api/logs${qs({ limit: 20 })}`);
    if (page?.data?.some((l) => l.id === requestId)) return api(`/api/logs/${encodeURIComponent(requestId)}`);
  }
  return null;
}

const EMPTY_META = { state: "idle" };

export function Playground({ params }) {
  const models = useRoutableModels("chat");  // the playground chats
  const providers = useProviders();
  const [model, setModel] = useState(params.get("model") || "");
  const [provider, setProvider] = useState("");
  const [apiKind, setApiKind] = useState("chat"); // "chat": /v1/chat/completions, "messages": Anthropic /v1/messages
  const [system, setSystem] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [messages, setMessages] = useState([]);
  const [input, setInput] = useState("");
  const [busy, setBusy] = useState(false);
  const [meta, setMeta] = useState(EMPTY_META);
  const [announce, setAnnounce] = useState("");
  const abortRef = useRef(null);
  const scrollRef = useRef(null);
  const stickRef = useRef(true);
  const inputRef = useRef(null);

  // Default to the requested model, else the first routable one.
  useEffect(() => {
    if (!models.data) return;
    if (!model || !models.list.some((m) => m.id === model)) setModel(models.list[0]?.id || "");
  }, [models.data]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (model) replaceParams("playground", { model });
  }, [model]);
  useEffect(() => () => abortRef.current?.abort(), []);

  const current = useMemo(() => models.list.find((m) => m.id === model) || null, [models.list, model]);
  useEffect(() => {
    if (provider && current && !current.providers?.includes(provider)) setProvider("");
  }, [current, provider]);

  // Follow the stream while the reader is at the bottom.
  useEffect(() => {
    const el = scrollRef.current;
    if (el && stickRef.current) el.scrollTop = el.scrollHeight;
  }, [messages]);
  const onScroll = () => {
    const el = scrollRef.current;
    stickRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  const send = async (e) => {
    e?.preventDefault();
    const text = input.trim();
    if (!text || busy || !model) return;
    const history = [...messages.filter((m) => !m.error && m.content).map(({ role, content }) => ({ role, content })), { role: "user", content: text }];
    const anthropic = apiKind === "messages";
    const mt = parseInt(maxTokens, 10);
    // Anthropic's API takes the system prompt apart and requires max_tokens.
    const body = anthropic
      ? { model, messages: history, stream: true, max_tokens: mt > 0 ? mt : 1024, ...(system.trim() ? { system: system.trim() } : {}) }
      : { model, messages: system.trim() ? [{ role: "system", content: system.trim() }, ...history] : history, stream: true };
    if (provider) body.provider = provider;
    if (!anthropic && mt > 0) body.max_tokens = mt;

    setInput("");
    setBusy(true);
    stickRef.current = true;
    setMessages((m) => [...m, { role: "user", content: text }, { role: "assistant", content: "", pending: true }]);
    setMeta({ state: "waiting" });
    setAnnounce("Waiting for the reply…");
    let reply = "";
    const update = (fn) => setMessages((m) => [...m.slice(0, -1), fn(m[m.length - 1])]);

    const ctl = new AbortController();
    abortRef.current = ctl;
    const t0 = performance.now();
    let requestId = null;
    let ok = false;
    try {
      const res = await fetch(anthropic ? "/v1/messages" : "/v1/chat/completions", {
        method: "POST",
        headers: { ...(await authHeaders()), "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: ctl.signal,
      });
      const h = res.headers;
      requestId = h.get("x-request-id");
      const head = {
        requestId,
        provider: h.get("x-keyaos-provider"),
        credential: h.get("x-keyaos-credential"),
        servedModel: h.get("x-keyaos-model"),
        attempts: h.get("x-keyaos-attempts"),
        estimate: h.get("x-keyaos-cost-estimate"),
      };
      setMeta({ state: "streaming", ...head });
      if (!res.ok && anthropic) {
        let b = null;
        try {
          b = await res.json();
        } catch {}
        const err = new ApiError(res.status, { message: b?.error?.message || `${res.status} error`, type: b?.error?.type });
        reportUnauthorized(err);
        throw err;
      }
      if (!res.ok) {
        const err = await errorFrom(res);
        reportUnauthorized(err);
        throw err;
      }
      let firstMs = null;
      let usage = null;
      for await (const data of sseData(res.body, ctl.signal)) {
        if (data === "[DONE]") break;
        let chunk;
        try {
          chunk = JSON.parse(data);
        } catch {
          continue;
        }
        if (chunk.error) throw new Error(chunk.error.message || "The upstream stream failed.");
        let piece = "";
        let thought = "";
        if (anthropic) {
          if (chunk.type === "message_stop") break;
          if (chunk.type === "message_delta" && chunk.usage) {
            const u = chunk.usage;
            const prompt = (u.input_tokens || 0) + (u.cache_read_input_tokens || 0) + (u.cache_creation_input_tokens || 0);
            usage = { prompt_tokens: prompt, completion_tokens: u.output_tokens || 0, total_tokens: prompt + (u.output_tokens || 0) };
          }
          if (chunk.type === "content_block_delta") {
            piece = chunk.delta?.type === "text_delta" ? chunk.delta.text : "";
            thought = chunk.delta?.type === "thinking_delta" ? chunk.delta.thinking : "";
          }
        } else {
          if (chunk.usage) usage = chunk.usage;
          const delta = chunk.choices?.[0]?.delta;
          piece = delta?.content || "";
          thought = delta?.reasoning_content || delta?.reasoning || "";
        }
        reply += piece;
        if (piece || thought) {
          if (firstMs === null) {
            firstMs = performance.now() - t0;
            setMeta((m) => ({ ...m, firstMs }));
          }
          update((last) => ({ ...last, content: last.content + piece, reasoning: (last.reasoning || "") + thought }));
        }
      }
      ok = true;
      update((last) => ({ ...last, pending: false }));
      setAnnounce(`Reply: ${reply}`);
      setMeta((m) => ({ ...m, state: "billing", totalMs: performance.now() - t0, usage }));
    } catch (err) {
      const aborted = err.name === "AbortError" || ctl.signal.aborted;
      update((last) => ({ ...last, pending: false, stopped: aborted, error: aborted ? null : err.message }));
      setAnnounce(aborted ? "Stopped." : `The request failed: ${err.message}`);
      setMeta((m) => ({ ...m, state: aborted ? "stopped" : "error", error: aborted ? null : err.message, totalMs: performance.now() - t0 }));
    } finally {
      abortRef.current = null;
      setBusy(false);
      inputRef.current?.focus();
    }
    if (requestId) {
      try {
        const log = await findLog(requestId);
        setMeta((m) => (m.requestId === requestId ? { ...m, state: ok ? "done" : m.state, log, logMissing: !log } : m));
      } catch {
        setMeta((m) => (m.requestId === requestId ? { ...m, state: ok ? "done" : m.state, logMissing: true } : m));
      }
    }
  };

  const clear = () => {
    abortRef.current?.abort();
    setMessages([]);
    setMeta(EMPTY_META);
    inputRef.current?.focus();
  };

  if (!models.data && models.loading) return <><PageHeader title="Playground" /><Loading /></>;

  return (
    <>
      <PageHeader title="Playground" description="Chat through the gateway exactly as your apps do, and see which upstream answered and what it cost." />
      <ErrorNote error={models.error} onRetry={models.reload} />
      {models.data && models.list.length === 0 ? (
        <Card>
          <Empty title="No model can be routed yet">
            <a href={href("credentials")}>Add a credential</a> first; its provider's models then appear here.
          </Empty>
        </Card>
      ) : (
        <div className="playground">
          <Card title="Settings" className="pg-settings">
            <div className="field">
              <label htmlFor="pg-model">Model</label>
              <select id="pg-model" value={model} onChange={(e) => setModel(e.target.value)} disabled={busy}>
                {models.list.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id}
                  </option>
                ))}
              </select>
              {current?.pricing && (
                <p className="field-hint">
                  Best price {perM(current.pricing.input_per_m)} in / {perM(current.pricing.output_per_m)} out per 1M via {providers.name(current.pricing.provider)}
                </p>
              )}
            </div>
            <div className="field">
              <label htmlFor="pg-api">API</label>
              <select id="pg-api" value={apiKind} onChange={(e) => setApiKind(e.target.value)} disabled={busy}>
                <option value="chat">OpenAI chat (/v1/chat/completions)</option>
                <option value="messages">Anthropic Messages (/v1/messages)</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="pg-provider">Provider</label>
              <select id="pg-provider" value={provider} onChange={(e) => setProvider(e.target.value)} disabled={busy}>
                <option value="">Cheapest (automatic)</option>
                {(current?.providers ?? []).map((p) => (
                  <option key={p} value={p}>
                    Only {providers.name(p)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="pg-system">System prompt (optional)</label>
              <textarea id="pg-system" rows={2} value={system} onChange={(e) => setSystem(e.target.value)} disabled={busy} />
            </div>
            <div className="field">
              <label htmlFor="pg-max">Max tokens (optional)</label>
              <input id="pg-max" type="number" min="1" step="1" inputMode="numeric" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} disabled={busy} />
            </div>
          </Card>

          <section className="card pg-chat" aria-labelledby="pg-chat-h">
            <div className="card-head">
              <h2 id="pg-chat-h">Conversation</h2>
              <div className="card-actions">
                <button type="button" className="btn btn-small" onClick={clear} disabled={messages.length === 0 && !busy}>
                  Clear
                </button>
              </div>
            </div>
            {/* Streamed text is not read out token by token; the finished reply is announced once. */}
            <div className="messages" ref={scrollRef} onScroll={onScroll} role="log" aria-live="off" tabIndex={0} aria-label="Messages">
              {messages.length === 0 ? (
                <p className="messages-empty muted">Send a message to start. Enter sends, Shift+Enter adds a line.</p>
              ) : (
                messages.map((m, i) => (
                  <div key={i} className={`msg msg-${m.role}`} data-role={m.role}>
                    <div className="msg-role">{m.role === "user" ? "You" : "Assistant"}</div>
                    {m.reasoning && (
                      <details className="msg-reasoning">
                        <summary>Reasoning</summary>
                        <p>{m.reasoning}</p>
                      </details>
                    )}
                    <div className="msg-text">
                      {m.content}
                      {m.pending && <span className="caret" aria-hidden="true" />}
                    </div>
                    {m.stopped && <div className="small muted">Stopped.</div>}
                    {m.error && (
                      <div className="msg-error">{m.error}</div>
                    )}
                  </div>
                ))
              )}
            </div>
            <p className="sr-only" role="status">
              {announce}
            </p>
            <form className="composer" onSubmit={send}>
              <label htmlFor="pg-input" className="sr-only">
                Message
              </label>
              <textarea
                id="pg-input"
                ref={inputRef}
                rows={2}
                placeholder="Write a message…"
                value={input}
                onChange={(e) => setInput(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) send(e);
                }}
              />
              {busy ? (
                <button type="button" className="btn composer-btn" onClick={() => abortRef.current?.abort()}>
                  Stop
                </button>
              ) : (
                <button type="submit" className="btn btn-primary composer-btn" disabled={!input.trim() || !model}>
                  Send
                </button>
              )}
            </form>
          </section>

          <ResponseInfo meta={meta} providerName={providers.name} />
        </div>
      )}
    </>
  );
}

function ResponseInfo({ meta, providerName }) {
  const log = meta.log;
  const pending = meta.state === "waiting" || meta.state === "streaming" || meta.state === "billing";
  const dash = pending ? "…" : "—";
  const usage = log ? { in: log.input_tokens, out: log.output_tokens } : meta.usage ? { in: meta.usage.prompt_tokens, out: meta.usage.completion_tokens } : null;
  const attempts = log?.attempt_list ?? [];
  const statusText = {
    idle: "No request yet",
    waiting: "Waiting for the upstream…",
    streaming: "Streaming…",
    billing: "Looking up the bill…",
    done: "Done",
    stopped: "Stopped",
    error: "Failed",
  }[meta.state];
  return (
    <Card title="Last response" className="pg-info">
      <p className="pg-status" aria-live="polite">
        {meta.state === "error" ? <Badge tone="bad">Failed</Badge> : meta.state === "done" ? <Badge tone="ok">Done</Badge> : <Badge tone="neutral">{statusText}</Badge>}
      </p>
      <dl className="kv pg-kv" data-testid="response-info">
        <dt>Provider</dt>
        <dd data-field="provider">{meta.provider ? providerName(meta.provider) : dash}</dd>
        <dt>Credential</dt>
        <dd data-field="credential">{meta.credential ? <span className="mono">{meta.credential}</span> : dash}</dd>
        <dt>Model</dt>
        <dd data-field="model" title={meta.servedModel || undefined}>
          {meta.servedModel ? <span className="mono">{meta.servedModel}</span> : dash}
        </dd>
        <dt>Attempts</dt>
        <dd data-field="attempts" title={attempts.length > 1 ? attempts.map((a) => `${a.provider_id}: ${a.status}`).join(", ") : undefined}>
          {meta.attempts || dash}
          {attempts.length > 1 && <span className="small muted"> ({attempts.map((a) => `${providerName(a.provider_id)} ${a.status === "ok" ? "ok" : a.http_status || a.error_class || "failed"}`).join(" → ")})</span>}
        </dd>
        <dt>Tokens in / out</dt>
        <dd data-field="tokens">{usage ? `${num(usage.in)} / ${num(usage.out)}` : dash}</dd>
        <dt>First token</dt>
        <dd>{meta.firstMs !== undefined && meta.firstMs !== null ? ms(meta.firstMs) : dash}</dd>
        <dt>Total time</dt>
        <dd>{meta.totalMs ? ms(meta.totalMs) : dash}</dd>
        <dt>Estimated cost</dt>
        <dd data-field="estimate">{meta.estimate ? usd(Number(meta.estimate)) : dash}</dd>
        <dt>Billed cost</dt>
        <dd data-field="cost">{log ? usd(log.effective_cost_usd) : meta.logMissing ? <span className="muted small">not recorded yet</span> : dash}</dd>
        <dt>Saved</dt>
        <dd data-field="savings">{log ? usd(log.savings_usd) : dash}</dd>
        <dt>Request id</dt>
        <dd data-field="request-id" title={meta.requestId || undefined}>
          {meta.requestId ? <span className="mono small">{meta.requestId}</span> : dash}
        </dd>
      </dl>
      <p className="small pg-link">{meta.requestId ? <a href={href("logs")}>See it in Logs</a> : "\u00a0"}</p>
    </Card>
  );
}
