// Database latency as the code waits for it: a Prisma query extension times every operation
// (model calls and raw queries, inside transactions too) into postroom_db_query_duration_seconds.
import { dbQueryDuration } from './metrics';

interface OperationParams {
  operation: string;
  args: unknown;
  query(args: unknown): Promise<unknown>;
}
interface Extendable {
  $extends(extension: { query: { $allOperations(params: OperationParams): Promise<unknown> } }): unknown;
}

/** The same client, its operations timed; its type is unchanged (an extension adds no model). */
export function timeQueries<Client>(client: Client): Client {
  return (client as unknown as Extendable).$extends({
    query: {
      async $allOperations({ operation, args, query }) {
        const stop = dbQueryDuration.startTimer({ operation });
        try {
          return await query(args);
        } finally {
          stop();
        }
      },
    },
  }) as Client;
}
