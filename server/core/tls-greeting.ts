// When an implicit-TLS listener (IMAPS, POP3S; RFC 8314) may send its greeting.
//
// Node emits 'secureConnection' from inside OpenSSL's handshake-done callback, before OpenSSL writes
// the TLS 1.3 NewSessionTicket messages (RFC 8446 section 4.6.1). A greeting written there goes out
// ahead of the tickets. A client that reads the greeting and then reads on while the socket is
// readable (Cyrus imtest -s does) gets only the tickets from that read, and its blocking SSL_read
// waits for data that never comes: it hangs after the greeting. Written on the next turn of the event
// loop, the greeting follows the tickets, as Dovecot's does.

/** Runs `greet` (which writes the greeting) once the handshake's own writes have gone out. */
export function greetAfterTickets(greet: () => void): void;
/** The same with an argument, so a caller needs no closure per connection. */
export function greetAfterTickets<T>(greet: (arg: T) => void, arg: T): void;
export function greetAfterTickets<T>(greet: (arg?: T) => void, arg?: T): void {
  setImmediate(greet, arg);
}
