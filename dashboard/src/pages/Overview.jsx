import { useEffect, useMemo, useState } from "react";
import { qs } from "../api.js";
import { useNow, useResource } from "../hooks.js";
import { lastDays, useProviders } from "../data.js";
import { href } from "../router.js";
import { compact, dayLabel, isoTitle, num, pct, relative, shortDateTime, usd } from "../format.js";
import { BarChart } from "../components/BarChart.jsx";
import { Badge, Card, Empty, ErrorNote, Loading, PageHeader, Segmented, Stat } from "../components/ui.jsx";
import { NetAmount } from "../components/Ledger.jsx";
import { usePlatform } from "../platform.js";

const RANGES = [
  { value: 7, label: "7 days" },
  { value: 30, label: "30 days" },
  { value: 90, label: "90 days" },
];
// The per-day chart cards: which of a day's values (built in Overview) each chart stacks, and how it prints them.
const DAILY_CHARTS = [
  { title: "Spend and savings per day", series: [{ key: "spent", label: "Spent" }, { key: "saved", label: "Saved" }], format: usd },
  { title: "Requests per day", series: [{ key: "ok", label: "Succeeded" }, { key: "errors", label: "Failed" }], format: (v) => num(Math.round(v)) },
];

export function Overview() {
  const [days, setDays] = useState(30);
  const usage = useResource(`/api/usage${qs({ days })}`);
  const creds = useResource("/api/credentials");
  const recent = useResource(`/api/logs${qs({ limit: 8 })}`);
  const platform = usePlatform();
  const credits = useResource(platform ? "/v1/credits" : null);
  const pool = useResource(platform ? "/api/pool/stats" : null);
  const providers = useProviders();
  const refresh = () => {
    usage.reload();
    creds.reload();
    recent.reload();
    credits.reload();
    pool.reload();
  };
  // Keep the numbers current while the page is open and visible.
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState !== "visible") return;
      usage.reload();
      creds.reload();
      recent.reload();
      credits.reload();
      pool.reload();
    }, 60_000);
    return () => clearInterval(id);
  }, [usage.reload, creds.reload, recent.reload, credits.reload, pool.reload]);

  const t = usage.data?.totals;
  const series = useMemo(() => {
    const byDay = new Map((usage.data?.by_day ?? []).map((d) => [d.day, d]));
    return lastDays(days).map((day) => {
      const d = byDay.get(day) || {};
      return {
        key: day,
        label: dayLabel(day),
        values: {
          spent: d.effective_cost_usd || 0,
          saved: Math.max(0, d.savings_usd || 0),
          ok: Math.max(0, (d.requests || 0) - (d.errors || 0)),
          errors: d.errors || 0,
        },
      };
    });
  }, [usage.data, days]);

  return (
    <>
      <PageHeader
        title="Overview"
        description="What your requests cost, what routing saved against list prices, and the state of your upstream keys."
        actions={
          <>
            <Segmented label="Time range" value={days} options={RANGES} onChange={setDays} />
            <button type="button" className="btn" onClick={refresh}>
              Refresh
            </button>
          </>
        }
      />
      {platform && <PoolStats credits={credits} pool={pool} />}
      <ErrorNote error={usage.error} onRetry={usage.reload} />
      <div className="stats" aria-busy={usage.loading}>
        <Stat label="Spent" value={usd(t?.effective_cost_usd)} sub={t ? `base cost ${usd(t.base_cost_usd)}` : ""} />
        <Stat
          label="Saved vs list price"
          value={usd(t?.savings_usd)}
          tone={t && t.savings_usd > 0 ? "ok" : undefined}
          sub={t ? `list price ${usd(t.list_cost_usd)}${t.list_cost_usd > 0 ? ` · ${pct(t.savings_usd / t.list_cost_usd)} less` : ""}` : ""}
        />
        <Stat label="Requests" value={num(t?.requests)} sub={t ? `${num(t.errors)} failed${t.requests ? ` (${pct(t.errors / t.requests)})` : ""}` : ""} />
        <Stat label="Tokens" value={t ? `${compact(t.input_tokens)} in` : "—"} sub={t ? `${compact(t.output_tokens)} out` : ""} />
      </div>

      <div className="grid-2">
        {DAILY_CHARTS.map((chart) => (
          <Card key={chart.title} title={chart.title}>
            {usage.data || !usage.loading ? <BarChart title={chart.title} data={series} series={chart.series} format={chart.format} summary={`Last ${days} days`} /> : <Loading rows={6} />}
          </Card>
        ))}
      </div>

      <div className="grid-2">
        <CredentialHealth creds={creds} providerName={providers.name} />
        <Card
          title="Recent requests"
          actions={
            <a className="btn btn-small" href={href("logs")}>
              All logs
            </a>
          }
        >
          <ErrorNote error={recent.error} onRetry={recent.reload} />
          {!recent.data && recent.loading ? (
            <Loading />
          ) : recent.data?.data?.length ? (
            <div className="table-wrap">
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Model and provider</th>
                    <th scope="col" className="num">
                      {platform ? "Net" : "Cost"}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {recent.data.data.map((l) => (
                    <tr key={l.id} data-request-id={l.id}>
                      <td className="nowrap" title={isoTitle(l.created_at)}>
                        {shortDateTime(l.created_at)}
                      </td>
                      <td>
                        <span className="mono break">{l.model_id}</span>
                        {l.status !== "ok" && (
                          <>
                            {" "}
                            <Badge tone="bad">{l.http_status || "error"}</Badge>
                          </>
                        )}
                        <div className="small muted">via {providers.name(l.provider_id)}</div>
                      </td>
                      <td className="num">{platform ? <NetAmount log={l} /> : usd(l.effective_cost_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty title="No requests yet">
              Send one from the <a href={href("playground")}>Playground</a> or point an OpenAI client at this gateway.
            </Empty>
          )}
        </Card>
      </div>

      <div className="grid-2">
        <Breakdown title="By model" rows={usage.data?.by_model} keyOf={(r) => r.model_id} labelOf={(r) => <span className="mono break">{r.model_id}</span>} />
        <Breakdown title="By provider" rows={usage.data?.by_provider} keyOf={(r) => r.provider_id} labelOf={(r) => providers.name(r.provider_id)} />
      </div>
    </>
  );
}

// Platform mode: the wallet, what the caller's credentials earned in the shared pool, the caller's own calls, the pool's size.
function PoolStats({ credits, pool }) {
  const balance = credits.data?.data?.balance;
  const p = pool.data;
  return (
    <>
      <ErrorNote error={credits.error} onRetry={credits.reload} />
      <ErrorNote error={pool.error} onRetry={pool.reload} />
      <div className="stats" aria-busy={credits.loading || pool.loading} aria-label="Credits and pool">
        <Stat label="Balance" value={usd(balance)} tone={balance > 0 ? "ok" : undefined} sub={<a href={href("credits")}>Buy or redeem credits</a>} />
        <Stat label="Earned, 24 h" value={usd(p?.earnings_24h_usd)} sub="from others using your keys" />
        <Stat label="Your calls, 24 h" value={num(p?.calls_24h)} sub="requests you made" />
        <Stat label="Healthy credentials" value={num(p?.healthy_credentials)} sub="in the shared pool" />
      </div>
    </>
  );
}

function CredentialHealth({ creds, providerName }) {
  const now = useNow(30000);
  const list = creds.data?.data ?? [];
  const dead = list.filter((c) => c.health === "dead");
  const disabled = list.filter((c) => !c.is_enabled && c.health !== "dead");
  const cooling = list.filter((c) => (c.cooldowns ?? []).some((cd) => cd.until_ms > now));
  const healthy = list.filter((c) => c.is_enabled && c.health !== "dead");
  return (
    <Card
      title="Credential health"
      actions={
        <a className="btn btn-small" href={href("credentials")}>
          Manage
        </a>
      }
    >
      <ErrorNote error={creds.error} onRetry={creds.reload} />
      {!creds.data && creds.loading ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty title="No upstream keys yet">
          <a href={href("credentials")}>Add a credential</a> so Keyaos has something to route to.
        </Empty>
      ) : (
        <>
          <ul className="health-counts">
            <li>
              <Badge tone="ok">{healthy.length}</Badge> serving
            </li>
            <li>
              <Badge tone={cooling.length ? "warn" : "neutral"}>{cooling.length}</Badge> cooling down
            </li>
            <li>
              <Badge tone={dead.length ? "bad" : "neutral"}>{dead.length}</Badge> dead
            </li>
            <li>
              <Badge tone="neutral">{disabled.length}</Badge> disabled
            </li>
          </ul>
          {dead.length + cooling.length > 0 ? (
            <ul className="issue-list">
              {dead.map((c) => (
                <li key={`d-${c.id}`}>
                  <Badge tone="bad">Dead</Badge> {providerName(c.provider_id)} <span className="mono">{c.secret_hint}</span>
                  {c.dead_reason && <span className="muted"> — {c.dead_reason}</span>}
                </li>
              ))}
              {cooling.map((c) => {
                const cds = c.cooldowns.filter((cd) => cd.until_ms > now);
                return (
                  <li key={`c-${c.id}`}>
                    <Badge tone="warn">Cooling</Badge> {providerName(c.provider_id)} <span className="mono">{c.secret_hint}</span>
                    <span className="muted">
                      {" "}
                      — {cds.map((cd) => `${cd.model_id === "*" ? "all models" : cd.model_id} until ${relative(cd.until_ms, now).replace(/^in /, "")}`).join(", ")}
                    </span>
                  </li>
                );
              })}
            </ul>
          ) : (
            <p className="muted">Every enabled key is healthy.</p>
          )}
        </>
      )}
    </Card>
  );
}

function Breakdown({ title, rows, keyOf, labelOf }) {
  const top = [...(rows ?? [])].sort((a, b) => b.effective_cost_usd - a.effective_cost_usd || b.requests - a.requests).slice(0, 6);
  return (
    <Card title={title}>
      {top.length === 0 ? (
        <p className="muted">No traffic in this range.</p>
      ) : (
        <div className="table-wrap">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">{title.replace("By ", "").replace(/^./, (c) => c.toUpperCase())}</th>
                <th scope="col" className="num">
                  Spent
                </th>
                <th scope="col" className="num">
                  Saved
                </th>
              </tr>
            </thead>
            <tbody>
              {top.map((r) => (
                <tr key={keyOf(r)}>
                  <td>
                    {labelOf(r)}
                    <div className="small muted">
                      {num(r.requests)} {r.requests === 1 ? "request" : "requests"}
                      {r.errors ? `, ${num(r.errors)} failed` : ""}
                    </div>
                  </td>
                  <td className="num">{usd(r.effective_cost_usd)}</td>
                  <td className="num">{usd(r.savings_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
