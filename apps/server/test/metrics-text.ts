/** Parses the Prometheus text exposition into `name{a="x",b="y"}` (labels sorted) -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, k, v]) => `${k}="${v}"`)
      .sort();
    const value = Number(match[3]);
    // Prometheus reads NaN in any case (prom-client writes `Nan`).
    if (Number.isNaN(value) && match[3]?.toLowerCase() !== 'nan') throw new Error(`bad value in: ${line}`);
    series.set(labels.length ? `${match[1]}{${labels.join(',')}}` : match[1]!, value);
  }
  return series;
}

/** The key `parseMetrics` uses for a series. */
export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

export async function scrape(url: string): Promise<{ series: Map<string, number>; text: string; type: string }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  return { series: parseMetrics(text), text, type: res.headers.get('content-type') ?? '' };
}
