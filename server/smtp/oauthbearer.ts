// SASL OAUTHBEARER (RFC 7628) for SMTP AUTH, which smtp-server does not implement: the webmail's
// short-lived tokens go through the shared auth core (authenticateToken) like XOAUTH2 does.
import type { SMTPServerSession } from 'smtp-server';
import { decodeBearer } from '../auth';
import { authenticateToken } from '../auth';
import { stateOf, logEvent } from './session';

type Callback = () => void;
type Handler = (command: Buffer | string, callback: Callback) => void;

interface ConnectionInternals {
  session: SMTPServerSession;
  secure: boolean;
  send(code: number, data?: string, context?: string | false): void;
  _nextHandler: Handler | false;
  _transmissionType(): string;
  handler_AUTH: Handler;
}

/** Wraps a connection's AUTH handler so that `AUTH OAUTHBEARER` is answered here. */
export function addOauthBearer(connection: ConnectionInternals): void {
  const original = connection.handler_AUTH.bind(connection);
  connection.handler_AUTH = (command, callback) => {
    const [, method = '', initial] = command.toString().trim().split(/\s+/);
    if (method.toUpperCase() !== 'OAUTHBEARER') return original(command, callback);
    if (!connection.secure)
      return (connection.send(538, '5.7.11 Must issue a STARTTLS command first', false), callback());
    if (connection.session.user)
      return (connection.send(503, '5.5.1 No identity changes permitted', false), callback());
    const finish = (response: string, done: Callback): void => {
      const credentials = decodeBearer(response, 'OAUTHBEARER');
      if (!credentials) {
        connection.send(501, '5.5.2 Invalid OAUTHBEARER message', false);
        done();
        return;
      }
      const state = stateOf(connection.session);
      void authenticateToken({
        username: credentials.username,
        token: credentials.token,
        clientIp: state.clientIp,
        protocol: 'smtp',
      }).then((result) => {
        if (result.ok) {
          connection.session.user = result.user;
          connection.session.transmissionType = connection._transmissionType();
          logEvent(state, 'auth', 'ok', { user: result.user.address, detail: { method: 'OAUTHBEARER' } });
          connection.send(235, '2.7.0 Authentication successful', false);
          return done();
        }
        // RFC 7628 3.2.2: an error status in a challenge, the client answers with ^A, then 535.
        connection._nextHandler = (_line, next) => (
          connection.send(535, '5.7.8 Authentication credentials invalid', false), next()
        );
        connection.send(
          334,
          Buffer.from(JSON.stringify({ status: 'invalid_token' })).toString('base64'),
          false,
        );
        done();
      });
    };
    if (initial) return finish(initial, callback);
    connection._nextHandler = (line, next) => finish(line.toString().trim(), next);
    connection.send(334, '', false);
    callback();
  };
}
