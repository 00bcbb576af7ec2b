// Small hand-made SVG charts: a line chart per day, bars per group, a day × hour heat map.
// No chart library: a few dozen lines each keep the lazily loaded Reports tab light.

export interface Series { name: string; values: number[]; tone: 'a' | 'b' | 'c' }

/** Lines over the days of the range; the last label and the top value mark the axes. */
export function LineChart(props: { title: string; labels: string[]; series: Series[]; links?: { label: string; href: string }[] }) {
  const { labels, series } = props;
  const width = 640, height = 180, pad = 28;
  const top = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => pad + (labels.length <= 1 ? 0 : (i * (width - 2 * pad)) / (labels.length - 1));
  const y = (v: number) => height - pad - (v * (height - 2 * pad)) / top;
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
        <line class="axis" x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} />
        <text class="tick" x={2} y={pad}>{top}</text>
        <text class="tick" x={pad} y={height - 8}>{labels[0] ?? ''}</text>
        <text class="tick" x={width - pad} y={height - 8} text-anchor="end">{labels[labels.length - 1] ?? ''}</text>
        {props.links?.map((link, i) => (
          // A column over each day, as wide as the gap between two days, opens that day's tickets.
          <a key={link.href} href={link.href} aria-label={link.label}>
            <rect class="hit" x={x(i) - (width - 2 * pad) / Math.max(1, labels.length - 1) / 2} y={pad} height={height - 2 * pad}
              width={Math.max(4, (width - 2 * pad) / Math.max(1, labels.length - 1))}><title>{link.label}</title></rect>
          </a>
        ))}
        {series.map((s) => (
          <polyline key={s.name} class={`line tone-${s.tone}`} points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')}>
            <title>{s.name}</title>
          </polyline>
        ))}
      </svg>
      <p class="legend">{series.map((s) => <span key={s.name} class={`tone-${s.tone}`}>{s.name}</span>)}</p>
    </figure>
  );
}

/** Horizontal bars, one per group, longest first as given. */
export function BarChart(props: { title: string; bars: { label: string; value: number }[] }) {
  const top = Math.max(1, ...props.bars.map((b) => b.value));
  const row = 22, width = 640, labelWidth = 160;
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${Math.max(row, props.bars.length * row)}`} role="img" aria-label={props.title}>
        {props.bars.map((b, i) => (
          <g key={b.label} transform={`translate(0, ${i * row})`}>
            <text class="tick" x={0} y={row - 7}>{b.label}</text>
            <rect class="bar" x={labelWidth} y={3} height={row - 6} width={Math.max(1, ((width - labelWidth - 40) * b.value) / top)} />
            <text class="tick" x={labelWidth + 4 + ((width - labelWidth - 40) * b.value) / top} y={row - 7}>{b.value}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

const dayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Day of week × hour; darker is busier. */
export function HeatMap(props: { title: string; cells: { day: number; hour: number; value: number }[]; link?: (day: number, hour: number) => string | undefined }) {
  const cell = 22, left = 40, topPad = 16;
  const top = Math.max(1, ...props.cells.map((c) => c.value));
  const value = (day: number, hour: number) => props.cells.find((c) => c.day === day && c.hour === hour)?.value ?? 0;
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${left + 24 * cell} ${topPad + 7 * cell}`} role="img" aria-label={props.title}>
        {[0, 6, 12, 18].map((h) => <text key={h} class="tick" x={left + h * cell} y={12}>{`${h}h`}</text>)}
        {dayNames.map((name, d) => (
          <g key={name}>
            <text class="tick" x={0} y={topPad + d * cell + 15}>{name}</text>
            {Array.from({ length: 24 }, (_, h) => {
              const v = value(d + 1, h);
              const square = (
                <rect key={h} class="heat" x={left + h * cell} y={topPad + d * cell} width={cell - 2} height={cell - 2}
                  fill-opacity={v === 0 ? 0.04 : 0.15 + (0.85 * v) / top}>
                  <title>{`${name} ${h}:00 — ${v}`}</title>
                </rect>
              );
              // A busy cell of a range of a week or less opens the tickets created in that hour.
              const to = v > 0 ? props.link?.(d + 1, h) : undefined;
              return to ? <a key={h} href={to} aria-label={`${name} ${h}:00: ${v} created`}>{square}</a> : square;
            })}
          </g>
        ))}
      </svg>
    </figure>
  );
}
