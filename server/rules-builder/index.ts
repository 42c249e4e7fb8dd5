// The webmail's rule builder <-> Sieve, pure (no database): validate a filter set from a form,
// write it as Sieve, read it back from what it wrote.
export * from './types';
export { validateFilterSet, parseSize, isValidDate } from './validate';
export { generateSieve, sieveString } from './generate';
export { readFilterSet, type ReadBack } from './parse';
