import { chartSummary, type RoundBar } from "./roundChartData.ts";

const BAR = 18;
const GAP = 4;
const GROUP_GAP = 20;
const HEIGHT = 160;
const AXIS = 28;

/**
 * Proofs accepted vs missed (and still pending) per audit round: an inline SVG grouped bar chart (`role="img"`, its
 * `aria-label` summarising every round) with the same numbers in a table below.
 */
export function ProofsChart({ bars }: { bars: readonly RoundBar[] }) {
  if (bars.length === 0) return <p>No audit round yet.</p>;
  const max = Math.max(1, ...bars.map((bar) => Math.max(bar.accepted, bar.missed, bar.audited)));
  const groupWidth = 3 * BAR + 2 * GAP + GROUP_GAP;
  const width = AXIS + bars.length * groupWidth + GROUP_GAP;
  const y = (value: number) => HEIGHT - (value / max) * (HEIGHT - 16);
  return (
    <figure className="proofs-chart">
      <svg role="img" aria-label={chartSummary(bars)} data-testid="proofs-chart" viewBox={`0 0 ${width} ${HEIGHT + 24}`} width={Math.min(width, 720)} height={HEIGHT + 24}>
        <line x1={AXIS} y1={HEIGHT} x2={width} y2={HEIGHT} className="chart-axis" />
        <text x={AXIS - 4} y={y(max) + 4} textAnchor="end" className="chart-label">{max}</text>
        <text x={AXIS - 4} y={HEIGHT} textAnchor="end" className="chart-label">0</text>
        {bars.map((bar, i) => {
          const x = AXIS + GROUP_GAP / 2 + i * groupWidth;
          return (
            <g key={bar.round}>
              {([["accepted", bar.accepted], ["missed", bar.missed], ["pending", bar.pending]] as const).map(([kind, value], j) => (
                <g key={kind}>
                  <rect x={x + j * (BAR + GAP)} y={y(value)} width={BAR} height={HEIGHT - y(value)} className={`bar-${kind}`} />
                  {value > 0 && <text x={x + j * (BAR + GAP) + BAR / 2} y={y(value) - 3} textAnchor="middle" className="chart-label">{value}</text>}
                </g>
              ))}
              <text x={x + 1.5 * BAR + GAP} y={HEIGHT + 16} textAnchor="middle" className="chart-label">{`#${bar.round}`}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="legend legend-accepted">accepted</span> <span className="legend legend-missed">missed or rejected</span> <span className="legend legend-pending">pending (round open)</span>
      </figcaption>
      <table>
        <caption>Proofs per audit round</caption>
        <thead>
          <tr><th scope="col">Round</th><th scope="col">Audited columns</th><th scope="col">Accepted</th><th scope="col">Missed or rejected</th><th scope="col">Pending</th></tr>
        </thead>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.round}><th scope="row">{bar.round}</th><td>{bar.audited}</td><td>{bar.accepted}</td><td>{bar.missed}</td><td>{bar.pending}</td></tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
