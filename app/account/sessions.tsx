// "Where you are signed in": this account's console and webmail sessions, each with a sign-out
// button, and one button that ends them all (a lost laptop, a shared computer).
import { listWebSessions } from '@/server/auth/web-sessions';
import { describeUserAgent } from '@/server/web/user-agent';
import { LocalTime } from '@/components/ui/format';
import { Badge } from '@/components/ui/page';
import { signOutEverywhereAction, signOutSessionAction } from './actions';

export async function SessionsSection({ userId, currentId }: { userId: number; currentId: string | null }) {
  const sessions = await listWebSessions(userId);
  return (
    <section className="card mb-6" aria-labelledby="sessions-heading" data-testid="sessions">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id="sessions-heading" className="font-semibold">
          Where you are signed in
        </h2>
        <form action={signOutEverywhereAction}>
          <button type="submit" className="btn btn-small btn-danger">
            Sign out everywhere
          </button>
        </form>
      </div>
      <div className="overflow-x-auto">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.id} data-session-row={session.id === currentId ? 'current' : 'other'}>
                <td title={session.userAgent}>
                  {describeUserAgent(session.userAgent)}{' '}
                  {session.id === currentId && <Badge tone="info">this browser</Badge>}
                </td>
                <td className="font-mono text-xs">{session.clientIp || 'unknown'}</td>
                <td>
                  <LocalTime iso={session.createdAt.toISOString()} />
                </td>
                <td>
                  <LocalTime iso={session.lastSeenAt.toISOString()} relative />
                </td>
                <td className="text-right">
                  <form action={signOutSessionAction}>
                    <input type="hidden" name="session" value={session.id} />
                    <button type="submit" className="btn btn-small whitespace-nowrap">
                      Sign out
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
