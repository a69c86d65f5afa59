/**
 * Writes values in the background, one write at a time, keeping only the
 * newest value waiting: a value saved while an older one is being written
 * replaces whatever was queued behind it. For checkpoints: training never
 * waits for the disk, and at most two of them are held in memory.
 */
export class BackgroundWriter<T> {
  private writing: Promise<void> | undefined;
  private queued: T | undefined;
  private failure: { readonly error: unknown } | undefined;

  constructor(private readonly write: (value: T) => Promise<void>) {}

  /** Starts writing `value`, or queues it behind the write in progress. Throws an earlier write's error. */
  save(value: T): void {
    this.throwIfFailed();
    if (this.writing !== undefined) {
      this.queued = value;
      return;
    }
    this.writing = this.writeUntilDone(value);
  }

  /** Resolves when nothing is being written or queued. Throws a failed write's error. */
  async written(): Promise<void> {
    await this.writing;
    this.throwIfFailed();
  }

  private async writeUntilDone(first: T): Promise<void> {
    try {
      for (let value: T | undefined = first; value !== undefined; value = this.takeQueued()) {
        await this.write(value);
      }
    } catch (error) {
      this.failure = { error };
      this.queued = undefined;
    } finally {
      this.writing = undefined;
    }
  }

  private takeQueued(): T | undefined {
    const value = this.queued;
    this.queued = undefined;
    return value;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
