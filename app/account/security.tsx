// My account's security sections: two-factor sign-in (authenticator app, recovery codes,
// passkeys) and app passwords for mail apps, with each one's last use.
import { listAppPasswords } from '@/server/auth/app-passwords';
import { listPasskeys, twoFactorStatus } from '@/server/auth/two-factor';
import { LocalTime } from '@/components/ui/format';
import { Badge } from '@/components/ui/page';
import { AppPasswordForm } from './app-password-form';
import { removePasskeyAction, revokeAppPasswordAction } from './security-actions';
import { AddPasskey, TwoFactorPanel } from './two-factor-panel';

export async function TwoFactorSection({ userId }: { userId: number }) {
  const [status, passkeys] = await Promise.all([twoFactorStatus(userId), listPasskeys(userId)]);
  return (
    <section className="card mb-6" aria-labelledby="two-factor-heading" data-testid="two-factor">
      <h2 id="two-factor-heading" className="mb-2 flex items-center gap-2 font-semibold">
        Two-factor sign-in {status.enabled ? <Badge tone="ok">on</Badge> : <Badge tone="warn">off</Badge>}
        {status.required && <Badge tone="info">required by your domain</Badge>}
      </h2>
      <p className="mb-3 text-sm text-slate-600">
        Signing in then also asks for a code from your phone or a passkey. Mail apps (IMAP, POP3, SMTP) then
        need an app password instead of your password.
      </p>
      <TwoFactorPanel {...status} />
      <h3 className="mt-4 mb-2 text-sm font-semibold">Passkeys</h3>
      {passkeys.length > 0 && (
        <ul className="mb-3 divide-y divide-slate-100 text-sm" data-testid="passkeys">
          {passkeys.map((key) => (
            <li key={key.id} className="flex items-center justify-between gap-2 py-1">
              <span>
                {key.name} · added <LocalTime iso={key.createdAt.toISOString()} />
                {key.lastUsedAt && (
                  <>
                    {' '}
                    · last used <LocalTime iso={key.lastUsedAt.toISOString()} relative />
                  </>
                )}
              </span>
              <form action={removePasskeyAction}>
                <input type="hidden" name="id" value={key.id} />
                <button type="submit" className="btn btn-small" aria-label={`Remove passkey ${key.name}`}>
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <AddPasskey />
    </section>
  );
}

const PROTOCOL_NAMES = { imap: 'IMAP', pop3: 'POP3', smtp: 'SMTP' } as const;

export async function AppPasswordsSection({ userId }: { userId: number }) {
  const passwords = await listAppPasswords(userId);
  return (
    <section className="card mb-6" aria-labelledby="app-passwords-heading" data-testid="app-passwords">
      <h2 id="app-passwords-heading" className="mb-2 font-semibold">
        App passwords
      </h2>
      <p className="mb-3 text-sm text-slate-600">
        A password of its own for each mail app, limited to what it needs, that you can revoke alone.
      </p>
      {passwords.length > 0 && (
        <div className="mb-4 overflow-x-auto">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">For</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {passwords.map((entry) => (
                <tr key={entry.id} data-app-password={entry.name}>
                  <td>{entry.name}</td>
                  <td>{entry.protocols.map((p) => PROTOCOL_NAMES[p]).join(', ')}</td>
                  <td>
                    <LocalTime iso={entry.createdAt.toISOString()} />
                  </td>
                  <td data-testid="app-password-last-used">
                    {entry.lastUsedAt ? (
                      <>
                        <LocalTime iso={entry.lastUsedAt.toISOString()} relative /> from{' '}
                        <span className="font-mono text-xs">{entry.lastUsedIp || 'unknown'}</span>
                      </>
                    ) : (
                      'never'
                    )}
                  </td>
                  <td className="text-right">
                    <form action={revokeAppPasswordAction}>
                      <input type="hidden" name="id" value={entry.id} />
                      <button
                        type="submit"
                        className="btn btn-small btn-danger"
                        aria-label={`Revoke ${entry.name}`}
                      >
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AppPasswordForm />
    </section>
  );
}
