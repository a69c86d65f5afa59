import type { MetricRecord } from '../../src/protocol/runTypes';

/** Throughput is measured over the records of about the last this many ms. */
export const THROUGHPUT_WINDOW_MS = 10_000;

/** What the run's size is, from run.json. */
export interface RunSize {
  /** Training examples per epoch. */
  readonly trainSamples?: number;
  readonly batchesPerEpoch?: number;
}

/**
 * Training examples seen up to and including `record`: whole epochs before
 * it plus its batches (the last batch of an epoch may be smaller).
 */
export function samplesDone(record: MetricRecord, size: Required<RunSize>): number {
  const { trainSamples, batchesPerEpoch } = size;
  const batchSize = Math.ceil(trainSamples / batchesPerEpoch);
  const within = record.batch === null ? trainSamples : Math.min((record.batch + 1) * batchSize, trainSamples);
  return (record.epoch - 1) * trainSamples + within;
}

/**
 * Training examples per second over the last THROUGHPUT_WINDOW_MS of
 * records (validation time between epochs included, as a user waits for
 * it too); undefined until two records far enough apart in time exist.
 */
export function samplesPerSecond(records: readonly MetricRecord[], size: RunSize): number | undefined {
  if (!size.trainSamples || !size.batchesPerEpoch || records.length < 2) return undefined;
  const known = { trainSamples: size.trainSamples, batchesPerEpoch: size.batchesPerEpoch };
  const last = records[records.length - 1];
  let i = records.length - 2;
  // Records are in arrival (= time) order: walk back to the window's start.
  while (i > 0 && last.time - records[i - 1].time <= THROUGHPUT_WINDOW_MS) i--;
  const first = records[i];
  const seconds = (last.time - first.time) / 1000;
  const samples = samplesDone(last, known) - samplesDone(first, known);
  return seconds > 0 && samples > 0 ? samples / seconds : undefined;
}

/** Time left, from the time spent so far and the fraction done; undefined at 0 or 1. */
export function eta(elapsedMs: number, progress: number | undefined): number | undefined {
  if (progress === undefined || !(progress > 0) || progress >= 1 || !(elapsedMs >= 0)) return undefined;
  return (elapsedMs * (1 - progress)) / progress;
}

/** `0:07`, `12:34`, `1:02:03`. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** `812`, `12.3k`, `1.2M` (examples per second). */
export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toPrecision(3);
}

/** A metric value as the tooltip shows it: 7 significant digits (float32 holds no more), no trailing zeros. */
export function exact(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value);
}

/**
 * The label of a log-axis tick: its value at 1, 2 or 5 × 10^k, else none
 * (Chart.js's 1…9 of each decade crowd each other). On a narrow range, where
 * fewer than 3 of `all` (the axis's tick values) are such, the values with
 * two significant digits ending in 0 or 5 instead (0.8, 0.85, 0.9, …).
 */
export function logTick(value: number | string, all: readonly number[] = []): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const label = String(Number(v.toPrecision(3)));
  if (all.length > 0 && all.filter(isOneTwoFive).length < 3) return twoDigits(v) % 5 === 0 ? label : '';
  return isOneTwoFive(v) ? label : '';
}

/** 10…99: the first two significant digits. */
function twoDigits(v: number): number {
  return Math.round(v / 10 ** (Math.floor(Math.log10(v) + 1e-9) - 1));
}

function isOneTwoFive(v: number): boolean {
  const mantissa = Math.round(twoDigits(v) / 10);
  return twoDigits(v) % 10 === 0 && (mantissa === 1 || mantissa === 2 || mantissa === 5);
}
