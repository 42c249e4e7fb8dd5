// The mail worker with POSTROOM_WORKERS > 1: a light node:cluster primary (no database client, no
// protocol code) that forks that many children, each running the whole mail worker. They share
// the listening sockets through cluster's round-robin; the primary counts open connections per
// client address for all of them (counter-ledger.ts), and shares those counts with the other nodes
// on a MariaDB database (node-counts-db.ts). It answers the supervisor's heartbeat only
// while every child answers its own, restarts a child that dies or hangs (logged), and on SIGTERM
// stops every child within POSTROOM_WORKER_STOP_SECONDS.
import cluster, { type Worker } from 'node:cluster';
import { logger } from '../core/logger';
import { tlsMaterial } from '../core/tls';
import { heartbeatSettings, STARTUP_GRACE_MS, watchHeartbeat } from '../heartbeat';
import { CounterLedger } from './counter-ledger';
import { shareCountsAcrossNodes } from './node-counts-db';
import { type CountAcquire, type CountRelease, isMessage, type ListeningMessage } from './messages';
import { pinEphemeralPorts } from './ports';
import { SLOT_ENV } from './settings';

interface Slot {
  index: number;
  worker?: Worker;
  /** When the child was forked (or the last one died): its start-up limit counts from here. */
  startedAt: number;
  /** Its last heartbeat answer once it listens; 0 while it is starting. */
  answeredAt: number;
  restartDelayMs: number;
  stopWatching(): void;
}

const FIRST_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
/** After the children's own deadline, so their exit wins; within the supervisor's 10 s by default. */
const CHILD_EXIT_MARGIN_MS = 500;
/**
 * A child is judged by its heartbeat only once it listens: loading the protocol code and the
 * database client blocks its event loop for seconds on a loaded machine, after it may already have
 * answered a first ping. Until then it has this long (or the heartbeat timeout, if longer).
 */
const CHILD_STARTUP_LIMIT_MS = 3 * STARTUP_GRACE_MS;

