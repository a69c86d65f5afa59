/**
 * The probe process (dist/probe.js), forked by host/backendProbes.ts once per
 * backend: waits for `probe`, loads that backend, times a few training
 * batches of the model, sends one `report` and exits.
 */
import { isHostToProbe } from '../protocol/probeGuards';
import type { ProbeToHost } from '../protocol/probeMessages';
import { probeBackend } from './backendProbe';

function send(message: ProbeToHost): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

process.on('message', (message: unknown) => {
  if (!isHostToProbe(message)) {
    console.error(`probe: dropped a message that does not fit the protocol: ${JSON.stringify(message).slice(0, 200)}`);
    return;
  }
  void probeBackend(message.request)
    .then((report) => send({ type: 'report', report }))
    .finally(() => process.exit(0));
});

process.on('disconnect', () => process.exit(0));
