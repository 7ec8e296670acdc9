/** Samples this process's resident set size, for the peak during a phase. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 20) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  /** Highest sample since the start or the last reset, in bytes. */
  peakBytes(): number {
    this.sample();
    return this.peak;
  }

  reset(): void {
    this.peak = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The kernel's own high-water mark of this process's RSS, in bytes (includes start-up). */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
