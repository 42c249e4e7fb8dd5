// The `postroom` command for tests that run it many times. A run of bin/postroom.js loads the
// compiled server anew, one to two seconds of CPU (far more wall time on a busy machine), so these
// commands run one after another in one long-lived thread instead: the same compiled code
// (dist/server/cli.js, rebuilt first when stale as bin/postroom.js does), the same main(argv)
// and exit code, each command with its own environment, standard input, output and error, and
// the database closed after each one (main() does that). Like spawnSync, the call blocks until
// the command is done. Tests about the process itself spawn bin/postroom.js.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { serverBuildIsCurrent } from '../../scripts/build-server.js';

const root = join(import.meta.dirname, '..', '..');
/** A command that takes longer than this fails the test instead of holding the run. */
const COMMAND_TIMEOUT_MS = 300_000;

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

let thread: { worker: Worker; port: MessagePort; signal: Int32Array } | undefined;

function wait(signal: Int32Array, port: MessagePort): unknown {
  if (Atomics.wait(signal, 0, 0, COMMAND_TIMEOUT_MS) === 'timed-out')
    throw new Error(`postroom command still running after ${COMMAND_TIMEOUT_MS / 1000} s`);
  Atomics.store(signal, 0, 0);
  const reply = receiveMessageOnPort(port);
  if (!reply) throw new Error('the postroom command thread answered nothing');
  return reply.message;
}

function start(): NonNullable<typeof thread> {
  if (!serverBuildIsCurrent()) {
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-server.js')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (built.status !== 0) throw new Error('building the server failed');
  }
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./postroom-cli-thread.mjs', import.meta.url), {
    workerData: { port: port2, signal },
    transferList: [port2],
    execArgv: [],
  });
  worker.unref();
  const ready = wait(signal, port1) as { error?: string };
  if (ready.error) throw new Error(`the postroom command thread did not start: ${ready.error}`);
  return { worker, port: port1, signal };
}

/** Runs `postroom ARGS` with the test's environment (and optional standard input), like spawnSync. */
export function postroomCommand(args: string[], input?: string, env: Record<string, string> = {}): CliResult {
  thread ??= start();
  thread.port.postMessage({ args, input, env: { ...process.env, POSTROOM_LOG: 'silent', ...env } });
  return wait(thread.signal, thread.port) as CliResult;
}
