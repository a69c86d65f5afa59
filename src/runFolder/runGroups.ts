/**
 * How the Runs view lays out a model file's runs (pure, no VS Code): a
 * short list as it is; a long one by the day the runs started, newest day
 * first, each day showing a page of runs and a "show more" item for the
 * rest, so that 2,000 runs make a handful of items until opened.
 */

/** Runs up to this many are listed flat under their model file. */
export const FLAT_RUNS = 30;
/** Runs a day shows before its "show more" item, and how many more each click adds. */
export const RUNS_PAGE = 50;

export interface DayGroup<T> {
  /** `yyyy-mm-dd` in local time: the day's key. */
  readonly day: string;
  /** `Today`, `Yesterday`, `Mon Dec 1`, or `Dec 1, 2025` in another year. */
  readonly label: string;
  /** Newest first, as given. */
  readonly runs: readonly T[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function dayKey(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

/** A day's heading, relative to `now` (Unix ms, local time). */
export function dayLabel(day: string, now: number): string {
  const today = new Date(now);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (day === dayKey(today)) return 'Today';
  if (day === dayKey(yesterday)) return 'Yesterday';
  const [year, month, date] = day.split('-').map(Number);
  if (!year || !month || !date) return day;
  const at = new Date(year, month - 1, date);
  return year === today.getFullYear() ? `${WEEKDAYS[at.getDay()]} ${MONTHS[month - 1]} ${date}` : `${MONTHS[month - 1]} ${date}, ${year}`;
}

/** Runs (newest first) by the local day they started; a start that cannot be read goes under `unknown`. */
export function groupByDay<T>(runs: readonly T[], startedAt: (run: T) => string, now: number): DayGroup<T>[] {
  const days = new Map<string, T[]>();
  for (const run of runs) {
    const start = new Date(startedAt(run));
    const day = Number.isNaN(start.getTime()) ? 'unknown' : dayKey(start);
    let list = days.get(day);
    if (!list) days.set(day, (list = []));
    list.push(run);
  }
  return [...days]
    .sort(([a], [b]) => (a === 'unknown' ? 1 : b === 'unknown' ? -1 : b.localeCompare(a)))
    .map(([day, list]) => ({ day, label: day === 'unknown' ? 'Start unknown' : dayLabel(day, now), runs: list }));
}

/** The first `shown` runs of a list, and how many are left for "show more". */
export function page<T>(runs: readonly T[], shown: number): { readonly runs: readonly T[]; readonly hidden: number } {
  return runs.length <= shown ? { runs, hidden: 0 } : { runs: runs.slice(0, shown), hidden: runs.length - shown };
}
