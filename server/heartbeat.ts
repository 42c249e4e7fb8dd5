// The supervisor pings the mail worker over the child's IPC channel; a worker whose event loop is
// blocked or hung (or that is stopped) cannot answer, and after POSTROOM_WORKER_HEARTBEAT_TIMEOUT_SECONDS
// of silence the supervisor kills it with SIGKILL and starts a new one. Only the event loop answers,
// so a worker that still has listening sockets but never runs its callbacks is caught too.
import type { ChildProcess } from 'node:child_process';

interface Ping {
  type: 'postroom-ping';
  id: number;
}
interface Pong {
  type: 'postroom-pong';
  id: number;
}

export interface HeartbeatSettings {
  intervalMs: number;
  timeoutMs: number;
}

/** A worker that has not answered yet is still starting (loading its code) and gets this long. */
export const STARTUP_GRACE_MS = 60_000;

function seconds(name: string, fallback: number): number {
  const raw = Number(process.env[name]);
  return (Number.isFinite(raw) && raw > 0 ? raw : fallback) * 1000;
}

export function heartbeatSettings(): HeartbeatSettings {
  return {
    intervalMs: seconds('POSTROOM_WORKER_HEARTBEAT_SECONDS', 5),
    timeoutMs: seconds('POSTROOM_WORKER_HEARTBEAT_TIMEOUT_SECONDS', 60),
  };
}

/** In the worker: answer the supervisor's pings (nothing to do when started without an IPC channel). */
export function answerHeartbeats(): void {
  if (!process.send) return;
  process.on('message', (message: Partial<Ping>) => {
    if (message?.type !== 'postroom-ping' || !process.connected) return;
    const pong: Pong = { type: 'postroom-pong', id: Number(message.id) };
    process.send?.(pong);
  });
}

/**
 * In the supervisor: pings `child` every intervalMs and calls onSilent once when it has not
 * answered for timeoutMs. Returns a function that stops watching.
 */
export function watchHeartbeat(
  child: ChildProcess,
  settings: HeartbeatSettings,
  onSilent: (silentForMs: number) => void,
): () => void {
  let lastAnswer = Date.now();
  let answered = false;
  let next = 0;
  const onMessage = (message: Partial<Pong>) => {
    if (message?.type !== 'postroom-pong') return;
    lastAnswer = Date.now();
    answered = true;
  };
  child.on('message', onMessage);
  const timer = setInterval(() => {
    const silentFor = Date.now() - lastAnswer;
    if (silentFor > (answered ? settings.timeoutMs : Math.max(settings.timeoutMs, STARTUP_GRACE_MS))) {
      stop();
      onSilent(silentFor);
      return;
    }
    const ping: Ping = { type: 'postroom-ping', id: ++next };
    // A full or closed channel is the same as no answer: the timeout decides.
    if (child.connected) child.send(ping, () => undefined);
  }, settings.intervalMs);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    child.off('message', onMessage);
  };
  return stop;
}
