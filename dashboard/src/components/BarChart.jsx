import { useState } from "react";
import { useWidth } from "../hooks.js";

function niceStep(max, count) {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

// A stacked bar chart drawn in SVG at the container's real width.
// data: [{ key, label, values: { [seriesKey]: number } }]
// series: [{ key, label }] (stacked bottom to top, coloured by position)
// unit: what one bar is ("day", "hour", "interval"), for the readout and the table
// The readout line above the bars shows the hovered or focused bar (arrow keys
// move it), or the range total; its height is fixed so nothing shifts.
export function BarChart({ title, data, series, format, height = 200, summary, unit = "day" }) {
  const [ref, width] = useWidth();
  const [active, setActive] = useState(null);
  const n = data.length;
  const totals = data.map((d) => series.reduce((s, ser) => s + Math.max(0, d.values[ser.key] || 0), 0));
  const maxTotal = Math.max(0, ...totals);
  const step = maxTotal > 0 ? niceStep(maxTotal, 4) : 1;
  const top = maxTotal > 0 ? Math.ceil(maxTotal / step) * step : 4 * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  const tickLabels = ticks.map((t) => (maxTotal > 0 ? format(t) : t === 0 ? format(0) : ""));
  const left = Math.min(90, 12 + Math.max(...tickLabels.map((l) => l.length)) * 6.6);
  const right = 8;
  const topPad = 8;
  const bottom = 24;
  const plotW = Math.max(0, width - left - right);
  const plotH = height - topPad - bottom;
  const band = n ? plotW / n : 0;
  const barW = Math.max(1, Math.min(28, band * 0.72));
  const y = (v) => topPad + plotH - (v / top) * plotH;
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 58))));

  const onKeyDown = (e) => {
    if (!n) return;
    const cur = active ?? n - 1;
    let next = null;
    if (e.key === "ArrowLeft") next = Math.max(0, cur - 1);
    else if (e.key === "ArrowRight") next = Math.min(n - 1, cur + 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = n - 1;
    else if (e.key === "Escape") return setActive(null);
    if (next !== null) {
      e.preventDefault();
      setActive(next);
    }
  };
  const onMove = (e) => {
    if (!n || !plotW) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const i = Math.floor((e.clientX - rect.left - left) / band);
    setActive(i >= 0 && i < n ? i : null);
  };

  const shown = active !== null && data[active] ? data[active] : null;
  const readoutValues = series.map((s) => ({
    ...s,
    value: shown ? shown.values[s.key] || 0 : data.reduce((sum, d) => sum + (d.values[s.key] || 0), 0),
  }));

  return (
    <figure className="chart">
      <figcaption className="chart-readout" aria-live="polite">
        <span className="chart-readout-label">{shown ? shown.label : summary || `All ${n} ${unit}s`}</span>
        {readoutValues.map((s, i) => (
          <span key={s.key} className="chart-readout-item">
            <span className={`swatch series-${i}`} aria-hidden="true" />
            {s.label} <strong>{format(s.value)}</strong>
          </span>
        ))}
      </figcaption>
      <div
        ref={ref}
        className="chart-canvas"
        style={{ height }}
        tabIndex={0}
        role="group"
        aria-label={`${title}. Use the left and right arrow keys to read each ${unit}.`}
        onKeyDown={onKeyDown}
        onMouseMove={onMove}
        onMouseLeave={() => setActive(null)}
        onBlur={() => setActive(null)}
      >
        {width > 0 && (
          <svg width={width} height={height} aria-hidden="true">
            {ticks.map((t, i) => (
              <g key={t}>
                <line className="chart-grid" x1={left} x2={width - right} y1={y(t)} y2={y(t)} />
                <text className="chart-axis" x={left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                  {tickLabels[i]}
                </text>
              </g>
            ))}
            {data.map((d, i) => {
              const x = left + i * band + (band - barW) / 2;
              let acc = 0;
              return (
                <g key={d.key} className={active === i ? "bar-active" : undefined}>
                  {active === i && <rect className="chart-hover" x={left + i * band} y={topPad} width={band} height={plotH} />}
                  {series.map((s, si) => {
                    const v = Math.max(0, d.values[s.key] || 0);
                    if (v <= 0) return null;
                    const y0 = y(acc);
                    acc += v;
                    const y1 = y(acc);
                    return <rect key={s.key} className={`series-${si}`} x={x} y={y1} width={barW} height={Math.max(1, y0 - y1)} rx={Math.min(2, barW / 4)} />;
                  })}
                  {i % every === 0 && (
                    <text className="chart-axis" x={left + i * band + band / 2} y={height - 6} textAnchor="middle">
                      {d.label}
                    </text>
                  )}
                </g>
              );
            })}
            {maxTotal === 0 && (
              <text className="chart-empty" x={left + plotW / 2} y={topPad + plotH / 2} textAnchor="middle">
                Nothing in this range yet
              </text>
            )}
          </svg>
        )}
      </div>
      <details className="chart-table">
        <summary>Show as a table</summary>
        <div className="table-wrap">
          <table className="table compact">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{unit.replace(/^./, (c) => c.toUpperCase())}</th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.map((d) => (
                <tr key={d.key}>
                  <th scope="row">{d.label}</th>
                  {series.map((s) => (
                    <td key={s.key} className="num">
                      {format(d.values[s.key] || 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