export async function runClusterPrimary(count: number, stopDeadlineMs: number): Promise<void> {
  await pinEphemeralPorts(process.env.POSTROOM_LISTEN || '127.0.0.1');
  // Made once here, before the children start: each would otherwise make its own on a first start.
  await tlsMaterial();
  const heartbeat = heartbeatSettings();
  const ledger = new CounterLedger();
  const nodeCounts = shareCountsAcrossNodes(ledger);
  const slots: Slot[] = [];
  let stopping = false;
  let announced = false;
  const listening = new Set<number>();

  cluster.schedulingPolicy = cluster.SCHED_RR; // the default except on Windows: say it
  const fork = (slot: Slot) => {
    const worker = cluster.fork({ [SLOT_ENV]: String(slot.index) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.answeredAt = 0;
    slot.stopWatching = () => undefined;
    const startupLimitMs = Math.max(heartbeat.timeoutMs, CHILD_STARTUP_LIMIT_MS);
    const startupTimer = setTimeout(() => {
      if (stopping || slot.answeredAt > 0) return;
      logger.error('mail worker process did not start listening; killing it', {
        slot: slot.index,
        pid: worker.process.pid,
        afterMs: startupLimitMs,
      });
      worker.process.kill('SIGKILL');
    }, startupLimitMs);
    startupTimer.unref();
    worker.once('exit', () => clearTimeout(startupTimer));
    worker.on('message', (message: unknown) => {
      if (isMessage<CountAcquire>(message, 'postroom-count-acquire')) {
        if (worker.isConnected()) worker.send(ledger.acquire(worker.id, message), () => undefined);
      } else if (isMessage<CountRelease>(message, 'postroom-count-release')) {
        ledger.release(worker.id, message);
      } else if (isMessage<{ type: 'postroom-pong' }>(message, 'postroom-pong')) {
        if (slot.answeredAt > 0) slot.answeredAt = Date.now();
      } else if (isMessage<ListeningMessage>(message, 'postroom-listening')) {
        clearTimeout(startupTimer);
        slot.answeredAt = Date.now();
        slot.stopWatching = watchChild(slot, worker);
        listening.add(slot.index);
        // The line tests and benches wait for (as a single worker logs it), once every child serves.
        if (!announced && listening.size === count) {
          announced = true;
          logger.info('mail worker listening', message.ports);
        }
      }
    });
  };
  const watchChild = (slot: Slot, worker: Worker) =>
    watchHeartbeat(worker.process, heartbeat, (silentForMs) => {
      if (stopping) return;
      logger.error('mail worker process stopped answering heartbeats; killing it', {
        slot: slot.index,
        pid: worker.process.pid,
        silentForMs,
      });
      worker.process.kill('SIGKILL');
    });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.find((candidate) => candidate.worker === worker);
    ledger.releaseAll(worker.id); // its sockets died with it
    if (!slot) return;
    slot.stopWatching();
    slot.worker = undefined;
    if (stopping) return;
    const livedMs = Date.now() - slot.startedAt;
    slot.startedAt = Date.now();
    slot.answeredAt = 0;
    // Doubled while it keeps dying young (a database that is away), reset after a minute's life.
    if (livedMs > 60_000) slot.restartDelayMs = FIRST_RESTART_DELAY_MS;
    const delay = slot.restartDelayMs;
    slot.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    logger.error('mail worker process exited unexpectedly; restarting', {
      slot: slot.index,
      pid: worker.process.pid,
      code,
      signal,
      restartInMs: delay,
    });
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, delay);
  });

  for (let index = 0; index < count; index++) {
    const slot: Slot = {
      index,
      startedAt: Date.now(),
      answeredAt: 0,
      restartDelayMs: FIRST_RESTART_DELAY_MS,
      stopWatching: () => undefined,
    };
    slots.push(slot);
    fork(slot);
  }

  // Healthy while every slot's child answered within the timeout, or is still within its start-up
  // grace (a child being restarted included): then the supervisor's ping is answered.
  const healthy = () => {
    const now = Date.now();
    return slots.every((slot) =>
      slot.answeredAt > 0
        ? now - slot.answeredAt <= heartbeat.timeoutMs
        : now - slot.startedAt <= Math.max(heartbeat.timeoutMs, CHILD_STARTUP_LIMIT_MS),
    );
  };
  if (process.send)
    process.on('message', (message: unknown) => {
      if (!isMessage<{ type: 'postroom-ping'; id: number }>(message, 'postroom-ping')) return;
      if (!healthy() || !process.connected) return;
      process.send?.({ type: 'postroom-pong', id: Number(message.id) });
    });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('mail worker stopping', { signal, workers: count });
    const alive = slots.flatMap((slot) => (slot.worker && !slot.worker.isDead() ? [slot.worker] : []));
    // 1 when a child had to be cut short (by its own deadline or by us), as a single worker does.
    let exitCode = 0;
    let left = alive.length;
    // This node's rows go first, so the other nodes stop counting them (bounded by the pool's timeouts).
    const leave = (code: number) => {
      const deadline = setTimeout(() => process.exit(code), CHILD_EXIT_MARGIN_MS);
      void (nodeCounts?.stop() ?? Promise.resolve()).finally(() => {
        clearTimeout(deadline);
        process.exit(code);
      });
    };
    const exited = (code: number | null) => {
      if (code !== 0) exitCode = 1;
      if (--left <= 0) leave(exitCode);
    };
    if (left === 0) leave(0);
    // Each child stops itself within the same deadline; one that has not a moment later is killed,
    // and the primary leaves once it is reaped (or a moment after), so no child outlives it.
    setTimeout(() => {
      logger.warn('mail worker stop took too long; killing what is left', { afterMs: stopDeadlineMs });
      exitCode = 1;
      for (const worker of alive) if (!worker.isDead()) worker.process.kill('SIGKILL');
      setTimeout(() => process.exit(1), CHILD_EXIT_MARGIN_MS).unref();
    }, stopDeadlineMs + CHILD_EXIT_MARGIN_MS).unref();
    for (const worker of alive) {
      worker.once('exit', exited);
      worker.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The supervisor is gone (killed): the children would keep the ports otherwise.
  process.on('disconnect', () => stop('disconnect'));
}
