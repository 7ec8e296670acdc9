import type Keyv from 'keyv';
import { EngineEventBus } from '../../src/engine/events.js';
import { MetricHistory } from '../../src/monitor/history.js';
import { HistoryRecorder } from '../../src/monitor/recorder.js';
import { RpcEventBus } from '../../src/solana/rpc-events.js';

/** A minute history on `store`, fed by a recorder bound to fresh engine and RPC buses, on the test's clock. */
export async function recordingHistory(store: Keyv, now: () => number) {
  const history = new MetricHistory(store, { now });
  await history.start();
  const recorder = new HistoryRecorder(history, { now, sampleProcess: false });
  await recorder.start();
  const engine = new EngineEventBus();
  const rpc = new RpcEventBus();
  recorder.bindEngine(engine);
  recorder.bindRpc(rpc);
  return { history, recorder, engine, rpc };
}
