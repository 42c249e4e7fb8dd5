// What a console form's server action hands back: field errors from the domain layer's
// FieldError shown beside the field, a 403 for a right the Actor lacks, or a success message.
import { unstable_rethrow } from 'next/navigation';
import { FieldError, FieldErrors, ForbiddenError, NotFoundError } from '../domain/errors';
import { logger } from '../core/logger';
import { auditRefusal } from '../domain/audit';

export interface FormState {
  ok?: boolean;
  message?: string;
  error?: string;
  status?: number;
  fieldErrors?: Record<string, string>;
  /** Echo of what was typed, so a refused form keeps its values. */
  values?: Record<string, string>;
}

export const EMPTY_FORM: FormState = {};

export function formValues(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of form.entries())
    if (typeof value === 'string' && !/password/i.test(key) && !key.startsWith('$')) values[key] = value;
  return values;
}

/** Runs a mutation and turns the domain layer's errors into form state. */
// biome-ignore lint/suspicious/noConfusingVoidType: a mutation may or may not have a message to show
export async function runForm(form: FormData | null, work: () => Promise<string | void>): Promise<FormState> {
  const values = form ? formValues(form) : undefined;
  try {
    const message = await work();
    return { ok: true, message: message ?? 'Saved.' };
  } catch (error) {
    unstable_rethrow(error);
    if (error instanceof FieldErrors)
      return {
        fieldErrors: error.fields,
        error:
          Object.keys(error.fields).length === 1
            ? 'Please correct the marked field.'
            : `Please correct the ${Object.keys(error.fields).length} marked fields.`,
        values,
      };
    if (error instanceof FieldError)
      return {
        fieldErrors: { [error.field]: error.message.replace(`${error.field}: `, '') },
        error: 'Please correct the marked field.',
        values,
      };
    if (error instanceof ForbiddenError) {
      if (error.refused) await auditRefusal(error.refused, error.message, 'form');
      return { error: `403 Forbidden: ${error.message}. Nothing was changed.`, status: 403, values };
    }
    if (error instanceof NotFoundError) return { error: error.message, status: 404, values };
    logger.error('console action failed', { error: String(error), stack: (error as Error)?.stack });
    return {
      error: 'Something went wrong on the server; nothing was changed. The server log has the details.',
      status: 500,
      values,
    };
  }
}

export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
