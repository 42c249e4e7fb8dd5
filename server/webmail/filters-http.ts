// /api/mail/filters answers: field errors by field (the builder marks each one), compile errors
// with line and column (the raw editor points at them). Other errors go to handleMail.
import { FieldError, FieldErrors } from '../domain/errors';
import { json } from './http';
import { SieveScriptError } from './filters';

export { loadFilters, saveFilterSet, saveRawScript, checkScript, turnOffFilters } from './filters';

/** Request bodies larger than this are refused before parsing (scripts are limited far lower). */
export const MAX_FILTERS_BODY = 512 * 1024;

export async function readBody(request: Request): Promise<unknown> {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_FILTERS_BODY) throw new FieldErrors({ source: 'is too large' });
  const text = await request.text();
  if (text.length > MAX_FILTERS_BODY) throw new FieldErrors({ source: 'is too large' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export async function filtersError(work: () => Promise<unknown>): Promise<Response> {
  try {
    return json(await work());
  } catch (error) {
    if (error instanceof SieveScriptError)
      return json({ error: `The script has an error: ${error.message}`, errors: error.errors }, 400);
    if (error instanceof FieldError) {
      const fields =
        error instanceof FieldErrors
          ? error.fields
          : { [error.field]: error.message.replace(`${error.field}: `, '') };
      const count = Object.keys(fields).length;
      return json(
        {
          error:
            count === 1 ? 'Please correct the marked field.' : `Please correct the ${count} marked fields.`,
          fields,
        },
        400,
      );
    }
    throw error;
  }
}
