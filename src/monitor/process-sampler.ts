import { monitorEventLoopDelay, performance, type ELDHistogram } from 'node:perf_hooks';

/** One reading of the process since the previous one. */
export interface ProcessSample {
  /** CPU time (user + system) since the previous sample, microseconds. */
  cpuMicros: number;
  /** Wall time since the previous sample, ms. */
  wallMs: number;
  rss: number;
  heapUsed: number;
  /** Event-loop delay since the last `resetLag()`, ms. */
  lagP99Ms: number;
  lagMaxMs: number;
}

/**
 * Reads CPU, memory and event-loop delay. CPU is a delta of `process.cpuUsage()` over wall time,
 * so 100 % means one core busy (the figure `top` shows), whatever the machine's core count.
 */
export class ProcessSampler {
  private readonly loop: ELDHistogram;
  private prevCpu = process.cpuUsage();
  private prevWall = performance.now();

  constructor(resolutionMs = 20) {
    this.loop = monitorEventLoopDelay({ resolution: resolutionMs });
    this.loop.enable();
  }

  sample(): ProcessSample {
    // One reading serves as both this sample's end and the next one's start, so no CPU time falls between.
    const cpuNow = process.cpuUsage();
    const wall = performance.now();
    const mem = process.memoryUsage();
    const out: ProcessSample = {
      cpuMicros: cpuNow.user - this.prevCpu.user + (cpuNow.system - this.prevCpu.system),
      wallMs: wall - this.prevWall,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      // The histogram is in ns; it reports NaN-free zeros before its first tick.
      lagP99Ms: this.loop.count > 0 ? this.loop.percentile(99) / 1e6 : 0,
      lagMaxMs: this.loop.count > 0 ? this.loop.max / 1e6 : 0,
    };
    this.prevCpu = cpuNow;
    this.prevWall = wall;
    return out;
  }

  /** Starts a new event-loop delay period (the recorder does it at each minute). */
  resetLag(): void {
    this.loop.reset();
  }

  stop(): void {
    this.loop.disable();
  }
}
