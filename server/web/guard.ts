// For pages: turns the domain layer's refusals into real HTTP answers (403 page, 404 page).
import { forbidden, notFound } from 'next/navigation';
import { FieldError, ForbiddenError, NotFoundError } from '../domain/errors';
import { auditRefusal } from '../domain/audit';

export async function guard<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
  try {
    return await (typeof work === 'function' ? work() : work);
  } catch (error) {
    if (error instanceof ForbiddenError) {
      if (error.refused) await auditRefusal(error.refused, error.message, 'page');
      forbidden();
    }
    if (error instanceof NotFoundError || error instanceof FieldError) notFound();
    throw error;
  }
}
