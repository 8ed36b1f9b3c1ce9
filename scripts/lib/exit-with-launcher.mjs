/**
 * Preloaded (`--import`) into every process `npm start` runs; plain JavaScript,
 * because those processes run compiled code without a TypeScript loader. The launcher
 * spawns each child with an IPC channel (processes.ts); the kernel closes it
 * when the launcher dies, even by SIGKILL, and the child then stops as it
 * would on SIGTERM: drained and flushed, within its shutdown deadline. Without
 * this, children outlive a killed launcher (they have process groups of their
 * own) and keep acknowledging writes on a data folder nobody supervises.
 */
if (process.channel) {
  // The channel carries no messages and must not keep the process alive by itself.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
