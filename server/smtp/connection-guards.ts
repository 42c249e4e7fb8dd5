// Per-connection limits smtp-server has no option for, hooked into its SMTPConnection: junk
// commands before MAIL, transactions that never get a recipient (MAIL+RSET loops), a hard deadline
// on the STARTTLS handshake, on a command line and on an AUTH exchange, and a minimum rate for
// DATA. Its own socket timeout is an idle timer that every trickled byte resets.
import type { Socket } from 'node:net';
import type { SMTPServerSession } from 'smtp-server';
import type { PeerTimeouts } from '../core/connection-limits';
import { TransferDeadline } from '../core/transfer-deadline';
import type { SmtpSettings } from './settings';

export type Send = (code: number, data?: string | string[], context?: string | false) => void;
type OnCommand = (command: Buffer, callback?: () => void) => void;

/** The parts of smtp-server's SMTPConnection used here (not in its type declarations). */
export interface ConnectionInternals {
  send: Send;
  secure: boolean;
  session: SMTPServerSession;
  _socket: Socket;
  _onCommand: OnCommand;
  _nextHandler: unknown;
  _handlerPending?: boolean;
  _parser: { _dataMode?: boolean } | false;
  _dataStream: unknown;
  upgrade: (callback: () => void, secureCallback?: () => void) => void;
}

// Commands that move no mail; too many of them before MAIL is a client wasting the slot.
const COUNTED = new Set(['NOOP', 'RSET', 'VRFY', 'EXPN', 'HELP', 'HELO', 'EHLO', 'ETRN', 'STARTTLS']);
const LF = 0x0a;

/** Counts junk commands and recipient-less transactions; refuses with 421 past the limits. */
function limitCommands(connection: ConnectionInternals, settings: SmtpSettings): void {
  const onCommand = connection._onCommand.bind(connection);
  let junk = 0;
  let transactionOpen = false;
  let recipientAccepted = false;
  let emptyTransactions = 0;
  connection._onCommand = (command, callback) => {
    const verb = command.subarray(0, 16).toString('latin1').split(' ')[0]!.trim().toUpperCase();
    if (connection._nextHandler) return onCommand(command, callback);
    if (verb === 'MAIL') {
      junk = 0;
      if (transactionOpen && !recipientAccepted) emptyTransactions++;
      transactionOpen = true;
      recipientAccepted = false;
      if (emptyTransactions >= settings.maxTransactionsWithoutRecipient) {
        connection.send(421, '4.7.0 Too many transactions without a recipient, closing', false);
        return callback?.();
      }
    } else if (COUNTED.has(verb) && ++junk > settings.maxCommandsBeforeMail) {
      connection.send(421, '4.7.0 Too many commands without a mail transaction, closing', false);
      return callback?.();
    }
    if (verb === 'RCPT')
      return onCommand(command, () => {
        if (connection.session.envelope.rcptTo.length > 0) recipientAccepted = true;
        callback?.();
      });
    onCommand(command, callback);
  };
}

/** Hard deadlines on the STARTTLS handshake, a command line, an AUTH exchange; DATA's least rate. */
function limitSlowPeers(connection: ConnectionInternals, timeouts: PeerTimeouts): void {
  const inData = () => connection._parser !== false && connection._parser._dataMode === true;
  const close = (text: string) => {
    const socket = connection._socket;
    connection.send(421, text, false); // 421 makes smtp-server close the connection
    setTimeout(() => socket.destroy(), 2000).unref();
  };
  const deadline = new TransferDeadline((phase) => {
    // The phase may be over without a byte saying so (the server answering, DATA's last dot).
    if (phase === 'data' && !inData()) return;
    if (phase === 'auth' && !connection._nextHandler) return;
    if (phase === 'command' && (connection._handlerPending || inData())) return;
    if (phase === 'data') close('4.4.2 Message data arriving too slowly, closing');
    else if (phase === 'auth') close('4.4.2 Authentication exchange took too long, closing');
    else close('4.4.2 Command not completed in time, closing');
  });
  const watch = (socket: Socket) => {
    socket.once('close', () => deadline.end());
    socket.on('data', (chunk: Buffer) => {
      // Runs after smtp-server's parser has taken the chunk, so the state is the one after it.
      deadline.received(chunk.length);
      if (inData())
        deadline.begin('data', {
          deadlineMs: timeouts.transferWindowMs,
          minBytesPerSecond: timeouts.minBytesPerSecond,
        });
      else if (connection._nextHandler)
        deadline.begin('auth', { deadlineMs: timeouts.authMs, minBytesPerSecond: 0 });
      else if (chunk[chunk.length - 1] === LF) deadline.end();
      else deadline.begin('command', { deadlineMs: timeouts.commandMs, minBytesPerSecond: 0 });
    });
  };
  watch(connection._socket);
  // AUTH's continuation lines start with the server's 334, before any byte of the client's.
  const onCommand = connection._onCommand;
  connection._onCommand = (command, callback) =>
    onCommand(command, () => {
      if (connection._nextHandler)
        deadline.begin('auth', { deadlineMs: timeouts.authMs, minBytesPerSecond: 0 });
      else if (deadline.current === 'auth') deadline.end();
      callback?.();
    });
  const upgrade = connection.upgrade.bind(connection);
  connection.upgrade = (callback, secureCallback) => {
    const plain = connection._socket;
    const timer = setTimeout(() => {
      if (!connection.secure) plain.destroy();
    }, timeouts.tlsHandshakeMs);
    timer.unref();
    upgrade(callback, () => {
      clearTimeout(timer);
      watch(connection._socket);
      secureCallback?.();
    });
  };
}

export function guardConnection(
  connection: ConnectionInternals,
  settings: SmtpSettings,
  timeouts: PeerTimeouts,
): void {
  limitCommands(connection, settings);
  limitSlowPeers(connection, timeouts);
}
