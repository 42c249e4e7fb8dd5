// next-auth's sign-in, sign-out, CSRF-token and session endpoints.
import NextAuth from 'next-auth/next';
import { authOptions } from '@/server/web/auth-options';

type Context = { params: Promise<{ nextauth: string[] }> };

async function handler(request: Request, context: Context): Promise<Response> {
  const run = NextAuth(await authOptions()) as (request: Request, context: Context) => Promise<Response>;
  return run(request, context);
}

export { handler as GET, handler as POST };
export const dynamic = 'force-dynamic';
