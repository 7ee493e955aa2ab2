import { describe, expect, it } from 'vitest';
import { addDuration, parseIsoDuration, parseLifetime } from './duration.js';

const at = Date.UTC(2026, 0, 31, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('durations', () => {
  it.each([
    ['P1Y', '2027-01-31T12:00:00.000Z'],
    ['P6M', '2026-07-31T12:00:00.000Z'],
    ['P1M', '2026-02-28T12:00:00.000Z'],
    ['P30D', '2026-03-02T12:00:00.000Z'],
    ['PT12H', '2026-02-01T00:00:00.000Z'],
    ['P2W', '2026-02-14T12:00:00.000Z'],
    ['P1DT1H1M1S', '2026-02-01T13:01:01.000Z'],
  ])('adds ISO %s', (text, expected) => {
    const d = parseIsoDuration(text);
    expect(d).toBeDefined();
    expect(iso(addDuration(at, d!))).toBe(expected);
  });

  it.each([
    '',
    'P',
    'PT',
    '1Y',
    'P1H',
    'P1Y2',
    'P-1D',
    'P0D',
    'P1.5Y',
    'P1YT',
    'abc',
    'P99999999D',
    'P101Y',
    'P9999Y',
    'P1201M',
    'PT900000H',
  ])('rejects ISO %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });

  it.each([
    ['1h', 3_600_000],
    ['30m', 1_800_000],
    ['7d', 604_800_000],
    ['45s', 45_000],
    ['PT2H', 7_200_000],
  ])('parses lifetime %s', (text, ms) => {
    expect(addDuration(at, parseLifetime(text)!) - at).toBe(ms);
  });

  it.each(['0h', '1x', 'h', '-1h', '1.5h', ''])('rejects lifetime %j', (text) => {
    expect(parseLifetime(text)).toBeUndefined();
  });
});

describe('the longest duration', () => {
  it('accepts exactly 100 years in any spelling, and nothing longer', () => {
    for (const text of ['P100Y', 'P1200M', 'P99Y11M30D']) expect(parseIsoDuration(text), text).toBeDefined();
    expect(parseLifetime('5200w')).toBeDefined();
    expect(parseLifetime('5300w')).toBeUndefined();
    expect(parseLifetime('P300000Y')).toBeUndefined();
  });
});
